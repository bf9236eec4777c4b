import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { OosError } from '../../src/errors.ts'
import {
  CONFIDENCE, EVIDENCE, TEMPLATES, deriveFields, deriveWordCount, parseOosJson, parseOosMarkdown,
  toOosJson, validateBody, writeOosMarkdown, type Claim, type OosBody, type Section
} from '../../src/oos/index.ts'
import { textBlockProblem, trimST } from '../../src/oos/grammar.ts'

const TEXT = readFileSync(new URL('../fixtures/example.oos.md', import.meta.url), 'utf8')
const RUNS = Number(process.env.OOS_PROPERTY_RUNS ?? 200)

// ---- generators -----------------------------------------------------------------------------

/** characters that stress the line grammar, YAML and JSON */
const char = fc.constantFrom(
  'a', 'b', 'Z', '0', '9', ' ', '\t', 'é', '漢', '😀', '\u00a0', '\u2028', '\ufeff', '*', '#', '[', ']',
  '-', ':', ',', '"', "'", '\\', '|', '!', '&', '%', '{', '}', '>', '`', '_', '.', '/', '?', '@', '~', '=', '+', 'C'
)
/** a canonical single-line value: no CR/LF, no leading/trailing space or tab, not empty */
const line = fc.string({ unit: char, maxLength: 24 }).map(trimST).filter(s => s.length > 0)
/** a canonical multi-line claim value */
const textValue = fc.array(line, { minLength: 1, maxLength: 3 }).map(ls => ls.join('\n'))
const listItem = line.map(s => trimST(s.replace(/,/g, ';'))).filter(s => s.length > 0)
/** Markdown-looking lines for prose blocks (blank and indented lines included) */
const mdLine = fc.oneof(
  line,
  fc.constantFrom('', '   ', '- item', '- **Rule:** not a claim here', '# Title', '### Sub', '> quote', '1. first',
    '| a | b |', '|---|---|', '    code', '---', '**bold** text', '**[X1]** not a claim', '##no space', '* star', '[C001]',
    // claim-like lines (BODY.md §5.3 rule 3): blocks holding them are not canonical, the
    // reader refuses them; the rest must still round-trip
    '**[c1]** lower', '**[C\u200b1]** zwsp', ' **[C2]** indented', '- **Why:** w', '- **Scope:** s', '- **Evidence:** e')
)
const textBlock = fc.array(mdLine, { minLength: 1, maxLength: 5 }).map(ls => ls.join('\n')).filter(t => textBlockProblem(t) === null)

/** sha2-256 digests, made into claim CIDs when the body is built */
const digest = fc.uint8Array({ minLength: 32, maxLength: 32 })
const toCid = (d: Uint8Array): CID => CID.createV1(0x71, Digest.create(0x12, d))
const anyString = fc.string({ unit: fc.oneof(char, fc.constantFrom('\n', '\r', '\x00', '\x1b', '\x7f', '\u0085', 'ÿ')), maxLength: 20 })
const key = anyString.filter(k => k !== '__proto__')
const { json } = fc.letrec(tie => ({
  json: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null), fc.boolean(), fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map(x => x === 0 ? 0 : x),
    anyString,
    fc.array(tie('json'), { maxLength: 3 }),
    fc.dictionary(key, tie('json'), { maxKeys: 3 })
  )
}))

const claimFields = fc.record({
  section: line,
  rule: textValue,
  why: textValue,
  failure_mode: textValue,
  confidence: fc.constantFrom(...CONFIDENCE),
  evidence: fc.constantFrom(...EVIDENCE),
  scope: textValue,
  confidence_score: fc.double({ min: 0, max: 1, noNaN: true }).map(x => x === 0 ? 0 : x),
  evidence_reference: fc.oneof(fc.constant(''), textValue),
  related_entities: fc.array(listItem, { maxLength: 3 }),
  supersedes: fc.integer({ min: 1, max: 9999 }).map(n => `C${n}`),
  display_order: fc.nat(),
  visibility: fc.constantFrom('free', 'paid', 'premium'),
  derived_from: fc.array(digest, { maxLength: 3 })
}, { requiredKeys: ['section', 'rule', 'why', 'failure_mode', 'confidence', 'evidence', 'scope'] })

interface Case { body: OosBody, expected: OosBody }

const MAX_CLAIMS = 7
const MAX_SECTIONS = 4

const frontmatterArb = fc.record({
  oos_version: fc.constantFrom('1.0', '1.1'),
  org_id: fc.uuid(),
  org_pseudonym: anyString,
  industry: anyString,
  org_size: fc.constantFrom('solo', 'small', 'medium', 'large', 'enterprise'),
  template: fc.constantFrom(...TEMPLATES),
  agent_count: fc.nat(),
  platforms: fc.array(anyString, { maxLength: 3 }),
  generated_at: fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(4e12) }).map(d => d.toISOString()),
  version: fc.integer({ min: 1, max: 1e6 }),
  parent_version: fc.option(fc.integer({ min: 1, max: 1e6 })),
  unknown_key: json
}, { requiredKeys: ['oos_version', 'org_pseudonym', 'industry', 'org_size', 'template', 'agent_count', 'platforms', 'generated_at', 'version', 'parent_version'] })

const entitiesArb = fc.record({
  agents: fc.array(fc.dictionary(key, json, { maxKeys: 4 }), { maxLength: 2 }),
  escalation_hierarchy: fc.record({ levels: fc.array(json, { maxLength: 2 }) })
}, { requiredKeys: ['agents'] })

/**
 * A random body in canonical form, and what reading its `.oos.md` back must give: the same
 * body, plus a `## Claims` section holding the claims no section placed. Built from flat,
 * fixed-shape random data so that shrinking stays cheap.
 */
const bodyCase: fc.Arbitrary<Case> = fc.record({
  ids: fc.uniqueArray(fc.integer({ min: 0, max: 9999 }), { maxLength: MAX_CLAIMS }),
  claims: fc.array(claimFields, { minLength: MAX_CLAIMS, maxLength: MAX_CLAIMS }),
  frontmatter: frontmatterArb,
  withSections: fc.boolean(),
  preamble: fc.boolean(),
  sectionCount: fc.integer({ min: 0, max: MAX_SECTIONS }),
  headings: fc.array(line, { minLength: MAX_SECTIONS, maxLength: MAX_SECTIONS }),
  /** per claim: a section (modulo the count), or -1 for "not placed" */
  placement: fc.array(fc.integer({ min: -1, max: MAX_SECTIONS }), { minLength: MAX_CLAIMS, maxLength: MAX_CLAIMS }),
  /** per claim: a text block before it; per section: one at its end */
  textBefore: fc.array(fc.option(textBlock), { minLength: MAX_CLAIMS, maxLength: MAX_CLAIMS }),
  textAfter: fc.array(fc.option(textBlock), { minLength: MAX_SECTIONS + 1, maxLength: MAX_SECTIONS + 1 }),
  entities: fc.option(entitiesArb, { nil: undefined })
}).map((r): Case => {
  const claims: Claim[] = r.ids.map((n, i) => {
    const c = { claim_id: `C${String(n).padStart(3, '0')}`, ...r.claims[i] } as unknown as Claim & { derived_from?: unknown }
    if (c.derived_from !== undefined) c.derived_from = (c.derived_from as unknown as Uint8Array[]).map(toCid)
    return c as Claim
  })
  let sections: Section[] | undefined
  if (r.withSections) {
    const count = r.sectionCount + (r.preamble ? 1 : 0)
    sections = Array.from({ length: count }, (_, i) => ({ heading: r.preamble && i === 0 ? '' : r.headings[i % MAX_SECTIONS], blocks: [] as Section['blocks'] }))
    if (count > 0) {
      claims.forEach((c, i) => {
        if (r.placement[i] === -1) return
        const s = (sections as Section[])[r.placement[i] % count]
        const t = r.textBefore[i]
        if (t !== null && !(s.blocks.at(-1) !== undefined && 'text' in (s.blocks.at(-1) as object))) s.blocks.push({ text: t })
        s.blocks.push({ claim: c.claim_id })
      })
      sections.forEach((s, i) => {
        const t = r.textAfter[i] ?? (r.preamble && i === 0 && s.blocks.length === 0 ? 'preamble' : null)
        if (t !== null) s.blocks.push({ text: t })
      })
    }
  }
  // claims are listed in document order: placed claims in the order the sections place them, then the rest
  const order = new Map((sections ?? []).flatMap(s => s.blocks.flatMap(b => 'claim' in b ? [b.claim] : [])).map((id, i) => [id, i]))
  const generatedAt = new Map(claims.map((c, i) => [c, i]))
  const rank = (c: Claim): number => order.get(c.claim_id) ?? order.size + (generatedAt.get(c) as number)
  claims.sort((a, b) => rank(a) - rank(b))

  const frontmatter = { ...r.frontmatter } as Record<string, unknown>
  const body = { frontmatter, claims, ...(sections === undefined ? {} : { sections }) } as unknown as OosBody
  if (r.entities !== undefined) body.entities = r.entities as OosBody['entities']
  Object.assign(frontmatter, deriveFields(claims))
  frontmatter.word_count = deriveWordCount(body)

  const rest = claims.filter(c => !order.has(c.claim_id))
  const expectedSections = [...(sections ?? []), ...(rest.length > 0 ? [{ heading: 'Claims', blocks: rest.map(c => ({ claim: c.claim_id })) }] : [])]
  return { body, expected: { ...body, sections: expectedSections } }
})

// ---- properties -----------------------------------------------------------------------------

function expectOnlyOosErrors (fn: () => unknown): void {
  try {
    fn()
  } catch (err) {
    if (!(err instanceof OosError)) throw err
  }
}

describe('property: write → parse', () => {
  it('random bodies survive .oos.md: parse(write(body)) equals body (plus ## Claims for unplaced claims), no corrections', () => {
    fc.assert(fc.property(bodyCase, ({ body, expected }) => {
      const md = writeOosMarkdown(body)
      const { body: back, corrections } = parseOosMarkdown(md)
      expect(corrections).toEqual([])
      expect(back).toEqual(expected)
      expect(dagCbor.encode(back)).toEqual(dagCbor.encode(expected))
      // and the result is a fixed point
      expect(writeOosMarkdown(back)).toBe(writeOosMarkdown(expected))
    }), { numRuns: RUNS })
  })

  it('random bodies survive .oos.json exactly', () => {
    fc.assert(fc.property(bodyCase, ({ body }) => {
      const { body: back, corrections } = parseOosJson(toOosJson(body))
      expect(corrections).toEqual([])
      expect(back).toEqual(body)
      expect(dagCbor.encode(back)).toEqual(dagCbor.encode(body))
    }), { numRuns: RUNS })
  })
})

describe('property: hostile input', () => {
  const fragments = fc.oneof(
    anyString,
    fc.constantFrom('\n', '\r\n', '---\n', '\n---\n', '**[C001]** x\n', '**[C9]**', '- **Rule:** ', '- **Derived from:** bafy', '- **Confidence score:** 1e999',
      '- **Display order:** 99999999999999999999', '## ', '## H\n', '  ', ':', ': [', '&a ', '*a', '!!binary ', '? ', 'entities:\n  agents: 5\n', '\uFEFF', '{', '"',
      '\u200b', '**[c001]** x\n', '- **Why:** w\n', '\u0000', '\u001b[2J')
  )
  const edit = fc.record({ op: fc.constantFrom('insert', 'delete', 'dupLine', 'dropLine'), at: fc.nat(), len: fc.nat(40), text: fragments })

  function mutate (text: string, edits: Array<{ op: string, at: number, len: number, text: string }>): string {
    let t = text
    for (const e of edits) {
      const at = t.length === 0 ? 0 : e.at % t.length
      if (e.op === 'insert') t = t.slice(0, at) + e.text + t.slice(at)
      else if (e.op === 'delete') t = t.slice(0, at) + t.slice(at + e.len)
      else {
        const ls = t.split('\n')
        const i = ls.length === 0 ? 0 : e.at % ls.length
        if (e.op === 'dupLine') ls.splice(i, 0, ls[i])
        else ls.splice(i, 1)
        t = ls.join('\n')
      }
    }
    return t
  }

  it('a mutated example either parses (and then round-trips) or throws an OosError naming a line', () => {
    fc.assert(fc.property(fc.array(edit, { minLength: 1, maxLength: 6 }), edits => {
      const text = mutate(TEXT, edits)
      let parsed: ReturnType<typeof parseOosMarkdown> | undefined
      try {
        parsed = parseOosMarkdown(text)
      } catch (err) {
        if (!(err instanceof OosError)) throw err
        expect(err.path).toMatch(/^line \d+$/)
        return
      }
      // whatever parses is canonical: it writes and reads back unchanged
      const again = parseOosMarkdown(writeOosMarkdown(parsed.body))
      expect(again.body).toEqual(parsed.body)
      expect(again.corrections).toEqual([])
      expectOnlyOosErrors(() => validateBody(parsed.body))
    }), { numRuns: RUNS * 2 })
  })

  it('random text never throws anything but OosError', () => {
    fc.assert(fc.property(fc.oneof(anyString, fragments.map(f => `---\n${f}`), fc.array(fragments, { maxLength: 12 }).map(a => `---\n${a.join('')}`)), text => {
      expectOnlyOosErrors(() => parseOosMarkdown(text))
      expectOnlyOosErrors(() => parseOosJson(text))
    }), { numRuns: RUNS * 2 })
  })

  it('random JSON never throws anything but OosError, in parseOosJson and validateBody', () => {
    const doc = fc.record({ frontmatter: json, claims: fc.oneof(json, fc.array(fc.dictionary(key, json, { maxKeys: 4 }), { maxLength: 3 })), sections: json }, { requiredKeys: [] })
    fc.assert(fc.property(fc.oneof(json, doc), v => {
      expectOnlyOosErrors(() => {
        const { body } = parseOosJson(JSON.stringify(v))
        validateBody(body)
        writeOosMarkdown(body)
      })
      expectOnlyOosErrors(() => validateBody(v))
    }), { numRuns: RUNS * 2 })
  })

  it('validateBody never throws anything but OosError on arbitrary values', () => {
    fc.assert(fc.property(fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withNullPrototype: true, withObjectString: true, withSparseArray: true }), v => {
      expectOnlyOosErrors(() => validateBody(v))
      expectOnlyOosErrors(() => validateBody({ frontmatter: v, claims: [v, v, v], sections: [{ heading: 'x', blocks: [v] }], entities: { agents: [v] } }))
    }), { numRuns: RUNS * 2 })
  })
})
