/**
 * `oos diff` and `oos claims` on a real terminal (issue 16, "git-grade views"): the binary runs
 * on a pseudo-terminal made by util-linux `script` (`script -qfec CMD /dev/null`; it is on
 * this machine, no tmux needed; when it is missing the first test fails, nothing is skipped),
 * with `stty` setting the terminal's size. Colour, word marks, wrapping to the width, the
 * pager for output longer than the screen; none of it with NO_COLOR, --no-pager, or in a pipe.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { tempDir } from '../helpers.ts'
import { BIN, capture, oos, oosEnv } from './run.ts'
import { ESC, rewordedHome, visibleLength } from './views.ts'

const q = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`

/** `oos ARGS` on a pty of `cols` × `rows`; the lines it printed (the pty's \r\n made \n). */
async function onPty (args: string[], size: { cols: number, rows: number }, env: Record<string, string> = {}): Promise<string[]> {
  const cmd = `stty cols ${size.cols} rows ${size.rows} && exec ${q(process.execPath)} ${q(BIN)} ${args.map(q).join(' ')}`
  const r = await capture('script', ['-qfec', cmd, '/dev/null'], { env: oosEnv({ TERM: 'xterm-256color', NO_COLOR: undefined, PAGER: undefined, LESS: undefined, ...env }), timeoutMs: 60_000 })
  expect(r.code, r.stdout + r.stderr).toBe(0)
  return r.stdout.replace(/\r\n/g, '\n').replace(/\n$/, '').split('\n')
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
})
