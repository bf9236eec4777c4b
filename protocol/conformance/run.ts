/**
 * The conformance runner (protocol/README.md §4): feeds every case of
 * protocol/vectors/cases.json to an external verifier command — JSON Lines on its stdin, one
 * verdict line per case on its stdout — and prints where it agrees with the spec.
 *
 *   npm run conformance -- --impl "python3 my_verifier.py"
 *   npm run conformance                     (the reference: protocol/conformance/oosnet-verifier.ts)
 *
 * Options: --impl CMD (run by `sh -c`), --cases FILE, --rule PREFIX (only rules starting so),
 * --verbose (every case). Exit status 0 iff every case agrees.
 */
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { inputOf, loadCases, NOT_REJECTED, CASES_PATH } from './cases.ts'
import type { CaseVerdict } from './oosnet-verifier.ts'

const DEFAULT_IMPL = `${JSON.stringify(process.execPath)} ${JSON.stringify(fileURLToPath(new URL('./oosnet-verifier.ts', import.meta.url)))}`

export interface Agreement { total: number, agree: number, disagreements: Array<{ name: string, rule: string, expect: string, got: string }> }

export async function runConformance (impl: string, options: { cases?: string, rule?: string, onCase?: (line: string) => void } = {}): Promise<Agreement> {
  const file = loadCases(options.cases ?? CASES_PATH)
  const cases = file.cases.filter(c => options.rule === undefined || c.rule.startsWith(options.rule))
  const child = spawn('sh', ['-c', impl], { stdio: ['pipe', 'pipe', 'inherit'] })
  const exited = new Promise<void>(resolve => child.on('close', () => resolve()))
  child.stdin.on('error', () => {}) // a verifier that exits early: its missing answers are disagreements
  const feeding = (async () => {
    for (const c of cases) {
      // a verifier that exited (or never started: `sh: oos: not found`) drains nothing: stop waiting then
      if (!child.stdin.write(JSON.stringify(inputOf(file, c)) + '\n')) await Promise.race([new Promise(resolve => child.stdin.once('drain', resolve)), exited])
    }
    child.stdin.end()
  })()
  const out: Agreement = { total: cases.length, agree: 0, disagreements: [] }
  let i = 0
  for await (const line of createInterface({ input: child.stdout, crlfDelay: Infinity })) {
    if (line.trim() === '' || i >= cases.length) continue
    const c = cases[i++]
    let got: string
    try {
      const v = JSON.parse(line) as CaseVerdict
      const bad = (v.after ?? []).find(a => !NOT_REJECTED.has(a))
      got = v.name !== c.name ? `answer for ${String(v.name)}` : bad !== undefined ? `prerequisite rejected: ${bad}` : String(v.verdict)
    } catch { got = `not a verdict line: ${line.slice(0, 80)}` }
    if (got === c.expect) out.agree++
    else out.disagreements.push({ name: c.name, rule: c.rule, expect: c.expect, got })
    options.onCase?.(`${got === c.expect ? 'ok  ' : 'FAIL'} ${c.rule} ${c.name}: expected ${c.expect}${got === c.expect ? '' : `, got ${got}`}`)
  }
  await feeding
  await exited
  for (; i < cases.length; i++) out.disagreements.push({ name: cases[i].name, rule: cases[i].rule, expect: cases[i].expect, got: 'no answer' })
  return out
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { impl: { type: 'string' }, cases: { type: 'string' }, rule: { type: 'string' }, verbose: { type: 'boolean' } } })
  const impl = values.impl ?? DEFAULT_IMPL
  const started = Date.now()
  const r = await runConformance(impl, { cases: values.cases, rule: values.rule, onCase: values.verbose === true ? (l) => console.log(l) : undefined })
  for (const d of r.disagreements) console.log(`DISAGREE ${d.rule} ${d.name}: expected ${d.expect}, got ${d.got}`)
  const rules = new Set(loadCases(values.cases ?? CASES_PATH).cases.filter(c => values.rule === undefined || c.rule.startsWith(values.rule)).map(c => c.rule))
  const badRules = new Set(r.disagreements.map(d => d.rule))
  console.log(`impl: ${impl}`)
  console.log(`agreement: ${r.agree}/${r.total} cases, ${rules.size - badRules.size}/${rules.size} rules (${((Date.now() - started) / 1000).toFixed(1)} s)`)
  process.exitCode = r.agree === r.total ? 0 : 1
}
