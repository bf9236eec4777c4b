/**
 * What `oos demo --metrics --step --hold` adds to the story (README "Metrics"): one node's API
 * on loopback, so its `GET /metrics` can be scraped while the story runs (the API server's own
 * loopback, Host and bearer-token checks: api/server.ts), and a pace set from stdin (a line
 * per step; the end of stdin, SIGINT, SIGTERM or SIGHUP end the hold).
 */
import { createInterface } from 'node:readline'
import { apiServer, type ApiServer } from '../api/server.ts'
import type { App } from '../app/types.ts'
import type { Context } from './command.ts'
import { stopTrigger } from './lifecycle.ts'
import { AbortedError } from '../errors.ts'

/** The API of one demo node (its `App`), on `address` (loopback; port 0: a free one), started. */
export async function demoApi (app: App, address: { host: string, port: number }): Promise<ApiServer> {
  const server = apiServer(address)({ handlers: app })
  await server.start()
  return server
}

export interface Pace {
  /** resolves at the next line on stdin, or at once when stdin has ended; rejects (ABORTED) at a signal */
  step: () => Promise<void>
  /** resolves when stdin ends or at SIGINT, SIGTERM or SIGHUP: what ended it */
  hold: () => Promise<string>
  close: () => void
}

/**
 * Lines of the process's stdin, read only when asked for (a demo without --step or --hold never
 * reads it), and the stop signals, caught from here on: a demo waiting for Enter stops at Ctrl-C.
 */
export function pace (ctx: Context): Pace {
  const rl = createInterface({ input: ctx.proc.stdin, terminal: false })
  const lines = rl[Symbol.asyncIterator]()
  const trigger = stopTrigger()
  // one rejection for every step (handled here: a signal during the hold is no step's failure)
  const stopped = trigger.reason.then((why) => { throw new AbortedError(`${why}: the demo stopped`) })
  stopped.catch(() => {})
  let ended = false
  const next = async (): Promise<void> => {
    if (!ended && (await lines.next()).done === true) ended = true
  }
  return {
    async step () {
      await Promise.race([next(), stopped])
    },
    async hold () {
      const drained = (async () => { while (!ended) await next(); return 'stdin closed' })()
      return await Promise.race([trigger.reason, drained])
    },
    close: () => {
      trigger.dispose()
      rl.close()
    }
  }
}
