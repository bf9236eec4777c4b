/**
 * Hooks (README, "Node configuration"): `hooks` in the home's config.json run a command for
 * each feed event of the kinds they name, e.g. "our claim was disputed" → a chat message:
 *
 *   "hooks": [{ "on": ["dispute"], "run": ["/usr/local/bin/notify", "--channel", "ops"] }]
 *
 * The node (`oos start`) runs `run` as an argv array, never through a shell, with the event
 * (protocol/openapi.yaml FeedEvent) as one line of JSON on stdin. Each run has a budget: it is
 * killed after `timeoutSeconds` (default 10), at most HOOK_MAX_RUNNING run at once and at most
 * HOOK_MAX_QUEUED wait (past that an event is dropped, and counted); its stdout is ignored, the
 * start of its stderr is logged when it fails. A failure is logged and counted, never more:
 * the node goes on. The environment of a hook is the node's without its passphrase. When the
 * node stops, the runs in progress are ended (SIGTERM).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import type { FeedEvent, FeedKind } from './feed.ts'

export interface Hook {
  /** the kinds of event it runs for */
  on: FeedKind[]
  /** the program and its arguments (no shell) */
  run: string[]
  /** how long a run may take before it is killed (default HOOK_TIMEOUT_SECONDS) */
  timeoutSeconds?: number
}

export const HOOK_TIMEOUT_SECONDS = 10
export const HOOK_MAX_RUNNING = 4
export const HOOK_MAX_QUEUED = 1000
/** how much of a failed run's stderr is logged */
const STDERR_BYTES = 1024

export interface HookStats { ran: number, failed: number, dropped: number, running: number, queued: number }

export interface HookRunner {
  stats: () => HookStats
  /** stop taking events, end the runs in progress (SIGTERM) and wait for them */
  stop: () => Promise<void>
}

/** `events(signal)`: the live feed (app/feedstream.ts through `App.events`). `log`: one line per failure or drop. */
export function runHooks (hooks: Hook[], events: (signal: AbortSignal) => AsyncIterable<FeedEvent>, log: (line: string) => void, env: NodeJS.ProcessEnv = process.env): HookRunner {
  const ac = new AbortController()
  const stats: HookStats = { ran: 0, failed: 0, dropped: 0, running: 0, queued: 0 }
  const queue: Array<{ hook: Hook, event: FeedEvent }> = []
  const runs = new Set<Promise<void>>()
  const children = new Set<ChildProcess>()
  const hookEnv = Object.fromEntries(Object.entries(env).filter(([k]) => k !== 'OOS_PASSPHRASE' && k !== 'OOS_PASSPHRASE_FILE'))

  const fail = (hook: Hook, event: FeedEvent, why: string): void => {
    stats.failed++
    log(`hook ${hook.run[0]} failed on ${event.kind} ${event.id}: ${why} (${stats.failed} failed so far)`)
  }

  const runOne = async (hook: Hook, event: FeedEvent): Promise<void> => {
    const timeoutMs = (hook.timeoutSeconds ?? HOOK_TIMEOUT_SECONDS) * 1000
    await new Promise<void>((resolve) => {
      let stderr = ''
      let timedOut = false
      const child = spawn(hook.run[0], hook.run.slice(1), { stdio: ['pipe', 'ignore', 'pipe'], shell: false, env: hookEnv })
      children.add(child)
      const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL') }, timeoutMs)
      child.stderr.setEncoding('utf8')
      child.stderr.on('data', (t: string) => { if (stderr.length < STDERR_BYTES) stderr += t })
      child.stdin.on('error', () => {}) // a hook that does not read its input: its business
      // a program that cannot start emits 'error', and then (or not) 'close': one end either way
      let ended = false
      const end = (why?: string): void => {
        if (ended) return
        ended = true
        clearTimeout(timer)
        children.delete(child)
        stats.ran++
        // a run the node's stop ended is not a failure of the hook
        if (why !== undefined && !ac.signal.aborted) fail(hook, event, why)
        resolve()
      }
      child.on('error', (err) => { end(err.message) })
      child.on('close', (code, signal) => {
        if (timedOut) end(`killed after ${timeoutMs / 1000} s`)
        else if (code !== 0) end(`exit ${code ?? signal ?? '?'}${stderr.trim() !== '' ? `: ${JSON.stringify(stderr.trim().slice(0, STDERR_BYTES))}` : ''}`)
        else end()
      })
      child.stdin.end(JSON.stringify(event) + '\n')
    })
  }

  const pump = (): void => {
    while (stats.running < HOOK_MAX_RUNNING && queue.length > 0) {
      const job = queue.shift() as { hook: Hook, event: FeedEvent }
      stats.queued = queue.length
      stats.running++
      const run = runOne(job.hook, job.event).finally(() => { stats.running--; runs.delete(run); pump() })
      runs.add(run)
    }
  }

  const reading = (async () => {
    try {
      for await (const event of events(ac.signal)) {
        for (const hook of hooks) {
          if (!hook.on.includes(event.kind)) continue
          if (queue.length >= HOOK_MAX_QUEUED) { stats.dropped++; log(`hook ${hook.run[0]}: ${event.kind} ${event.id} dropped, ${HOOK_MAX_QUEUED} runs wait already (${stats.dropped} dropped so far)`); continue }
          queue.push({ hook, event })
          stats.queued = queue.length
        }
        pump()
      }
    } catch (err) {
      if (!ac.signal.aborted) log(`hooks: the event stream failed: ${(err as Error).message}`)
    }
  })()

  return {
    stats: () => ({ ...stats }),
    async stop () {
      ac.abort()
      queue.length = 0
      stats.queued = 0
      await reading
      for (const child of children) child.kill('SIGTERM')
      await Promise.all([...runs])
    }
  }
}
