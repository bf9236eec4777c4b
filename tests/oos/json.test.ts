import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { CID } from 'multiformats/cid'
import { OosParseError, parseOosJson, parseOosMarkdown, toOosJson, toOosJsonValue, validateBody } from '../../src/oos/index.ts'

const TEXT = readFileSync(new URL('../fixtures/example.oos.md', import.meta.url), 'utf8')
const { body } = parseOosMarkdown(TEXT)
const CID1 = 'bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'

function expectJsonError (text: string, path: string, message: string | RegExp): void {
  let caught: unknown
  try { parseOosJson(text) } catch (err) { caught = err }
  expect(caught).toBeInstanceOf(OosParseError)
  const e = caught as OosParseError
  expect(e.code).toBe('PARSE_ERROR')
  expect(e.path).toBe(path)
  if (typeof message === 'string') expect(e.message).toBe(message)
  else expect(e.message).toMatch(message)
}

describe('.oos.json', () => {
  it('writes {frontmatter, claims, sections} with keys in the published order and round-trips', () => {
    const json = toOosJson(body)
    const value = JSON.parse(json)
    expect(Object.keys(value)).toEqual(['frontmatter', 'claims', 'sections'])
    expect(Object.keys(value.frontmatter)).toEqual(Object.keys(body.frontmatter))
    expect(value.claims[0]).toEqual(body.claims[0])
    expect(json.endsWith('}\n')).toBe(true)
    const back = parseOosJson(json)
    expect(back.body).toEqual(body)
    expect(back.corrections).toEqual([])
  })

  it('recomputes derived fields like the Markdown parser and reports corrections', () => {
    const value = toOosJsonValue(body) as { frontmatter: Record<string, unknown> }
    value.frontmatter.claim_count = 10
    value.frontmatter.confidence_distribution = { high: 5, medium: 6, low: 3 }
    value.frontmatter.word_count = 2100
    const { body: b, corrections } = parseOosJson(JSON.stringify(value))
    expect(corrections.map(c => c.field)).toEqual(['frontmatter.claim_count', 'frontmatter.confidence_distribution', 'frontmatter.word_count'])
    expect(corrections[0]).toEqual({ field: 'frontmatter.claim_count', declared: 10, actual: 14 })
    expect(b).toEqual(body)
  })

  it('a document without sections: word_count counts the canonical rendering (claims under ## Claims)', () => {
    const value = toOosJsonValue(body) as Record<string, unknown>
    delete value.sections
    const { body: b, corrections } = parseOosJson(JSON.stringify(value))
    expect(b.sections).toBeUndefined()
    expect(corrections.map(c => c.field)).toEqual(['frontmatter.word_count'])
    expect(b.frontmatter.word_count).toBeLessThan(body.frontmatter.word_count)
  })

  it('reads derived_from as CID strings or DAG-JSON links and writes strings', () => {
    const value = toOosJsonValue(body) as { claims: Array<Record<string, unknown>> }
    value.claims[0].derived_from = [CID1, { '/': CID1 }]
    const { body: b } = parseOosJson(JSON.stringify(value))
    const d = b.claims[0].derived_from ?? []
    expect(d).toHaveLength(2)
    expect(d[0].equals(CID.parse(CID1))).toBe(true)
    expect(d[1].equals(CID.parse(CID1))).toBe(true)
    expect(validateBody(b)).toBe(b)
    expect(JSON.parse(toOosJson(b)).claims[0].derived_from).toEqual([CID1, CID1])
    expect(parseOosJson(toOosJson(b)).body).toEqual(b)
  })

  it('accepts a BOM', () => {
    expect(parseOosJson('\uFEFF' + toOosJson(body)).body).toEqual(body)
  })

  it('errors carry a path', () => {
    expectJsonError('{\n"frontmatter": {},\n "claims": ]', 'line 3', /^line 3: not JSON: Unexpected token/)
    expectJsonError('{\n"frontmatter": {},\n\n "claims" []}', 'line 4', /^line 4: not JSON: Expected ':' after property name/)
    expectJsonError('[1, 2]', '', 'a .oos.json document must be a JSON object {frontmatter, entities?, claims, sections?}')
    expectJsonError('{"claims": []}', 'frontmatter', 'frontmatter: is required')
    expectJsonError('{"frontmatter": {}, "claims": {}}', 'claims', 'claims: must be an array')
    expectJsonError('{"frontmatter": {}, "claims": [{}, 3]}', 'claims[1]', 'claims[1]: must be an object')
    expectJsonError(`{"frontmatter": {}, "claims": [{"derived_from": ["${CID1}", "bafynope"]}]}`, 'claims[0].derived_from[1]', 'claims[0].derived_from[1]: "bafynope" is not a CID')
    expectJsonError('{"frontmatter": {}, "claims": [{"derived_from": [{"/": 5}]}]}', 'claims[0].derived_from[0]', 'claims[0].derived_from[0]: must be a CID string or a DAG-JSON link {"/": "bafy…"}')
    expectJsonError('{"frontmatter": {}, "claims": [{"derived_from": "x"}]}', 'claims[0].derived_from', 'claims[0].derived_from: must be an array of CIDs')
  })

  it('keeps unknown keys: extension keys in the body, others for the validator to name', () => {
    const value = { ...toOosJsonValue(body), extra: 1 }
    const { body: b } = parseOosJson(JSON.stringify(value))
    expect(validateBody(b)).toBe(b)
    expect((b as any).extra).toBe(1)
    const claims = toOosJsonValue(body).claims as any[]
    const { body: c } = parseOosJson(JSON.stringify({ ...toOosJsonValue(body), claims: [{ ...claims[0], extra: 1 }, ...claims.slice(1)] }))
    expect(() => validateBody(c)).toThrow('claims[0].extra is not a known field')
  })
})
