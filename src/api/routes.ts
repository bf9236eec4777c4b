/**
 * The routes of the local API (protocol/openapi.yaml): each checks its request (unknown
 * fields and query parameters are refused, types checked) and calls one handler.
 */
import { InvalidArgumentError, NotFoundError } from '../errors.ts'
import { BadRequestError, MethodNotAllowedError } from './errors.ts'
import type { Evidence } from '../oos/types.ts'
import { checkAddress } from '../app/address.ts'
import type { ApiHandlers, CallOptions, ClaimsInput } from './types.ts'

export const KiB = 1024
export const MiB = 1024 * KiB
/** body limit of `POST /v1/publish` */
export const PUBLISH_BODY_LIMIT = 2 * MiB
/** body limit of every other route */
export const BODY_LIMIT = 64 * KiB

export interface Request {
  params: Record<string, string>
  query: URLSearchParams
  body: Record<string, unknown>
}

export interface Route {
  method: 'GET' | 'POST'
  /** OpenAPI path template, e.g. `/v1/versions/{ref}` */
  path: string
  /** allowed query parameters */
  query?: readonly string[]
  /** body limit in bytes (POST) */
  limit?: number
  run: (h: ApiHandlers, r: Request, o: CallOptions) => Promise<unknown>
}

// ---- request validation -------------------------------------------------------------

function fields (body: Record<string, unknown>, allowed: readonly string[]): void {
  for (const k of Object.keys(body)) if (!allowed.includes(k)) throw new BadRequestError(`unknown field ${JSON.stringify(k)}`, { path: k })
}

function reqString (body: Record<string, unknown>, name: string): string {
  const v = body[name]
  if (typeof v !== 'string' || v === '') throw new BadRequestError(`${name} must be a non-empty string`, { path: name })
  return v
}

function optStrings (body: Record<string, unknown>, name: string): string[] | undefined {
  const v = body[name]
  if (v === undefined) return undefined
  if (!Array.isArray(v) || v.some(x => typeof x !== 'string')) throw new BadRequestError(`${name} must be an array of strings`, { path: name })
  return v as string[]
}

function optString (body: Record<string, unknown>, name: string): string | undefined {
  const v = body[name]
  if (v === undefined) return undefined
  if (typeof v !== 'string' || v === '') throw new BadRequestError(`${name} must be a non-empty string`, { path: name })
  return v
}

function oneOf<T extends string> (body: Record<string, unknown>, name: string, allowed: readonly T[]): T | undefined {
  const v = body[name]
  if (v === undefined) return undefined
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) throw new BadRequestError(`${name} must be one of ${allowed.join(', ')}`, { path: name })
  return v as T
}

/** `{ type, text }` with string members (the handler checks the type against the format's evidence kinds) */
function optEvidence (body: Record<string, unknown>): { type: Evidence, text: string } | undefined {
  const v = body.evidence
  if (v === undefined) return undefined
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new BadRequestError('evidence must be an object { type, text }', { path: 'evidence' })
  const e = v as Record<string, unknown>
  fields(e, ['type', 'text'])
  return { type: reqString(e, 'type').toUpperCase() as Evidence, text: reqString(e, 'text') }
}

function optTime (body: Record<string, unknown>, name: string): number | undefined {
  const v = body[name]
  if (v === undefined) return undefined
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) throw new BadRequestError(`${name} must be a time in ms since the epoch`, { path: name })
  return v
}

function optQuery (q: URLSearchParams, name: string): string | undefined {
  const all = q.getAll(name)
  if (all.length > 1) throw new BadRequestError(`query parameter ${name} is given ${all.length} times`, { path: name })
  return all[0] === '' ? undefined : all[0]
}

function optPositive (q: URLSearchParams, name: string): number | undefined {
  const v = optQuery(q, name)
  if (v === undefined) return undefined
  if (!/^[1-9][0-9]{0,15}$/.test(v) || !Number.isSafeInteger(Number(v))) throw new InvalidArgumentError(`${name} must be a positive integer, not ${JSON.stringify(v)}`, { path: name })
  return Number(v)
}

/** The routes, in the order they are matched. Exported so tests can hold them against openapi.yaml. */
export const ROUTES: readonly Route[] = [
  {
    method: 'GET',
    path: '/v1/status',
    run: async (h, _r, o) => await h.status(o)
  },
  {
    method: 'POST',
    path: '/v1/publish',
    limit: PUBLISH_BODY_LIMIT,
    run: async (h, { body }, o) => {
      fields(body, ['document', 'format'])
      const format = body.format ?? 'md'
      if (format !== 'md' && format !== 'json') throw new BadRequestError('format must be "md" or "json"', { path: 'format' })
      return await h.publish({ document: reqString(body, 'document'), format }, o)
    }
  },
  {
    method: 'POST',
    path: '/v1/follow',
    run: async (h, { body }, o) => {
      fields(body, ['org', 'via'])
      const via = optStrings(body, 'via')
      for (const [i, a] of (via ?? []).entries()) {
        const r = checkAddress(a, 'optional')
        if (typeof r === 'string') throw new BadRequestError(`via[${i}] ${r}`, { path: `via[${i}]` })
      }
      return await h.follow({ org: reqString(body, 'org'), ...(via !== undefined ? { via } : {}) }, o)
    }
  },
  {
    method: 'POST',
    path: '/v1/unfollow',
    run: async (h, { body }, o) => {
      fields(body, ['org'])
      return await h.unfollow({ org: reqString(body, 'org') }, o)
    }
  },
  {
    method: 'POST',
    path: '/v1/stop',
    run: async (h, { body }, o) => {
      fields(body, [])
      if (h.stop === undefined) throw new NotFoundError('this API cannot stop its node')
      return await h.stop(o)
    }
  },
  {
    method: 'GET',
    path: '/v1/versions/{ref}',
    query: ['seq'],
    run: async (h, { params, query }, o) => {
      const seq = optPositive(query, 'seq')
      return await h.show({ ref: params.ref, ...(seq !== undefined ? { seq } : {}) }, o)
    }
  },
  {
    method: 'GET',
    path: '/v1/log/{org}',
    query: ['limit'],
    run: async (h, { params, query }, o) => {
      const limit = optPositive(query, 'limit')
      return await h.log({ org: params.org, ...(limit !== undefined ? { limit } : {}) }, o)
    }
  },
  {
    method: 'GET',
    path: '/v1/claims',
    query: ['org', 'search', 'section', 'confidence', 'evidence'],
    run: async (h, { query }, o) => {
      const input: Record<string, string> = {}
      for (const k of ['org', 'search', 'section', 'confidence', 'evidence']) {
        const v = optQuery(query, k)
        if (v !== undefined) input[k] = k === 'confidence' || k === 'evidence' ? v.toUpperCase() : v
      }
      return await h.claims(input as ClaimsInput, o)
    }
  },
  {
    method: 'GET',
    path: '/v1/verify/{cid}',
    run: async (h, { params }, o) => await h.verify({ cid: params.cid }, o)
  },
  {
    method: 'POST',
    path: '/v1/export',
    run: async (h, { body }, o) => {
      fields(body, ['org', 'path', 'force'])
      if (body.force !== undefined && typeof body.force !== 'boolean') throw new BadRequestError('force must be a boolean', { path: 'force' })
      return await h.exportCar({ org: reqString(body, 'org'), path: reqString(body, 'path'), ...(body.force === true ? { force: true } : {}) }, o)
    }
  },
  {
    method: 'POST',
    path: '/v1/import',
    run: async (h, { body }, o) => {
      fields(body, ['path'])
      return await h.importCar({ path: reqString(body, 'path') }, o)
    }
  },
  {
    method: 'POST',
    path: '/v1/endorse',
    run: async (h, { body }, o) => {
      fields(body, ['target', 'stance', 'note', 'evidence', 'expiresAt'])
      const stance = oneOf(body, 'stance', ['endorse', 'dispute'] as const)
      const note = optString(body, 'note')
      const evidence = optEvidence(body)
      const expiresAt = optTime(body, 'expiresAt')
      return await h.endorse({
        target: reqString(body, 'target'),
        ...(stance !== undefined ? { stance } : {}),
        ...(note !== undefined ? { note } : {}),
        ...(evidence !== undefined ? { evidence } : {}),
        ...(expiresAt !== undefined ? { expiresAt } : {})
      }, o)
    }
  },
  {
    method: 'POST',
    path: '/v1/retract',
    run: async (h, { body }, o) => {
      fields(body, ['target', 'reason'])
      const reason = optString(body, 'reason')
      return await h.retract({ target: reqString(body, 'target'), ...(reason !== undefined ? { reason } : {}) }, o)
    }
  },
  {
    method: 'POST',
    path: '/v1/adopt',
    limit: PUBLISH_BODY_LIMIT,
    run: async (h, { body }, o) => {
      fields(body, ['cid', 'draft'])
      const draft = optString(body, 'draft')
      return await h.adopt({ cid: reqString(body, 'cid'), ...(draft !== undefined ? { draft } : {}) }, o)
    }
  },
  {
    method: 'GET',
    path: '/v1/provenance/{cid}',
    run: async (h, { params }, o) => await h.provenance({ cid: params.cid }, o)
  },
  {
    method: 'GET',
    path: '/v1/trust',
    run: async (h, _r, o) => await h.trust(o)
  },
  {
    method: 'POST',
    path: '/v1/trust',
    run: async (h, { body }, o) => {
      fields(body, ['org', 'level'])
      const level = oneOf(body, 'level', ['trusted', 'untrusted', 'neutral'] as const)
      if (level === undefined) throw new BadRequestError('level must be one of trusted, untrusted, neutral', { path: 'level' })
      return await h.trustSet({ org: reqString(body, 'org'), level }, o)
    }
  }
]

/** `[{ method, path }]` of every route, for documentation checks. */
export const API_ROUTES: ReadonlyArray<{ method: string, path: string }> = ROUTES.map(r => ({ method: r.method, path: r.path }))

interface Compiled { route: Route, re: RegExp, names: string[] }

const COMPILED: Compiled[] = ROUTES.map(route => {
  const names: string[] = []
  const re = new RegExp('^' + route.path.split('/').map(seg => {
    const m = /^\{(\w+)\}$/.exec(seg)
    if (m === null) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    names.push(m[1])
    return '([^/]+)'
  }).join('/') + '$')
  return { route, re, names }
})

export function match (method: string, pathname: string): { route: Route, params: Record<string, string> } {
  const allowed: string[] = []
  for (const c of COMPILED) {
    const m = c.re.exec(pathname)
    if (m === null) continue
    if (c.route.method !== method) { allowed.push(c.route.method); continue }
    const params: Record<string, string> = {}
    for (const [i, name] of c.names.entries()) {
      try { params[name] = decodeURIComponent(m[i + 1]) } catch { throw new BadRequestError(`bad percent-encoding in the path: ${JSON.stringify(m[i + 1])}`) }
    }
    return { route: c.route, params }
  }
  if (allowed.length > 0) throw Object.assign(new MethodNotAllowedError(`${method} is not allowed on ${pathname} (allowed: ${allowed.join(', ')})`), { allow: allowed.join(', ') })
  throw new NotFoundError(`no such API route: ${method} ${pathname}`)
}
