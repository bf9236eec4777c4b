/**
 * `oos ui [--open]` against a real `oos start --ui-write` process: the link it prints logs in
 * once; `--open` runs `$BROWSER` with it (a real program that records what it was given), and
 * a browser that cannot be run is a clear line, the link still printed; no node, a typed error.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { chmod, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tempDir } from '../helpers.ts'
import { raw } from '../api/raw.ts'
import { oos } from './../cli/run.ts'
import { startNode, type NodeProcess } from '../cli/start.ts'

describe('oos ui', () => {
  let dir: { path: string, cleanup: () => Promise<void> }
  let home: string
  let node: NodeProcess

  beforeAll(async () => {
    dir = await tempDir()
    home = join(dir.path, 'home')
    expect((await oos(['init', '--home', home, '--name', 'Webber'])).code).toBe(0)
    node = await startNode(home, ['--ui-write'])
  }, 60_000)
  afterAll(async () => {
    await node?.stop()
    await dir?.cleanup()
  })

  it('prints a one-time login link that logs in once', async () => {
    const r = await oos(['ui', '--home', home, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const { url, expiresAt } = r.json()
    expect(url.startsWith(`${node.info.api}/ui/login?code=`)).toBe(true)
    expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now())
    const path = url.slice(node.info.api.length)
    const first = await raw(node.info.api, { path })
    expect(first.status).toBe(303)
    const cookie = String(first.headers['set-cookie']).split(';')[0]
    const page = await raw(node.info.api, { path: '/ui/orgs', headers: { cookie } })
    expect(page.status).toBe(200)
    expect(page.text).toContain('Webber')
    // the node runs with --ui-write: a POST with the page's CSRF token reaches the endorse handler (no such claim here)
    const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(page.text)?.[1] ?? ''
    const endorse = await raw(node.info.api, { method: 'POST', path: '/v1/endorse', headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' }, body: JSON.stringify({ target: 'bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy' }) })
    expect(endorse.json.error.code).not.toMatch(/UI_READ_ONLY|CSRF_FAILED|FORBIDDEN|UNAUTHORIZED/)
    expect((await raw(node.info.api, { path })).status).toBe(401)
    const human = await oos(['ui', '--home', home])
    expect(human.stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/ui\/login\?code=[A-Za-z0-9_-]{43}\n {2}one-time login link, valid until /)
  })

  it('--open runs $BROWSER with the link; one that fails is a clear line and the link is still printed', async () => {
    const seen = join(dir.path, 'opened.txt')
    const browser = join(dir.path, 'browser.sh')
    await writeFile(browser, `#!/bin/sh\nprintf '%s' "$1" > '${seen}'\n`)
    await chmod(browser, 0o755)
    const ok = await oos(['ui', '--open', '--home', home, '--json'], { env: { BROWSER: browser } })
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.json()).toMatchObject({ opened: true })
    expect(await readFile(seen, 'utf8')).toBe(ok.json().url)
    const missing = await oos(['ui', '--open', '--home', home], { env: { BROWSER: join(dir.path, 'no-such-browser') } })
    expect(missing.code).toBe(0)
    expect(missing.stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/ui\/login\?code=/)
    expect(missing.stdout).toContain('could not open a browser (')
    expect(missing.stdout).toContain('not found): open the link above yourself')
  })

  it('without a running node: NODE_NOT_RUNNING, exit 1', async () => {
    const other = join(dir.path, 'idle')
    expect((await oos(['init', '--home', other, '--name', 'Idle'])).code).toBe(0)
    const r = await oos(['ui', '--home', other, '--json'])
    expect(r.code).toBe(1)
    expect(JSON.parse(r.stdout || r.stderr).error.code).toBe('NODE_NOT_RUNNING')
  })
})
