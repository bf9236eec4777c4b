/**
 * Base of every typed error in oosnet. Each condition has its own class with a stable
 * `name` and a stable `code` (the codes are listed in protocol/SPEC.md §9); callers
 * switch on `code`, never on message text.
 */
/**
 * Every error code of oosnet, as listed in protocol/SPEC.md §9 (tests/errors.test.ts checks
 * the two lists are the same). `errorClass` takes only these, and the API's status map is a
 * `Record<ErrorCode, number>`: a code added here without a status does not compile.
 */
export const ERROR_CODES = [
  'RECORD_TOO_LARGE', 'DECODE_FAILED', 'NON_CANONICAL', 'UNKNOWN_KIND', 'SCHEMA_INVALID', 'LIMIT_EXCEEDED',
  'VERSION_MISMATCH', 'DERIVED_MISMATCH', 'BAD_SIGNATURE', 'CID_MISMATCH', 'SEQ_GAP', 'WRONG_PREV',
  'TIME_REGRESSION', 'UNAUTHORIZED_KEY', 'UNKNOWN_TARGET', 'NOT_AUTHOR', 'STALE_RECORD', 'BAD_HEAD_RECORD',
  'PARSE_ERROR', 'UNREACHABLE', 'INVALID_UTF8', 'PATH_EXISTS', 'PATH_INVALID', 'NO_SPACE',
  'CAR_INVALID', 'ROOT_MISSING', 'USAGE', 'ADDRESS_IN_USE', 'LISTEN_FAILED', 'STORE_LOCKED',
  'NODE_NOT_RUNNING', 'STOP_TIMEOUT', 'HOME_NOT_FOUND', 'HOME_EXISTS', 'HOME_CORRUPT', 'INVALID_DID',
  'WRONG_PASSPHRASE', 'KEYSTORE_CORRUPT', 'KEYSTORE_NOT_FOUND', 'KEYSTORE_EXPOSED', 'KEYSTORE_EXISTS', 'NO_PASSPHRASE',
  'NO_ORG_KEY', 'UNCHANGED_BODY', 'PUBLISH_CONFLICT', 'NOT_FOUND', 'INVALID_ARGUMENT', 'VERIFICATION_FAILED',
  'STORE_NOT_STARTED', 'STORE_FULL', 'NOT_STARTED', 'ABORTED', 'TIMEOUT', 'INTERNAL', 'WORKER_FAILED',
  'BAD_REQUEST', 'RATE_LIMITED', 'FRAME_TOO_LARGE', 'UNEXPECTED_BLOCK', 'SLOW_READER', 'OVERLOADED',
  'MALFORMED_FRAME', 'TRUNCATED_FRAME', 'STREAM_RESET', 'DIAL_FAILED', 'DIAL_TIMEOUT', 'BAD_ANNOUNCEMENT',
  'BAD_GOSSIP', 'UNAUTHORIZED', 'FORBIDDEN', 'METHOD_NOT_ALLOWED', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE',
  'API_NOT_LOOPBACK', 'API_NOT_STARTED', 'API_UNAVAILABLE', 'AMBIGUOUS_ORG', 'FOLLOW_SELF',
  'CSRF_FAILED', 'UI_READ_ONLY', 'LOGIN_LINK_INVALID'
] as const

/** A stable error code (SPEC §9). */
export type ErrorCode = typeof ERROR_CODES[number]

const CODES: ReadonlySet<string> = new Set(ERROR_CODES)

/** Whether a string (an API answer's, a worker's message) is one of our codes. */
export function isErrorCode (code: string): code is ErrorCode {
  return CODES.has(code)
}

export class OosError extends Error {
  /** stable machine-readable code, e.g. `BAD_SIGNATURE` */
  readonly code: string
  /** where in the input the problem is (a JSON path such as `claims[3].confidence`, or `line 12`) */
  readonly path?: string
  /**
   * what a program needs beyond the message, as plain JSON (AMBIGUOUS_ORG: its `candidates`);
   * the API sends it as `error.details` and the CLI prints it under `--json`
   */
  readonly details?: Record<string, unknown>

  constructor (code: string, message: string, options?: OosErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    if (options?.path !== undefined) this.path = options.path
    if (options?.details !== undefined) this.details = options.details
  }
}

/** What an error may carry besides its message (OosError). */
export interface OosErrorOptions { path?: string, cause?: unknown, details?: Record<string, unknown> }

/** Make an error class with a fixed name and code: `class X extends errorClass('X', 'CODE') {}`. */
export function errorClass (name: string, code: ErrorCode): new (message: string, options?: OosErrorOptions) => OosError {
  const C = class extends OosError {
    constructor (message: string, options?: OosErrorOptions) {
      super(code, message, options)
    }
  }
  Object.defineProperty(C.prototype, 'name', { value: name, writable: false, configurable: true })
  Object.defineProperty(C, 'name', { value: name })
  Object.defineProperty(C, 'code', { value: code })
  const classes = REGISTRY.get(code)
  if (classes === undefined) REGISTRY.set(code, [C])
  else classes.push(C) // a second class for one code: `errorClasses()` shows it, and a test fails on it
  return C
}

export type ErrorCtor = new (message: string, options?: OosErrorOptions) => OosError
const REGISTRY = new Map<string, ErrorCtor[]>()

/**
 * Every error class made so far (by the modules loaded), by code: a read-only view. There
 * is exactly one class per code; a subclass that adds fields (ingest's UnknownSourceError)
 * extends that class instead of making its own.
 */
export function errorClasses (): ReadonlyMap<string, readonly ErrorCtor[]> {
  return new Map([...REGISTRY].map(([code, classes]) => [code, [...classes]]))
}

/**
 * Rebuild a typed error from its code (errors cross worker-thread boundaries as plain
 * data); an unknown code gives a plain OosError with that code.
 */
export function errorFromCode (code: string, message: string, path?: string, details?: Record<string, unknown>): OosError {
  const C = REGISTRY.get(code)?.[0]
  const options = path !== undefined || details !== undefined ? { path, details } : undefined
  return C !== undefined ? new C(message, options) : new OosError(code, message, options)
}

/*
 * Codes that more than one layer raises: their one class each lives here, below every layer,
 * so that importing this module registers them (no import for its side effects). The
 * classes of one layer's own conditions stay in that layer's errors.ts.
 */

/** The caller's signal fired, or the service doing the work stopped. */
export class AbortedError extends errorClass('AbortedError', 'ABORTED') {}
/** A request (of a peer, over request/response; of a client, over the local API) that is not well formed. */
export class BadRequestError extends errorClass('BadRequestError', 'BAD_REQUEST') {}
/** Something awaited (a response, the network) did not come in time. */
export class TimeoutError extends errorClass('TimeoutError', 'TIMEOUT') {}
/** Anything unexpected: a bug, or a condition no other code names. */
export class InternalError extends errorClass('InternalError', 'INTERNAL') {}
/** A service used before `start()` or after `stop()`. */
export class NotStartedError extends errorClass('NotStartedError', 'NOT_STARTED') {}
/** A thing asked for (a version, an org, a file) is not held here. */
export class NotFoundError extends errorClass('NotFoundError', 'NOT_FOUND') {}
/** An argument (of a call, an option, an API request's field) that is not acceptable. */
export class InvalidArgumentError extends errorClass('InvalidArgumentError', 'INVALID_ARGUMENT') {}
/** The node (or the API) was started without the org key, so it cannot sign (publish, statements). */
export class NoOrgKeyError extends errorClass('NoOrgKeyError', 'NO_ORG_KEY') {}
/** A file of the home (config, follows.json, trust.json) that is not what we wrote. */
export class HomeCorruptError extends errorClass('HomeCorruptError', 'HOME_CORRUPT') {}
/** A port another process holds: the API's (`--api`) or a libp2p listen address (`--listen`). */
export class AddressInUseError extends errorClass('AddressInUseError', 'ADDRESS_IN_USE') {}
/** libp2p could not listen on an address for another reason (not an address of this host, no permission). */
export class ListenFailedError extends errorClass('ListenFailedError', 'LISTEN_FAILED') {}
/** The store is held by another process (LevelDB allows one): a node is running for the home. */
export class StoreLockedError extends errorClass('StoreLockedError', 'STORE_LOCKED') {}
/** The store is not open (not started yet, or stopping). */
export class StoreNotStartedError extends errorClass('StoreNotStartedError', 'STORE_NOT_STARTED') {}
/** A record or a statement refers to something not known here (SPEC §6). */
export class UnknownTargetError extends errorClass('UnknownTargetError', 'UNKNOWN_TARGET') {}
/** A statement about something its signer did not write (a retraction of another org's record, SPEC §6). */
export class NotAuthorError extends errorClass('NotAuthorError', 'NOT_AUTHOR') {}
/** A call (a command line, an app operation) without an argument it needs, or with ones that do not go together: the CLI exits 2. */
export class UsageError extends errorClass('UsageError', 'USAGE') {}
