/**
 * What every service of a node shares (the js-libp2p shape: `service(init) => (components) =>
 * instance`, each a `Startable`): a logger per component, named for the node (logger.ts
 * `nodeLogger`), and an optional `Metrics` (libp2p's interface, from @libp2p/interface) on
 * which each service registers its counters at construction, ready for a Prometheus endpoint.
 * Without `metrics` the counters are no-ops.
 */
import type { ComponentLogger, Counter, Metrics, Startable } from '@libp2p/interface'

export interface ServiceComponents {
  logger: ComponentLogger
  metrics?: Metrics
}

const NO_COUNTER: Counter = { increment: () => {}, reset: () => {} }

/** Register `name` (snake case, `oosnet_<service>_<what>_total`) on `metrics`, or a no-op counter without it. */
export function counter (metrics: Metrics | undefined, name: string, help: string): Counter {
  return metrics?.registerCounter(name, { help }) ?? NO_COUNTER
}

/**
 * Register one counter per key of `stats()` (`<prefix>_<key>_total`), read from it when the
 * metrics are collected: for parts that keep their own counts (the ingest door, gossip). A
 * calculated counter is incremented by what `calculate` returns at each collection
 * (@libp2p/prometheus-metrics: `inc(await calculate())`), so it is given what was counted
 * since the last collection, not the running total.
 */
export function statsCounters<K extends string> (metrics: Metrics | undefined, prefix: string, keys: readonly K[], stats: () => Record<K, number>, help: string): void {
  for (const key of keys) {
    let seen = 0
    metrics?.registerCounter(`${prefix}_${key}_total`, {
      help: `${help}: ${key}`,
      calculate: () => {
        const now = stats()[key]
        const delta = Math.max(0, now - seen)
        seen = now
        return delta
      }
    })
  }
}

/**
 * Start `services` in order; if one fails, stop the ones already started (in reverse) and
 * throw the failure. `timed(s, ms)`: how long each took (its beforeStart and start).
 */
export async function startAll (services: Startable[], timed?: (s: Startable, ms: number) => void): Promise<void> {
  const started: Startable[] = []
  try {
    for (const s of services) {
      const t = performance.now()
      await s.beforeStart?.()
      await s.start()
      started.push(s)
      timed?.(s, performance.now() - t)
    }
    for (const s of services) await s.afterStart?.()
  } catch (err) {
    await stopAll(started)
    throw err
  }
}

/** Stop `services` in reverse order; every one is stopped even when one fails (the first failure is thrown). */
export async function stopAll (services: Startable[]): Promise<void> {
  let first: unknown
  for (const s of [...services].reverse()) {
    try {
      await s.beforeStop?.()
      await s.stop()
      await s.afterStop?.()
    } catch (err) {
      first ??= err
    }
  }
  if (first !== undefined) throw first
}

/** Run background work: a failure (e.g. during shutdown) is logged, never an unhandled rejection. */
export function background (log: (format: string, ...args: unknown[]) => void, work: Promise<unknown>, what: string): void {
  work.catch((err: Error) => { log('%s: %s', what, err?.message ?? err) })
}
