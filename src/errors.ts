/**
 * Base of every typed error in oosnet. Each condition has its own class with a stable
 * `name` and a stable `code` (the codes are listed in protocol/SPEC.md §9); callers
 * switch on `code`, never on message text.
 */
export class OosError extends Error {
  /** stable machine-readable code, e.g. `BAD_SIGNATURE` */
  readonly code: string
  /** where in the input the problem is (a JSON path such as `claims[3].confidence`, or `line 12`) */
  readonly path?: string

  constructor (code: string, message: string, options?: { path?: string, cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    if (options?.path !== undefined) this.path = options.path
  }
}

/** Make an error class with a fixed name and code: `class X extends errorClass('X', 'CODE') {}`. */
export function errorClass (name: string, code: string): new (message: string, options?: { path?: string, cause?: unknown }) => OosError {
  const C = class extends OosError {
    constructor (message: string, options?: { path?: string, cause?: unknown }) {
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

export type ErrorCtor = new (message: string, options?: { path?: string, cause?: unknown }) => OosError
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
export function errorFromCode (code: string, message: string, path?: string): OosError {
  const C = REGISTRY.get(code)?.[0]
  const options = path !== undefined ? { path } : undefined
  return C !== undefined ? new C(message, options) : new OosError(code, message, options)
}

/* Codes that more than one layer raises: their one class each lives here. */

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
