/**
 * The memory reducer (node/memory-reducer.ts): a process whose young generation grew under
 * load and then idles gets it back, once per growth. Run in a child process (V8 flags as
 * bin/oos.js gives them; a collection of the test runner's own heap would measure the runner).
 */
import { describe, expect, it } from 'vitest'
import { capture } from '../cli/run.ts'

const REDUCER = new URL('../../src/node/memory-reducer.ts', import.meta.url).href

// allocate (growing the young generation to its cap), then idle; report V8's young generation
// before and after the reducer ran, and how many collections it ran over a longer idle
const SCRIPT = `
import { getHeapSpaceStatistics } from 'node:v8'
const { memoryReducer } = await import(${JSON.stringify(REDUCER)})
const young = () => getHeapSpaceStatistics().find(s => s.space_name === 'new_space').space_size
let keep = []
for (let i = 0; i < 3e6; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 2e5) keep = [] }
keep = []
const grown = young()
// each check of the reducer: the young generation once it shrank, then ten more idle checks
let reduced, checksAfter = 0, done
const finished = new Promise(resolve => { done = resolve })
const r = memoryReducer({ intervalMs: 100, onCheck: () => {
  if (reduced === undefined) { if (young() < grown) reduced = young(); return }
  if (++checksAfter === 10) done() // ten more idle intervals: no growth, no further collection
} })
const alive = setInterval(() => {}, 60_000) // the reducer's timer keeps no process alive (unref): this one does, idle
r.start()
await finished
clearInterval(alive)
console.log(JSON.stringify({ grown, reduced, reductions: r.reductions }))
r.stop()
`

describe('memory reducer', () => {
  it('an idle process whose young generation grew gets it back, with one collection', async () => {
    const r = await capture(process.execPath, ['--max-semi-space-size=32', '--input-type=module', '-e', SCRIPT], { env: { ...process.env, DEBUG: '' } })
    expect(r.code, r.stderr).toBe(0)
    const { grown, reduced, reductions } = JSON.parse(r.stdout)
    expect(grown).toBeGreaterThanOrEqual(16 * 2 ** 20)
    expect(reduced).toBeLessThan(grown / 4)
    expect(reductions).toBe(1)
  }, 60_000)
})
