/**
 * The web explorer in a real Chromium (issue 17, "Must show: Web"): log in through the
 * one-time link (and it fails the second time), open every page at 375 px and 1440 px (their
 * content, no horizontal scroll, a screenshot of each under test-output/ui/), see another
 * node's endorsement appear on the claim page without a reload, endorse through the page,
 * and a POST without the CSRF token refused. Two real nodes (fixture.ts).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { raw } from '../api/raw.ts'
import { launch, SHOTS } from './browser.ts'
import { HOSTILE, ORGS, pair, type Pair } from './fixture.ts'

const WIDTHS = [375, 1440] as const

describe('the web explorer in Chromium', () => {
  let p: Pair
  let browser: Browser
  const contexts: BrowserContext[] = []

  beforeAll(async () => {
    ;[p, browser] = await Promise.all([pair({ write: true }), launch()])
  }, 120_000)
  afterAll(async () => {
    expect(problems).toEqual([])
    await browser?.close()
    await p?.stop()
  })

  async function linkUrl (): Promise<string> {
    const r = await raw(p.server.url, { method: 'POST', path: '/v1/ui/link', headers: { authorization: `Bearer ${p.server.token}`, 'content-type': 'application/json' }, body: '{}' })
    return r.json.url
  }

  /** a logged-in page (a browser context of its own: its own cookie jar) */
  async function loggedIn (width = 1440): Promise<Page> {
    const ctx = await browser.newContext({ viewport: { width, height: 900 } })
    contexts.push(ctx)
    const page = await ctx.newPage()
    // the pages run under their Content-Security-Policy without a violation or a script error
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`${page.url()}: ${m.text()}`) })
    page.on('pageerror', (e) => { problems.push(`${page.url()}: ${e.message}`) })
    await page.goto(await linkUrl())
    expect(new URL(page.url()).pathname).toBe('/ui/')
    return page
  }
  const problems: string[] = []

  it('logs in through the one-time link; the same link fails the second time', async () => {
    const url = await linkUrl()
    const ctx = await browser.newContext()
    contexts.push(ctx)
    const page = await ctx.newPage()
    await page.goto(url)
    expect(new URL(page.url()).pathname).toBe('/ui/')
    const cookies = await ctx.cookies()
    expect(cookies).toHaveLength(1)
    expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' })
    // the cookie is not readable by script
    expect(await page.evaluate('document.cookie')).toBe('')
    const other = await (await browser.newContext()).newPage()
    const again = await other.goto(url)
    expect(again?.status()).toBe(401)
    expect(await other.textContent('h1')).toContain('LOGIN_LINK_INVALID')
    await other.context().close()
  })

  it('opens every page at 375 px and 1440 px: content, no horizontal scroll, a screenshot each', async () => {
    const pages: Array<{ name: string, path: string, check: (page: Page) => Promise<void> }> = [
      { name: 'orgs', path: '/ui/orgs', check: async (pg) => { expect(await pg.locator('table.orgs tbody tr').count()).toBe(2); expect(await pg.textContent('table.orgs')).toContain('carepath') } },
      { name: 'org', path: `/ui/org/${p.org}`, check: async (pg) => {
        expect(await pg.textContent('h1')).toBe('carepath')
        expect(await pg.locator('figure.graph svg g.node').count()).toBeGreaterThan(5)
        expect(await pg.locator('figure.graph svg path.edge.escalation').count()).toBeGreaterThan(3)
        expect(await pg.locator('ol.versions li').count()).toBe(2)
        expect(await pg.locator('article.claim').count()).toBe(16)
      } },
      { name: 'diff', path: `/ui/org/${p.org}/diff?a=1&b=2`, check: async (pg) => { expect(await pg.textContent('h1')).toContain('changes from v1 to v2'); expect(await pg.locator('ul.diff li').count()).toBeGreaterThan(2) } },
      { name: 'claim', path: `/ui/claim/${p.hostile}`, check: async (pg) => {
        // the claim's markup is text: no script ran, no element was made of it
        expect(await pg.textContent('h1')).toContain(HOSTILE)
        expect(await pg.evaluate('window.pwned')).toBeUndefined()
        expect(await pg.locator('main img').count()).toBe(0)
        expect(await pg.textContent('#author-h + dl')).toContain('verifies')
      } },
      { name: 'similar', path: `/ui/claim/${p.confidence}`, check: async (pg) => {
        // the claims of other orgs App.similar finds, each with its relation (Carepath's C008 contradicts it)
        const hits = await p.appA.similar({ cid: p.confidence })
        expect(hits.map(h => [h.name, h.claim_id, h.relation])).toContainEqual(['Carepath', 'C008', 'contradicts'])
        const rows = pg.locator('ul.similar li')
        expect(await rows.count()).toBe(hits.length)
        for (const [i, h] of hits.entries()) {
          expect(await rows.nth(i).getAttribute('data-cid')).toBe(h.cid)
          expect(await rows.nth(i).locator('.badge').textContent()).toBe(h.relation)
        }
      } },
      { name: 'feed', path: '/ui/', check: async (pg) => { expect(await pg.textContent('h1')).toBe('Feed'); expect(await pg.locator('ul.feed li').count()).toBeGreaterThan(0) } },
      { name: 'search', path: '/ui/search?q=appointment', check: async (pg) => { expect(await pg.locator('ul.hits li').count()).toBeGreaterThan(0) } }
    ]
    const tabs = await Promise.all(WIDTHS.map(async (width) => ({ width, page: await loggedIn(width) })))
    for (const pg of pages) {
      for (const { width, page } of tabs) {
        const res = await page.goto(p.server.url + pg.path)
        expect(res?.status(), pg.path).toBe(200)
        await pg.check(page)
        const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth') as number
        expect(overflow, `${pg.name} at ${width} px scrolls sideways`).toBeLessThanOrEqual(0)
        await page.screenshot({ path: join(SHOTS, `${pg.name}-${width}.png`), fullPage: true })
        // what a reader sees first (the README shows two of these)
        if (width === 1440) await page.screenshot({ path: join(SHOTS, `${pg.name}-${width}-top.png`) })
      }
    }
  }, 120_000)

  it('is keyboard navigable: the first Tab reaches the skip link, which moves focus to the content', async () => {
    const page = await loggedIn()
    await page.goto(`${p.server.url}/ui/orgs`)
    await page.keyboard.press('Tab')
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Skip to content')
    await page.keyboard.press('Enter')
    expect(await page.evaluate('document.activeElement?.id')).toBe('main')
    await page.keyboard.press('Tab')
    expect(await page.evaluate('document.activeElement?.tagName')).toBe('A')
  })

  it('shows an endorsement made by another node on the claim page without a reload', async () => {
    const page = await loggedIn()
    await page.goto(`${p.server.url}/ui/claim/${p.mine}`)
    await page.waitForFunction(() => (globalThis as any).document.querySelector('.live')?.textContent === 'live')
    await page.evaluate("window.marker = 'the same page'")
    expect(await page.locator('li.statement').count()).toBe(0)
    await p.appB.endorse({ target: p.mine, stance: 'dispute', note: 'we measured otherwise' })
    await page.waitForSelector('li.statement.dispute', { timeout: 20_000 })
    expect(await page.textContent('li.statement.dispute')).toContain('we measured otherwise')
    expect(await page.evaluate('window.marker')).toBe('the same page')
    expect(await page.textContent('#endorsements .verdict')).toBe('disputed')
    await page.setViewportSize({ width: 1440, height: 1200 })
    await page.screenshot({ path: join(SHOTS, 'claim-live-1440-top.png') })
  })

  it('adds a version another node publishes to the open feed page without a reload', async () => {
    const page = await loggedIn()
    await page.goto(`${p.server.url}/ui/`)
    await page.waitForFunction(() => (globalThis as any).document.querySelector('.live')?.textContent === 'live')
    await page.evaluate("window.marker = 'the same page'")
    const before = await page.locator('ul.feed li.version').count()
    const published = await p.appB.publish({ document: await readFile(join(ORGS, 'carepath', 'v3.oos.md'), 'utf8'), format: 'md' })
    const row = page.locator(`ul.feed li[data-id="${published.cid}"]`)
    await row.waitFor({ timeout: 20_000 })
    expect(await row.textContent()).toContain('v3')
    expect(await page.locator('ul.feed li.version').count()).toBe(before + 1)
    // newest first: it is the first row
    expect(await page.locator('ul.feed li').first().getAttribute('data-id')).toBe(published.cid)
    expect(await page.evaluate('window.marker')).toBe('the same page')
    await page.screenshot({ path: join(SHOTS, 'feed-live-1440-top.png') })
  })

  it('endorses through the page (signed by this node), and a POST without the CSRF token is refused', async () => {
    const page = await loggedIn()
    await page.goto(`${p.server.url}/ui/claim/${p.claim}`)
    await page.fill('#endorse-note', 'works for us too')
    await page.selectOption('#endorse-evidence', 'OBSERVED_REPEATEDLY')
    await page.fill('#endorse-evidence-text', 'three months of bookings')
    await page.click('#endorse-form button[type=submit]')
    await page.waitForFunction(() => (globalThis as any).document.getElementById('endorse-status')?.textContent?.startsWith('Published'))
    const li = page.locator('li.statement.endorse')
    await li.waitFor()
    expect(await li.textContent()).toContain('works for us too')
    const held = await p.appA.provenance({ cid: p.claim })
    expect(held.endorsements.map(e => [e.org, e.stance, e.note])).toContainEqual([p.a.config.org, 'endorse', 'works for us too'])
    // the same POST from the page's own origin, without the token
    const refused = await page.evaluate(async (target) => {
      const res = await fetch('/v1/endorse', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ target }) })
      return { status: res.status, body: await res.json() }
    }, p.claim)
    expect(refused).toMatchObject({ status: 403, body: { error: { code: 'CSRF_FAILED' } } })
    // the browser reports that refusal on its console: the one expected entry
    await expect.poll(() => problems.filter(m => m.includes('status of 403')).length).toBe(1)
    problems.splice(problems.findIndex(m => m.includes('status of 403')), 1)
  })
})
