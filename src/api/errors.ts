/**
 * Typed errors of the local HTTP API (src/api). The HTTP status each code (of the API and
 * of the rest of oosnet) maps to is `ERROR_STATUS` below, documented in
 * protocol/openapi.yaml.
 */
import { errorClass, isErrorCode, type ErrorCode } from '../errors.ts'

/** 400 (BAD_REQUEST): a request that is not JSON, or JSON of the wrong shape. */
export { BadRequestError } from '../errors.ts'
/** 409 (NO_ORG_KEY): the node was started without the org key, so it cannot sign. */
export { NoOrgKeyError } from '../errors.ts'

/** The API was asked to listen on an address that is not loopback. */
export class ApiNotLoopbackError extends errorClass('ApiNotLoopbackError', 'API_NOT_LOOPBACK') {}
/** `address()` / `token` / `url` of a server that is not running. */
export class ApiNotStartedError extends errorClass('ApiNotStartedError', 'API_NOT_STARTED') {}
/** 401: no bearer token, or the wrong one. */
export class UnauthorizedError extends errorClass('UnauthorizedError', 'UNAUTHORIZED') {}
/** 403: a browser request (Origin header) or a Host header that is not our loopback address. */
export class ForbiddenError extends errorClass('ForbiddenError', 'FORBIDDEN') {}
/** 403: a POST of the web explorer (a session cookie) without the session's CSRF token. */
export class CsrfFailedError extends errorClass('CsrfFailedError', 'CSRF_FAILED') {}
/** 403: a POST of the web explorer when it is read-only (no `--ui-write`) or to a route it may not write. */
export class UiReadOnlyError extends errorClass('UiReadOnlyError', 'UI_READ_ONLY') {}
/** 401: a login link of the web explorer that is unknown, used already or expired. */
export class LoginLinkInvalidError extends errorClass('LoginLinkInvalidError', 'LOGIN_LINK_INVALID') {}
/** 405: a known path with another method. */
export class MethodNotAllowedError extends errorClass('MethodNotAllowedError', 'METHOD_NOT_ALLOWED') {}
/** 413: a request body over the route's limit. */
export class PayloadTooLargeError extends errorClass('PayloadTooLargeError', 'PAYLOAD_TOO_LARGE') {}
/** 415: a request body that is not `application/json`. */
export class UnsupportedMediaTypeError extends errorClass('UnsupportedMediaTypeError', 'UNSUPPORTED_MEDIA_TYPE') {}
/** 409: what we published collided with another version of the same seq held here (an app condition). */
export { PublishConflictError } from '../app/errors.ts'
/** 500 (INTERNAL): anything unexpected (the detail is logged by the node, never sent). */
export { InternalError } from '../errors.ts'
/** Client side: the node's API did not answer, or answered something that is not this API. */
export class ApiUnavailableError extends errorClass('ApiUnavailableError', 'API_UNAVAILABLE') {}

/**
 * HTTP status of each error code (protocol/openapi.yaml). Typed by `ErrorCode`: a code added to
 * the catalogue (src/errors.ts) without a status here does not compile.
 */
export const ERROR_STATUS: Readonly<Record<ErrorCode, number>> = {
  // 400: the request or the document in it
  BAD_REQUEST: 400,
  INVALID_ARGUMENT: 400,
  INVALID_DID: 400,
  PARSE_ERROR: 400,
  SCHEMA_INVALID: 400,
  LIMIT_EXCEEDED: 400,
  UNCHANGED_BODY: 400,
  // a file path the node will not write (node/files.ts) or a file that is not a CAR
  PATH_INVALID: 400,
  CAR_INVALID: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  // the web explorer's sessions (api/sessions.ts)
  CSRF_FAILED: 403,
  UI_READ_ONLY: 403,
  LOGIN_LINK_INVALID: 401,
  // an ORG argument that names several orgs known here, or our own org to follow (app/names.ts)
  AMBIGUOUS_ORG: 400,
  FOLLOW_SELF: 400,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  // 409: the node's state does not allow it
  NO_ORG_KEY: 409,
  PUBLISH_CONFLICT: 409,
  PATH_EXISTS: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  // 422: the ingest door rejected the record (SPEC §9)
  RECORD_TOO_LARGE: 422,
  DECODE_FAILED: 422,
  NON_CANONICAL: 422,
  UNKNOWN_KIND: 422,
  VERSION_MISMATCH: 422,
  DERIVED_MISMATCH: 422,
  BAD_SIGNATURE: 422,
  CID_MISMATCH: 422,
  SEQ_GAP: 422,
  WRONG_PREV: 422,
  TIME_REGRESSION: 422,
  UNAUTHORIZED_KEY: 422,
  UNKNOWN_TARGET: 422,
  NOT_AUTHOR: 422,
  STALE_RECORD: 422,
  INTERNAL: 500,
  // a follow's --via peers did not answer (the follow is recorded and retried)
  UNREACHABLE: 502,
  // the node's disk is full
  NO_SPACE: 507,
  // a replay in memory would exceed its budget and may not spill to disk (SPEC §9)
  STORE_FULL: 507,
  // the store is closing or closed: the node is stopping
  STORE_NOT_STARTED: 503,
  // a verify worker died on the record each time (SPEC §9): not judged, may be tried again
  WORKER_FAILED: 503,
  // not raised by a handler of the API (the CLI's, the network's, the files'): as any OosError, a problem with the request
  BAD_HEAD_RECORD: 400, INVALID_UTF8: 400, ROOT_MISSING: 400, USAGE: 400, ADDRESS_IN_USE: 400, LISTEN_FAILED: 400,
  STORE_LOCKED: 400, NODE_NOT_RUNNING: 400, STOP_TIMEOUT: 400, HOME_NOT_FOUND: 400, HOME_EXISTS: 400, HOME_CORRUPT: 400,
  WRONG_PASSPHRASE: 400, KEYSTORE_CORRUPT: 400, KEYSTORE_NOT_FOUND: 400, KEYSTORE_EXPOSED: 400, KEYSTORE_EXISTS: 400, NO_PASSPHRASE: 400,
  VERIFICATION_FAILED: 400, NOT_STARTED: 400, ABORTED: 400, TIMEOUT: 400, RATE_LIMITED: 400, FRAME_TOO_LARGE: 400,
  UNEXPECTED_BLOCK: 400, SLOW_READER: 400, OVERLOADED: 400, MALFORMED_FRAME: 400, TRUNCATED_FRAME: 400, STREAM_RESET: 400,
  DIAL_FAILED: 400, DIAL_TIMEOUT: 400, BAD_ANNOUNCEMENT: 400, BAD_GOSSIP: 400, API_NOT_LOOPBACK: 400, API_NOT_STARTED: 400,
  API_UNAVAILABLE: 400
}

/** The status of a code; a string that is not one of our codes: 400 (an `OosError` is a problem with the request). */
export function httpStatusFor (code: string): number {
  return isErrorCode(code) ? ERROR_STATUS[code] : 400
}
