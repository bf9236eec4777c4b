/**
 * A memory reducer for a node process that goes idle (issue 15, a lean idle node). V8 grows
 * its young generation under load (to 2 × --max-semi-space-size, 64 MB with bin/oos.js's
 * flags: starting a node is enough) and shrinks it only in a garbage collection that runs
 * while allocation is slow; an idle node allocates next to nothing, so none runs and the
 * memory stays resident for good. Browsers drive V8's own reducer from idle notifications,
 * which Node does not send. This does it for the process: every `intervalMs` it reads the
 * event loop's utilization over the interval; after an interval this idle (below `idle`), if
 * the heap has grown by `slackBytes` since the last such collection, it runs one full,
 * memory-reducing collection (young generation shrunk, old generation compacted; the first
 * time after six that age out start-up's bytecode): at most one per growth, so a node that
 * idles on stays idle. Measured by bench/idle.ts: an idle `oos start` 187 → 128 MB RSS.
 *
 * One per process, owned by whoever owns the process (`oos start`), never by a node: tests
 * and benchmarks run many nodes in one process.
 */
import { performance, type EventLoopUtilization } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { logger } from '../logger.ts'

export interface MemoryReducerInit {
  /** how often the event loop's utilization is read (default 2 s: an idle node is reduced a few seconds after its start, bench/idle.ts reads it at 10 s) */
  intervalMs?: number
  /** an interval with less utilization than this is idle (default 0.02: 2 % of the main thread) */
  idle?: number
  /** growth of V8's heap (committed) since the last collection that makes another worth it (default 8 MiB) */
  slackBytes?: number
  /** told after each check, collection or not (tests wait on it) */
  onCheck?: (reductions: number) => void
}

type Gc = (options: { type: 'major', execution: 'async', flavor?: 'last-resort' }) => Promise<void>

/**
 * Full collections run before the first memory-reducing one: V8 flushes the bytecode of a
 * function not run in `--bytecode-old-age` (6) full collections, and an idle process runs next
 * to none, so the code that ran once at start (module bodies, the node's assembly) kept its
 * bytecode for good. Six in a row age it out: ~1.4 MB of heap at idle (bench/README.md); a
 * function run again later is compiled again, once. Only the first time: the code that ran
 * after start (a burst of gossip, a follow's sync) runs again at the next burst, and each full
 * collection of a node's heap costs 25–100 ms of CPU (`--trace-gc`; seven in a row after every
 * growth were most of a freshly followed node's CPU in its first idle seconds, bench/README.md,
 * "The simulation's quiet window").
 */
const AGEING_COLLECTIONS = 6
const AGEING_GAP_MS = 200

/**
 * V8's `gc` function: the global one when the process runs with --expose-gc, else the gc
 * extension made available for a new context (the flag only installs it in contexts created
 * after it is set; nothing else changes for this one).
 */
function gcFunction (): Gc {
  const g = (globalThis as { gc?: Gc }).gc
  if (g !== undefined) return g
  setFlagsFromString('--expose-gc')
  return runInNewContext('gc') as Gc
}

export interface MemoryReducer {
  start: () => void
  stop: () => void
  /** memory reductions run so far */
  readonly reductions: number
  /** full collections asked of V8 so far (a memory-reducing one counts once; V8 runs it as several) */
  readonly collections: number
}

export function memoryReducer (init: MemoryReducerInit = {}): MemoryReducer {
  const intervalMs = init.intervalMs ?? 2_000
  const idle = init.idle ?? 0.02
  const slack = init.slackBytes ?? 8 * 2 ** 20
  const log = logger('oosnet:memory')
  let timer: ReturnType<typeof setInterval> | undefined
  let last: EventLoopUtilization | undefined
  /** V8's heap after the last collection (none yet: the process grew it loading and starting) */
  let after = 0
  let reductions = 0
  let collections = 0
  let gc: Gc | undefined
  const check = (): void => {
    reduce()
    init.onCheck?.(reductions)
  }
  const reduce = (): void => {
    const now = performance.eventLoopUtilization()
    const elu = performance.eventLoopUtilization(now, last).utilization
    last = now
    if (elu >= idle || process.memoryUsage().heapTotal - after < slack) return
    after = Number.POSITIVE_INFINITY // until this collection has run
    reductions++
    const before = process.memoryUsage().rss
    gc ??= gcFunction()
    // async: V8 runs each from a task, not inside this call; spaced out, so that a request
    // arriving meanwhile waits for one collection at most, not for the ageing ones in a row
    const ageing = reductions === 1 ? AGEING_COLLECTIONS : 0
    const collect = async (g: Gc): Promise<void> => {
      for (let i = 0; i < ageing; i++) {
        collections++
        await g({ type: 'major', execution: 'async' })
        await sleep(AGEING_GAP_MS, undefined, { ref: false })
      }
      collections++
      await g({ type: 'major', execution: 'async', flavor: 'last-resort' })
    }
    collect(gc).then(() => {
      after = process.memoryUsage().heapTotal
      log('idle: memory-reducing collection, RSS %d → %d MB', Math.round(before / 2 ** 20), Math.round(process.memoryUsage().rss / 2 ** 20))
    }, (err: unknown) => { after = 0; log.error('memory-reducing collection failed: %e', err) })
  }
  return {
    start: () => {
      if (timer !== undefined) return
      last = performance.eventLoopUtilization()
      timer = setInterval(check, intervalMs)
      timer.unref() // keeps no process alive
    },
    stop: () => { clearInterval(timer); timer = undefined },
    get reductions () { return reductions },
    get collections () { return collections }
  }
}
