/**
 * The web explorer's sessions over HTTP (protocol/openapi.yaml "Browser sessions"): one-time
 * login links, the session cookie, CSRF on POSTs, read-only by default, our origin only, and
 * pages that render peers' text as text.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { raw } from '../api/raw.ts'
import { UiSessions } from '../../src/api/sessions.ts'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseOosMarkdown } from '../../src/oos/index.ts'
import { signVersion } from '../../src/records/version.ts'
import { HOSTILE, ORGS, login, pair, type Pair } from './fixture.ts'

describe('web explorer sessions', () => {
  let p: Pair
  beforeAll(async () => { p = await pair({ write: true }) }, 60_000)
  afterAll(async () => { await p?.stop() })

  it('a login link works once: a session cookie (HttpOnly, SameSite=Strict, Path=/) and a redirect to /ui/; then 401 LOGIN_LINK_INVALID', async () => {
    const bearer = { authorization: `Bearer ${p.server.token}`, 'content-type': 'application/json' }
    const link = await raw(p.server.url, { method: 'POST', path: '/v1/ui/link', headers: bearer, body: '{}' })
    expect(link.status).toBe(200)
    expect(link.json.url).toMatch(new RegExp(`^${p.server.url}/ui/login\\?code=[A-Za-z0-9_-]{43}$`))
    expect(Date.parse(link.json.expiresAt)).toBeGreaterThan(Date.now())
    const path = link.json.url.slice(p.server.url.length)
    const first = await raw(p.server.url, { path })
    expect(first.status).toBe(303)
    expect(first.headers.location).toBe('/ui/')
    const cookie = String(first.headers['set-cookie'])
    expect(cookie).toMatch(new RegExp(`^oos_session_${p.server.address().port}=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=/; Max-Age=\\d+$`))
    const again = await raw(p.server.url, { path })
    expect(again.status).toBe(401)
    expect(again.headers['content-type']).toMatch(/^text\/html/)
    expect(again.text).toContain('LOGIN_LINK_INVALID')
    expect(again.headers['set-cookie']).toBeUndefined()
    // a made-up code is refused the same way
    expect((await raw(p.server.url, { path: '/ui/login?code=' + 'A'.repeat(43) })).status).toBe(401)
  })

  it('links and sessions expire; a link is spent even when tried too late', () => {
    const s = new UiSessions({ linkTtlMs: 1000, sessionTtlMs: 5000 })
    const { code } = s.link(0)
    expect(s.login(code, 1000)).toBeUndefined()
    expect(s.login(code, 10)).toBeUndefined()
    const fresh = s.link(0)
    const ok = s.login(fresh.code, 999)
    expect(ok).toBeDefined()
    const req = (c: string) => ({ headers: { cookie: `x=1; oos_session_1=${c}` } }) as never
    expect(s.session(req(ok!.id), 'oos_session_1', 5998)).toBeDefined()
    expect(s.session(req(ok!.id), 'oos_session_1', 5999)).toBeUndefined()
    expect(s.session(req(ok!.id), 'oos_session_1', 10)).toBeUndefined()
  })

  it('the session cookie authenticates GETs of pages and /v1/*; without it pages are 401 pages', async () => {
    const { cookie } = await login(p.server)
    const orgs = await raw(p.server.url, { path: '/v1/orgs', headers: { cookie } })
    expect(orgs.status).toBe(200)
    expect(orgs.json.some((r: { org: string }) => r.org === p.org)).toBe(true)
    const page = await raw(p.server.url, { path: '/ui/orgs', headers: { cookie } })
    expect(page.status).toBe(200)
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self';/)
    expect(page.headers['content-security-policy']).not.toMatch(/unsafe-inline/)
    expect(page.headers['x-frame-options']).toBe('DENY')
    expect(page.text).toContain('carepath')
    const none = await raw(p.server.url, { path: '/ui/orgs' })
    expect(none.status).toBe(401)
    expect(none.text).toContain('oos ui')
    expect((await raw(p.server.url, { path: '/v1/orgs' })).status).toBe(401)
    expect((await raw(p.server.url, { path: '/v1/orgs', headers: { cookie: cookie.replace(/=.{4}/, '=AAAA') } })).status).toBe(401)
  })

  it('a POST with the cookie needs the CSRF token (403 CSRF_FAILED), and may only endorse', async () => {
    const { cookie, csrf } = await login(p.server)
    expect(csrf).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const origin = p.server.url
    const post = async (path: string, headers: Record<string, string>, body: unknown) =>
      await raw(p.server.url, { method: 'POST', path, headers: { cookie, origin, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
    const endorse = { target: p.claim, stance: 'endorse', note: 'seen it work' }
    const without = await post('/v1/endorse', {}, endorse)
    expect(without.status).toBe(403)
    expect(without.json.error.code).toBe('CSRF_FAILED')
    const wrong = await post('/v1/endorse', { 'x-csrf-token': csrf.slice(1) + 'A' }, endorse)
    expect(wrong.json.error.code).toBe('CSRF_FAILED')
    const ok = await post('/v1/endorse', { 'x-csrf-token': csrf }, endorse)
    expect(ok.status).toBe(200)
    expect(ok.json).toMatchObject({ status: 'accepted', target: p.claim, stance: 'endorse' })
    for (const [path, body] of [['/v1/publish', { document: 'x', format: 'md' }], ['/v1/ui/link', {}], ['/v1/trust', { org: p.org, level: 'untrusted' }]] as const) {
      const r = await post(path, { 'x-csrf-token': csrf }, body)
      expect(r.status, path).toBe(403)
      expect(r.json.error.code, path).toBe('UI_READ_ONLY')
    }
  })

  it('another origin or site is refused even with the cookie; a bearer request with an Origin still is', async () => {
    const { cookie } = await login(p.server)
    expect((await raw(p.server.url, { path: '/v1/orgs', headers: { cookie, origin: 'http://evil.example' } })).json.error.code).toBe('FORBIDDEN')
    expect((await raw(p.server.url, { path: '/v1/orgs', headers: { cookie, 'sec-fetch-site': 'cross-site' } })).status).toBe(403)
    expect((await raw(p.server.url, { path: '/v1/orgs', headers: { cookie, host: 'evil.example' } })).status).toBe(403)
    expect((await raw(p.server.url, { path: '/v1/orgs', headers: { authorization: `Bearer ${p.server.token}`, origin: p.server.url } })).status).toBe(403)
  })

  it('a claim with markup renders as text on its page, its org page and the diff', async () => {
    const { cookie } = await login(p.server)
    const pages = [`/ui/claim/${p.hostile}`, `/ui/org/${p.org}`, `/ui/org/${p.org}/diff?a=1&b=2`]
    for (const path of pages) {
      const r = await raw(p.server.url, { path, headers: { cookie } })
      expect(r.status, path).toBe(200)
      expect(r.text, path).not.toContain(HOSTILE)
      expect(r.text, path).toContain('&lt;script&gt;window.pwned=1&lt;/script&gt;&lt;img src=x onerror=&quot;window.pwned=2&quot;&gt;')
      // the only script is the explorer's own file
      expect([...r.text.matchAll(/<script/g)].length, path).toBe(1)
    }
  })
  it('search: ranked hits with their org and standing, filters, and a bad filter is a 400 page', async () => {
    const { cookie } = await login(p.server)
    const all = await raw(p.server.url, { path: '/ui/search?q=appointment', headers: { cookie } })
    expect(all.status).toBe(200)
    const count = (text: string): number => [...text.matchAll(/<li>\n<a href="\/ui\/claim\//g)].length
    expect(count(all.text)).toBeGreaterThan(2)
    expect(all.text).toContain('value="appointment"')
    const high = await raw(p.server.url, { path: '/ui/search?q=appointment&confidence=high', headers: { cookie } })
    expect(count(high.text)).toBeGreaterThan(0)
    expect(count(high.text)).toBeLessThan(count(all.text))
    expect(high.text).not.toMatch(/<span class="badge">(MEDIUM|LOW)<\/span>/)
    const bad = await raw(p.server.url, { path: '/ui/search?q=appointment&confidence=sure', headers: { cookie } })
    expect(bad.status).toBe(400)
    expect(bad.text).toContain('INVALID_ARGUMENT')
  })

  it('an adopted claim shows its derivation tree, linking the source claim of the other org', async () => {
    const { cookie } = await login(p.server)
    const adopted = await p.appA.adopt({ cid: p.claim })
    expect(adopted.document).toBeDefined()
    await p.appA.publish({ document: adopted.document!, format: 'md' })
    const mine = (await p.appA.claims({ org: p.a.config.org })).find(c => c.claim.derived_from !== undefined)
    expect(mine).toBeDefined()
    const r = await raw(p.server.url, { path: `/ui/claim/${mine!.cid}`, headers: { cookie } })
    expect(r.status).toBe(200)
    const tree = r.text.slice(r.text.indexOf('id="der-h"'))
    expect(tree).toContain(`<ul class="tree"><li><a href="/ui/claim/${p.claim}">`)
    expect(tree).toContain('<span class="yes">verified</span>')
    expect(r.text).toContain('Held in v2 onwards.')
  })

  it('the organizations page flags an org that equivocated (two signed versions at one seq held)', async () => {
    const { cookie } = await login(p.server)
    const before = await raw(p.server.url, { path: '/ui/orgs', headers: { cookie } })
    expect(before.text).not.toContain('>equivocation<')
    // B's key signs a second, different version 1: A holds both and the proof
    const body = parseOosMarkdown(await readFile(join(ORGS, 'carepath', 'v1.oos.md'), 'utf8')).body
    const forged = signVersion({ ...body, sections: [] }, { org: p.org, seq: 1, prev: null, createdAt: Date.now() }, await p.b.orgSecret())
    expect((await p.a.ingest.ingest(forged.bytes, { source: 'test' })).status).toBe('equivocation')
    const after = await raw(p.server.url, { path: '/ui/orgs', headers: { cookie } })
    const row = after.text.split('<tr>').find(r => r.includes(p.org))
    expect(row).toContain('>equivocation<')
    expect(after.text.split('<tr>').filter(r => r.includes('>equivocation<'))).toHaveLength(1)
  })
})

describe('a read-only explorer (no --ui-write)', () => {
  let p: Pair
  beforeAll(async () => { p = await pair() }, 60_000)
  afterAll(async () => { await p?.stop() })

  it('refuses an endorsement from the page with UI_READ_ONLY and shows no form', async () => {
    const { cookie, csrf } = await login(p.server)
    const r = await raw(p.server.url, { method: 'POST', path: '/v1/endorse', headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' }, body: JSON.stringify({ target: p.claim }) })
    expect(r.status).toBe(403)
    expect(r.json.error.code).toBe('UI_READ_ONLY')
    const page = await raw(p.server.url, { path: `/ui/claim/${p.claim}`, headers: { cookie } })
    expect(page.text).not.toContain('endorse-form')
    expect(page.text).toContain('--ui-write')
  })
})
