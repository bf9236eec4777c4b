/**
 * The memory reducer (node/memory-reducer.ts): a process whose young generation grew under
 * load and then idles gets it back, once per growth, with one full collection after the first. Run in a child process (V8 flags as
 * bin/oos.js gives them; a collection of the test runner's own heap would measure the runner).
 */
import { describe, expect, it } from 'vitest'
import { capture } from '../cli/run.ts'

const REDUCER = new URL('../../src/node/memory-reducer.ts', import.meta.url).href

// allocate (growing the young generation to its cap), then idle; report V8's young generation
// before and after the reducer ran, and how many collections it ran over a longer idle
const SCRIPT = `
import { getHeapSpaceStatistics } from 'node:v8'
import { PerformanceObserver, constants } from 'node:perf_hooks'
const { memoryReducer } = await import(${JSON.stringify(REDUCER)})
const young = () => getHeapSpaceStatistics().find(s => s.space_name === 'new_space').space_size
// full collections, counted from the end of each allocation phase
let majors = 0
new PerformanceObserver(list => { for (const e of list.getEntries()) if (e.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors++ }).observe({ entryTypes: ['gc'] })
const allocate = () => {
  let keep = []
  for (let i = 0; i < 3e6; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 2e5) keep = [] }
}
const phases = []
// each phase: allocate, then idle until the reducer ran and ten more idle checks passed (no
// growth, no further collection); the young generation before and after, the full collections
let phase, done
const r = memoryReducer({ intervalMs: 100, onCheck: (n) => {
  if (phase.reduced === undefined) { if (n === phase.n + 1 && young() < phase.grown) phase.reduced = young(); return }
  if (++phase.checksAfter === 10) done()
} })
const alive = setInterval(() => {}, 60_000) // the reducer's timer keeps no process alive (unref): this one does, idle
r.start()
for (let k = 0; k < 2; k++) {
  const finished = new Promise(resolve => { done = resolve })
  allocate()
  phase = { n: r.reductions, grown: young(), checksAfter: 0, asked: r.collections }
  await new Promise(resolve => setImmediate(resolve)) // gc entries of the allocation delivered
  majors = 0
  await finished
  phases.push({ grown: phase.grown, reduced: phase.reduced, majors, asked: r.collections - phase.asked })
}
clearInterval(alive)
console.log(JSON.stringify({ phases, reductions: r.reductions }))
r.stop()
`

describe('memory reducer', () => {
  it('an idle process whose young generation grew gets it back, once per growth; start-up\'s bytecode is aged out the first time only', async () => {
    const r = await capture(process.execPath, ['--max-semi-space-size=32', '--input-type=module', '-e', SCRIPT], { env: { ...process.env, DEBUG: '' } })
    expect(r.code, r.stderr).toBe(0)
    const { phases, reductions } = JSON.parse(r.stdout)
    for (const p of phases) {
      expect(p.grown).toBeGreaterThanOrEqual(16 * 2 ** 20)
      expect(p.reduced).toBeLessThan(p.grown / 4)
    }
    expect(reductions).toBe(2)
    // the first time: six ageing collections and the memory-reducing one; after that only the
    // latter (which V8 runs as several full collections: 'last-resort')
    expect(phases.map((p: { asked: number }) => p.asked)).toEqual([7, 1])
    // what V8 ran: the six ageing collections fewer (give or take a collection V8 started itself)
    expect(phases[1].majors).toBeLessThanOrEqual(phases[0].majors - 4)
  }, 60_000)
})
