import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { OosError } from '../../src/errors.ts'
import {
  OosParseError, checkDerived, parseOosJson, parseOosMarkdown, toOosJson, validateBody,
  wordCount, writeOosMarkdown, type Claim
} from '../../src/oos/index.ts'

const TEXT = readFileSync(new URL('../fixtures/example.oos.md', import.meta.url), 'utf8')
const LINES = TEXT.split('\n')
/** the file's lines a..b (1-based, inclusive) */
const lines = (a: number, b: number): string => LINES.slice(a - 1, b).join('\n')
const lineOf = (needle: string): number => LINES.findIndex(l => l.includes(needle)) + 1

/** An oracle independent of the parser: read each claim block with one regex. */
function claimsByRegex (text: string): Claim[] {
  const re = /^\*\*\[(C\d+)\]\*\* (\S+)\n- \*\*Rule:\*\* (.*)\n- \*\*Why:\*\* (.*)\n- \*\*Failure mode:\*\* (.*)\n- \*\*Confidence:\*\* (.*)\n- \*\*Evidence:\*\* (.*)\n- \*\*Scope:\*\* (.*)$/gm
  return [...text.matchAll(re)].map(m => ({
    claim_id: m[1], section: m[2], rule: m[3], why: m[4], failure_mode: m[5],
    confidence: m[6], evidence: m[7], scope: m[8]
  }) as Claim)
}

function expectParseError (text: string, line: number, message: string | RegExp): OosParseError {
  let caught: unknown
  try { parseOosMarkdown(text) } catch (err) { caught = err }
  expect(caught).toBeInstanceOf(OosParseError)
  const e = caught as OosParseError
  expect(e.code).toBe('PARSE_ERROR')
  expect(e.name).toBe('OosParseError')
  expect(e.path).toBe(`line ${line}`)
  expect(e.message.startsWith(`line ${line}: `)).toBe(true)
  if (typeof message === 'string') expect(e.message).toBe(message)
  else expect(e.message).toMatch(message)
  return e
}

/** replace line n (1-based) of the example with `replacement` lines (none to delete it) */
function editLine (n: number, ...replacement: string[]): string {
  const copy = [...LINES]
  copy.splice(n - 1, 1, ...replacement)
  return copy.join('\n')
}

describe('parseOosMarkdown on the published example', () => {
  const { body, corrections } = parseOosMarkdown(TEXT)

  it('reads the front matter, with generated_at as written and integers as integers', () => {
    expect(body.frontmatter).toEqual({
      oos_version: '1.0',
      org_pseudonym: 'Acme Digital Agency',
      industry: 'digital_marketing_agency',
      org_size: 'small',
      template: 'agent_army',
      agent_count: 8,
      platforms: ['claude', 'custom'],
      generated_at: '2026-03-14T12:00:00Z',
      version: 1,
      parent_version: null,
      word_count: 1446,
      claim_count: 14,
      confidence_distribution: { high: 9, medium: 4, low: 1 },
      evidence_distribution: {
        human_defined_rule: 1,
        observed_once: 3,
        observed_repeatedly: 4,
        measured_result: 4,
        inference: 1,
        speculation: 1
      }
    })
    expect(Number.isInteger(body.frontmatter.agent_count)).toBe(true)
    expect(body.entities).toBeUndefined()
  })

  it('reads 14 claims with every field intact', () => {
    expect(body.claims).toHaveLength(14)
    expect(body.claims.map(c => c.claim_id)).toEqual(Array.from({ length: 14 }, (_, i) => `C${String(i + 1).padStart(3, '0')}`))
    const oracle = claimsByRegex(TEXT)
    expect(oracle).toHaveLength(14)
    expect(body.claims).toEqual(oracle)
    expect(body.claims[0]).toEqual({
      claim_id: 'C001',
      section: 'core_operating_rules',
      rule: 'Every agent writes to a shared state file. No agent reads data sources directly.',
      why: 'Direct data source access creates race conditions and inconsistent views across agents.',
      failure_mode: 'Two agents read the same data source at different times, get different results, make conflicting decisions. Observed when the reporting agent and the campaign agent both queried Meta Ads API simultaneously.',
      confidence: 'HIGH',
      evidence: 'MEASURED_RESULT',
      scope: 'All agents in the system. Does not apply to the initial data collection job that populates shared state.'
    })
    expect(body.claims[13]).toMatchObject({ claim_id: 'C014', section: 'human_ai_boundary_conditions', confidence: 'LOW', evidence: 'SPECULATION' })
    expect(body.claims.map(c => c.section)).toEqual([
      ...Array(5).fill('core_operating_rules'), ...Array(2).fill('agent_roles_and_authority'),
      ...Array(2).fill('coordination_patterns'), 'operational_heuristics', ...Array(2).fill('failure_patterns'),
      ...Array(2).fill('human_ai_boundary_conditions')
    ])
  })

  it('keeps every prose section, in order, with the claims where they stood', () => {
    const s = body.sections ?? []
    expect(s.map(x => x.heading)).toEqual(['Purpose', 'Prime Directives', 'System Identity', 'Confidence Map', 'Merge Protocol', 'Update Protocol', 'Summary'])
    expect(s[0].blocks).toEqual([{ text: lines(31, 31) }])
    expect(s[0].blocks[0]).toEqual({ text: expect.stringMatching(/^Acme Digital Agency runs an 8-agent AI team .* 6 months of production operation\.$/) })
    expect(s[1].blocks).toEqual([{ text: '1. Client data integrity above all other priorities.\n2. No agent sends external communications without human approval.\n3. Every agent writes to shared state; no agent reads data sources directly.' }])
    expect(s[2].blocks).toEqual([
      { text: lines(41, 41) },
      ...body.claims.map(c => ({ claim: c.claim_id }))
    ])
    expect(s[2].blocks[0]).toEqual({ text: expect.stringMatching(/^A digital marketing agency .* strategy and client relationships\.$/) })
    expect(s[3].blocks).toEqual([{ text: lines(157, 170) }])
    expect((s[3].blocks[0] as { text: string }).text).toMatch(/^\| Confidence \| Count \| % \|\n[\s\S]*\| SPECULATION \| 1 \|$/)
    expect(s[4].blocks).toEqual([{ text: lines(174, 178) }])
    expect((s[4].blocks[0] as { text: string }).text).toMatch(/^When merging intelligence[\s\S]*- Size budget: merged file must not exceed 2x this file's current size\.$/)
    expect(s[5].blocks).toEqual([{ text: lines(182, 184) }])
    expect(s[6].blocks).toEqual([{ text: lines(188, 199) }])
    expect((s[6].blocks[0] as { text: string }).text).toMatch(/^1\. Pre-computed shared state[\s\S]*12\. Explicit authority boundaries prevent agent role drift and overlap\.$/)
  })

  it('reports the derived fields it corrected: confidence and evidence distributions and word count', () => {
    expect(corrections).toEqual([
      { field: 'frontmatter.confidence_distribution', declared: { high: 5, medium: 6, low: 3 }, actual: { high: 9, medium: 4, low: 1 } },
      {
        field: 'frontmatter.evidence_distribution',
        declared: { human_defined_rule: 3, observed_once: 2, observed_repeatedly: 4, measured_result: 3, inference: 1, speculation: 1 },
        actual: { human_defined_rule: 1, observed_once: 3, observed_repeatedly: 4, measured_result: 4, inference: 1, speculation: 1 }
      },
      { field: 'frontmatter.word_count', declared: 2100, actual: 1446 }
    ])
    // claim_count (14) was right
    expect(corrections.map(c => c.field)).not.toContain('frontmatter.claim_count')
    // word_count is the words of the file after the front matter (`wc -w` gives 1446 too)
    expect(wordCount(LINES.slice(27).join('\n'))).toBe(1446)
  })

  it('yields a valid, self-consistent body', () => {
    expect(validateBody(body)).toBe(body)
    expect(checkDerived(body)).toEqual([])
  })

  it('writes back the published document, differing only in the corrected values', () => {
    const out = writeOosMarkdown(body)
    const expected = TEXT
      .replace('word_count: 2100', 'word_count: 1446')
      .replace('  high: 5\n  medium: 6\n  low: 3', '  high: 9\n  medium: 4\n  low: 1')
      .replace('  human_defined_rule: 3\n  observed_once: 2', '  human_defined_rule: 1\n  observed_once: 3')
      .replace('  measured_result: 3', '  measured_result: 4')
    expect(out).toBe(expected)
  })

  it('round-trips exactly: md → body → md → body, and body → json → body', () => {
    const again = parseOosMarkdown(writeOosMarkdown(body))
    expect(again.body).toEqual(body)
    expect(again.corrections).toEqual([])
    expect(dagCbor.encode(again.body)).toEqual(dagCbor.encode(body))
    const fromJson = parseOosJson(toOosJson(body))
    expect(fromJson.body).toEqual(body)
    expect(fromJson.corrections).toEqual([])
    expect(dagCbor.encode(fromJson.body)).toEqual(dagCbor.encode(body))
  })

  it('accepts CRLF line endings and a UTF-8 BOM', () => {
    const crlf = '\uFEFF' + TEXT.replace(/\n/g, '\r\n')
    expect(parseOosMarkdown(crlf)).toEqual(parseOosMarkdown(TEXT))
  })
})

describe('claim extension lines', () => {
  const cid1 = CID.parse('bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy')
  const cid2 = CID.parse('bafyreidykglsfhoixmivffc5uwhcgshx4j465xwqntbmu43nb2dzqwfvae')
  const block = [
    '**[C015]** coordination_patterns',
    '- **Rule:** Hand-offs go through the queue,',
    '  never by direct call.',
    '- **Why:** Queues make hand-offs visible.',
    '- **Failure mode:** Lost work.',
    '- **Confidence:** MEDIUM',
    '- **Evidence:** INFERENCE',
    '- **Scope:** All agents.',
    '- **Confidence score:** 0.8',
    '- **Evidence reference:** incident INC-42',
    '- **Related entities:** AGT-001, HMN-002',
    '- **Supersedes:** C003',
    '- **Display order:** 3',
    '- **Visibility:** free',
    `- **Derived from:** ${cid1.toString()}, ${cid2.toString()}`
  ]
  const doc = TEXT.replace('## Confidence Map', `${block.join('\n')}\n\n## Confidence Map`)

  it('reads every extension field, continuation lines and CIDs', () => {
    const { body } = parseOosMarkdown(doc)
    const c = body.claims[14]
    expect(c).toEqual({
      claim_id: 'C015',
      section: 'coordination_patterns',
      rule: 'Hand-offs go through the queue,\nnever by direct call.',
      why: 'Queues make hand-offs visible.',
      failure_mode: 'Lost work.',
      confidence: 'MEDIUM',
      evidence: 'INFERENCE',
      scope: 'All agents.',
      confidence_score: 0.8,
      evidence_reference: 'incident INC-42',
      related_entities: ['AGT-001', 'HMN-002'],
      supersedes: 'C003',
      display_order: 3,
      visibility: 'free',
      derived_from: [cid1, cid2]
    })
    expect(c.derived_from?.[0].equals(cid1)).toBe(true)
    expect(body.frontmatter.claim_count).toBe(15)
    expect(body.sections?.[2].blocks.at(-1)).toEqual({ claim: 'C015' })
    expect(validateBody(body)).toBe(body)
  })

  it('writes them back in the same form and round-trips (CIDs included)', () => {
    const { body } = parseOosMarkdown(doc)
    const out = writeOosMarkdown(body)
    expect(out).toContain(block.join('\n'))
    const again = parseOosMarkdown(out).body
    expect(again).toEqual(body)
    expect(again.claims[14].derived_from?.every((c, i) => c.equals(body.claims[14].derived_from?.[i]))).toBe(true)
    expect(dagCbor.encode(again)).toEqual(dagCbor.encode(body))
    expect(parseOosJson(toOosJson(body)).body).toEqual(body)
  })

  it('accepts the label variants real files use and writes the canonical label', () => {
    const variant = doc.replace('- **Failure mode:** Lost work.', '- **Failure Mode**: Lost work.').replace('- **Evidence:** INFERENCE', '- **Evidence type:** INFERENCE')
    const { body } = parseOosMarkdown(variant)
    expect(body).toEqual(parseOosMarkdown(doc).body)
  })

  it('places claims not named by any section in a final ## Claims section', () => {
    const { body } = parseOosMarkdown(TEXT)
    const partial = { ...body, sections: body.sections?.map(s => ({ ...s, blocks: s.blocks.filter(b => !('claim' in b) || b.claim < 'C010') })) }
    const out = writeOosMarkdown(partial)
    expect(out).toMatch(/\n## Summary\n\n[^#]*\n\n## Claims\n\n\*\*\[C010\]\*\* operational_heuristics\n/)
    const again = parseOosMarkdown(out).body
    expect(again.sections?.at(-1)).toEqual({ heading: 'Claims', blocks: ['C010', 'C011', 'C012', 'C013', 'C014'].map(claim => ({ claim })) })
    expect(again.claims).toEqual(body.claims)
    // a body with no sections at all (e.g. from .oos.json) gets all claims there
    const bare = parseOosMarkdown(writeOosMarkdown({ frontmatter: body.frontmatter, claims: body.claims })).body
    expect(bare.sections).toEqual([{ heading: 'Claims', blocks: body.claims.map(c => ({ claim: c.claim_id })) }])
  })

  it('moves front matter entities to body.entities and writes them back last in the front matter', () => {
    const withEntities = TEXT.replace('evidence_distribution:', [
      'entities:',
      '  agents:',
      '    - id: "AGT-001"',
      '      name: "Reporter"',
      '      role: "Reports patterns"',
      '      authority_level: "advisory"',
      '      inputs: ["shared state"]',
      '      outputs: ["weekly report"]',
      '  humans:',
      '    - id: "HMN-001"',
      '      role: "Account manager"',
      '      authority_level: "manager"',
      'evidence_distribution:'
    ].join('\n'))
    const { body } = parseOosMarkdown(withEntities)
    expect(body.entities).toEqual({
      agents: [{ id: 'AGT-001', name: 'Reporter', role: 'Reports patterns', authority_level: 'advisory', inputs: ['shared state'], outputs: ['weekly report'] }],
      humans: [{ id: 'HMN-001', role: 'Account manager', authority_level: 'manager' }]
    })
    expect('entities' in body.frontmatter).toBe(false)
    expect(validateBody(body)).toBe(body)
    const out = writeOosMarkdown(body)
    expect(out.split('---\n')[1]).toContain("measured_result: 4\n  inference: 1\n  speculation: 1\nentities:\n  agents:\n    - id: \"AGT-001\"\n")
    expect(parseOosMarkdown(out).body).toEqual(body)
  })

  it('reads an unquoted generated_at as the string written (YAML 1.2 core schema: no Date)', () => {
    const t = TEXT.replace('generated_at: "2026-03-14T12:00:00Z"', 'generated_at: 2026-03-14T12:00:00Z')
    expect(parseOosMarkdown(t).body.frontmatter.generated_at).toBe('2026-03-14T12:00:00Z')
    const t2 = TEXT.replace('generated_at: "2026-03-14T12:00:00Z"', 'generated_at: 2026-03-14 12:00:00.50+01:00')
    expect(parseOosMarkdown(t2).body.frontmatter.generated_at).toBe('2026-03-14 12:00:00.50+01:00')
    // an explicit !!timestamp would make the yaml package return a Date: normalised to the text written
    const t3 = TEXT.replace('generated_at: "2026-03-14T12:00:00Z"', 'generated_at: !!timestamp 2026-03-14T12:00:00Z')
    expect(parseOosMarkdown(t3).body.frontmatter.generated_at).toBe('2026-03-14T12:00:00Z')
  })

  it('keeps a preamble (text before the first ## heading) as the section with heading ""', () => {
    const t = TEXT.replace('---\n\n## Purpose', '---\n\n# Acme — Organizational Operating System\n\n## Purpose')
    const { body } = parseOosMarkdown(t)
    expect(body.sections?.[0]).toEqual({ heading: '', blocks: [{ text: '# Acme — Organizational Operating System' }] })
    expect(parseOosMarkdown(writeOosMarkdown(body)).body).toEqual(body)
  })
})

describe('parse errors name the line', () => {
  it('no front matter', () => {
    expectParseError('## Purpose\n', 1, 'line 1: a .oos.md document starts with a --- line opening the YAML front matter')
  })

  it('front matter never closed', () => {
    expectParseError('---\noos_version: "1.0"\n## Purpose\n', 1, 'line 1: the front matter opened here is never closed by a --- line')
  })

  it('invalid YAML, at the file line', () => {
    expectParseError(editLine(6, 'template: [agent_army'), 7, /^line 7: invalid YAML front matter: /)
    expectParseError(editLine(10, '  - "custom'), 10, /^line 10: invalid YAML front matter: /)
    expectParseError(editLine(12, 'version: 1', 'industry: "again"'), 13, 'line 13: invalid YAML front matter: Map keys must be unique')
  })

  it('YAML aliases, non-scalar keys, unresolved tags', () => {
    expect(LINES[7]).toBe('platforms:')
    expectParseError(TEXT.replace('platforms:\n  - "claude"\n  - "custom"\n', 'platforms: &p\n  - "claude"\nextra: *p\n'), 10, 'line 10: YAML aliases (*name) are not allowed in the front matter')
    expectParseError(editLine(7, '? [a, b]', ': 1'), 7, 'line 7: YAML keys must be plain scalars')
    expectParseError(editLine(7, 'agent_count: !!binary aGVsbG8='), 7, 'line 7: the YAML tag !!binary is not supported')
    expectParseError(editLine(7, 'agent_count: !!set {a}'), 7, 'line 7: the YAML tag !!set is not supported')
    expectParseError(editLine(7, 'agent_count: !local 8'), 7, /^line 7: invalid YAML front matter: Unresolved tag/)
  })

  it('front matter that is not a mapping', () => {
    expectParseError('---\n- a\n- b\n---\n', 2, 'line 2: the front matter must be a YAML mapping (key: value lines)')
  })

  it('a claim block missing a required field', () => {
    const n = lineOf('**[C004]**')
    expect(n).toBe(67)
    expectParseError(editLine(n + 5), 67, 'line 67: claim C004 has no **Evidence:** line')
    expectParseError(editLine(n + 1), 67, 'line 67: claim C004 has no **Rule:** line')
  })

  it('an unknown field in a claim block', () => {
    const n = lineOf('**[C002]**')
    expectParseError(editLine(n + 1, LINES[n], '- **Owner:** the ops team'), n + 2, 'line 53: claim C002 has an unknown field **Owner:**')
  })

  it('a field given twice', () => {
    const n = lineOf('**[C002]**')
    expectParseError(editLine(n + 2, LINES[n + 1], '- **Why:** again'), n + 3, `line ${n + 3}: claim C002 has a second **Why:** line (first at line ${n + 2})`)
  })

  it('a duplicate claim_id', () => {
    const n = lineOf('**[C005]**')
    expectParseError(editLine(n, '**[C003]** core_operating_rules'), n, `line ${n}: claim C003 appears twice (first at line 59)`)
  })

  it('a CID that does not parse', () => {
    const n = lineOf('**[C001]**')
    expectParseError(editLine(n + 6, LINES[n + 5], '- **Derived from:** bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy, notacid'), n + 7,
      `line ${n + 7}: claim C001: **Derived from:** "notacid" is not a CID`)
  })

  it('numbers that do not parse', () => {
    const n = lineOf('**[C001]**')
    expectParseError(editLine(n + 6, LINES[n + 5], '- **Confidence score:** high'), n + 7, `line ${n + 7}: claim C001: **Confidence score:** must be a number, not "high"`)
    expectParseError(editLine(n + 6, LINES[n + 5], '- **Display order:** 2.5'), n + 7, `line ${n + 7}: claim C001: **Display order:** must be an integer, not "2.5"`)
  })

  it('a stray line inside a claim block, a continuation with nothing to continue, a missing section name', () => {
    const n = lineOf('**[C001]**')
    expectParseError(editLine(n + 3, LINES[n + 2], 'Not a field.'), n + 4, `line ${n + 4}: claim C001: expected a "- **Field:** value" line, an indented continuation line or a blank line ending the claim`)
    expectParseError(editLine(n, LINES[n - 1], '  stray'), n + 1, `line ${n + 1}: claim C001: an indented line must continue a - **Field:** line`)
    expectParseError(editLine(n, '**[C001]**'), n, `line ${n}: claim C001 has no section name after **[C001]**`)
  })

  it('every parse error is an OosError', () => {
    try { parseOosMarkdown(editLine(67)) } catch (err) { expect(err).toBeInstanceOf(OosError) }
  })
})
