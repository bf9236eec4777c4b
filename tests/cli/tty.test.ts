/**
 * `oos diff`, `oos claims` and `oos start` on a real terminal (issue 16, "git-grade views", "a
 * node that talks"): the binary runs
 * on a pseudo-terminal made by util-linux `script` (`script -qfec CMD /dev/null`; it is on
 * this machine, no tmux needed; when it is missing the first test fails, nothing is skipped),
 * with `stty` setting the terminal's size. Colour, word marks, wrapping to the width, the
 * pager for output longer than the screen; a running node's live lines coloured by event; none
 * of it with NO_COLOR, --no-color, --no-pager, or in a pipe.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import * as lp from 'it-length-prefixed'
import { multiaddr } from '@multiformats/multiaddr'
import { createNet } from '../../src/net/libp2p.ts'
import { tempDir } from '../helpers.ts'
import { until } from '../net/nodes.ts'
import { BIN, capture, oos, oosEnv, oosIn, ROOT } from './run.ts'
import { startNode } from './start.ts'
import { ESC, rewordedHome, visibleLength } from './views.ts'

const q = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`

/** `oos ARGS` on a pty of `cols` × `rows`; the lines it printed (the pty's \r\n made \n). */
async function onPty (args: string[], size: { cols: number, rows: number }, env: Record<string, string> = {}): Promise<string[]> {
  const cmd = `stty cols ${size.cols} rows ${size.rows} && exec ${q(process.execPath)} ${q(BIN)} ${args.map(q).join(' ')}`
  const r = await capture('script', ['-qfec', cmd, '/dev/null'], { env: oosEnv({ TERM: 'xterm-256color', NO_COLOR: undefined, PAGER: undefined, LESS: undefined, ...env }), timeoutMs: 60_000 })
  expect(r.code, r.stdout + r.stderr).toBe(0)
  return r.stdout.replace(/\r\n/g, '\n').replace(/\n$/, '').split('\n')
}

/**
 * `oos ARGS` running on a pty (a node): what it has printed so far, lines as they come (the
 * pty's \r\n made \n; stdout and stderr are the one terminal), and its exit. Its stdin stays
 * open (script ends the session when its input ends).
 */
function onPtyLive (args: string[], size: { cols: number, rows: number }, env: Record<string, string | undefined> = {}): { text: () => string, exit: Promise<number | null> } {
  const cmd = `stty cols ${size.cols} rows ${size.rows} && exec ${q(process.execPath)} ${q(BIN)} ${args.map(q).join(' ')}`
  const child = spawn('script', ['-qfec', cmd, '/dev/null'], { cwd: ROOT, env: oosEnv({ TERM: 'xterm-256color', NO_COLOR: undefined, ...env }), stdio: ['pipe', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (d: Buffer) => { out += d.toString() })
  child.stderr.on('data', (d: Buffer) => { out += d.toString() })
  const exit = new Promise<number | null>(resolve => child.on('close', (code) => { resolve(code) }))
  return { text: () => out.replace(/\r\n/g, '\n'), exit }
}

const dirP = tempDir()
afterAll(async () => { await (await dirP).cleanup() })

describe('on a terminal (a pty from util-linux script)', () => {
  let home: string

  beforeAll(async () => {
    home = await rewordedHome((await dirP).path, 'a')
  })

  it('script is installed and gives a terminal (the test fails here, loudly, without it)', async () => {
    const r = await capture('script', ['--version'])
    expect(r.stdout).toMatch(/util-linux/)
    const tty = await capture('script', ['-qfec', 'test -t 1 && stty size', '/dev/null'])
    expect(tty.stdout.trim()).toMatch(/^[0-9]+ [0-9]+$/)
  })

  it('diff: coloured, the changed words marked, wrapped to 64 columns', async () => {
    const lines = await onPty(['diff', '--home', home], { cols: 64, rows: 200 })
    expect(lines[0]).toBe('\u001b[1mchanges from version 1 to 2:\u001b[22m')
    expect(lines[1]).toBe('\u001b[33m  ~ C001  reworded (scope)\u001b[39m')
    expect(lines.join('\n')).toContain('\u001b[31m      - All case records. A lease expires after \u001b[7m30\u001b[27m')
    expect(lines.join('\n')).toContain('\u001b[32m      + All case records. A lease expires after \u001b[7m45\u001b[27m')
    expect(lines.join('\n')).toContain('without \u001b[7many\u001b[27m heartbeat')
    for (const l of lines) expect(visibleLength(l), l).toBeLessThanOrEqual(64)
    expect(lines.length).toBeGreaterThan(7) // the before / after lines were wrapped, not cut
  })

  it('claims: coloured and wrapped to 72 columns', async () => {
    const lines = await onPty(['claims', '--home', home], { cols: 72, rows: 1000 })
    expect(lines[0]).toMatch(/^\u001b\[33mbafy[a-z0-9]+\u001b\[39m$/)
    expect(lines[1]).toMatch(/^\u001b\[1m {2}Ledgerline \[us\] C001 v2 {2}HIGH \/ MEASURED_RESULT/)
    for (const l of lines) expect(visibleLength(l), l).toBeLessThanOrEqual(72)
    const piped = await oos(['claims', '--home', home])
    expect(lines.length).toBeGreaterThan(piped.stdout.split('\n').length) // wrapped
  })

  it('output longer than the screen goes through $PAGER; --no-pager, or PAGER=cat, prints it', async () => {
    const paged = await onPty(['claims', '--home', home], { cols: 100, rows: 20 }, { PAGER: 'sed s/^/PAGED:/' })
    expect(paged.length).toBeGreaterThan(20)
    for (const l of paged) expect(l).toMatch(/^PAGED:/)
    const short = await onPty(['log', '--home', home], { cols: 100, rows: 20 }, { PAGER: 'sed s/^/PAGED:/' })
    expect(short.some(l => l.startsWith('PAGED:'))).toBe(false) // it fits the screen
    for (const args of [['--no-pager'], ['--json']]) {
      const plain = await onPty(['claims', ...args, '--home', home], { cols: 100, rows: 20 }, { PAGER: 'sed s/^/PAGED:/' })
      expect(plain.some(l => l.startsWith('PAGED:')), args[0]).toBe(false)
    }
    expect((await onPty(['claims', '--home', home], { cols: 100, rows: 20 }, { PAGER: 'cat' })).some(l => l.startsWith('PAGED:'))).toBe(false)
  })

  it('a reader that goes away (`| true`, `| head`) ends the command quietly, exit 0 (was an EPIPE stack trace)', async () => {
    // `true` exits before oos has printed: its write meets a closed pipe
    const r = await capture('bash', ['-c', `${q(process.execPath)} ${q(BIN)} claims --home ${q(home)} | true; echo "rc=\${PIPESTATUS[0]}" >&2`], { env: oosEnv() })
    expect(r.stderr).toBe('rc=0\n')
  })

  it('no colour with NO_COLOR, --no-color or --json, nor in a pipe (and no wrapping there)', async () => {
    for (const [args, env] of [[['--no-color'], {}], [[], { NO_COLOR: '1' }], [['--json'], {}]] as Array<[string[], Record<string, string>]>) {
      const lines = await onPty(['diff', ...args, '--home', home], { cols: 64, rows: 200 }, env)
      expect(lines.join('\n'), JSON.stringify([args, env])).not.toMatch(ESC)
    }
    const piped = await oos(['diff', '--home', home])
    expect(piped.stdout).not.toMatch(ESC)
    expect(Math.max(...piped.stdout.split('\n').map(l => l.length))).toBeGreaterThan(100)
  })

  it('start: the node\'s live lines, coloured by event: peers joining and leaving, versions received by org name and seq, statements, violations and the ban', async () => {
    const dir = (await dirP).path
    const [a, b] = [join(dir, 'live-a'), join(dir, 'live-b')]
    for (const [home, name] of [[a, 'Ledgerline'], [b, 'Carepath']]) expect((await oosIn(['init', '--name', name, '--home', home])).code).toBe(0)
    const nodeA = await startNode(a)
    const rogue = await createNet({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })
    try {
      const run = async (args: string[]): Promise<any> => {
        const r = await oosIn([...args, '--json'])
        expect(r.code, `oos ${args.join(' ')}: ${r.stderr}`).toBe(0)
        return r.json()
      }
      await run(['publish', join(ROOT, 'examples', 'orgs', 'ledgerline', 'v1.oos.md'), '--home', a]) // through A's API
      const addrA = nodeA.info.multiaddrs[0]
      const peerA = nodeA.info.peerId
      // B, the follower, runs on the terminal
      const live = onPtyLive(['start', '--home', b, '--listen', '/ip4/127.0.0.1/tcp/0', '--bootstrap', addrA], { cols: 200, rows: 50 })
      const line = async (re: RegExp, what: string): Promise<string> => {
        let found: string | undefined
        await until(() => (found = live.text().split('\n').find(l => re.test(l))) !== undefined, 30_000, `${what} in:\n${live.text()}`)
        return found as string
      }
      await line(/Carepath node running/, 'the node running')
      const time = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ'
      const painted = (colour: number, text: string): RegExp => new RegExp(`^\u001b\\[2m${time}\u001b\\[22m \u001b\\[${colour}m${text}\u001b\\[39m$`)
      await line(painted(32, `peer joined ${peerA} \\(\\d+ connected\\)`), 'A joining (green)')
      const did = nodeA.info.org
      await run(['follow', did, '--via', addrA, '--home', b]) // through B's API
      const short = `${did.slice('did:key:'.length, 'did:key:'.length + 16)}…${did.slice(-4)}`
      await line(painted(36, `version 1 of Ledgerline \\(${short}\\) received from ${peerA}`), 'version 1 by org name and seq (cyan)')
      await line(painted(32, `synced Ledgerline \\(${short}\\): version 1 held`), 'the follow synced (green)')
      // a new version, announced: received by gossip
      await run(['publish', join(ROOT, 'examples', 'orgs', 'ledgerline', 'v2.oos.md'), '--home', a])
      await line(painted(36, `version 2 of Ledgerline \\(${short}\\) received from ${peerA}`), 'version 2 (cyan)')
      // a statement of A (its own claim endorsed), gossiped on its topic
      const [claim] = await run(['claims', 'Ledgerline', '--home', a])
      const st = await run(['endorse', claim.cid, '--home', a])
      await line(painted(36, `endorsement of Ledgerline \\(${short}\\) received \\(${st.cid}\\) from ${peerA}`), 'the statement (cyan)')
      // a stranger sends malformed sync requests: five violations, the ban, and it is hung up on
      const addrB = (await run(['status', '--home', b])).multiaddrs[0]
      await rogue.dial(multiaddr(addrB))
      const rid = rogue.peerId.toString()
      await line(painted(32, `peer joined ${rid} \\(\\d+ connected\\)`), 'the stranger joining')
      for (let i = 0; i < 5; i++) {
        const s = await rogue.dialProtocol(multiaddr(addrB), '/oos/sync/1.0.0').catch(() => undefined)
        if (s === undefined) break
        s.send(lp.encode.single(randomBytes(200)))
        await (async () => { await s.close(); for await (const _ of s) break })().catch(() => {})
      }
      await line(painted(31, `violation by peer ${rid}: BAD_REQUEST`), 'a violation (red)')
      await line(painted(31, `banned peer ${rid} after 5 violations \\(last: BAD_REQUEST\\)`), 'the ban (red)')
      await line(painted(33, `peer left ${rid} \\(\\d+ connected\\)`), 'the stranger hung up on (yellow)')
      expect(live.text().split('\n').filter(l => l.includes(`violation by peer ${rid}`))).toHaveLength(5)
      // A stops: B says so
      expect(await nodeA.stop()).toBe(0)
      await line(painted(33, `peer left ${peerA} \\(\\d+ connected\\)`), 'A leaving (yellow)')
      await run(['stop', '--home', b])
      expect(await live.exit).toBe(0)
      expect(live.text()).toMatch(/stopped\n?$/)
    } finally {
      await rogue.stop()
      await nodeA.stop()
    }
  }, 120_000)

  it('start with --no-color, NO_COLOR or stderr redirected: the same lines, no colour', async () => {
    const dir = (await dirP).path
    const home = join(dir, 'plain')
    expect((await oosIn(['init', '--name', 'Plain', '--home', home])).code).toBe(0)
    const other = join(dir, 'plain-peer')
    expect((await oosIn(['init', '--name', 'Peer', '--home', other])).code).toBe(0)
    let piped = ''
    const peer = await startNode(other, [], (t) => { piped += t }) // its stderr is a pipe
    try {
      for (const [args, env] of [[['--no-color'], {}], [[], { NO_COLOR: '1' }]] as Array<[string[], Record<string, string>]>) {
        const live = onPtyLive(['start', ...args, '--home', home, '--listen', '/ip4/127.0.0.1/tcp/0', '--bootstrap', peer.info.multiaddrs[0]], { cols: 200, rows: 50 }, env)
        await until(() => live.text().includes(`peer joined ${peer.info.peerId}`), 30_000, `the join in ${live.text()}`)
        expect(live.text(), JSON.stringify([args, env])).not.toMatch(ESC)
        expect((await oosIn(['stop', '--home', home])).code).toBe(0)
        expect(await live.exit).toBe(0)
      }
      expect(piped).toMatch(/peer joined 12D3KooW/)
      expect(piped).not.toMatch(ESC)
    } finally {
      await peer.stop()
    }
  }, 120_000)
})
