/**
 * Input hygiene of document texts (protocol/BODY.md §5.1, §5.3 rule 3, §5.5): strict UTF-8 with
 * the line of the first bad byte, no C0 controls in a .oos.md text, claim-like prose is an
 * error (not prose), and prose that only talks about claims stays prose.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import * as dagCbor from '@ipld/dag-cbor'
import { OosError } from '../../src/errors.ts'
import { decodeDocument, parseOosJson, parseOosMarkdown, validateBody, writeOosMarkdown } from '../../src/oos/index.ts'
import { CLAIM_HEADER_RE, textBlockProblem } from '../../src/oos/grammar.ts'
import { firstInvalidUtf8 } from '../../src/oos/text.ts'

const FIXTURE = new URL('../fixtures/example.oos.md', import.meta.url)
const TEXT = readFileSync(FIXTURE, 'utf8')
const LINES = TEXT.split('\n')
const EXAMPLES = [
  FIXTURE,
  ...['carepath', 'ledgerline', 'parcelworks'].flatMap(org => readdirSync(new URL(`../../examples/orgs/${org}/`, import.meta.url))
    .filter(f => f.endsWith('.oos.md')).map(f => new URL(`../../examples/orgs/${org}/${f}`, import.meta.url)))
]

/** the example with line n (1-based) replaced */
const withLine = (n: number, line: string): string => [...LINES.slice(0, n - 1), line, ...LINES.slice(n)].join('\n')
const headerLine = (id: string): number => LINES.indexOf(LINES.find(l => l.startsWith(`**[${id}]**`)) as string) + 1

function caught (fn: () => unknown): OosError {
  try { fn() } catch (err) { if (err instanceof OosError) return err; throw err }
  throw new Error('expected an OosError, got none')
}

describe('strict UTF-8 (BODY.md §5.1)', () => {
  const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)
  const cases: Array<[string, number[]]> = [
    ['a lone continuation byte', [0x80]],
    ['0xFF', [0xff]],
    ['an overlong slash', [0xc0, 0xaf]],
    ['an overlong 3-byte form', [0xe0, 0x80, 0xaf]],
    ['a UTF-16 surrogate', [0xed, 0xa0, 0x80]],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['a truncated sequence', [0xe2, 0x82]]
  ]
  for (const [what, bad] of cases) {
    it(`${what} on line 44 is INVALID_UTF8 at line 44, with the byte column and offset`, () => {
      const before = utf8(LINES.slice(0, 43).join('\n') + '\n- **Rule:** ab')
      const after = utf8('cd\n' + LINES.slice(44).join('\n'))
      const bytes = new Uint8Array([...before, ...bad, ...after])
      const e = caught(() => decodeDocument(bytes))
      expect(e.code).toBe('INVALID_UTF8')
      expect(e.path).toBe('line 44')
      expect(e.message).toMatch(new RegExp(`^line 44: invalid UTF-8 at byte column 15 \\(file offset ${before.length}: 0x${bad[0].toString(16).toUpperCase()}`))
    })
  }

  it('counts CRLF and lone CR line ends like the reader does', () => {
    const e = caught(() => decodeDocument(new Uint8Array([...utf8('a\r\nb\rc\n'), 0xff])))
    expect(e.path).toBe('line 4')
  })

  it('the example decodes to the same text; a BOM is kept for the reader to remove', () => {
    expect(decodeDocument(utf8(TEXT))).toBe(TEXT)
    const withBom = decodeDocument(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8(TEXT)]))
    expect(withBom).toBe('\ufeff' + TEXT)
    expect(parseOosMarkdown(withBom).body).toEqual(parseOosMarkdown(TEXT).body)
    // only one BOM is removed: a second is content, before the --- line
    expect(caught(() => parseOosMarkdown('\ufeff' + withBom)).path).toBe('line 1')
  })

  it('property: firstInvalidUtf8 agrees with a fatal TextDecoder on any bytes', () => {
    const fatal = new TextDecoder('utf-8', { fatal: true })
    const byte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x80, 0xbf, 0xc2, 0xe0, 0xed, 0xf0, 0xf4, 0x41))
    fc.assert(fc.property(fc.array(byte, { maxLength: 12 }), (arr) => {
      const b = new Uint8Array(arr)
      const at = firstInvalidUtf8(b)
      let ok = true
      try { fatal.decode(b) } catch { ok = false }
      expect(at === -1).toBe(ok)
      if (at !== -1) {
        // everything before it is UTF-8, and the bad sequence starts there
        expect(() => fatal.decode(b.subarray(0, at))).not.toThrow()
        expect(() => fatal.decode(b.subarray(0, at + 4))).toThrow()
      }
    }), { numRuns: 2000 })
  })

  it('a text with a lone surrogate (what a string can hold instead of bad bytes) is INVALID_UTF8 at its line, in both forms', () => {
    const n = headerLine('C002') + 1
    const e = caught(() => parseOosMarkdown(withLine(n, LINES[n - 1] + '\ud800')))
    expect([e.code, e.path]).toEqual(['INVALID_UTF8', `line ${n}`])
    const j = caught(() => parseOosJson('{\n"frontmatter": {},\n"claims": ["\ud800"]}'))
    expect([j.code, j.path]).toEqual(['INVALID_UTF8', 'line 3'])
  })
})

describe('control characters in a .oos.md text (BODY.md §5.1, §5.5)', () => {
  for (const [name, ch] of [['NUL', '\u0000'], ['ESC', '\u001b'], ['form feed', '\f'], ['backspace', '\b']]) {
    it(`a raw ${name} is a PARSE_ERROR at its line and column`, () => {
      const n = headerLine('C003') + 2
      const e = caught(() => parseOosMarkdown(withLine(n, `- **Why:** x${ch}[2J y`)))
      expect([e.code, e.path]).toEqual(['PARSE_ERROR', `line ${n}`])
      expect(e.message).toContain(`the control character \\u{${ch.charCodeAt(0).toString(16).toUpperCase()}} at column 13`)
    })
  }

  it('tabs and CRLF line ends stay allowed', () => {
    expect(parseOosMarkdown(TEXT.replace(/\n/g, '\r\n')).body).toEqual(parseOosMarkdown(TEXT).body)
    expect(() => parseOosMarkdown(withLine(headerLine('C003') + 1, '- **Rule:**\tx'))).not.toThrow()
  })

  it('a body whose claim text or text block holds one is invalid (it could not be written as .oos.md)', () => {
    const body = parseOosMarkdown(TEXT).body
    const e = caught(() => validateBody({ ...body, claims: body.claims.map((c, i) => i === 2 ? { ...c, rule: 'clear \u001b[2J' } : c) }))
    expect([e.code, e.path]).toEqual(['SCHEMA_INVALID', 'claims[2].rule'])
    expect(textBlockProblem('a\u0000b')).toMatch(/control characters/)
    // front matter strings are written as YAML escapes: allowed, and they round-trip
    const fm = { ...body, frontmatter: { ...body.frontmatter, org_pseudonym: 'x\u001b[2J\u0000' } }
    expect(() => validateBody(fm)).not.toThrow()
    expect(parseOosMarkdown(writeOosMarkdown(fm)).body.frontmatter.org_pseudonym).toBe('x\u001b[2J\u0000')
  })
})

describe('claim-like prose is an error, not prose (BODY.md §5.3 rule 3)', () => {
  const n = headerLine('C003')
  const header = LINES[n - 1]
  const broken: Array<[string, string, RegExp]> = [
    ['U+200B inside the id', header.replace('C003', 'C0\u200b03'), /invisible character U\+200B/],
    ['U+200D inside the id', header.replace('C003', 'C\u200d003'), /invisible character U\+200D/],
    ['U+2060 inside the id', header.replace('C003', 'C003\u2060'), /invisible character U\+2060/],
    ['U+FEFF before the header', '\ufeff' + header, /invisible character U\+FEFF/],
    ['U+200B between ] and **', header.replace(']**', ']\u200b**'), /invisible character U\+200B/],
    ['a lower-case c', header.replace('C003', 'c003'), /Latin capital C and ASCII digits/],
    ['an indented header', '  ' + header, /looks like a claim header/],
    ['spaces in the brackets', header.replace('[C003]', '[ C003 ]'), /looks like a claim header/],
    ['a dash in the id', header.replace('C003', 'C-003'), /looks like a claim header/],
    ['a Cyrillic Es for the C', header.replace('C003', '\u0421003'), /looks like a claim header/],
    ['fullwidth letters and digits', header.replace('C003', 'Ｃ００３'), /looks like a claim header/],
    ['Arabic-Indic digits', header.replace('C003', 'C\u0660\u0660\u0663'), /looks like a claim header/],
    ['the bold closed after the section', header.replace(']**', ']') + '**', /looks like a claim header/],
    ['small asterisks (NFKC: *)', header.replace(/\*/g, '\ufe61'), /looks like a claim header/],
    ['a no-break space before it', '\u00a0' + header, /looks like a claim header/]
  ]
  for (const [what, line, message] of broken) {
    it(`${what}: PARSE_ERROR at the header's line`, () => {
      const e = caught(() => parseOosMarkdown(withLine(n, line)))
      expect([e.code, e.path]).toEqual(['PARSE_ERROR', `line ${n}`])
      expect(e.message).toMatch(message)
      // invisible characters are shown, never printed as themselves
      expect(e.message).not.toMatch(/\p{Cf}/u)
    })
  }

  for (const [what, line] of [['bold without brackets', '**C003** core_operating_rules'], ['brackets without bold', '[C003] core_operating_rules'], ['a lost header', 'Third rule:']]) {
    it(`claim fields under ${what}: PARSE_ERROR at the paragraph's first line`, () => {
      const e = caught(() => parseOosMarkdown(withLine(n, line)))
      expect([e.code, e.path]).toEqual(['PARSE_ERROR', `line ${n}`])
      expect(e.message).toMatch(/a paragraph with claim fields \(\*\*Rule:\*\*, \*\*Why:\*\*, \*\*Failure mode:\*\*\) but no claim header/)
    })
  }

  it('field labels with invisible characters still count as claim fields', () => {
    const text = withLine(n, 'C003 core_operating_rules').split('\n')
    // every field line of the block gets an invisible character in its label
    for (let i = n; i < n + 6; i++) text[i] = text[i].replace('- **', '- **\u200b')
    const e = caught(() => parseOosMarkdown(text.join('\n')))
    expect([e.code, e.path]).toEqual(['PARSE_ERROR', `line ${n}`])
  })

  it('inside a claim, a label with an invisible character is an unknown field, shown with the character spelled out', () => {
    const e = caught(() => parseOosMarkdown(withLine(n + 1, LINES[n].replace('- **Rule:**', '- **Ru\u200ble:**'))))
    expect([e.code, e.path, e.message]).toEqual(['PARSE_ERROR', `line ${n + 1}`, `line ${n + 1}: claim C003 has an unknown field **Ru\\u{200B}le:**`])
  })

  it('a valid body cannot hold a claim-like text block (so every valid body still round-trips)', () => {
    expect(textBlockProblem('intro\n**[C0\u200b01]** x')).toMatch(/looks like a claim header/)
    expect(textBlockProblem('- **Rule:** a\n- **Why:** b\n- **Scope:** c')).toMatch(/claim fields/)
    expect(textBlockProblem('- **Rule:** a\n- **Why:** b\n\n- **Scope:** c')).toBeNull()
  })
})

describe('no false positives', () => {
  it('every example parses exactly as a one-regex oracle says: one claim per header line, no claim-like text', () => {
    for (const url of EXAMPLES) {
      const text = readFileSync(url, 'utf8')
      const { body } = parseOosMarkdown(text)
      const headers = text.split('\n').filter(l => CLAIM_HEADER_RE.test(l)).map(l => (CLAIM_HEADER_RE.exec(l) as RegExpExecArray)[1])
      expect(body.claims.map(c => c.claim_id)).toEqual(headers)
      for (const s of body.sections ?? []) for (const b of s.blocks) if ('text' in b) expect(textBlockProblem(b.text)).toBeNull()
      expect(() => validateBody(body)).not.toThrow()
    }
  })

  /** prose that talks about claims, ids, fields and bold brackets without being a claim */
  const innocent = fc.constantFrom(
    'See claim C003 for the escalation rule.', '[C001] is the oldest rule.', '**C001** is the oldest rule.',
    '**[X1]** not a claim', '**[Claim 1]** is how the format names them.', '**[C]** alone', '** [note] **',
    '- **Rule:** one rule line is prose', '- **Why:** and a why line', 'C\u200b001 in running text',
    '*[C001]* in italics', '`**[C001]**` in code', '**Rule:** without a dash', '> **[quote]** C1'
  )
  const paragraph = fc.array(innocent, { minLength: 1, maxLength: 2 }).map(ls => ls.join('\n'))

  it('property: innocent paragraphs inserted between blocks of every example stay prose, and nothing else changes', () => {
    const texts = EXAMPLES.map(u => readFileSync(u, 'utf8'))
    const bodies = texts.map(t => parseOosMarkdown(t).body)
    fc.assert(fc.property(fc.nat(texts.length - 1), fc.nat(), paragraph, (which, at, prose) => {
      const lines = texts[which].split('\n')
      // before a claim header or a heading (a block boundary after the front matter)
      const starts = lines.map((l, i) => i).filter(i => i > 20 && (CLAIM_HEADER_RE.test(lines[i]) || lines[i].startsWith('## ')))
      const i = starts[at % starts.length]
      const text = [...lines.slice(0, i), prose, '', ...lines.slice(i)].join('\n')
      const { body } = parseOosMarkdown(text)
      expect(dagCbor.encode(body.claims)).toEqual(dagCbor.encode(bodies[which].claims))
      const blocks = (body.sections ?? []).flatMap(s => s.blocks)
      expect(blocks.some(b => 'text' in b && b.text.includes(prose))).toBe(true)
    }), { numRuns: Number(process.env.OOS_PROPERTY_RUNS ?? 60) })
  })
})
