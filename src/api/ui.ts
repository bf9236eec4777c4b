/**
 * The web explorer's routes on the API's fastify app (`/ui/*`, protocol/openapi.yaml "Browser
 * sessions"): the login link, the pages (server-rendered by src/web/ from the app's answers,
 * every peer value escaped) and the static script and styles. Who may reach them is decided
 * before, in server.ts `refusal` (a session for pages, none for the login and static files).
 */
import { readFileSync } from 'node:fs'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { InvalidArgumentError, NotFoundError } from '../errors.ts'
import { LoginLinkInvalidError } from './errors.ts'
import { PAGE_HEADERS, type ApiServer } from './server.ts'
import { layout, type Page, type PageContext } from '../web/layout.ts'
import { orgsPage, orgName, type OrgFlag } from '../web/pages/orgs.ts'
import { FEED_MAX_LIMIT } from '../app/feed.ts'
import { orgPage } from '../web/pages/org.ts'
import { diffPage } from '../web/pages/diff.ts'
import { claimPage, endorsementsView } from '../web/pages/claim.ts'
import { feedPage } from '../web/pages/feed.ts'
import { searchPage } from '../web/pages/search.ts'
import { CONFIDENCE, type Confidence } from '../oos/types.ts'

const STATIC: Record<string, string> = { 'ui.css': 'text/css; charset=utf-8', 'ui.js': 'text/javascript; charset=utf-8' }
const STATIC_DIR = new URL('../web/static/', import.meta.url)

type Query = Record<string, string | undefined>

/** A version number from the query (absent: undefined). */
function seqOf (query: Query, name: string): number | undefined {
  const v = query[name]
  if (v === undefined || v === '') return undefined
  if (!/^[1-9][0-9]{0,9}$/.test(v)) throw new InvalidArgumentError(`${name} must be a version number, not ${JSON.stringify(v)}`, { path: name })
  return Number(v)
}

export function registerUi (app: FastifyInstance, api: ApiServer): void {
  const files = new Map(Object.keys(STATIC).map(f => [f, readFileSync(new URL(f, STATIC_DIR))]))
  const h = api.handlers
  const ctx = (req: FastifyRequest): PageContext => ({ csrf: api.session(req.raw)?.csrf ?? '', write: api.ui.write })
  const send = (reply: FastifyReply, body: string): FastifyReply => reply.code(200).headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(body)
  const page = (req: FastifyRequest, reply: FastifyReply, p: Page, query = ''): FastifyReply => send(reply, layout(p, ctx(req), query))
  const signal = (req: FastifyRequest): { signal?: AbortSignal } => ({ signal: api.signal(req) })
  const nameOf = async (org: string, req: FastifyRequest): Promise<string> => {
    const row = (await h.orgs(signal(req))).find(r => r.org === org)
    return row === undefined ? org.slice(0, 20) : orgName(row)
  }

  app.get('/ui', async (_req, reply) => await reply.redirect('/ui/', 308))

  app.get('/ui/login', async (req, reply) => {
    const code = (req.query as Query).code ?? ''
    const login = api.ui.login(code)
    if (login === undefined) throw new LoginLinkInvalidError('this login link is not valid: it was used already, it expired, or it is mistyped')
    const maxAge = Math.floor((login.session.expiresAt - Date.now()) / 1000)
    return await reply.code(303).headers(PAGE_HEADERS)
      .header('set-cookie', `${api.cookieName}=${login.id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAge}`)
      .header('location', '/ui/').send()
  })

  app.get('/ui/static/:file', async (req, reply) => {
    const file = (req.params as { file: string }).file
    const body = files.get(file)
    if (body === undefined) throw new NotFoundError(`no such file: ${file}`)
    return await reply.code(200).headers(PAGE_HEADERS).type(STATIC[file]).send(body)
  })

  app.get('/ui/', async (req, reply) => page(req, reply, feedPage(await h.feed({ limit: 200 }, signal(req)))))

  app.get('/ui/search', async (req, reply) => {
    const q = req.query as Query
    const text = (q.q ?? '').trim()
    const confidence = q.confidence === undefined || q.confidence === '' ? undefined : q.confidence.toUpperCase()
    if (confidence !== undefined && !(CONFIDENCE as readonly string[]).includes(confidence)) throw new InvalidArgumentError(`confidence must be one of ${CONFIDENCE.join(', ')}`, { path: 'confidence' })
    const query = { text, ...(q.section ? { section: q.section } : {}), ...(confidence !== undefined ? { confidence: confidence as Confidence } : {}), ...(q.trusted === '1' ? { trusted: true } : {}) }
    const hits = text === '' ? undefined : await h.search({ ...query, limit: 50 }, signal(req))
    return page(req, reply, searchPage(query, hits), text)
  })

  app.get('/ui/orgs', async (req, reply) => {
    const [rows, events] = await Promise.all([h.orgs(signal(req)), h.feed({ limit: FEED_MAX_LIMIT }, signal(req))])
    // equivocations and key rotations are feed events (app/feed.ts): the orgs they flag
    const flagged = new Map<string, Set<OrgFlag>>()
    for (const e of events) {
      if (e.kind === 'equivocation' || e.kind === 'rotation') flagged.set(e.org, (flagged.get(e.org) ?? new Set<OrgFlag>()).add(e.kind))
    }
    return page(req, reply, orgsPage(rows, flagged))
  })

  app.get('/ui/org/:org', async (req, reply) => {
    const ref = (req.params as { org: string }).org
    const seq = seqOf(req.query as Query, 'seq')
    const shown = await h.show({ ref, ...(seq !== undefined ? { seq } : {}) }, signal(req))
    const org = shown.rec.org
    const log = await h.log({ org }, signal(req))
    return page(req, reply, orgPage(org, await nameOf(org, req), log, shown))
  })

  app.get('/ui/org/:org/diff', async (req, reply) => {
    const ref = (req.params as { org: string }).org
    const q = req.query as Query
    const b = await h.show({ ref, ...(seqOf(q, 'b') !== undefined ? { seq: seqOf(q, 'b') } : {}) }, signal(req))
    const a = await h.show({ ref: b.rec.org, seq: seqOf(q, 'a') ?? Math.max(1, b.rec.seq - 1) }, signal(req))
    return page(req, reply, diffPage(b.rec.org, await nameOf(b.rec.org, req), a, b))
  })

  app.get('/ui/claim/:cid', async (req, reply) => {
    const cid = (req.params as { cid: string }).cid
    const [p, shown, similar] = await Promise.all([h.provenance({ cid }, signal(req)), h.show({ ref: cid }, signal(req)), h.similar({ cid }, signal(req))])
    if (shown.claim === undefined) throw new NotFoundError(`${cid} is not a claim held here`)
    return page(req, reply, claimPage(p, shown, similar, ctx(req)))
  })

  // the live part of the claim page, fetched again by its script on a statement about the claim
  app.get('/ui/claim/:cid/endorsements', async (req, reply) => {
    const cid = (req.params as { cid: string }).cid
    return send(reply, endorsementsView(await h.provenance({ cid }, signal(req))).text)
  })
}
