/**
 * The routes of the local API (protocol/openapi.yaml): each maps its validated request to
 * one handler call. The shape of every request (fields, types, unknown members, query
 * parameters) is checked before `run` against the operation's schemas in openapi.yaml
 * (spec.ts); `run` only does what a schema cannot say (multiaddrs, case-insensitive values).
 */
import { InvalidArgumentError, NotFoundError } from '../errors.ts'
import type { OosError } from '../errors.ts'
import { BadRequestError, MethodNotAllowedError } from './errors.ts'
import type { Evidence } from '../oos/types.ts'
import { checkAddress } from '../app/address.ts'
import type { ErrorObject, Part } from './spec.ts'
import type {
  AdoptInput, ApiHandlers, CallOptions, ClaimsInput, EndorseInput, ExportInput, FollowInput, GuideInput, PublishInput, RetractInput, SearchInput, TrustSetInput
} from './types.ts'

export const KiB = 1024
export const MiB = 1024 * KiB
/** body limit of `POST /v1/publish` */
export const PUBLISH_BODY_LIMIT = 2 * MiB
/** body limit of every other route */
export const BODY_LIMIT = 64 * KiB

/** A request as its schemas admitted it: `query` values coerced to their documented types. */
export interface Request {
  params: Record<string, string>
  query: Record<string, unknown>
  body: Record<string, unknown>
}

export interface Route {
  method: 'GET' | 'POST'
  /** OpenAPI path template, e.g. `/v1/versions/{ref}` */
  path: string
  /** the operation's `operationId` in openapi.yaml */
  operationId: string
  /** query parameters read (openapi.yaml documents exactly these) */
  query?: readonly string[]
  /** body limit in bytes (POST) */
  limit?: number
  /** `run` gives events to stream as server-sent events (text/event-stream, sse.ts), not one JSON answer */
  stream?: true
  run: (h: Served, r: Request, o: CallOptions) => Promise<unknown>
  /** the answer's media type when it is not JSON: `run` gives the text, sent as it is */
  text?: string
}

/** The Prometheus text exposition format, version 0.0.4 (what prom-client writes) */
export const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8'

/** A one-time login link of the web explorer (`POST /v1/ui/link`). */
export interface UiLink {
  /** `http://127.0.0.1:PORT/ui/login?code=…`: usable once, until `expiresAt` */
  url: string
  expiresAt: string
}

/** What routes call: the app, and what only the server can answer (its login links). */
export type Served = ApiHandlers & { uiLink?: () => Promise<UiLink> }

/** The routes a page of the web explorer may POST to (with its CSRF token, under `--ui-write`). */
export const UI_WRITES: ReadonlySet<string> = new Set(['/v1/endorse'])

/** the members of `o` that are set */
function defined<T extends Record<string, unknown>> (o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T
}

const upper = (v: unknown): string | undefined => typeof v === 'string' ? v.toUpperCase() : undefined

/** the body as its handler's input: its schema admitted it, and refuses members the input does not have */
const input = <T>(body: Record<string, unknown>): T => body as T

/** a document as publish and validate take it: `format` defaults to `md` */
function documentInput (body: Record<string, unknown>): PublishInput {
  const b = input<PublishInput>(body)
  return { document: b.document, format: b.format ?? 'md' }
}

/** The routes, in the order they are matched. Exported so tests can hold them against openapi.yaml. */
export const ROUTES: readonly Route[] = [
  { method: 'GET', path: '/v1/status', operationId: 'status', run: async (h, _r, o) => await h.status(o) },
  { method: 'POST', path: '/v1/publish', operationId: 'publish', limit: PUBLISH_BODY_LIMIT, run: async (h, { body }, o) => await h.publish(documentInput(body), o) },
  { method: 'POST', path: '/v1/validate', operationId: 'validate', limit: PUBLISH_BODY_LIMIT, run: async (h, { body }, o) => await h.validate(documentInput(body), o) },
  {
    method: 'POST',
    path: '/v1/follow',
    operationId: 'follow',
    run: async (h, { body }, o) => {
      const b = input<FollowInput>(body)
      for (const [i, a] of (b.via ?? []).entries()) {
        const r = checkAddress(a, 'optional')
        if (typeof r === 'string') throw new BadRequestError(`via[${i}] ${r}`, { path: `via[${i}]` })
      }
      return await h.follow(b, o)
    }
  },
  { method: 'POST', path: '/v1/unfollow', operationId: 'unfollow', run: async (h, { body }, o) => await h.unfollow(input<{ org: string }>(body), o) },
  {
    method: 'POST',
    path: '/v1/stop',
    operationId: 'stop',
    run: async (h, _r, o) => {
      if (h.stop === undefined) throw new NotFoundError('this API cannot stop its node')
      return await h.stop(o)
    }
  },
  { method: 'GET', path: '/v1/orgs', operationId: 'orgs', run: async (h, _r, o) => await h.orgs(o) },
  // our own org's (SPEC §9.2: an absent ORG is ours)
  { method: 'GET', path: '/v1/versions', operationId: 'showOwn', query: ['seq'], run: async (h, { query }, o) => await h.show(defined({ seq: query.seq as number | undefined }), o) },
  { method: 'GET', path: '/v1/log', operationId: 'logOwn', query: ['limit'], run: async (h, { query }, o) => await h.log(defined({ limit: query.limit as number | undefined }), o) },
  {
    method: 'GET',
    path: '/v1/versions/{ref}',
    operationId: 'show',
    query: ['seq'],
    run: async (h, { params, query }, o) => await h.show(defined({ ref: params.ref, seq: query.seq as number | undefined }), o)
  },
  {
    method: 'GET',
    path: '/v1/log/{org}',
    operationId: 'log',
    query: ['limit'],
    run: async (h, { params, query }, o) => await h.log(defined({ org: params.org, limit: query.limit as number | undefined }), o)
  },
  {
    method: 'GET',
    path: '/v1/claims',
    operationId: 'claims',
    query: ['org', 'search', 'section', 'confidence', 'evidence', 'trusted'],
    run: async (h, { query }, o) => {
      const { org, search, section } = query as Record<string, string | undefined>
      const trusted = query.trusted === true ? true : undefined
      return await h.claims(defined({ org, search, section, confidence: upper(query.confidence), evidence: upper(query.evidence), trusted }) as ClaimsInput, o)
    }
  },
  { method: 'GET', path: '/v1/verify/{cid}', operationId: 'verify', run: async (h, { params }, o) => await h.verify({ cid: params.cid }, o) },
  {
    method: 'POST',
    path: '/v1/export',
    operationId: 'exportCar',
    run: async (h, { body }, o) => {
      const { force, ...b } = input<ExportInput>(body)
      return await h.exportCar({ ...b, ...(force === true ? { force } : {}) }, o)
    }
  },
  { method: 'POST', path: '/v1/import', operationId: 'importCar', run: async (h, { body }, o) => await h.importCar(input<{ path: string }>(body), o) },
  {
    method: 'POST',
    path: '/v1/endorse',
    operationId: 'endorse',
    run: async (h, { body }, o) => {
      // the evidence type is case-insensitive, as in the format (the handler checks it)
      const { evidence, ...b } = input<EndorseInput>(body)
      return await h.endorse({ ...b, ...(evidence !== undefined ? { evidence: { type: upper(evidence.type) as Evidence, text: evidence.text } } : {}) }, o)
    }
  },
  {
    method: 'POST',
    path: '/v1/retract',
    operationId: 'retract',
    run: async (h, { body }, o) => await h.retract(input<RetractInput>(body), o)
  },
  {
    method: 'POST',
    path: '/v1/adopt',
    operationId: 'adopt',
    limit: PUBLISH_BODY_LIMIT,
    run: async (h, { body }, o) => await h.adopt(input<AdoptInput>(body), o)
  },
  { method: 'GET', path: '/v1/provenance/{cid}', operationId: 'provenance', run: async (h, { params }, o) => await h.provenance({ cid: params.cid }, o) },
  {
    method: 'GET',
    path: '/v1/search',
    operationId: 'search',
    query: ['q', 'section', 'confidence', 'trusted', 'limit'],
    run: async (h, { query }, o) => {
      const { q, section } = query as Record<string, string | undefined>
      const trusted = query.trusted === true ? true : undefined
      return await h.search(defined({ text: q ?? '', section, confidence: upper(query.confidence), trusted, limit: query.limit as number | undefined }) as SearchInput, o)
    }
  },
  {
    method: 'GET',
    path: '/v1/claims/{cid}/similar',
    operationId: 'similar',
    query: ['limit'],
    run: async (h, { params, query }, o) => await h.similar(defined({ cid: params.cid, limit: query.limit as number | undefined }), o)
  },
  { method: 'GET', path: '/v1/trust', operationId: 'trust', run: async (h, _r, o) => await h.trust(o) },
  {
    method: 'POST',
    path: '/v1/trust',
    operationId: 'trustSet',
    run: async (h, { body }, o) => await h.trustSet(input<TrustSetInput>(body), o)
  },
  {
    method: 'POST',
    path: '/v1/ui/link',
    operationId: 'uiLink',
    run: async (h) => {
      if (h.uiLink === undefined) throw new NotFoundError('this server has no web explorer')
      return await h.uiLink()
    }
  },
  // the feed (app/feed.ts), and live (app/feedstream.ts): what happened that concerns us
  { method: 'GET', path: '/v1/feed', operationId: 'feed', query: ['since', 'limit'], run: async (h, { query }, o) => await h.feed(defined({ since: query.since as number | undefined, limit: query.limit as number | undefined }), o) },
  {
    method: 'GET',
    path: '/v1/events',
    operationId: 'events',
    stream: true,
    run: async (h, _r, o) => {
      if (h.events === undefined) throw new NotFoundError('this API has no live events (no node runs)')
      return h.events(o)
    }
  },
  // issue 17: the guidance file (app/guide.ts) and the Prometheus scrape (node/metrics.ts)
  {
    method: 'POST',
    path: '/v1/guide',
    operationId: 'guide',
    run: async (h, { body }, o) => await h.guide(input<GuideInput>(body), o)
  },
  {
    method: 'GET',
    path: '/metrics',
    operationId: 'metrics',
    text: PROMETHEUS_TEXT,
    run: async (h, _r, o) => {
      if (h.metrics === undefined) throw new NotFoundError('this node runs without metrics')
      return await h.metrics(o)
    }
  }
]

/** `[{ method, path }]` of every route, for documentation checks. */
export const API_ROUTES: ReadonlyArray<{ method: string, path: string }> = ROUTES.map(r => ({ method: r.method, path: r.path }))

const PATTERNS = ROUTES.map(route => ({
  method: route.method,
  re: new RegExp('^' + route.path.split('/').map(seg => /^\{\w+\}$/.test(seg) ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('/') + '$')
}))

/**
 * The error of a request no route took: `METHOD_NOT_ALLOWED` (with the methods to put in
 * `Allow`) when the path is a route's with another method, else `NOT_FOUND`.
 */
export function unrouted (method: string, pathname: string): OosError & { allow?: string } {
  const allowed = PATTERNS.filter(p => p.re.test(pathname) && p.method !== method).map(p => p.method)
  if (allowed.length > 0) return Object.assign(new MethodNotAllowedError(`${method} is not allowed on ${pathname} (allowed: ${allowed.join(', ')})`), { allow: allowed.join(', ') })
  return new NotFoundError(`no such API route: ${method} ${pathname}`)
}

/** `/via/0` + a missing or extra member → `via[0]`, `evidence.type` */
function pathOf (e: ErrorObject): string {
  const segs = e.instancePath.split('/').slice(1).map(s => s.replaceAll('~1', '/').replaceAll('~0', '~'))
  if (e.keyword === 'additionalProperties') segs.push(String(e.params.additionalProperty))
  if (e.keyword === 'required') segs.push(String(e.params.missingProperty))
  return segs.reduce((p, s) => /^[0-9]+$/.test(s) ? `${p}[${s}]` : p === '' ? s : `${p}.${s}`, '')
}

/**
 * The typed error of a request part that does not match its schema (spec.ts), with the code
 * it had before the API moved to fastify: `BAD_REQUEST` for the body, an unknown query
 * parameter or a path value, `INVALID_ARGUMENT` for a query value (`seq`, `limit`).
 */
export function requestError (part: Part, e: ErrorObject): OosError {
  const path = pathOf(e)
  const where = part === 'body' ? 'the request body' : part === 'querystring' ? 'the query' : 'the path'
  const opts = path === '' ? {} : { path }
  if (e.keyword === 'additionalProperties') {
    return new BadRequestError(`unknown ${part === 'body' ? 'field' : part === 'querystring' ? 'query parameter' : 'path parameter'} ${JSON.stringify(path.split('.').pop())}`, opts)
  }
  const what = e.keyword === 'required'
    ? 'is required'
    : e.keyword === 'enum' && Array.isArray(e.params.allowedValues) ? `must be one of ${e.params.allowedValues.join(', ')}` : e.message ?? 'is not valid'
  const message = `${path === '' ? where : path} ${what}`
  return part === 'querystring' ? new InvalidArgumentError(message, opts) : new BadRequestError(message, opts)
}
