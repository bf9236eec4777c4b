/**
 * Typed errors of the local HTTP API (src/api). The HTTP status each code (of the API and
 * of the rest of oosnet) maps to is `httpStatusFor` in server.ts, documented in
 * protocol/openapi.yaml.
 */
import { errorClass } from '../errors.ts'

/** 400 (BAD_REQUEST): a request that is not JSON, or JSON of the wrong shape. */
export { BadRequestError } from '../errors.ts'
/** 409 (NO_ORG_KEY): the node was started without the org key, so it cannot sign. */
export { NoOrgKeyError } from '../node/errors.ts'

/** The API was asked to listen on an address that is not loopback. */
export class ApiNotLoopbackError extends errorClass('ApiNotLoopbackError', 'API_NOT_LOOPBACK') {}
/** `address()` / `token` / `url` of a server that is not running. */
export class ApiNotStartedError extends errorClass('ApiNotStartedError', 'API_NOT_STARTED') {}
/** 401: no bearer token, or the wrong one. */
export class UnauthorizedError extends errorClass('UnauthorizedError', 'UNAUTHORIZED') {}
/** 403: a browser request (Origin header) or a Host header that is not our loopback address. */
export class ForbiddenError extends errorClass('ForbiddenError', 'FORBIDDEN') {}
/** 405: a known path with another method. */
export class MethodNotAllowedError extends errorClass('MethodNotAllowedError', 'METHOD_NOT_ALLOWED') {}
/** 413: a request body over the route's limit. */
export class PayloadTooLargeError extends errorClass('PayloadTooLargeError', 'PAYLOAD_TOO_LARGE') {}
/** 415: a request body that is not `application/json`. */
export class UnsupportedMediaTypeError extends errorClass('UnsupportedMediaTypeError', 'UNSUPPORTED_MEDIA_TYPE') {}
/** 409: what we published collided with another version of the same seq held here. */
export class PublishConflictError extends errorClass('PublishConflictError', 'PUBLISH_CONFLICT') {}
/** 500 (INTERNAL): anything unexpected (the detail is logged by the node, never sent). */
export { InternalError } from '../errors.ts'
/** Client side: the node's API did not answer, or answered something that is not this API. */
export class ApiUnavailableError extends errorClass('ApiUnavailableError', 'API_UNAVAILABLE') {}
