import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { OosError } from '../../src/errors.ts'
import { BODY_LIMITS, BodyLimitError, BodySchemaError, parseOosMarkdown, validateBody, type OosBody } from '../../src/oos/index.ts'

const TEXT = readFileSync(new URL('../fixtures/example.oos.md', import.meta.url), 'utf8')
const base = (): OosBody => parseOosMarkdown(TEXT).body
/** a deep copy to mutate as plain data */
const copy = (): Record<string, any> => structuredClone(base()) as Record<string, any>

function expectInvalid (body: unknown, path: string, message: string, code = 'SCHEMA_INVALID'): void {
  let caught: unknown
  try { validateBody(body) } catch (err) { caught = err }
  expect(caught).toBeInstanceOf(code === 'SCHEMA_INVALID' ? BodySchemaError : BodyLimitError)
  const e = caught as OosError
  expect(e.code).toBe(code)
  expect({ path: e.path, message: e.message }).toEqual({ path, message })
}

describe('validateBody', () => {
  it('accepts the parsed example and returns it', () => {
    const b = base()
    expect(validateBody(b)).toBe(b)
  })

  it('accepts the body after a DAG-CBOR round trip (what ingest sees)', async () => {
    const b = base()
    b.claims[0].derived_from = [CID.createV1(0x71, await sha256.digest(new Uint8Array([1, 2, 3])))]
    b.claims[0].confidence_score = 0.75
    const decoded = dagCbor.decode(dagCbor.encode(b))
    expect(validateBody(decoded)).toEqual(b)
  })

  it('names the path and the allowed values', () => {
    const b = copy()
    b.claims[3].confidence = 'VERY HIGH'
    expectInvalid(b, 'claims[3].confidence', 'claims[3].confidence must be one of HIGH, MEDIUM, LOW')
    const c = copy()
    c.claims[2].evidence = 'GUESS'
    expectInvalid(c, 'claims[2].evidence', 'claims[2].evidence must be one of HUMAN_DEFINED_RULE, OBSERVED_ONCE, OBSERVED_REPEATEDLY, MEASURED_RESULT, INFERENCE, SPECULATION')
  })

  it('missing fields', () => {
    const b = copy()
    delete b.frontmatter.org_size
    expectInvalid(b, 'frontmatter.org_size', 'frontmatter.org_size is required')
    const c = copy()
    delete c.claims[4].scope
    expectInvalid(c, 'claims[4].scope', 'claims[4].scope is required')
    const d = copy()
    delete d.frontmatter.evidence_distribution.speculation
    expectInvalid(d, 'frontmatter.evidence_distribution.speculation', 'frontmatter.evidence_distribution.speculation is required')
    expectInvalid({ claims: [] }, 'frontmatter', 'frontmatter is required')
  })

  it('types, formats, ranges', () => {
    expectInvalid('nope', '', 'the body must be an object')
    let b = copy()
    b.frontmatter.agent_count = 2.5
    expectInvalid(b, 'frontmatter.agent_count', 'frontmatter.agent_count must be an integer')
    b = copy()
    b.frontmatter.parent_version = 'none'
    expectInvalid(b, 'frontmatter.parent_version', 'frontmatter.parent_version must be an integer or null')
    b = copy()
    b.frontmatter.generated_at = 'March 14'
    expectInvalid(b, 'frontmatter.generated_at', 'frontmatter.generated_at must be an RFC 3339 date-time such as 2026-03-14T12:00:00Z (it is "March 14")')
    b = copy()
    b.frontmatter.org_id = 'acme'
    expectInvalid(b, 'frontmatter.org_id', 'frontmatter.org_id must be a UUID (it is "acme")')
    b = copy()
    b.frontmatter.word_count = 120
    expectInvalid(b, 'frontmatter.word_count', 'the document needs more text: it has 120 words and the OOS format requires at least 500 (word_count is counted from the prose and claims, not edited)')
    b = copy()
    b.claims[0].confidence_score = 1.5
    expectInvalid(b, 'claims[0].confidence_score', 'claims[0].confidence_score must be at most 1 (it is 1.5)')
    b = copy()
    b.claims[1].claim_id = 'X2'
    expectInvalid(b, 'claims[1].claim_id', 'claims[1].claim_id must be a claim id: C and 1 to 4 digits, e.g. C001 (it is "X2")')
    b = copy()
    b.claims = b.claims.slice(0, 2)
    expectInvalid(b, 'claims', 'claims must have at least 3 items (it has 2)')
    b = copy()
    b.claims[0].rule = ''
    expectInvalid(b, 'claims[0].rule', 'claims[0].rule must not be empty')
    b = copy()
    b.frontmatter.oos_version = 'v1'
    expectInvalid(b, 'frontmatter.oos_version', 'frontmatter.oos_version must match the pattern ^\\d+\\.\\d+$ (it is "v1")')
  })

  it('keeps extension keys at the top level and in the front matter; rejects unknown claim, entities and section keys (BODY.md §3.5, §7.4)', () => {
    let b = copy()
    b._comment = 'written by hand'
    b.frontmatter.mcp_servers = [{ name: 'crm', url: 'https://example.org/mcp', tools: ['read'], optional: null }]
    expect(validateBody(b)).toBe(b)
    b = copy()
    b.signature = CID.parse('bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy')
    expectInvalid(b, 'signature', 'signature must be plain data (null, boolean, number, string, list or map)')
    b = copy()
    b.frontmatter.deep = JSON.parse('['.repeat(32) + ']'.repeat(32))
    expect(validateBody(b)).toBe(b)
    b.frontmatter.deep = JSON.parse('['.repeat(33) + ']'.repeat(33))
    expectInvalid(b, 'frontmatter.deep' + '[0]'.repeat(32), `frontmatter.deep${'[0]'.repeat(32)} is nested deeper than 32 levels`, 'LIMIT_EXCEEDED')
    b = copy()
    Object.defineProperty(b.frontmatter, '__proto__', { value: 1, enumerable: true })
    expectInvalid(b, 'frontmatter', 'frontmatter must not have a key named __proto__')
    b = copy()
    b.frontmatter.top_level = { x: 1 }
    expectInvalid(b, 'frontmatter.top_level', "frontmatter.top_level is reserved: in a .oos.md front matter, top_level: holds the document's top-level extension keys (BODY.md §3.5)")
    b = copy()
    b.claims[2].owner = 'ops'
    expectInvalid(b, 'claims[2].owner', 'claims[2].owner is not a known field (allowed: claim_id, section, rule, why, failure_mode, confidence, evidence, scope, confidence_score, evidence_reference, related_entities, supersedes, display_order, visibility, derived_from)')
    b = copy()
    b.entities = { robots: [] }
    expectInvalid(b, 'entities.robots', 'entities.robots is not a known field (allowed: agents, humans, systems, workflows, escalation_hierarchy, conflict_protocols, override_rules, decisions, dependencies)')
    b = copy()
    b.sections[0].title = 'x'
    expectInvalid(b, 'sections[0].title', 'sections[0].title is not a known field (allowed: heading, blocks)')
  })

  it('checks entities against the format\'s entities schema; entity values are plain data', () => {
    let b = copy()
    b.entities = { agents: [{ id: 'AGT-1', name: 'a', role: 'r', authority_level: 'advisory', inputs: [], outputs: [] }] }
    expectInvalid(b, 'entities.agents[0].id', 'entities.agents[0].id must match the pattern ^AGT-\\d{3}$ (it is "AGT-1")')
    b = copy()
    b.entities = { agents: [{ id: 'AGT-001', name: 'a', role: 'r', authority_level: 'advisory', inputs: [], outputs: [], extra: new Uint8Array(2) }] }
    expectInvalid(b, 'entities.agents[0].extra', 'entities.agents[0].extra must be plain data (null, boolean, number, string, list or map)')
    b = copy()
    let deep: unknown = 1
    for (let i = 0; i < 40; i++) deep = [deep]
    b.entities = { agents: [{ id: 'AGT-001', name: 'a', role: 'r', authority_level: 'advisory', inputs: [], outputs: [], deep }] }
    // BODY.md R-B3.3.1: agents is level 1, agents[0] 2, .deep 3, so the 30th [0] is level 33
    expectInvalid(b, `entities.agents[0].deep${'[0]'.repeat(30)}`, `entities.agents[0].deep${'[0]'.repeat(30)} is nested deeper than 32 levels`, 'LIMIT_EXCEEDED')
    deep = 1
    for (let i = 0; i < 29; i++) deep = [deep]
    b.entities = { agents: [{ id: 'AGT-001', name: 'a', role: 'r', authority_level: 'advisory', inputs: [], outputs: [], deep }] }
    expect(validateBody(b).entities).toBe(b.entities) // the value 1 at level 32: allowed
  })

  it('date-time and uuid follow the exact grammar of BODY.md R-B7.5.1 / R-B7.5.2, not a library\'s', () => {
    for (const bad of ['2026-11-01 12:00:00Z', '2026-11-01t12:00:00z', '2026-11-01T12:00:60Z', '2026-02-30T12:00:00Z', '2026-11-01T24:00:00Z', '2026-11-01T12:00:00']) {
      const b = copy()
      b.frontmatter.generated_at = bad
      expectInvalid(b, 'frontmatter.generated_at', `frontmatter.generated_at must be an RFC 3339 date-time such as 2026-03-14T12:00:00Z (it is ${JSON.stringify(bad)})`)
    }
    for (const good of ['2024-02-29T23:59:59.123Z', '2026-11-01T12:00:00+05:30']) {
      const b = copy()
      b.frontmatter.generated_at = good
      expect(validateBody(b).frontmatter.generated_at).toBe(good)
    }
    const b = copy()
    b.frontmatter.org_id = 'urn:uuid:123e4567-e89b-12d3-a456-426614174000'
    expectInvalid(b, 'frontmatter.org_id', `frontmatter.org_id must be a UUID (it is "urn:uuid:123e4567-e89b-12d3-a456-426614174000")`)
    b.frontmatter.org_id = '123E4567-e89b-12d3-a456-426614174000'
    expect(validateBody(b).frontmatter.org_id).toBe('123E4567-e89b-12d3-a456-426614174000')
  })

  it('checks derived_from CIDs with the oosnetCid keyword', async () => {
    let b = copy()
    b.claims[0].derived_from = ['bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy']
    expectInvalid(b, 'claims[0].derived_from[0]', 'claims[0].derived_from[0] must be a claim CID (CIDv1, dag-cbor, sha2-256)')
    b = copy()
    b.claims[0].derived_from = [CID.createV1(0x55, await sha256.digest(new Uint8Array([1])))]
    expectInvalid(b, 'claims[0].derived_from[0]', 'claims[0].derived_from[0] must be a claim CID (CIDv1, dag-cbor, sha2-256)')
  })

  it('rules a schema cannot state: unique ids, section blocks, the line grammar', () => {
    let b = copy()
    b.claims[5].claim_id = 'C003'
    expectInvalid(b, 'claims[5].claim_id', 'claims[5].claim_id repeats C003 (also claims[2]); claim ids must be unique')
    b = copy()
    b.sections[2].blocks.push({ claim: 'C099' })
    expectInvalid(b, 'sections[2].blocks[15].claim', 'sections[2].blocks[15].claim must name a claim of this body (no claim_id "C099")')
    b = copy()
    b.sections[3].blocks.push({ claim: 'C001' })
    expectInvalid(b, 'sections[3].blocks[1].claim', 'sections[3].blocks[1].claim places C001 a second time (first at sections[2].blocks[1])')
    b = copy()
    ;[b.sections[2].blocks[1], b.sections[2].blocks[2]] = [b.sections[2].blocks[2], b.sections[2].blocks[1]]
    expectInvalid(b, 'sections[2].blocks[1].claim', 'sections[2].blocks[1].claim places C002 (claims[1]) where claims[0] (C001) is due: claims must be listed in the order the sections place them, unplaced claims last')
    b = copy()
    b.sections[0].blocks.push({ text: 'more' })
    expectInvalid(b, 'sections[0].blocks[1]', 'sections[0].blocks[1] follows another text block (adjacent text blocks must be one block)')
    b = copy()
    b.sections[0].blocks[0] = { text: 'a', claim: 'C001' }
    expectInvalid(b, 'sections[0].blocks[0]', 'sections[0].blocks[0] must be either {"text": …} or {"claim": …}')
    b = copy()
    b.sections[1].blocks[0].text = 'intro\n## Not a heading here'
    expectInvalid(b, 'sections[1].blocks[0].text', 'sections[1].blocks[0].text must not contain a line that starts a section (`## …`) or a claim block (`**[C…]**`)')
    b = copy()
    b.sections[1].blocks[0].text = '\nintro'
    expectInvalid(b, 'sections[1].blocks[0].text', 'sections[1].blocks[0].text must not start or end with a blank line')
    b = copy()
    b.sections[3].heading = ''
    expectInvalid(b, 'sections[3].heading', 'sections[3].heading must not be empty (only sections[0], the preamble, has heading "")')
    b = copy()
    b.claims[0].rule = 'Trailing space '
    expectInvalid(b, 'claims[0].rule', 'claims[0].rule must not have spaces or tabs at the start or end of a line')
    b = copy()
    b.claims[0].why = 'one\n\ntwo'
    expectInvalid(b, 'claims[0].why', 'claims[0].why must not contain empty lines')
    b = copy()
    b.claims[0].section = 'two\nlines'
    expectInvalid(b, 'claims[0].section', 'claims[0].section must be a single line')
    b = copy()
    b.claims[0].related_entities = ['AGT-001, HMN-001']
    expectInvalid(b, 'claims[0].related_entities[0]', 'claims[0].related_entities[0] must not contain a comma (the list is written comma-separated)')
    b = copy()
    b.claims[0].scope = 'lone \ud800 surrogate'
    expectInvalid(b, 'claims[0].scope', 'claims[0].scope must be well-formed Unicode (no lone surrogates)')
  })

  it('size limits: LIMIT_EXCEEDED', () => {
    let b = copy()
    b.claims = Array.from({ length: 1001 }, (_, i) => ({ ...b.claims[0], claim_id: `C${i + 1}` }))
    expectInvalid(b, 'claims', 'claims has 1001 items; the limit is 1000', 'LIMIT_EXCEEDED')
    b = copy()
    b.claims[3].rule = 'x'.repeat(8193)
    expectInvalid(b, 'claims[3].rule', 'claims[3].rule is 8193 UTF-16 code units long; the limit is 8192', 'LIMIT_EXCEEDED')
    b = copy()
    b.claims[3].rule = '😀'.repeat(4097) // 8194 UTF-16 code units, 4097 code points
    expectInvalid(b, 'claims[3].rule', 'claims[3].rule is 8194 UTF-16 code units long; the limit is 8192', 'LIMIT_EXCEEDED')
    b = copy()
    b.claims[3].rule = 'x'.repeat(8192)
    expect(() => validateBody(b)).not.toThrow()
    b = copy()
    b.sections[0].blocks[0].text = 'y'.repeat(65537)
    expectInvalid(b, 'sections[0].blocks[0].text', 'sections[0].blocks[0].text is 65537 UTF-16 code units long; the limit is 65536', 'LIMIT_EXCEEDED')
    b = copy()
    b.sections = Array.from({ length: 201 }, (_, i) => ({ heading: `S${i}`, blocks: [] }))
    expectInvalid(b, 'sections', 'sections has 201 items; the limit is 200', 'LIMIT_EXCEEDED')
    b = copy()
    b.entities = { humans: Array.from({ length: 501 }, (_, i) => ({ id: `HMN-${String(i).padStart(3, '0')}`, role: 'r', authority_level: 'operator' })) }
    expectInvalid(b, 'entities.humans', 'entities.humans has 501 items; the limit is 500', 'LIMIT_EXCEEDED')
    expect(BODY_LIMITS.maxClaims).toBe(1000)
  })

  it('never throws anything but OosError, whatever it is given', () => {
    for (const v of [null, undefined, 0, [], {}, { frontmatter: null, claims: null }, { frontmatter: {}, claims: [null] }, new Map(), Symbol('x')]) {
      expect(() => validateBody(v)).toThrow(OosError)
    }
  })
})
