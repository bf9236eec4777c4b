/**
 * A node's settings in <home>/config.json, the flags over them, --announce, and what a running
 * node tells its operator (README "Node configuration", "Running a node"): two real `oos start`
 * processes on loopback, the second bootstrapped from the first by its config.json alone.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { readFile, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { homePaths } from '../../src/node/home.ts'
import { tempDir } from '../helpers.ts'
import { until } from '../net/nodes.ts'
import { oos, oosIn, ROOT, startOos, type Started } from './run.ts'

async function freePort (): Promise<number> {
  const s = createServer()
  await new Promise<void>(resolve => { s.listen({ host: '127.0.0.1', port: 0 }, resolve) })
  const port = (s.address() as { port: number }).port
  await new Promise(resolve => s.close(resolve))
  return port
}

/** Add `settings` to the home's config.json (as an operator edits it). */
async function configure (home: string, settings: Record<string, unknown>): Promise<void> {
  const file = homePaths(home).config
  await writeFile(file, JSON.stringify({ ...JSON.parse(await readFile(file, 'utf8')), ...settings }, null, 2))
}

describe('oos start: config.json, flags over it, --announce, the live log', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  const started: Started[] = []
  let a: string
  let b: string
  const ids: Record<string, { org: string, peerId: string }> = {}

  beforeAll(async () => {
    dir = await tempDir()
    a = join(dir.path, 'a')
    b = join(dir.path, 'b')
    for (const [home, name] of [[a, 'Ledgerline'], [b, 'Carepath']]) {
      const r = await oosIn(['init', '--name', name, '--home', home, '--json'])
      expect(r.code, r.stderr).toBe(0)
      ids[home] = r.json()
    }
  })

  afterAll(async () => {
    for (const s of started) s.child.kill('SIGKILL')
    await dir?.cleanup()
  })

  it('a bad setting in config.json is one line naming the file and the key, exit 1, before anything starts', async () => {
    const home = join(dir.path, 'bad')
    expect((await oosIn(['init', '--name', 'Bad', '--home', home])).code).toBe(0)
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ listen: ['junk'] }, /"listen" must be a multiaddr/],
      [{ listen: '/ip4/127.0.0.1/tcp/0' }, /"listen" must be a list of multiaddrs/],
      [{ bootstrap: ['/ip4/127.0.0.1/tcp/4710'] }, /"bootstrap" must end in \/p2p\/<peer id>/],
      [{ announce: ['/ip4/1.2.3.4/tcp/1/p2p/12D3KooWEMMWNz23K7GK6EDF8mtjQZazdV8jikg3rPhfKPnpk7uo'] }, /"announce" is an address of this node/],
      [{ api: '0.0.0.0:4711' }, /"api" must be a loopback address/],
      [{ mdns: 'yes' }, /"mdns" must be true or false/]
    ]
    for (const [settings, message] of cases) {
      await writeFile(homePaths(home).config, JSON.stringify({ version: 1, name: 'Bad', org: 'did:key:z6MkneyGoYCogRVu6ZxHfG7ZUyN7n5sv7KhfLxqdgd8Eax98', peerId: '12D3KooWEMMWNz23K7GK6EDF8mtjQZazdV8jikg3rPhfKPnpk7uo', createdAt: '2026-01-01T00:00:00Z', ...settings }))
      const r = await oosIn(['start', '--home', home])
      expect({ settings, code: r.code }).toEqual({ settings, code: 1 })
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
      expect(r.stderr).toMatch(message)
      expect(r.stderr).toContain('config.json')
      expect(r.stderr).toMatch(/\[HOME_CORRUPT\]\n$/)
    }
  })

  it('listen and bootstrap from config.json, --announce over its announce (status shows it), peers joining and records received logged as they happen, human and JSON', async () => {
    const port = await freePort()
    await configure(a, { listen: [`/ip4/127.0.0.1/tcp/${port}`], announce: ['/dns4/from-config.invalid/tcp/4710'] })
    await configure(b, { listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [`/ip4/127.0.0.1/tcp/${port}/p2p/${ids[a].peerId}`] })
    let logA = ''
    let logB = ''
    // A: JSON log lines; its announce from the flag (dialable: localhost), its listen address from config.json
    const nodeA = await startOos(['--home', a, '--announce', `/dns4/localhost/tcp/${port}`, '--log-format', 'json'], { onLog: (t) => { logA += t } })
    started.push(nodeA)
    const status = await oos(['status', '--home', a, '--json'])
    expect(status.json().multiaddrs).toEqual([`/dns4/localhost/tcp/${port}/p2p/${ids[a].peerId}`])
    // B: no flags at all; it reaches A through the bootstrap address in its config.json
    const nodeB = await startOos(['--home', b], { onLog: (t) => { logB += t } })
    started.push(nodeB)
    const jsonLines = (): any[] => logA.split('\n').filter(l => l.startsWith('{')).map(l => JSON.parse(l))
    await until(() => jsonLines().some(e => e.event === 'peer:connect' && e.peer === ids[b].peerId), 30_000, 'A logs B joining')
    await until(() => logB.includes(`peer joined ${ids[a].peerId}`), 30_000, 'B logs A joining')

    expect((await oos(['publish', '--home', a, join(ROOT, 'examples/orgs/ledgerline/v1.oos.md')])).code).toBe(0)
    await until(() => jsonLines().some(e => e.event === 'record:accepted' && e.kind === 'oos/version' && e.org === ids[a].org && e.seq === 1), 30_000, 'A logs its publish')
    const follow = await oos(['follow', '--home', b, ids[a].org, '--via', `/ip4/127.0.0.1/tcp/${port}/p2p/${ids[a].peerId}`])
    expect(follow.code, follow.stderr).toBe(0)
    await until(() => /synced Ledgerline \(z6Mk[^)]*\): version 1 held/.test(logB), 30_000, 'B logs the follow synced')
    expect(logB).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ version 1 of Ledgerline \(z6Mk[^)]*\) received/m)
    for (const e of jsonLines()) expect(e.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)

    // status names the followed org and lists its peers by id
    const human = await oos(['status', '--home', b])
    expect(human.stdout).toMatch(new RegExp(`following  Ledgerline  ${ids[a].org}  seq 1`))
    expect(human.stdout).toContain(`    ${ids[a].peerId}`)

    nodeB.child.kill('SIGTERM')
    await until(() => jsonLines().some(e => e.event === 'peer:disconnect' && e.peer === ids[b].peerId), 30_000, 'A logs B leaving')
    expect((await nodeB.exit).code).toBe(0)
    nodeA.child.kill('SIGTERM')
    expect((await nodeA.exit).code).toBe(0)
  }, 120_000)
})
