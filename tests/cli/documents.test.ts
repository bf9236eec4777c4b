/**
 * Real documents through the CLI (issue 16, "Real documents"), in-process: documents of every
 * shape publish unchanged and `show --format oos.md|oos.json` gives them back byte for byte;
 * `oos validate` lists every problem at once with no key and no node; `publish --dry-run`
 * signs and stores nothing; `--fix` writes the corrected counts back. One test per bug of the
 * issue's list.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { tempDir } from '../helpers.ts'
import { oosIn } from './run.ts'

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url))
const FULL_MD = fixture('shapes/full.oos.md')
const FULL_JSON = fixture('shapes/full.oos.json')
const EXAMPLE = fixture('example.oos.md')

describe('real documents through the oos command', () => {
  let dir: { path: string, cleanup: () => Promise<void> }
  let md: string
  let json: string
  const file = async (name: string, text: string): Promise<string> => {
    const f = join(dir.path, name)
    await writeFile(f, text)
    return f
  }
  beforeAll(async () => {
    dir = await tempDir()
    md = join(dir.path, 'md')
    json = join(dir.path, 'json')
    expect((await oosIn(['init', '--name', 'Parcelworks', '--home', md])).code).toBe(0)
    expect((await oosIn(['init', '--name', 'Parcelworks', '--home', json])).code).toBe(0)
  })
  afterAll(async () => { await dir.cleanup() })

  it('a .oos.md with entities, extension keys and prose after claims publishes unchanged; show --format oos.md gives it back byte for byte (bug: ~600 lines of diff)', async () => {
    const text = await readFile(FULL_MD, 'utf8')
    const pub = await oosIn(['publish', FULL_MD, '--home', md])
    expect(pub.code).toBe(0)
    expect(pub.stdout).not.toContain('corrected')
    expect((await oosIn(['show', 'Parcelworks', '--format', 'oos.md', '--home', md])).stdout).toBe(text)
    // and as .oos.json (bug: there was no way to write one)
    expect((await oosIn(['show', 'Parcelworks', '--format', 'oos.json', '--home', md])).stdout).toBe(await readFile(FULL_JSON, 'utf8'))
  })

  it('a .oos.md in other list styles comes back as written from the home that published it, canonical elsewhere', async () => {
    const canonical = await readFile(FULL_MD, 'utf8')
    const styled = canonical
      .replace('org_pseudonym: "Parcelworks"', 'org_pseudonym: "Styleworks"')
      .replace('platforms:\n  - "claude"\n  - "custom"\n', 'platforms: ["claude", "custom"]\n')
      .replace('      inputs: ["orders", "carrier rates"]\n', '      inputs:\n        - "orders"\n        - "carrier rates"\n')
    const f = await file('styled.oos.md', styled)
    const home = join(dir.path, 'styled')
    expect((await oosIn(['init', '--name', 'Styleworks', '--home', home])).code).toBe(0)
    expect((await oosIn(['publish', f, '--home', home])).code).toBe(0)
    expect((await oosIn(['show', 'Styleworks', '--format', 'oos.md', '--home', home])).stdout).toBe(styled)
    // another home holds the same record without the presentation: the canonical form
    const car = join(dir.path, 'styled.car')
    expect((await oosIn(['export', 'Styleworks', '--out', car, '--home', home])).code).toBe(0)
    expect((await oosIn(['import', car, '--home', md])).code).toBe(0)
    expect((await oosIn(['show', 'Styleworks', '--format', 'oos.md', '--home', md])).stdout).toBe(canonical.replace('org_pseudonym: "Parcelworks"', 'org_pseudonym: "Styleworks"'))
  })

  it('a .oos.json with a top-level _comment and frontmatter.mcp_servers publishes (bug: _comment is not a known field) and comes back byte for byte', async () => {
    const text = await readFile(FULL_JSON, 'utf8')
    expect(text).toContain('"_comment"')
    expect(text).toContain('"mcp_servers"')
    const pub = await oosIn(['publish', FULL_JSON, '--home', json, '--json'])
    expect(pub.code).toBe(0)
    expect(pub.json().corrections).toEqual([])
    expect((await oosIn(['show', 'Parcelworks', '--format', 'oos.json', '--home', json])).stdout).toBe(text)
    expect((await oosIn(['show', 'Parcelworks', '--format', 'oos.md', '--home', json])).stdout).toBe(await readFile(FULL_MD, 'utf8'))
    const rec = (await oosIn(['show', 'Parcelworks', '--json', '--home', json])).json()
    expect(rec.rec.body._comment).toBe('Written by hand; the extension keys are kept.')
  })

  it('null in optional fields is a correction, not an error (bug: refused, one error at a time)', async () => {
    const v = JSON.parse(await readFile(FULL_JSON, 'utf8'))
    v.entities.decisions[0].approval_required_from = null
    v.frontmatter.org_id = null
    const f = await file('nulls.oos.json', JSON.stringify(v, null, 2))
    const r = await oosIn(['validate', f, '--json'])
    expect(r.code).toBe(0)
    expect(r.json()).toMatchObject({ valid: true, errors: [], corrections: [{ field: 'frontmatter.org_id', declared: null, actual: null }, { field: 'entities.decisions[0].approval_required_from', declared: null, actual: null }] })
    const text = await oosIn(['validate', f])
    expect(text.stdout).toContain('corrected entities.decisions[0].approval_required_from: null in an optional field is treated as absent')
    const pub = await oosIn(['publish', f, '--home', md])
    expect(pub.code).toBe(0)
    expect(pub.stdout).toContain('corrected frontmatter.org_id: null in an optional field is treated as absent')
    expect((await oosIn(['show', 'Parcelworks', '--json', '--home', md])).json().rec.body.frontmatter.org_id).toBeUndefined()
  })

  it('validate lists every problem at once with its line, needs no home, key or node, exits 1; publish lists them too and stores nothing', async () => {
    const bad = await file('bad.oos.md', (await readFile(FULL_MD, 'utf8'))
      .replace('org_size: "medium"', 'org_size: "huge"')
      .replace('- **Confidence:** MEDIUM', '- **Confidence:** Medium')
      .replace('- **Evidence:** INFERENCE\n', ''))
    const nowhere = join(dir.path, 'no-home')
    const r = await oosIn(['validate', bad, '--home', nowhere], { env: { OOS_PASSPHRASE: undefined } })
    expect(r.code).toBe(1)
    expect(r.stdout.split('\n').filter(l => l.startsWith('error: '))).toEqual([
      'error: line 6: frontmatter.org_size must be one of solo, small, medium, large, enterprise [SCHEMA_INVALID]',
      'error: line 156: claims[1].confidence must be one of HIGH, MEDIUM, LOW [SCHEMA_INVALID]',
      'error: line 164: claim C003 has no **Evidence:** line [PARSE_ERROR]'
    ])
    expect(r.stdout).toContain(`${bad}: 3 errors`)
    const j = await oosIn(['validate', bad, '--json'])
    expect(j.code).toBe(1)
    expect(j.json().errors.map((e: any) => [e.line, e.path])).toEqual([[6, 'frontmatter.org_size'], [156, 'claims[1].confidence'], [164, 'line 164']])
    const pub = await oosIn(['publish', bad, '--home', json])
    expect(pub.code).toBe(1)
    expect(pub.stderr.trim().split('\n')).toHaveLength(4)
    expect(pub.stderr).toContain('(and 2 more problems) [SCHEMA_INVALID]')
    expect((await oosIn(['log', 'Parcelworks', '--json', '--home', json])).json()).toHaveLength(1)
  })

  it('a short document says it needs more text (bug: word_count must be at least 500)', async () => {
    const short = await file('short.oos.md', (await readFile(FULL_MD, 'utf8')).replace(/^Agents hand work over.*$/gm, 'Short.'))
    const r = await oosIn(['publish', short, '--home', json])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/line 15: the document needs more text: it has \d+ words and the OOS format requires at least 500/)
    expect(r.stderr).not.toContain('word_count must be at least')
  })

  it('prose that states counts the corrected front matter contradicts is a warning (bug: the Confidence Map kept the old numbers silently)', async () => {
    const r = await oosIn(['validate', EXAMPLE])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('warning: line 159: the prose says HIGH 5, the claims give 9 (frontmatter.confidence_distribution.high); update the text')
  })

  it('new --format oos.json writes a .oos.json starter that validate refuses until its placeholders are replaced', async () => {
    const f = join(dir.path, 'starter.oos.json')
    expect((await oosIn(['new', '--out', f])).code).toBe(0)
    const v = JSON.parse(await readFile(f, 'utf8'))
    expect(Object.keys(v)).toEqual(['frontmatter', 'entities', 'claims', 'sections'])
    const r = await oosIn(['validate', f, '--json'])
    expect(r.code).toBe(1)
    expect(r.json().errors[0]).toEqual({ code: 'SCHEMA_INVALID', path: 'frontmatter.org_pseudonym', message: 'frontmatter.org_pseudonym still holds the starter\'s placeholder "<Your organization pseudonym>": replace it before publishing' })
    expect((await oosIn(['new', '--format', 'oos.yaml'])).code).toBe(2)
  })

  it('publish --dry-run shows what would be published: no passphrase, no signature, nothing stored', async () => {
    const before = (await oosIn(['log', 'Parcelworks', '--json', '--home', md])).json()
    const v = JSON.parse(await readFile(FULL_JSON, 'utf8'))
    v.claims[0].rule = 'Only the dispatcher assigns carriers, and it logs why.'
    const f = await file('next.oos.json', JSON.stringify(v, null, 2))
    const r = await oosIn(['publish', f, '--dry-run', '--home', md, '--json'], { env: { OOS_PASSPHRASE: undefined } })
    expect(r.code).toBe(0)
    expect(r.json()).toMatchObject({ valid: true, body: { _comment: v._comment, claims: [{ rule: v.claims[0].rule }, {}, {}] } })
    expect(r.json().sig).toBeUndefined()
    expect((await oosIn(['log', 'Parcelworks', '--json', '--home', md])).json()).toEqual(before)
  })

  it('--fix writes the corrected counts back, so the next publish corrects nothing (bug: the same corrections on every publish)', async () => {
    const f = await file('example.oos.md', await readFile(EXAMPLE, 'utf8'))
    const home = join(dir.path, 'acme')
    expect((await oosIn(['init', '--name', 'Acme', '--home', home])).code).toBe(0)
    const first = await oosIn(['publish', f, '--fix', '--home', home])
    expect(first.code).toBe(0)
    expect(first.stdout).toContain(`fixed frontmatter.word_count in ${f}: 2100 → 1446`)
    expect(first.stdout).not.toContain('corrected')
    const again = await oosIn(['validate', f, '--json'])
    expect(again.json()).toMatchObject({ valid: true, corrections: [], fixed: [] })
    expect(await readFile(f, 'utf8')).toContain('word_count: 1446\n')
  })
})
