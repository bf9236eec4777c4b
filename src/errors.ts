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
  if (!REGISTRY.has(code)) REGISTRY.set(code, C)
  return C
}

type ErrorCtor = new (message: string, options?: { path?: string, cause?: unknown }) => OosError
const REGISTRY = new Map<string, ErrorCtor>()

/**
 * Rebuild a typed error from its code (errors cross worker-thread boundaries as plain
 * data); an unknown code gives a plain OosError with that code.
 */
export function errorFromCode (code: string, message: string, path?: string): OosError {
  const C = REGISTRY.get(code)
  const options = path !== undefined ? { path } : undefined
  return C !== undefined ? new C(message, options) : new OosError(code, message, options)
}
