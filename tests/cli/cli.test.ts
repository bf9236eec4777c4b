import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { readFile, writeFile, copyFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { parseOosMarkdown } from '../../src/oos/index.ts'
import { tempDir } from '../helpers.ts'
import { oos, oosIn, ROOT } from './run.ts'

const ex = (org: string, v: number): string => join(ROOT, 'examples', 'orgs', org, `v${v}.oos.md`)

describe('the oos command', () => {
  let dir: { path: string, cleanup: () => Promise<void> }
  let a: string
  let b: string
  let org: string
  beforeAll(async () => {
    dir = await tempDir()
    a = join(dir.path, 'a')
    b = join(dir.path, 'b')
  })
  afterAll(async () => { await dir.cleanup() })

  it('init creates an encrypted home and prints the org did; id reads it without a passphrase', async () => {
    const r = await oosIn(['init', '--name', 'Ledgerline', '--home', a, '--json'])
    expect(r.code).toBe(0)
    org = r.json().org
    expect(org).toMatch(/^did:key:z6Mk/)
    const id = await oosIn(['id', '--home', a, '--json'], { env: { OOS_PASSPHRASE: undefined } })
    expect(id.json()).toMatchObject({ org, name: 'Ledgerline' })
    expect(id.json().peerId).toMatch(/^12D3Koo/)
    expect((await stat(join(a, 'org.key'))).mode & 0o777).toBe(0o600)
    const keyFile = await readFile(join(a, 'org.key'), 'utf8')
    expect(keyFile).not.toContain('correct horse')
    const again = await oosIn(['init', '--name', 'Other', '--home', a])
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/HOME_EXISTS/)
  })

  it('publish signs versions, reports them, and refuses an unchanged document', async () => {
    const v1 = await oosIn(['publish', ex('ledgerline', 1), '--home', a, '--json'])
    expect(v1.code).toBe(0)
    expect(v1.json()).toMatchObject({ org, seq: 1 })
    expect(v1.json().cid).toMatch(/^bafyrei/)
    const v2 = await oosIn(['publish', ex('ledgerline', 2), '--home', a])
    expect(v2.code).toBe(0)
    expect(v2.stdout).toMatch(/^published version 2 of Ledgerline \(did:key:z6Mk\w+\)$/m) // the org by name and did (was the did alone)
    const same = await oosIn(['publish', ex('ledgerline', 2), '--home', a])
    expect(same.code).toBe(1)
    expect(same.stderr).toMatch(/^oos: nothing to publish.*\[UNCHANGED_BODY\]\n$/)
  })

  it('publishes the published example and reports the front matter it corrected', async () => {
    const home = join(dir.path, 'acme')
    expect((await oosIn(['init', '--name', 'Acme', '--home', home])).code).toBe(0)
    const r = await oosIn(['publish', join(ROOT, 'tests', 'fixtures', 'example.oos.md'), '--home', home, '--json'])
    expect(r.code).toBe(0)
    const fields = r.json().corrections.map((c: any) => c.field)
    expect(fields).toEqual(expect.arrayContaining(['frontmatter.confidence_distribution', 'frontmatter.evidence_distribution', 'frontmatter.word_count']))
    const text = await oosIn(['publish', join(ROOT, 'tests', 'fixtures', 'example.oos.md'), '--home', join(dir.path, 'acme2')])
    expect(text.code).toBe(1) // no home there
    const shown = await oosIn(['show', 'Acme Digital Agency', '--home', home, '--format', 'oos.md'])
    const back = parseOosMarkdown(shown.stdout).body
    expect(back.claims).toHaveLength(14)
    expect(back.sections?.map(s => s.heading)).toEqual(['Purpose', 'Prime Directives', 'System Identity', 'Confidence Map', 'Merge Protocol', 'Update Protocol', 'Summary'])
    expect(back.frontmatter.confidence_distribution).toEqual({ high: 9, medium: 4, low: 1 })
  })

  it('show, log, diff and claims read the chain', async () => {
    const show = await oosIn(['show', org, '--home', a])
    expect(show.code).toBe(0)
    expect(show.stdout).toContain('AGT-008') // added in v2
    expect(show.stdout).toMatch(/\[C001\].*\n\s+bafyrei/)
    expect(show.stdout).toContain('failure mode:')
    const v1md = await oosIn(['show', 'Ledgerline', '--seq', '1', '--format', 'oos.md', '--home', a])
    const original = parseOosMarkdown(await readFile(ex('ledgerline', 1), 'utf8')).body
    expect(parseOosMarkdown(v1md.stdout).body.claims).toEqual(original.claims)
    const json = await oosIn(['show', 'Ledgerline', '--json', '--home', a])
    expect(json.json().rec).toMatchObject({ type: 'oos/version', org, seq: 2 })
    const log = await oosIn(['log', 'Ledgerline', '--json', '--home', a])
    expect(log.json().map((e: any) => e.seq)).toEqual([2, 1])
    expect(log.json()[1].cid).toBe(json.json().rec.prev)
    const diff = await oosIn(['diff', 'Ledgerline', '1', '2', '--json', '--home', a])
    const d = diff.json()
    expect(d.claims.added.map((c: any) => c.claim_id)).toEqual(['C017'])
    expect(d.claims.changed.find((c: any) => c.claim_id === 'C003').reworded).toContain('rule')
    expect(d.claims.changed.find((c: any) => c.claim_id === 'C002').confidence).toEqual({ from: 'MEDIUM', to: 'HIGH' })
    expect(d.entities.added.map((e: any) => e.id)).toEqual(['AGT-008'])
    const text = await oosIn(['diff', 'Ledgerline', '1', '2', '--home', a])
    expect(text.stdout).toMatch(/~ C002 .*confidence MEDIUM → HIGH/)
    const claims = await oosIn(['claims', '--search', 'reconciliation', '--json', '--home', a])
    expect(claims.json().length).toBeGreaterThan(0)
    for (const c of claims.json()) expect(Object.keys(c)).toEqual(expect.arrayContaining(['cid', 'org', 'claim_id', 'rule', 'confidence', 'evidence']))
    const spec = await oosIn(['claims', 'Ledgerline', '--evidence', 'SPECULATION', '--json', '--home', a])
    expect(spec.json().every((c: any) => c.evidence === 'SPECULATION')).toBe(true)
    const bad = await oosIn(['claims', '--confidence', 'SURE', '--home', a])
    expect(bad.code).toBe(2)
  })

  it('export, verify (valid and tampered) and import between two homes', async () => {
    const car = join(dir.path, 'ledgerline.car')
    const exp = await oosIn(['export', 'Ledgerline', '--out', car, '--home', a, '--json'])
    expect(exp.code).toBe(0)
    expect(exp.json().blocks).toBe(2)
    const ok = await oosIn(['verify', car, '--json'])
    expect(ok.code).toBe(0)
    expect(ok.json()).toMatchObject({ valid: true, accepted: 2, rejected: 0 })
    // flip one byte inside the last block's signed content
    const bytes = await readFile(car)
    const tampered = join(dir.path, 'tampered.car')
    bytes[bytes.length - 200] ^= 0x01
    await writeFile(tampered, bytes)
    const bad = await oosIn(['verify', tampered])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/^oos: invalid: .*\[(CID_MISMATCH|BAD_SIGNATURE|NON_CANONICAL|DECODE_FAILED)\]/)
    const badJson = await oosIn(['verify', tampered, '--json'])
    expect(badJson.code).toBe(1)
    expect(badJson.json().valid).toBe(false)
    expect(await oosIn(['init', '--name', 'Carepath', '--home', b])).toMatchObject({ code: 0 })
    const imp = await oosIn(['import', car, '--home', b, '--json'])
    expect(imp.code).toBe(0)
    expect(imp.json()).toMatchObject({ accepted: 2, rejected: 0 })
    const again = await oosIn(['import', car, '--home', b, '--json'])
    expect(again.json()).toMatchObject({ accepted: 0, duplicate: 2 })
    const log = await oosIn(['log', org, '--json', '--home', b])
    expect(log.json().map((e: any) => e.seq)).toEqual([2, 1])
    const vcid = log.json()[0].cid
    expect((await oosIn(['verify', vcid, '--home', b])).code).toBe(0)
    const impBad = await oosIn(['import', tampered, '--home', join(dir.path, 'c-none')])
    expect(impBad.code).toBe(1)
  })

  it('new writes a starter for every template; publish refuses it until its placeholders are replaced', async () => {
    const home = join(dir.path, 'starter')
    await oosIn(['init', '--name', 'Starter', '--home', home])
    for (const t of ['agent_army', 'value_chain', 'org_chart']) {
      const f = join(dir.path, `${t}.oos.md`)
      expect((await oosIn(['new', '--template', t, '--out', f])).code).toBe(0)
      const text = await readFile(f, 'utf8')
      expect(text).toContain('<')
      expect(parseOosMarkdown(text).body.frontmatter.template).toBe(t)
    }
    const f = join(dir.path, 'value_chain.oos.md')
    const refused = await oosIn(['publish', f, '--home', home])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('line 3: frontmatter.org_pseudonym still holds the starter\'s placeholder "<Your organization pseudonym>"')
    expect(refused.stderr).toMatch(/sections\[0\]\.blocks\[0\]\.text still holds the starter's placeholder "Replace this paragraph/)
    const filled = (await readFile(f, 'utf8')).replace(/<([^<>\n]+)>/g, '$1').replace('Replace this paragraph', 'We replaced this paragraph').replace('Describe the system as a whole', 'We describe the system as a whole')
    await writeFile(f, filled)
    expect((await oosIn(['validate', f])).code).toBe(0)
    expect((await oosIn(['publish', f, '--home', home])).code).toBe(0)
    expect((await oosIn(['new', '--template', 'pyramid'])).code).toBe(2)
  })

  describe('bad input: one clear line, non-zero exit, store unchanged', () => {
    const logOf = async (): Promise<string> => (await oosIn(['log', 'Ledgerline', '--json', '--home', a])).stdout
    let before: string
    beforeAll(async () => { before = await logOf() })
    afterAll(async () => { expect(await logOf()).toBe(before) })

    const broken = async (name: string, edit: (t: string) => string): Promise<string> => {
      const f = join(dir.path, name)
      await writeFile(f, edit(await readFile(ex('ledgerline', 3), 'utf8')))
      return f
    }
    const oneLine = (s: string): void => { expect(s.trim().split('\n')).toHaveLength(1) }

    it('invalid YAML front matter names the line', async () => {
      const f = await broken('yaml.oos.md', t => t.replace('org_size: "medium"', 'org_size: [medium'))
      const r = await oosIn(['publish', f, '--home', a])
      expect(r.code).toBe(1)
      oneLine(r.stderr)
      expect(r.stderr).toMatch(/line \d+/)
      expect(r.stderr).toContain('PARSE_ERROR')
    })

    it('a malformed claim block names the line', async () => {
      const f = await broken('claim.oos.md', t => t.replace(/- \*\*Evidence:\*\* [A-Z_]+\n/, ''))
      const r = await oosIn(['publish', f, '--home', a])
      expect(r.code).toBe(1)
      oneLine(r.stderr)
      expect(r.stderr).toMatch(/line \d+.*Evidence/)
    })

    it('a schema violation names the path and the allowed values', async () => {
      const f = await broken('schema.oos.md', t => t.replace('- **Confidence:** HIGH', '- **Confidence:** VERY_HIGH'))
      const r = await oosIn(['publish', f, '--home', a])
      expect(r.code).toBe(1)
      oneLine(r.stderr)
      expect(r.stderr).toMatch(/claims\[\d+\]\.confidence must be one of HIGH, MEDIUM, LOW/)
    })

    it('a wrong passphrase', async () => {
      const r = await oosIn(['publish', ex('ledgerline', 3), '--home', a], { env: { OOS_PASSPHRASE: 'wrong' } })
      expect(r.code).toBe(1)
      oneLine(r.stderr)
      expect(r.stderr).toContain('WRONG_PASSPHRASE')
    })

    it('a missing home, a missing file, a usage error', async () => {
      const nohome = await oosIn(['log', 'x', '--home', join(dir.path, 'nowhere')])
      expect(nohome.code).toBe(1)
      expect(nohome.stderr).toContain('HOME_NOT_FOUND')
      const nofile = await oosIn(['publish', join(dir.path, 'missing.oos.md'), '--home', a])
      expect(nofile.code).toBe(1)
      oneLine(nofile.stderr)
      const usage = await oosIn(['publish', '--home', a])
      expect(usage.code).toBe(2)
      // through the real binary: main's result becomes the process's exit code
      expect((await oos(['frobnicate'])).code).toBe(2)
      expect((await oosIn(['log', 'Ledgerline', '--bogus', '--home', a])).code).toBe(2)
    })

    it('no passphrase and no terminal', async () => {
      const r = await oosIn(['publish', ex('ledgerline', 3), '--home', a], { env: { OOS_PASSPHRASE: undefined } })
      expect(r.code).toBe(1)
      expect(r.stderr).toContain('NO_PASSPHRASE')
    })
  })

  it('--help on every command', async () => {
    const top = await oosIn(['--help'])
    expect(top.code).toBe(0)
    for (const c of ['init', 'id', 'new', 'publish', 'show', 'log', 'diff', 'claims', 'verify', 'export', 'import']) {
      expect(top.stdout).toContain(c)
      const r = await oosIn([c, '--help'])
      expect(r.code).toBe(0)
      expect(r.stdout).toMatch(/^usage: oos /)
    }
  })

  it('oos help CMD prints the command\'s help, as oos CMD --help does', async () => {
    const r = await oosIn(['help', 'follow'])
    expect(r.code).toBe(0)
    expect(r.stdout).toBe((await oosIn(['follow', '--help'])).stdout)
    expect(r.stdout).toMatch(/^usage: oos follow ORG/)
  })

  it('copies nothing secret to output', async () => {
    await copyFile(join(a, 'org.key'), join(dir.path, 'org.key.copy'))
    const all = [await oosIn(['id', '--home', a]), await oosIn(['log', 'Ledgerline', '--home', a])]
    for (const r of all) expect(r.stdout + r.stderr).not.toMatch(/ciphertext|correct horse/)
  })
})
