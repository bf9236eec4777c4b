/**
 * CPU time per thread of this process, by thread name, from Linux's /proc/self/task/<tid>/stat
 * (utime + stime, in clock ticks of 10 ms): where a benchmark's CPU goes. Node names its
 * threads: `MainThread`, `WorkerThread` (worker_threads), `V8Worker` (V8's platform threads:
 * optimizing compiler, concurrent GC), `libuv-worker` (the thread pool: LevelDB writes).
 * Elsewhere (no /proc) it returns an empty map.
 */
import { readdirSync, readFileSync } from 'node:fs'

const TICK_MS = 10

/** CPU ms so far of every live thread, keyed `name#tid`. */
export function threadCpu (): Map<string, number> {
  const out = new Map<string, number>()
  let tids: string[]
  try { tids = readdirSync('/proc/self/task') } catch { return out }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
      // the name is in parentheses and may hold spaces; fields 14 and 15 (utime, stime) follow
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      out.set(`${name}#${tid}`, (Number(f[11]) + Number(f[12])) * TICK_MS)
    } catch {} // the thread ended meanwhile
  }
  return out
}

/** CPU µs per item spent by each thread name between two `threadCpu()` readings. */
export function perItem (before: Map<string, number>, after: Map<string, number>, items: number): Record<string, number> {
  const sum: Record<string, number> = {}
  for (const [k, ms] of after) {
    const name = k.slice(0, k.lastIndexOf('#'))
    const d = ms - (before.get(k) ?? 0)
    if (d > 0) sum[name] = (sum[name] ?? 0) + d
  }
  for (const k of Object.keys(sum)) sum[k] = Math.round(sum[k] * 1000 / items)
  return sum
}
