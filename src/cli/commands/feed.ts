/**
 * `oos feed`: what happened that concerns us (app/feed.ts): new versions of the orgs held with
 * what changed, endorsements, disputes and adoptions of our claims and of the orgs we follow,
 * retractions, key rotations, equivocations. `--follow` goes on with the running node's live
 * events (`GET /v1/events`) like `tail -f`, the history first and no event twice.
 */
import { ApiClient } from '../../api/client.ts'
import type { FeedEvent } from '../../app/types.ts'
import { loadHome } from '../../app/home.ts'
import { str, type Command, type Context } from '../command.ts'
import { UsageError } from '../errors.ts'
import { jsonLine, toJson } from '../io.ts'
import { withBackend } from '../backend.ts'
import { clean, trustMark } from '../render.ts'
import { isoSecond, type Colorize } from '../style.ts'
import { integerOption } from '../values.ts'

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

/** `--since`: an ISO time (`2026-12-01`, `2026-12-01T10:00Z`) or a time ago (`30m`, `2h`, `3d`, `1w`). */
export function parseSince (s: string, now = Date.now()): number {
  const ago = /^([1-9][0-9]{0,6})([smhdw])$/.exec(s)
  if (ago !== null) return Math.max(0, now - Number(ago[1]) * UNITS[ago[2]])
  const t = /^\d{4}-\d{2}-\d{2}/.test(s) ? Date.parse(s) : NaN
  if (!Number.isFinite(t) || t < 0) throw new UsageError(`--since must be an ISO time (2026-12-01, 2026-12-01T10:00Z) or a time ago (30m, 2h, 3d, 1w), not ${JSON.stringify(s)}`)
  return t
}

/** One line a event: its time, its kind, what happened (peer text, escaped), our trust in its org. */
export function feedLine (e: FeedEvent): string {
  return `${isoSecond(e.at)}  ${e.kind.padEnd(12)} ${clean(e.summary)}  ${trustMark(e.org, e.label)}`
}

const KIND = /^\S+ {2}(\S+)/
/** disputes, retractions and equivocations red, endorsements green, adoptions cyan, rotations yellow */
export const feedColors: Colorize = (lines, paint) => lines.map((l) => {
  const kind = KIND.exec(l)?.[1]
  return kind === 'dispute' || kind === 'equivocation' || kind === 'retraction'
    ? paint.red(l)
    : kind === 'endorsement' ? paint.green(l) : kind === 'adoption' ? paint.cyan(l) : kind === 'rotation' ? paint.yellow(l) : l
})

/** the most events --limit takes (GET /v1/feed's maximum) */
const MAX_LIMIT = 10_000

export const feed: Command = {
  name: 'feed',
  summary: 'what happened that concerns us: new versions with what changed, endorsements, disputes, adoptions, retractions, flags',
  usage: 'feed [--since T] [--limit N] [--follow]',
  help: 'New versions of the organizations held here, with their changes in one line (claims added, reworded, changed, retired; the agents and humans whose authority changed); endorsements and disputes of our claims and of the claims of the orgs we follow; versions that adopt such a claim; retractions; key rotations; equivocations. What our own org signed is not listed. Oldest first, the newest --limit (default 100). --since takes an ISO time or a time ago (30m, 2h, 3d, 1w). --follow goes on with each new event as the running node accepts it, until Ctrl-C or the node stops (it needs a running node: oos start). --json: one JSON object per line (protocol/openapi.yaml FeedEvent).',
  options: {
    since: { type: 'string', value: 'T', description: 'only events since T: an ISO time, or a time ago (2h, 3d)', default: 'all' },
    limit: { type: 'string', value: 'N', description: `the newest N events, 1 to ${MAX_LIMIT}`, default: '100' },
    follow: { type: 'boolean', short: 'f', description: 'go on with live events from the running node, like tail -f' }
  },
  async run (ctx) {
    const since = str(ctx, 'since') === undefined ? undefined : parseSince(str(ctx, 'since') as string)
    const limit = integerOption(ctx, 'limit', { min: 1, max: MAX_LIMIT })
    const input = { ...(since !== undefined ? { since } : {}), ...(limit !== undefined ? { limit } : {}) }
    if (ctx.values.follow === true) return await follow(ctx, input)
    const events = await withBackend(ctx, async (h) => await h.feed(input, { signal: ctx.signal }))
    if (ctx.io.json) {
      for (const e of events) ctx.io.document(jsonLine(toJson(e)) + '\n')
    } else {
      ctx.io.out(events.length === 0 ? 'nothing new' : events.map(feedLine).join('\n'), feedColors)
    }
  }
}

/** The history, then the live events of the running node; the stream is open before the history is read, so none falls between. */
async function follow (ctx: Context, input: { since?: number, limit?: number }): Promise<void> {
  await loadHome(ctx.home)
  const api = await ApiClient.fromHome(ctx.home)
  if (api === undefined) throw new UsageError('oos feed --follow needs the running node of this home (start it with oos start); without it, oos feed lists what is held')
  const show = (e: FeedEvent): void => { if (ctx.io.json) ctx.io.document(jsonLine(toJson(e)) + '\n'); else ctx.io.out(feedLine(e), feedColors) }
  // its reader gone (`oos feed -f | head -3`), it ends as tail -f does
  const gone = new AbortController()
  const stdout = ctx.proc.stdout as { on?: (e: string, f: (err: NodeJS.ErrnoException) => void) => unknown, off?: (e: string, f: (err: NodeJS.ErrnoException) => void) => unknown }
  const onError = (err: NodeJS.ErrnoException): void => { if (err.code === 'EPIPE') gone.abort() }
  stdout.on?.('error', onError)
  const signal = AbortSignal.any([ctx.signal, gone.signal])
  try {
    let opened = (): void => {}
    const open = new Promise<void>(resolve => { opened = resolve })
    const live = api.events({ signal, onOpen: () => { opened() } })[Symbol.asyncIterator]()
    let next = live.next()
    await Promise.race([open, next])
    const seen = new Set<string>()
    for (const e of await api.feed(input, { signal })) { seen.add(e.id); show(e) }
    for (let r = await next; r.done !== true; r = await next) {
      if (!seen.has(r.value.id)) show(r.value)
      next = live.next()
    }
  } finally {
    stdout.off?.('error', onError)
  }
  if (!signal.aborted) ctx.io.err('the node stopped; no more events')
}
