/**
 * Must show (issue 17, "Feed"): three orgs publish, endorse, dispute, adopt and retract on real
 * nodes; a fourth runs as a real `oos start` process with a hook on disputes in its
 * config.json. `oos feed --json` of the fourth's home lists exactly those events in order
 * (through its API, and offline once it stopped); `oos feed --follow --json`, started before,
 * streams the same; the hook gets the dispute on stdin; a failing hook is logged and the node
 * goes on.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from '../helpers.ts'
import { BIN, ROOT, oos, oosEnv, oosIn } from './run.ts'
import { startNode, type NodeProcess } from './start.ts'
import { ApiClient } from '../../src/api/client.ts'
import { until } from '../net/nodes.ts'
import { feedScenario, threeOrgs, type Org, type Scenario } from '../net/feed-scenario.ts'
import { feedColors, feedLine, parseSince } from '../../src/cli/commands/feed.ts'
import { shortDid } from '../../src/app/names.ts'
import type { FeedEvent } from '../../src/app/types.ts'
import type { Paint } from '../../src/cli/style.ts'

const dirP = tempDir()

/** `oos ARGS` left running: its stdout lines as they come, and how it ended */
function running (args: string[]): { child: ChildProcess, lines: string[], stderr: () => string, exit: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: oosEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
  const lines: string[] = []
  let out = ''
  let err = ''
  child.stdout?.setEncoding('utf8')
  child.stdout?.on('data', (t: string) => { out += t; const parts = out.split('\n'); out = parts.pop() as string; lines.push(...parts) })
  child.stderr?.on('data', (t: Buffer) => { err += t.toString() })
  const exit = new Promise<number | null>(resolve => { child.once('exit', (code) => { resolve(code) }) })
  return { child, lines, stderr: () => err, exit }
}

const triple = (line: string): [string, string, string] => { const e = JSON.parse(line); return [e.kind, e.org, e.id] }

describe('oos feed of a fourth org', () => {
  let orgs: { a: Org, b: Org, c: Org, cleanup: () => Promise<void> }
  let home: string
  let hooked: string
  let node: NodeProcess
  let log = ''
  let follower: ReturnType<typeof running>

  beforeAll(async () => {
    const dir = (await dirP).path
    home = join(dir, 'observer')
    hooked = join(dir, 'hooked.jsonl')
    orgs = await threeOrgs()
    expect((await oosIn(['init', '--name', 'Observer', '--home', home])).code).toBe(0)
    // the hook writes the event it is given to a file; another names a program that is not there
    const config = JSON.parse(await readFile(join(home, 'config.json'), 'utf8'))
    config.hooks = [
      { on: ['dispute'], run: [process.execPath, '-e', 'require("fs").appendFileSync(process.argv[1], require("fs").readFileSync(0))', hooked] },
      { on: ['endorsement'], run: [join(dir, 'no-such-program')] }
    ]
    await writeFile(join(home, 'config.json'), JSON.stringify(config, null, 2))
    node = await startNode(home, [], (t) => { log += t })
    follower = running(['feed', '--follow', '--json', '--home', home])
  })
  afterAll(async () => {
    follower?.child.kill('SIGKILL')
    await node?.stop()
    await orgs?.cleanup()
    await (await dirP).cleanup()
  })

  it('lists exactly the events of the three orgs, in order; --follow streams them; the hook gets the dispute', async () => {
    const api = await ApiClient.fromHome(home) as ApiClient
    const { made }: Scenario = await feedScenario(orgs, {
      follow: async (org, via) => { expect((await oos(['follow', org, '--via', via[0], '--home', home])).code).toBe(0) },
      holds: async (cid) => { await until(async () => (await api.feed({})).some(e => e.id === cid), 20_000, `the observer holds ${cid}`) }
    })

    const listed = await oos(['feed', '--json', '--home', home])
    expect(listed.code).toBe(0)
    expect(listed.stdout.trim().split('\n').map(triple)).toEqual(made)
    await until(() => follower.lines.length >= made.length, 10_000, 'oos feed --follow to print every event')
    expect(follower.lines.map(triple)).toEqual(made)

    // a follower whose reader is gone (`oos feed -f | head`) ends by itself, as tail -f does
    const headless = running(['feed', '--follow', '--home', home])
    headless.child.stdout?.destroy()
    expect(await headless.exit).toBe(0)

    // the hook ran for the dispute, and for nothing else
    await until(() => existsSync(hooked), 10_000, 'the hook to write its file')
    await until(async () => (await readFile(hooked, 'utf8')).endsWith('\n'), 10_000, 'the hook to finish')
    const got = (await readFile(hooked, 'utf8')).trim().split('\n').map(l => JSON.parse(l))
    expect(got.map(e => [e.kind, e.org, e.id])).toEqual(made.filter(([kind]) => kind === 'dispute'))
    expect(got[0].summary).toMatch(/^Parcelworks disputes Ledgerline's \S+: fails for us$/)
    // the hook that cannot run: logged and counted, the node goes on
    await until(() => /hook \S+no-such-program failed on endorsement \S+: .*ENOENT.* \(1 failed so far\)/.test(log), 10_000, 'the failed hook to be logged')
    expect((await api.status()).org).toBeDefined()

    // for people: one line per event, with our trust in its org
    const text = await oos(['feed', '--home', home, '--limit', '4'])
    const lines = text.stdout.trim().split('\n')
    expect(lines).toHaveLength(4)
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ {2}dispute {6}Parcelworks disputes Ledgerline's \S+: fails for us {2}\[trusted\]$/)
    expect(lines[3]).toMatch(/ retraction {3}Carepath retracted its endorsement of Ledgerline's \S+: wrong claim {2}\[trusted\]$/)
  })

  it('--follow ends when the node stops; without a node it is a usage error, and oos feed reads the store', async () => {
    expect(await node.stop()).toBe(0)
    expect(await follower.exit).toBe(0)
    expect(follower.stderr()).toMatch(/the node stopped/)
    const follow = await oos(['feed', '--follow', '--home', home])
    expect([follow.code, follow.stderr]).toEqual([2, expect.stringMatching(/needs the running node .*oos start.* \[USAGE\]/)])
    const offline = await oosIn(['feed', '--json', '--since', '1d', '--home', home])
    expect(offline.stdout.trim().split('\n')).toHaveLength(8)
    expect(offline.stdout.trim().split('\n').map(triple).map(([kind]) => kind)).toEqual(['version', 'version', 'version', 'endorsement', 'dispute', 'adoption', 'version', 'retraction'])
    const bad = await oosIn(['feed', '--since', 'yesterday', '--home', home])
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringMatching(/--since must be an ISO time .* not "yesterday"/)])
  })
})

describe('oos feed lines', () => {
  const ORG = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK'
  const at = Date.UTC(2026, 11, 4, 22, 0, 0)
  const event = (kind: FeedEvent['kind'], summary: string, label: FeedEvent['label'] = { trust: 'trusted', nameShared: false }): FeedEvent => ({ id: 'bafy1', kind, at, org: ORG, label, summary })

  it('time, kind, the summary with controls spelled out, our trust (and the short did of a shared name); coloured by kind', () => {
    expect(feedLine(event('dispute', 'Evil disputes our C001: \u001b[2Jgone', { trust: 'neutral', nameShared: true })))
      .toBe(`2026-12-04T22:00:00Z  dispute      Evil disputes our C001: \\u{1B}[2Jgone  [not trusted] (${shortDid(ORG)})`)
    const tag = (t: string) => (s: string): string => `<${t}>${s}</${t}>`
    const paint = { bold: tag('b'), dim: tag('d'), red: tag('red'), green: tag('green'), yellow: tag('yellow'), cyan: tag('cyan'), mark: tag('m') } as Paint
    const kinds: Array<[FeedEvent['kind'], string | undefined]> = [['dispute', 'red'], ['equivocation', 'red'], ['retraction', 'red'], ['endorsement', 'green'], ['adoption', 'cyan'], ['rotation', 'yellow'], ['version', undefined]]
    for (const [kind, colour] of kinds) {
      const line = feedLine(event(kind, 'x'))
      expect(feedColors([line], paint)[0], kind).toBe(colour === undefined ? line : `<${colour}>${line}</${colour}>`)
    }
  })

  it('--since: an ISO time or a time ago', () => {
    const now = Date.UTC(2026, 11, 4, 22, 0, 0)
    expect(parseSince('2h', now)).toBe(now - 2 * 3_600_000)
    expect(parseSince('3d', now)).toBe(now - 3 * 86_400_000)
    expect(parseSince('1w', now)).toBe(now - 604_800_000)
    expect(parseSince('2026-12-01', now)).toBe(Date.UTC(2026, 11, 1))
    expect(parseSince('2026-12-01T10:00:00Z', now)).toBe(Date.UTC(2026, 11, 1, 10))
    for (const bad of ['0h', '2y', 'now', '12', '-1d']) expect(() => parseSince(bad, now), bad).toThrow(expect.objectContaining({ code: 'USAGE' }))
  })
})
