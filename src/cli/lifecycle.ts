/**
 * How a running node (`oos start`) is told to stop: SIGINT (Ctrl-C), SIGTERM, SIGHUP (its
 * terminal closed), or `POST /v1/stop` (`oos stop`). Under the Node-20 re-exec wrapper
 * (bin/oos.js) the wrapper's death arrives as a SIGTERM too.
 */
import { processAlive } from '../api/client.ts'
import { StopTimeoutError } from './errors.ts'

export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const

export interface StopTrigger {
  /** why the node is to stop: the signal's name, or the reason given to `stop()` */
  reason: Promise<string>
  stop: (reason: string) => void
  /** remove the signal handlers (once the node has stopped) */
  dispose: () => void
}

/**
 * Catch the stop signals until `dispose()`. The handlers stay installed while the node
 * stops: a signal can arrive twice (Ctrl-C reaches both the re-exec wrapper, which
 * forwards it, and this process, in the terminal's process group), and Node's default
 * action for a second one would kill the node half-way through closing its store.
 */
export function stopTrigger (): StopTrigger {
  const { promise, resolve } = Promise.withResolvers<string>()
  const handlers = STOP_SIGNALS.map(sig => [sig, () => { resolve(sig) }] as const)
  for (const [sig, h] of handlers) process.on(sig, h)
  return {
    reason: promise,
    stop: resolve,
    dispose: () => { for (const [sig, h] of handlers) process.off(sig, h) }
  }
}

/** Wait until process `pid` has exited (then its store lock and ports are free). */
export async function exited (pid: number, options: { timeoutMs?: number, signal?: AbortSignal } = {}): Promise<void> {
  const end = Date.now() + (options.timeoutMs ?? 60_000)
  // a process cannot be waited for by another than its parent: look, every 50 ms
  while (processAlive(pid)) {
    options.signal?.throwIfAborted()
    if (Date.now() > end) throw new StopTimeoutError(`the node (pid ${pid}) was asked to stop but has not exited after ${Math.round((options.timeoutMs ?? 60_000) / 1000)} s`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}
