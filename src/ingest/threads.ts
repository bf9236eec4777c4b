/** How many verify workers a node runs by default (a module of its own: the CLI reads it without loading the pool). */
import { availableParallelism } from 'node:os'

/**
 * Verify workers a node runs at most by default: the cores less one (the main thread is the
 * pipeline's other stage: reads, rules, writes, the network), at least 1, at most 4. On two
 * cores one worker, not two: a catch-up of 1,000 versions took 0.45–0.46 s instead of
 * 0.53–0.58 s and 10,000 3.00–3.02 s instead of 3.14–3.15 s, each worker's isolate paying its
 * own start and its own JIT compilation (bench/README.md, "Seventh session").
 */
export function defaultWorkers (): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1))
}
