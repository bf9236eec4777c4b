/**
 * Documents of every shape the published schemas allow (issue 16, "Real documents"): extension
 * keys at the top level and in the front matter, nulls in optional fields, full entities,
 * prose after claims. Liberal in (kept, corrected, every problem at once), faithful out (the
 * canonical key order written back byte for byte).
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import * as dagCbor from '@ipld/dag-cbor'
import {
  checkDocument, fixDerived, parseOosJson, parseOosMarkdown, toOosJson, validateBody, writeOosMarkdown, type OosBody
} from '../../src/oos/index.ts'

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')
const MD = fixture('shapes/full.oos.md')
const JSON_TEXT = fixture('shapes/full.oos.json')
const EXAMPLE = fixture('example.oos.md')
/** what the store gives back: the body through DAG-CBOR (map keys sorted by length, then bytes) */
const viaCbor = (b: OosBody): OosBody => dagCbor.decode(dagCbor.encode(b))

describe('documents of every shape', () => {
  it('.oos.md with extension keys, full entities and prose after claims: read without corrections, valid, written back byte for byte', () => {
    const { body, corrections } = parseOosMarkdown(MD)
    expect(corrections).toEqual([])
    expect(validateBody(body)).toBe(body)
    const b = body as any
    expect(b._comment).toBe('Written by hand; the extension keys are kept.')
    expect(b.frontmatter.mcp_servers).toEqual([{ name: 'crm', tools: ['read_contact', 'write_note'], url: 'https://mcp.example.org/crm' }])
    expect(b.frontmatter.review_cycle).toBe('quarterly')
    expect(b.entities.agents[0].shift).toBe('night')
    expect(writeOosMarkdown(body)).toBe(MD)
  })

  it('entity keys come out in the schema order and scalar lists inline, whatever order the stored body holds them in', () => {
    const stored = viaCbor(parseOosMarkdown(MD).body)
    expect(Object.keys((stored as any).entities.agents[0]).slice(0, 3)).toEqual(['id', 'name', 'owns']) // DAG-CBOR order
    expect(writeOosMarkdown(stored)).toBe(MD)
    expect(toOosJson(stored)).toBe(JSON_TEXT)
  })

  it('list styles as read: a reader records them (outside the body) and the writer keeps them when given them', () => {
    const styled = MD
      .replace('platforms:\n  - "claude"\n  - "custom"\n', 'platforms: ["claude", "custom"]\n')
      .replace('      inputs: ["orders", "carrier rates"]\n', '      inputs:\n        - "orders"\n        - "carrier rates"\n')
    const { body, presentation } = parseOosMarkdown(styled)
    expect(presentation?.flow).toMatchObject({ 'frontmatter.platforms': true, 'entities.agents[0].inputs': false, 'entities.agents[0].outputs': true })
    expect(dagCbor.encode(body)).toEqual(dagCbor.encode(parseOosMarkdown(MD).body)) // the same body, the same CIDs
    expect(writeOosMarkdown(body)).toBe(MD) // canonical without it
    expect(writeOosMarkdown(viaCbor(body), { presentation })).toBe(styled)
  })

  it('.oos.json with a top-level _comment: read without corrections, valid, written back byte for byte; both forms carry the same body', () => {
    const { body, corrections } = parseOosJson(JSON_TEXT)
    expect(corrections).toEqual([])
    expect(validateBody(body)).toBe(body)
    expect(toOosJson(body)).toBe(JSON_TEXT)
    expect(dagCbor.encode(body)).toEqual(dagCbor.encode(parseOosMarkdown(MD).body))
    expect(writeOosMarkdown(body)).toBe(MD)
  })

  it('null in an optional field is absent, reported as a correction; null in extension data is a value', () => {
    const v = JSON.parse(JSON_TEXT)
    v.frontmatter.org_id = null
    v.claims[1].visibility = null
    v.entities.decisions[0].approval_required_from = null
    v.entities.agents[1].mission = null
    v.entities.escalation_hierarchy.default_escalation_timeout = null
    v.frontmatter.mcp_servers[0].note = null
    const { body, corrections } = parseOosJson(JSON.stringify(v))
    expect(corrections).toEqual([
      { field: 'frontmatter.org_id', declared: null, actual: undefined },
      { field: 'claims[1].visibility', declared: null, actual: undefined },
      { field: 'entities.agents[1].mission', declared: null, actual: undefined },
      { field: 'entities.escalation_hierarchy.default_escalation_timeout', declared: null, actual: undefined },
      { field: 'entities.decisions[0].approval_required_from', declared: null, actual: undefined }
    ])
    expect(validateBody(body)).toBe(body)
    const b = body as any
    expect('org_id' in b.frontmatter).toBe(false)
    expect('approval_required_from' in b.entities.decisions[0]).toBe(false)
    expect(b.frontmatter.mcp_servers[0].note).toBeNull()
    // the same in .oos.md
    const md = MD.replace('org_id: "123e4567-e89b-12d3-a456-426614174000"', 'org_id: null').replace('approval_required_from: "HMN-001"', 'approval_required_from: null')
    expect(parseOosMarkdown(md).corrections.map(c => c.field)).toEqual(['frontmatter.org_id', 'entities.decisions[0].approval_required_from'])
    // a required field given as null stays an error
    expect(checkDocument(MD.replace('industry: "logistics"', 'industry: null'), 'md').errors.map(e => e.message)).toEqual(['line 5: frontmatter.industry must be a string'])
  })

  it('every problem of a document at once, each with its line, in line order', () => {
    const bad = MD
      .replace('org_size: "medium"', 'org_size: "huge"')
      .replace('      authority_level: "supervised"', '      authority_level: "boss"')
      .replace('- **Visibility:** free', '- **Audience:** everyone')
      .replace('- **Confidence:** MEDIUM', '- **Confidence:** Medium')
      .replace('- **Evidence:** INFERENCE\n', '')
    const r = checkDocument(bad, 'md')
    expect(r.errors.map(e => `${e.code} ${e.message}`)).toEqual([
      'SCHEMA_INVALID line 6: frontmatter.org_size must be one of solo, small, medium, large, enterprise',
      'SCHEMA_INVALID line 53: entities.agents[1].authority_level must be one of autonomous, semi_autonomous, supervised, advisory',
      'PARSE_ERROR line 149: claim C001 has an unknown field **Audience:**',
      'SCHEMA_INVALID line 156: claims[1].confidence must be one of HIGH, MEDIUM, LOW',
      'PARSE_ERROR line 164: claim C003 has no **Evidence:** line'
    ])
    // JSON: every problem with its path
    const v = JSON.parse(JSON_TEXT)
    v.frontmatter.org_size = 'huge'
    v.claims[2].confidence = 'SURE'
    v.claims[0].extra = 1
    expect(checkDocument(JSON.stringify(v), 'json').errors.map(e => e.path)).toEqual(['frontmatter.org_size', 'claims[0].extra', 'claims[2].confidence'])
  })

  it('top_level: in .oos.md holds the top-level extension keys only, as a mapping', () => {
    const errors = (text: string): string[] => checkDocument(text, 'md').errors.map(e => e.message)
    expect(errors(MD.replace('  _comment: "Written', '  claims: 1\n  _comment: "Written'))).toEqual(['line 127: top_level: must not hold claims (it is a part of every document, not an extension key)'])
    expect(errors(MD.replace('top_level:\n  _comment: "Written by hand; the extension keys are kept."', 'top_level: 3'))).toEqual(["line 126: top_level: must be a mapping of the document's top-level extension keys"])
    // in .oos.json a front matter key top_level is reserved (R-B3.5.3)
    const v = JSON.parse(JSON_TEXT)
    v.frontmatter.top_level = { x: 1 }
    expect(checkDocument(JSON.stringify(v), 'json').errors.map(e => e.path)).toEqual(['frontmatter.top_level'])
  })

  it('a short document: it needs more text (word_count is derived, not edited)', () => {
    const short = MD.replace(/^Agents hand work over.*$/gm, 'Short.')
    const r = checkDocument(short, 'md')
    expect(r.errors).toHaveLength(1)
    expect(r.errors[0].message).toMatch(/^line 15: the document needs more text: it has \d+ words and the OOS format requires at least 500/)
    expect(r.errors[0].message).not.toContain('word_count must be at least')
  })

  it('prose that states counts the claims do not give is a warning with its line; counts that agree are not', () => {
    expect(checkDocument(MD, 'md').warnings).toEqual([])
    const r = checkDocument(EXAMPLE, 'md')
    expect(r.errors).toEqual([])
    expect(r.warnings.map(w => w.message)).toContain('line 159: the prose says HIGH 5, the claims give 9 (frontmatter.confidence_distribution.high); update the text')
    expect(r.warnings.map(w => w.line)).toEqual([159, 160, 161, 165, 167, 168])
  })

  it('--fix writes the corrected derived fields into the text and changes nothing else', () => {
    const { text, fixed } = fixDerived(EXAMPLE, 'md')
    expect(fixed.map(c => c.field)).toEqual(['frontmatter.confidence_distribution', 'frontmatter.evidence_distribution', 'frontmatter.word_count'])
    const before = EXAMPLE.split('\n')
    const after = text.split('\n')
    expect(after).toHaveLength(before.length)
    const changed = before.flatMap((l, i) => l === after[i] ? [] : [`${l} → ${after[i]}`])
    expect(changed).toEqual([
      'word_count: 2100 → word_count: 1446',
      '  high: 5 →   high: 9',
      '  medium: 6 →   medium: 4',
      '  low: 3 →   low: 1',
      '  human_defined_rule: 3 →   human_defined_rule: 1',
      '  observed_once: 2 →   observed_once: 3',
      '  measured_result: 3 →   measured_result: 4'
    ])
    expect(parseOosMarkdown(text).corrections).toEqual([])
    expect(fixDerived(text, 'md').fixed).toEqual([])
    // an inline distribution, and a missing one, are fixed too
    const inline = EXAMPLE.replace(/confidence_distribution:\n {2}high: 5\n {2}medium: 6\n {2}low: 3\n/, 'confidence_distribution: {high: 5, medium: 6, low: 3}\n')
    expect(fixDerived(inline, 'md').text).toContain('confidence_distribution: {high: 9, medium: 4, low: 1}\n')
    const missing = EXAMPLE.replace('claim_count: 14\n', '')
    expect(parseOosMarkdown(fixDerived(missing, 'md').text).corrections).toEqual([])
    // JSON: the keys stay in their order
    const v = JSON.parse(JSON_TEXT)
    v.frontmatter.claim_count = 7
    const j = fixDerived(JSON.stringify(v, null, 2) + '\n', 'json')
    expect(j.text).toBe(JSON_TEXT)
  })
})
