/**
 * `npm run chaos` — the chaos suite of issue 12, against real nodes on loopback (separate
 * `oos start` processes where processes matter). Each scenario prints its figures;
 * `-- --json` prints one JSON object with every scenario's figures (each has `ok`);
 * `-- --only=NAME` runs one scenario. Sizes: `CHAOS_SCALE` (default 1: the sizes;
 * e.g. 0.1 for a quick run). Progress lines go to stderr with `CHAOS_VERBOSE=1`.
 */
import { SCENARIOS } from './scenarios.ts'

const json = process.argv.includes('--json')
const only = process.argv.find(a => a.startsWith('--only='))?.slice('--only='.length)
if (only !== undefined && !(only in SCENARIOS)) {
  console.error(`--only=${only}: expected one of ${Object.keys(SCENARIOS).join(', ')}`)
  process.exit(2)
}
const scale = Number(process.env.CHAOS_SCALE ?? 1)
if (!(scale > 0 && scale <= 1)) {
  console.error(`CHAOS_SCALE=${process.env.CHAOS_SCALE}: expected a number in (0, 1]`)
  process.exit(2)
}
// Ctrl-C or a kill: exit, so that lib.ts's exit hook kills the nodes' process groups and removes the temp homes
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => { process.exit(130) })
const log = process.env.CHAOS_VERBOSE === '1' ? (line: string) => { console.error(line) } : () => {}
const results: Record<string, unknown> = {}
let failed = 0
for (const [name, run] of Object.entries(SCENARIOS)) {
  if (only !== undefined && name !== only) continue
  let figures: { ok: boolean } & Record<string, unknown>
  try {
    figures = await run(scale, log)
  } catch (err) {
    figures = { ok: false, error: String((err as Error)?.stack ?? err) }
  }
  if (!figures.ok) failed++
  results[name] = figures
  if (!json) console.log(`${name}: ${figures.ok ? 'ok' : 'FAILED'} ${JSON.stringify(figures)}`)
}
if (json) console.log(JSON.stringify(results, null, 2))
process.exit(failed > 0 ? 1 : 0)
