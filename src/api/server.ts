/**
 * The node's local HTTP API (protocol/openapi.yaml): how CLI commands reach a running node,
 * which holds the store (LevelDB allows one process). Served by fastify (http.ts), with the
 * request and answer schemas of protocol/openapi.yaml (spec.ts).
 *
 * Defences, in the order they are checked:
 * - it listens on loopback only (127.0.0.0/8, ::1, localhost), checked before and after
 *   binding (`ApiNotLoopbackError` otherwise);
 * - 403 for a request with an `Origin` header (a browser) or with a `Host` header that is
 *   not our loopback address and port (DNS rebinding);
 * - 401 unless `Authorization: Bearer <token>` carries the token made at start (32 random
 *   bytes, base64url), compared in constant time;
 * - or, for the web explorer (sessions.ts, ui.ts), a session cookie from a one-time login link:
 *   it authenticates GETs (pages, `/v1/*`, `/v1/events`) from our own origin only, and a POST
 *   only with the session's CSRF token (403 `CSRF_FAILED`) to a route the explorer may write
 *   (403 `UI_READ_ONLY` otherwise, and always unless `--ui-write`);
 * - 404/405 for unknown routes; request bodies: JSON only (415), 2 MiB for publish and adopt,
 *   64 KiB otherwise (413); each request part must match its schema (400);
 * - errors: an `OosError` becomes `{ error: { code, message, path? } }` with the status of
 *   `httpStatusFor(code)`; anything else, or an answer that does not match its schema, is a
 *   500 with a generic message (the detail is logged, never sent).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { isIP } from 'node:net'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AddressInUseError, InvalidArgumentError, ListenFailedError, OosError } from '../errors.ts'
import { logger } from '../logger.ts'
import { isLoopbackHost } from '../app/address.ts'
import { toJson } from '../records/json.ts'
import { httpStatusFor, ApiNotLoopbackError, ApiNotStartedError, CsrfFailedError, ForbiddenError, InternalError, UiReadOnlyError, UnauthorizedError } from './errors.ts'
import { UiSessions, type Session, type UiOptions } from './sessions.ts'
import { errorPage } from '../web/pages/error.ts'
import { escapeJsonText } from '../oos/text.ts'
import { UI_WRITES, type Route, type Served, type UiLink } from './routes.ts'
import { sendEvents } from './sse.ts'
import type { ApiHandlers, ApiStats } from './types.ts'

/** DEL, C1 and bidi controls as \u escapes: the same JSON value, safe to print (BODY.md §5.6) */
export const jsonText = (value: unknown): string => escapeJsonText(JSON.stringify(value))

/** on every answer */
export const ANSWER_HEADERS: Readonly<Record<string, string>> = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' }

/** on every page of the explorer: no inline script, nothing from elsewhere, never framed, no referrer (a login link's code) */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  ...ANSWER_HEADERS,
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer'
}

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
  /** the web explorer's sessions (`/ui/*`): writes, link and session lifetimes */
  ui?: UiOptions
  /** the `: ping` comment of an event stream every this many ms (default 15 s) */
  pingMs?: number
}

export interface ApiServerComponents {
  handlers: ApiHandlers
}

export class ApiServer {
  readonly handlers: ApiHandlers
  /** the web explorer's login links and sessions */
  readonly ui: UiSessions
  private readonly served: Served
  private readonly host: string
  private readonly port: number
  private readonly graceMs: number
  private readonly pingMs: number
  private readonly log = logger('oosnet:api')
  private app?: FastifyInstance
  private bound?: { host: string, port: number }
  private hosts = new Set<string>()
  private tokenValue?: string
  private tokenHash?: Buffer
  private readonly inflight = new Set<AbortController>()
  private readonly signals = new WeakMap<FastifyRequest, AbortController>()
  private counts: ApiStats = { requests: 0, errors: 0, byStatus: {}, byCode: {} }

  constructor (components: ApiServerComponents, init: ApiServerInit = {}) {
    this.handlers = components.handlers
    this.ui = new UiSessions(init.ui)
    // the app, and what only the transport can answer (prototype-linked: the handlers object stays the one given)
    this.served = Object.assign(Object.create(components.handlers) as ApiHandlers, { uiLink: async () => this.uiLink() })
    this.host = init.host ?? '127.0.0.1'
    this.port = init.port ?? 0
    this.graceMs = init.graceMs ?? 2000
    this.pingMs = init.pingMs ?? 15_000
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

  /** The session cookie's name: per port, since cookies do not tell ports apart (RFC 6265 §8.5). */
  get cookieName (): string {
    return `oos_session_${this.address().port}`
  }

  /** A one-time login link for the web explorer (`POST /v1/ui/link`). */
  uiLink (): UiLink {
    const { code, expiresAt } = this.ui.link()
    return { url: `${this.url}/ui/login?code=${code}`, expiresAt: new Date(expiresAt).toISOString() }
  }

  /** The live session of a request (its cookie), if any. */
  session (req: IncomingMessage): Session | undefined {
    return this.bound === undefined ? undefined : this.ui.session(req, this.cookieName)
  }

  stats (): ApiStats {
    return { ...this.counts, byStatus: { ...this.counts.byStatus }, byCode: { ...this.counts.byCode } }
  }

  async start (): Promise<void> {
    if (this.app !== undefined) return
    if (!isLoopbackHost(this.host)) throw new ApiNotLoopbackError(`the API listens on loopback only (127.0.0.0/8, ::1, localhost), not ${JSON.stringify(this.host)}`)
    if (!Number.isInteger(this.port) || this.port < 0 || this.port > 65535) throw new InvalidArgumentError(`bad API port ${this.port}`)
    // fastify, Ajv and the spec are loaded when a server starts, not by every importer of this module (the CLI)
    const { buildApp } = await import('./http.ts')
    const app = buildApp(this)
    await app.ready()
    // listened on here, not with app.listen(): that would bind `localhost` to every address it resolves to
    const server = app.server
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => { reject(listenError(err, `${this.host}:${this.port}`)) }
      server.once('error', onError)
      server.listen({ host: this.host.replace(/^\[(.*)\]$/, '$1'), port: this.port, exclusive: true }, () => { server.off('error', onError); resolve() })
    }).catch(async (err: unknown) => { await app.close(); throw err })
    const a = server.address() as AddressInfo
    if (!isLoopbackHost(a.address)) {
      // `localhost` resolved to something else
      await new Promise<void>(resolve => { server.close(() => { resolve() }) })
      await app.close()
      throw new ApiNotLoopbackError(`${this.host} resolved to ${a.address}, which is not loopback; refusing to serve the API there`)
    }
    server.on('error', (err) => { this.log.error('server error: %e', err) })
    this.app = app
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
    const app = this.app
    if (app === undefined) return
    const server = app.server
    this.app = undefined
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
    await app.close()
  }

  // ---- what the fastify app's hooks and routes call (http.ts) --------------------------

  /** onRequest: counted, given an abort signal (aborted when the client goes or the server stops), then checked. */
  admit (req: FastifyRequest, reply: FastifyReply): void {
    this.counts.requests++
    const ac = new AbortController()
    this.inflight.add(ac)
    this.signals.set(req, ac)
    reply.raw.on('close', () => {
      this.inflight.delete(ac)
      if (!reply.raw.writableFinished) ac.abort()
    })
    const refused = this.refusal(req.raw)
    if (refused !== undefined) throw refused
  }

  /**
   * Why a request is refused before anything else is done with it: 403 before 401, so a
   * browser or a rebound name learns nothing, not even that a token is needed.
   */
  refusal (req: IncomingMessage): OosError | undefined {
    const path = (req.url ?? '').split('?')[0]
    const session = this.session(req)
    if (session !== undefined || path === '/ui' || path.startsWith('/ui/')) return this.browserRefusal(req, path, session)
    if (req.headers.origin !== undefined) return new ForbiddenError('requests from browsers (with an Origin header) are refused')
    const host = req.headers.host?.toLowerCase()
    if (host === undefined || !this.hosts.has(host)) return new ForbiddenError(`Host ${JSON.stringify(req.headers.host ?? '')} is not this API's loopback address`)
    if (!this.authorized(req.headers.authorization)) return new UnauthorizedError('a valid bearer token is required (Authorization: Bearer <token> from api.json)')
    return undefined
  }

  /**
   * A browser's request (a `/ui/` page, or any request with a live session cookie): from our
   * own origin only; the login link and static files need no session; GETs need one; a POST
   * needs the session's CSRF token and a route the explorer may write.
   */
  private browserRefusal (req: IncomingMessage, path: string, session: Session | undefined): OosError | undefined {
    const host = req.headers.host?.toLowerCase()
    if (host === undefined || !this.hosts.has(host)) return new ForbiddenError(`Host ${JSON.stringify(req.headers.host ?? '')} is not this API's loopback address`)
    const origin = req.headers.origin
    if (origin !== undefined && origin.toLowerCase() !== `http://${host}`) return new ForbiddenError('requests from another origin are refused')
    const site = req.headers['sec-fetch-site']
    if (site !== undefined && site !== 'same-origin' && site !== 'none') return new ForbiddenError(`requests from another site (${String(site)}) are refused`)
    if (req.method === 'GET' && (path === '/ui' || path === '/ui/login' || path.startsWith('/ui/static/'))) return undefined
    if (session === undefined) return new UnauthorizedError('not logged in: run `oos ui` for a login link')
    if (req.method !== 'POST') return undefined
    if (!this.ui.csrfOk(req, session)) return new CsrfFailedError('a POST from the web explorer needs its CSRF token (the X-CSRF-Token header)')
    if (!this.ui.write || !UI_WRITES.has(path)) return new UiReadOnlyError(this.ui.write ? `the web explorer cannot POST ${path}` : 'the web explorer is read-only (start the node with --ui-write to endorse and dispute from it)')
    return undefined
  }

  signal (req: FastifyRequest): AbortSignal | undefined {
    return this.signals.get(req)?.signal
  }

  /** The answer of a route: `GET /v1/status` carries the API's own counters. */
  async answer (route: Route, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const r = { params: req.params as Record<string, string>, query: (req.query ?? {}) as Record<string, unknown>, body: (req.body ?? {}) as Record<string, unknown> }
    const signal = this.signal(req)
    const result = await route.run(this.served, r, { signal })
    if (route.stream === true) {
      this.sent(200)
      await sendEvents(reply, result as AsyncIterable<{ id: string, kind: string }>, { signal, pingMs: this.pingMs, text: e => jsonText(toJson(e)) })
      return undefined
    }
    if (route.text !== undefined) {
      reply.code(200).headers(ANSWER_HEADERS).type(route.text)
      return result
    }
    const value = route.path === '/v1/status' ? { ...(result as object), api: this.stats() } : result
    reply.code(200).headers(ANSWER_HEADERS).type('application/json; charset=utf-8')
    return toJson(value)
  }

  private authorized (header: string | undefined): boolean {
    const m = /^Bearer +([A-Za-z0-9_-]{1,512})\s*$/i.exec(header ?? '')
    if (m === null || this.tokenHash === undefined) return false
    // hashing first makes both sides 32 bytes, so the comparison leaks not even the length
    return timingSafeEqual(createHash('sha256').update(m[1]).digest(), this.tokenHash)
  }

  /** onSend: counts an answer (an error is counted by `fail`, which knows its code) */
  sent (status: number): void {
    if (status < 400) this.count(status)
  }

  private count (status: number, code?: string): void {
    this.counts.byStatus[status] = (this.counts.byStatus[status] ?? 0) + 1
    if (status >= 400) {
      this.counts.errors++
      this.counts.byCode[code ?? 'UNKNOWN'] = (this.counts.byCode[code ?? 'UNKNOWN'] ?? 0) + 1
    }
  }

  /** The error answer `{ error: { code, message, path?, details? } }`; anything not an oosnet error is a generic 500. */
  fail (req: FastifyRequest, reply: FastifyReply, err: unknown): void {
    const method = req.method
    const pathname = req.url.split('?')[0]
    const known = err instanceof OosError ? err : undefined
    let status: number
    let error: { code: string, message: string, path?: string, details?: Record<string, unknown> }
    if (known !== undefined && known.code !== 'INTERNAL') {
      status = httpStatusFor(known.code)
      error = { code: known.code, message: known.message, ...(known.path !== undefined ? { path: known.path } : {}), ...(known.details !== undefined ? { details: known.details } : {}) }
      if (status >= 500) this.log.error('%s %s: %s %s', method, pathname, known.code, known.message)
      else this.log('%s %s: %d %s', method, pathname, status, known.code)
    } else {
      status = 500
      const e = new InternalError('internal error in the node (see its log)')
      error = { code: e.code, message: e.message }
      this.log.error('%s %s failed: %e', method, pathname, err)
    }
    if (reply.sent) return
    this.count(status, error.code)
    const headers: Record<string, string> = { ...ANSWER_HEADERS }
    if (status === 401) headers['www-authenticate'] = 'Bearer'
    const allow = (err as { allow?: unknown } | undefined)?.allow
    if (status === 405 && typeof allow === 'string') headers.allow = allow
    // whatever of the request body is still unread is read and discarded, so the client sees this answer
    if (!req.raw.complete) req.raw.resume()
    // a page of the explorer fails as a page (the error's text escaped), the rest as JSON
    if (pathname.startsWith('/ui/') && !pathname.startsWith('/ui/static/')) {
      void reply.code(status).headers({ ...headers, ...PAGE_HEADERS }).type('text/html; charset=utf-8').send(errorPage(status, error))
      return
    }
    void reply.code(status).headers(headers).type('application/json; charset=utf-8').serializer(jsonText).send({ error })
  }
}

/** The typed error of a failed listen: the port is taken, or the address is not one of this host. */
function listenError (err: NodeJS.ErrnoException, where: string): Error {
  if (err.code === 'EADDRINUSE') return new AddressInUseError(`the API address ${where} is in use by another process`, { cause: err })
  if (err.code === 'EADDRNOTAVAIL' || err.code === 'EACCES' || err.code === 'ENOTFOUND') return new ListenFailedError(`the API cannot listen on ${where}: ${err.code}`, { cause: err })
  return err
}

/** `apiServer({ host, port })({ handlers })`: the API server of a node (not started). */
export function apiServer (init: ApiServerInit = {}): (components: ApiServerComponents) => ApiServer {
  return (components) => new ApiServer(components, init)
}
