/**
 * The node's local HTTP API (protocol/openapi.yaml): how CLI commands reach a running node,
 * which holds the store (LevelDB allows one process).
 *
 * Defences, in the order they are checked:
 * - it listens on loopback only (127.0.0.0/8, ::1, localhost), checked before and after
 *   binding (`ApiNotLoopbackError` otherwise);
 * - 403 for a request with an `Origin` header (a browser) or with a `Host` header that is
 *   not our loopback address and port (DNS rebinding);
 * - 401 unless `Authorization: Bearer <token>` carries the token made at start (32 random
 *   bytes, base64url), compared in constant time;
 * - request bodies: JSON only (415), 2 MiB for publish and 64 KiB otherwise (413);
 * - errors: an `OosError` becomes `{ error: { code, message, path? } }` with the status of
 *   `httpStatusFor(code)`; anything else is a 500 with a generic message (the detail is
 *   logged, never sent).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { isIP, type AddressInfo } from 'node:net'
import { isLoopbackHost } from '../app/address.ts'
import { AddressInUseError, InvalidArgumentError, ListenFailedError, OosError } from '../errors.ts'
import { logger } from '../logger.ts'
import { toJson } from '../records/json.ts'
import {
  httpStatusFor, ApiNotLoopbackError, ApiNotStartedError, BadRequestError, ForbiddenError, InternalError,
  PayloadTooLargeError, UnauthorizedError, UnsupportedMediaTypeError
} from './errors.ts'
import { BODY_LIMIT, match } from './routes.ts'
import type { ApiHandlers, ApiStats } from './types.ts'
import { escapeJsonText } from '../oos/text.ts'

export { API_ROUTES, BODY_LIMIT, KiB, MiB, PUBLISH_BODY_LIMIT, ROUTES } from './routes.ts'
export { ERROR_STATUS, httpStatusFor } from './errors.ts'
export { isLoopbackHost } from '../app/address.ts'

// ---- the server ---------------------------------------------------------------------

export interface ApiServerInit {
  /** default 127.0.0.1; must be loopback */
  host?: string
  /** default 0: any free port */
  port?: number
  /** how long stop() lets requests in flight finish before closing their connections (ms, default 2000) */
  graceMs?: number
}

export interface ApiServerComponents {
  handlers: ApiHandlers
}

export class ApiServer {
  private readonly handlers: ApiHandlers
  private readonly host: string
  private readonly port: number
  private readonly graceMs: number
  private readonly log = logger('oosnet:api')
  private server?: Server
  private bound?: { host: string, port: number }
  private hosts = new Set<string>()
  private tokenValue?: string
  private tokenHash?: Buffer
  private readonly inflight = new Set<AbortController>()
  private counts: ApiStats = { requests: 0, errors: 0, byStatus: {}, byCode: {} }

  constructor (components: ApiServerComponents, init: ApiServerInit = {}) {
    this.handlers = components.handlers
    this.host = init.host ?? '127.0.0.1'
    this.port = init.port ?? 0
    this.graceMs = init.graceMs ?? 2000
  }

  /** The bearer token of this run (made at start). */
  get token (): string {
    if (this.tokenValue === undefined) throw new ApiNotStartedError('the API server is not running')
    return this.tokenValue
  }

  /** The bound address. */
  address (): { host: string, port: number } {
    if (this.bound === undefined) throw new ApiNotStartedError('the API server is not running')
    return { ...this.bound }
  }

  /** `http://127.0.0.1:PORT` (IPv6 in brackets) */
  get url (): string {
    const { host, port } = this.address()
    return `http://${isIP(host) === 6 ? `[${host}]` : host}:${port}`
  }

  stats (): ApiStats {
    return { ...this.counts, byStatus: { ...this.counts.byStatus }, byCode: { ...this.counts.byCode } }
  }

  async start (): Promise<void> {
    if (this.server !== undefined) return
    if (!isLoopbackHost(this.host)) throw new ApiNotLoopbackError(`the API listens on loopback only (127.0.0.0/8, ::1, localhost), not ${JSON.stringify(this.host)}`)
    if (!Number.isInteger(this.port) || this.port < 0 || this.port > 65535) throw new InvalidArgumentError(`bad API port ${this.port}`)
    const server = createServer({ requestTimeout: 60_000, headersTimeout: 10_000, keepAliveTimeout: 5_000 }, (req, res) => { void this.handle(req, res) })
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => { reject(listenError(err, `${this.host}:${this.port}`)) }
      server.once('error', onError)
      server.listen({ host: this.host.replace(/^\[(.*)\]$/, '$1'), port: this.port, exclusive: true }, () => { server.off('error', onError); resolve() })
    })
    const a = server.address() as AddressInfo
    if (!isLoopbackHost(a.address)) {
      // `localhost` resolved to something else
      await new Promise<void>(resolve => { server.close(() => { resolve() }) })
      throw new ApiNotLoopbackError(`${this.host} resolved to ${a.address}, which is not loopback; refusing to serve the API there`)
    }
    server.on('error', (err) => { this.log.error('server error: %e', err) })
    this.server = server
    this.bound = { host: a.address, port: a.port }
    const literal = isIP(a.address) === 6 ? `[${a.address}]` : a.address
    const names = new Set(['localhost', literal.toLowerCase()])
    if (isIP(this.host) !== 0) names.add((isIP(this.host) === 6 && !this.host.startsWith('[') ? `[${this.host}]` : this.host).toLowerCase())
    this.hosts = new Set([...names].flatMap(n => a.port === 80 ? [n, `${n}:80`] : [`${n}:${a.port}`]))
    this.tokenValue = randomBytes(32).toString('base64url')
    this.tokenHash = createHash('sha256').update(this.tokenValue).digest()
    this.log('API listening on %s', this.url)
  }

  async stop (): Promise<void> {
    const server = this.server
    if (server === undefined) return
    this.server = undefined
    this.bound = undefined
    this.tokenValue = undefined
    this.tokenHash = undefined
    for (const ac of this.inflight) ac.abort()
    const closed = new Promise<void>(resolve => { server.close(() => { resolve() }) })
    server.closeIdleConnections()
    const timer = setTimeout(() => { server.closeAllConnections() }, this.graceMs)
    try {
      await closed
    } finally {
      clearTimeout(timer)
    }
  }

  private async handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.counts.requests++
    const ac = new AbortController()
    this.inflight.add(ac)
    res.on('close', () => {
      this.inflight.delete(ac)
      if (!res.writableFinished) ac.abort()
    })
    const method = req.method ?? ''
    let pathname = '?'
    try {
      // 403 before 401: a browser or a rebound name learns nothing, not even that a token is needed
      if (req.headers.origin !== undefined) throw new ForbiddenError('requests from browsers (with an Origin header) are refused')
      const host = req.headers.host?.toLowerCase()
      if (host === undefined || !this.hosts.has(host)) throw new ForbiddenError(`Host ${JSON.stringify(req.headers.host ?? '')} is not this API's loopback address`)
      if (!this.authorized(req.headers.authorization)) throw new UnauthorizedError('a valid bearer token is required (Authorization: Bearer <token> from api.json)')
      const url = new URL(req.url ?? '/', 'http://api.invalid')
      pathname = url.pathname
      const { route, params } = match(method, pathname)
      for (const k of new Set(url.searchParams.keys())) {
        if (!(route.query ?? []).includes(k)) throw new BadRequestError(`unknown query parameter ${JSON.stringify(k)}`, { path: k })
      }
      let body: Record<string, unknown> = {}
      if (route.method === 'POST') {
        const type = req.headers['content-type'] ?? ''
        if (!/^application\/json\s*(;\s*charset=("?)utf-8\2\s*)?$/i.test(type)) throw new UnsupportedMediaTypeError('the request body must be application/json')
        body = parseJson(await readBody(req, route.limit ?? BODY_LIMIT))
      } else {
        await readBody(req, BODY_LIMIT) // ignored, but limited like any other
      }
      const result = await route.run(this.handlers, { params, query: url.searchParams, body }, { signal: ac.signal })
      const value = route.path === '/v1/status' ? { ...(result as object), api: this.stats() } : result
      this.send(res, 200, toJson(value))
    } catch (err) {
      this.fail(req, res, method, pathname, err)
    }
  }

  private authorized (header: string | undefined): boolean {
    const m = /^Bearer +([A-Za-z0-9_-]{1,512})\s*$/i.exec(header ?? '')
    if (m === null || this.tokenHash === undefined) return false
    // hashing first makes both sides 32 bytes, so the comparison leaks not even the length
    return timingSafeEqual(createHash('sha256').update(m[1]).digest(), this.tokenHash)
  }

  private fail (req: IncomingMessage, res: ServerResponse, method: string, pathname: string, err: unknown): void {
    let status: number
    let error: { code: string, message: string, path?: string }
    if (err instanceof OosError) {
      status = httpStatusFor(err.code)
      error = { code: err.code, message: err.message, ...(err.path !== undefined ? { path: err.path } : {}) }
      if (status >= 500) this.log.error('%s %s: %s %s', method, pathname, err.code, err.message)
      else this.log('%s %s: %d %s', method, pathname, status, err.code)
    } else {
      status = 500
      const e = new InternalError('internal error in the node (see its log)')
      error = { code: e.code, message: e.message }
      this.log.error('%s %s failed: %e', method, pathname, err)
    }
    const headers: Record<string, string> = {}
    if (status === 401) headers['www-authenticate'] = 'Bearer'
    const allow = (err as { allow?: unknown } | undefined)?.allow
    if (status === 405 && typeof allow === 'string') headers.allow = allow
    // whatever of the request body is still unread is read and discarded, so the client sees this answer
    if (!req.complete) req.resume()
    this.send(res, status, { error }, headers)
  }

  private send (res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
    this.counts.byStatus[status] = (this.counts.byStatus[status] ?? 0) + 1
    if (status >= 400) {
      this.counts.errors++
      const code = (value as { error?: { code?: string } }).error?.code ?? 'UNKNOWN'
      this.counts.byCode[code] = (this.counts.byCode[code] ?? 0) + 1
    }
    if (res.headersSent || res.destroyed) return
    // DEL, C1 and bidi controls as \u escapes: the same JSON value, safe to print (BODY.md §5.6)
    const text = escapeJsonText(JSON.stringify(value))
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      ...headers
    })
    res.end(text)
  }
}

/** The typed error of a failed listen: the port is taken, or the address is not one of this host. */
function listenError (err: NodeJS.ErrnoException, where: string): Error {
  if (err.code === 'EADDRINUSE') return new AddressInUseError(`the API address ${where} is in use by another process`, { cause: err })
  if (err.code === 'EADDRNOTAVAIL' || err.code === 'EACCES' || err.code === 'ENOTFOUND') return new ListenFailedError(`the API cannot listen on ${where}: ${err.code}`, { cause: err })
  return err
}

async function readBody (req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers['content-length']
  if (declared !== undefined && Number(declared) > limit) throw new PayloadTooLargeError(`the request body is ${declared} bytes; the limit here is ${limit}`)
  const chunks: Buffer[] = []
  let size = 0
  // not destroyed on an early exit: the rest is drained so that the client reads our 413
  for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > limit) throw new PayloadTooLargeError(`the request body is over the limit of ${limit} bytes here`)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

function parseJson (bytes: Buffer): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    throw new BadRequestError('the request body is not valid JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new BadRequestError('the request body must be a JSON object')
  return value as Record<string, unknown>
}

/** `apiServer({ host, port })({ handlers })`: the API server of a node (not started). */
export function apiServer (init: ApiServerInit = {}): (components: ApiServerComponents) => ApiServer {
  return (components) => new ApiServer(components, init)
}
