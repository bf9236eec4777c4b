/**
 * Input hygiene through the real `oos` binary (protocol/BODY.md §5.1, §5.3, §5.6): a document
 * that is not UTF-8 or holds a broken claim header is refused with its line and nothing is
 * stored; text from a published document never reaches a terminal as control or bidi
 * characters, checked on a real pseudo-terminal (util-linux `script`).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseOosMarkdown } from '../../src/oos/index.ts'
import { terminalIo } from '../../src/cli/io.ts'
import { tempDir } from '../helpers.ts'
import { BIN, ROOT, capture, oosIn } from './run.ts'

const EXAMPLE = join(ROOT, 'examples', 'orgs', 'ledgerline', 'v1.oos.md')
/** what must never reach a terminal raw: C0 but LF/TAB (CR below), DEL, C1, bidi controls */
const UNSAFE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u

const quote = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`

/** Run `oos` with stdout and stderr on a pseudo-terminal (script -q: no header; -e: the child's exit code). */
async function oosOnTerminal (args: string[]): Promise<{ code: number, output: string }> {
  const command = [process.execPath, BIN, ...args].map(quote).join(' ')
  const r = await capture('script', ['-qec', command, '/dev/null'], { env: { ...process.env, TERM: 'xterm' } })
  return { code: r.code, output: r.stdout + r.stderr }
}

describe('oos and hostile document text', () => {
  let dir: { path: string, cleanup: () => Promise<void> }
  let home: string
  let org: string
  let lines: string[]
  const ruleLine = (): number => lines.findIndex(l => l.startsWith('- **Rule:**')) + 1

  beforeAll(async () => {
    dir = await tempDir()
    home = join(dir.path, 'home')
    const r = await oosIn(['init', '--name', 'Hygiene', '--home', home, '--json'])
    expect(r.code).toBe(0)
    org = r.json().org
    lines = (await readFile(EXAMPLE, 'utf8')).split('\n')
  })
  afterAll(async () => { await dir.cleanup() })

  const nothingStored = async (): Promise<void> => {
    const log = await oosIn(['log', org, '--home', home, '--json'])
    expect(log.code).toBe(0)
    expect(log.json()).toEqual([])
  }

  it('publish refuses a document with an invalid UTF-8 byte: INVALID_UTF8 naming the line, nothing stored', async () => {
    const n = ruleLine()
    const enc = new TextEncoder()
    const bytes = new Uint8Array([
      ...enc.encode(lines.slice(0, n - 1).join('\n') + '\n- **Rule:** Every case'),
      0xff,
      ...enc.encode(' has one owner.\n' + lines.slice(n).join('\n'))
    ])
    const file = join(dir.path, 'latin1.oos.md')
    await writeFile(file, bytes)
    const r = await oosIn(['publish', file, '--home', home])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(new RegExp(`^oos: line ${n}: invalid UTF-8 at byte column 23 \\(file offset \\d+: 0xFF 0x20 0x68 0x61\\).* \\[INVALID_UTF8\\]\\n$`))
    await nothingStored()
  })

  it('publish refuses a claim whose id holds U+200B: PARSE_ERROR at its header line, not a claim fewer; nothing stored', async () => {
    const n = lines.findIndex(l => l.startsWith('**[C002]**')) + 1
    const file = join(dir.path, 'zwsp.oos.md')
    await writeFile(file, lines.map((l, i) => i === n - 1 ? l.replace('C002', 'C00\u200b2') : l).join('\n'))
    const r = await oosIn(['publish', file, '--home', home])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(new RegExp(`^oos: line ${n}: a line that looks like a claim header but is not one \\("\\*\\*\\[C00\\\\u\\{200B\\}2\\]\\*\\* .*invisible character U\\+200B.*\\[PARSE_ERROR\\]\\n$`))
    expect(r.stderr).not.toMatch(/\p{Cf}/u)
    await nothingStored()
  })

  describe('a published document full of terminal tricks', () => {
    let claimsOut: string
    beforeAll(async () => {
      const evil = lines.map(l => {
        if (l.startsWith('org_pseudonym:')) return 'org_pseudonym: "Evil\\e[2J\\e]0;pwned\\a"'
        if (l.startsWith('industry:')) return 'industry: "fin\u202etech\u200f"'
        if (l.startsWith('      name: "Intake Router"')) return '      name: "Intake\\e[31m Router\\x9b2J"'
        if (l.startsWith('- **Rule:** Every case has exactly one owning agent')) return '- **Rule:** Every case has \u202eexactly\u202c one owning agent\u009b2J\u0085 and\u2066 more\u2069.'
        return l
      }).join('\n')
      const file = join(dir.path, 'evil.oos.md')
      await writeFile(file, evil)
      const r = await oosIn(['publish', file, '--home', home, '--json'])
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
      claimsOut = JSON.stringify(parseOosMarkdown(evil).body.claims)
    })

    it('show --format oos.md on a terminal: no raw control or bidi character, each spelled \\u{…}', async () => {
      const r = await oosOnTerminal(['show', org, '--home', home, '--format', 'oos.md'])
      expect(r.code).toBe(0)
      // the pty turns LF into CRLF; nothing else may be a control character
      const out = r.output.replace(/\r\n/g, '\n')
      expect(out).not.toMatch(UNSAFE)
      expect(out).not.toContain('\r')
      expect(out).toContain('Every case has \\u{202E}exactly\\u{202C} one owning agent\\u{9B}2J\\u{85} and\\u{2066} more\\u{2069}.')
      expect(out).toContain('industry: "fin\\u{202E}tech\\u{200F}"')
    })

    it('show (text) on a terminal: the same, for the front matter, entities and claims', async () => {
      const r = await oosOnTerminal(['show', org, '--home', home])
      expect(r.code).toBe(0)
      // on a terminal oos colours its own text (src/cli/style.ts), after escaping the peer's:
      // with our SGR sequences taken out, nothing unsafe is left (the peer's \x1b[31m and \x1b[2J are spelled out)
      expect(r.output).toContain('\u001b[1m')
      const out = r.output.replace(/\r\n/g, '\n').replace(/\u001b\[(1|2|7|22|27|31|32|33|36|39)m/g, '')
      expect(out).not.toMatch(UNSAFE)
      expect(out).toContain('Evil\\u{1B}[2J\\u{1B}]0;pwned\\u{7}')
      expect(out).toContain('Intake\\u{1B}[31m Router\\u{9B}2J')
      expect(out).toContain('\\u{202E}exactly\\u{202C}')
    })

    it('show --format oos.md into a pipe writes the document exactly (it reads back to the same claims)', async () => {
      const r = await oosIn(['show', org, '--home', home, '--format', 'oos.md'])
      expect(r.code).toBe(0)
      expect(r.stdout).toContain('\u202eexactly\u202c')
      expect(JSON.stringify(parseOosMarkdown(r.stdout).body.claims)).toBe(claimsOut)
    })

    it('--json keeps the values but writes DEL, C1 and bidi controls as \\u escapes', async () => {
      for (const args of [['show', org, '--json'], ['show', org, '--format', 'json'], ['claims', org, '--json']]) {
        const r = await oosIn([...args, '--home', home])
        expect(r.code).toBe(0)
        expect(r.stdout).not.toMatch(UNSAFE)
        expect(r.stdout).toContain('\\u202Eexactly\\u202C')
        expect(JSON.stringify(r.json())).toContain('\u202eexactly\u202c')
      }
    })

    it('log, claims and error messages into a pipe: no raw control or bidi character either', async () => {
      for (const args of [['log', org], ['claims', org], ['claims', '--search', 'owning']]) {
        const r = await oosIn([...args, '--home', home])
        expect(r.code).toBe(0)
        expect(r.stdout + r.stderr).not.toMatch(UNSAFE)
      }
      const claims = await oosIn(['claims', org, '--home', home])
      expect(claims.stdout).toContain('\\u{202E}exactly')
      const bad = await oosIn(['show', 'no\u202esuch\u001b[2J', '--home', home])
      expect(bad.code).not.toBe(0)
      expect(bad.stderr).not.toMatch(UNSAFE)
      expect(bad.stderr).toContain('\\u{202E}')
    })
  })
})

describe('terminalIo, the output boundary', () => {
  const sink = (isTTY: boolean): { isTTY: boolean, text: string, write: (s: string) => boolean } => {
    const s = { isTTY, text: '', write: (t: string) => { s.text += t; return true } }
    return s
  }
  const doc = '---\nx: 1\n---\n\nrule \u202eevil\u202c \u009b2J\u007f\u001b[2J\n'

  it('a document goes out byte for byte into a pipe and escaped on a terminal', () => {
    for (const isTTY of [false, true]) {
      const stdout = sink(isTTY)
      terminalIo(false, { stdout, stderr: sink(isTTY) }).document(doc)
      expect(stdout.text).toBe(isTTY ? '---\nx: 1\n---\n\nrule \\u{202E}evil\\u{202C} \\u{9B}2J\\u{7F}\\u{1B}[2J\n' : doc)
    }
  })

  it('human text and errors are escaped whatever the stream; JSON escapes keep the value', () => {
    const stdout = sink(false)
    const stderr = sink(false)
    const io = terminalIo(false, { stdout, stderr })
    io.out('a\tb\u200fc\r')
    io.err('oops \u0007\u2067')
    expect(stdout.text).toBe('a\tb\\u{200F}c\\u{D}\n')
    expect(stderr.text).toBe('oops \\u{7}\\u{2067}\n')
    const js = sink(false)
    terminalIo(true, { stdout: js, stderr }).result({ s: doc }, () => '')
    expect(js.text).not.toMatch(UNSAFE)
    expect(JSON.parse(js.text)).toEqual({ s: doc })
  })
})
