import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { inputOf, loadCases, NOT_REJECTED } from '../protocol/conformance/cases.ts'
import { verdictOf } from '../protocol/conformance/oosnet-verifier.ts'
import { runConformance } from '../protocol/conformance/run.ts'
import { BIN } from './cli/run.ts'

const file = loadCases()

describe('protocol/vectors/cases.json (conformance cases, each naming its rule)', () => {
  it.each(file.cases.map(c => [`${c.rule} ${c.name}`, c] as const))('%s', async (_n, c) => {
    const v = await verdictOf(inputOf(file, c))
    for (const a of v.after) expect(NOT_REJECTED.has(a), `prerequisite of ${c.name} rejected: ${a}`).toBe(true)
    expect(v.verdict).toBe(c.expect)
  })
})

describe('rules and cases', () => {
  const defined = new Set<string>()
  for (const f of ['SPEC.md', 'BODY.md']) {
    const text = readFileSync(new URL(`../protocol/${f}`, import.meta.url), 'utf8')
    for (const m of text.matchAll(/\*\*(R-[0-9B][0-9.]*[0-9])\*\*/g)) defined.add(m[1])
  }
  // tested outside cases.json: the claim CIDs of every valid vector (tests/vectors.test.ts),
  // and the import order of a set of records (SPEC §6.1) by the CAR vectors that cite it
  const elsewhere = new Set(['R-5.1'])
  const cars = JSON.parse(readFileSync(new URL('../protocol/vectors/cars.json', import.meta.url), 'utf8')) as Array<{ note: string }>
  for (const c of cars) for (const m of c.note.matchAll(/SPEC (R-6\.1[0-9])\b/g)) elsewhere.add(m[1])

  it('every case names a rule the spec defines', () => {
    expect(defined.size).toBeGreaterThan(40)
    for (const c of file.cases) expect(defined.has(c.rule), `${c.name} cites ${c.rule}`).toBe(true)
  })

  it('every rule the spec defines has at least one case', () => {
    const cited = new Set(file.cases.map(c => c.rule))
    expect([...defined].filter(r => !cited.has(r) && !elsewhere.has(r))).toEqual([])
  })

  it('every rejection code of a case is one of SPEC §9', () => {
    const spec = readFileSync(new URL('../protocol/SPEC.md', import.meta.url), 'utf8')
    for (const c of file.cases) if (!NOT_REJECTED.has(c.expect)) expect(spec.includes(`| \`${c.expect}\` |`), c.expect).toBe(true)
  })
})

describe('npm run conformance (protocol/conformance/run.ts)', () => {
  it('feeds the cases to an external command and counts agreement: the reference agrees', async () => {
    const r = await runConformance(`${JSON.stringify(process.execPath)} protocol/conformance/oosnet-verifier.ts`, { rule: 'R-3.1' })
    expect(r.total).toBe(file.cases.filter(c => c.rule.startsWith('R-3.1')).length)
    expect(r.disagreements).toEqual([])
    expect(r.agree).toBe(r.total)
  })

  it('the node\'s own CLI as the external command (oos conformance) agrees on every case', async () => {
    const r = await runConformance(`${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} conformance`)
    expect(r.total).toBe(file.cases.length)
    expect(r.disagreements).toEqual([])
  })

  it('a verifier command that does not exist ends the run with every case unanswered (no hang)', async () => {
    const r = await runConformance('oos-no-such-verifier-command conformance')
    expect(r.total).toBe(file.cases.length)
    expect(r.agree).toBe(0)
    expect(new Set(r.disagreements.map(d => d.got))).toEqual(new Set(['no answer']))
  })

  it('reports every disagreement of a verifier that accepts everything', async () => {
    // a verifier in another language, as far as the runner knows: a shell loop
    const r = await runConformance(`while IFS= read -r l; do n=$(printf '%s' "$l" | sed 's/^{"name":"\\([^"]*\\)".*/\\1/'); printf '{"name":"%s","after":[],"verdict":"accepted"}\\n' "$n"; done`, { rule: 'R-4.5' })
    const cases = file.cases.filter(c => c.rule.startsWith('R-4.5'))
    expect(r.agree).toBe(cases.filter(c => c.expect === 'accepted').length)
    expect(r.disagreements.map(d => d.name)).toEqual(cases.filter(c => c.expect !== 'accepted').map(c => c.name))
  })
})
