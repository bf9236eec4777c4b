/**
 * The feed, live (protocol/openapi.yaml "Feed and events"): the events of a running node as
 * they happen, made by feed.ts from the node's typed events (node/events.ts):
 * `record:accepted` (versions, statements, retractions, rotations) and `org:flagged`
 * (equivocations). One stream each for `GET /v1/events`, `oos feed --follow`, the MCP server
 * and the hooks (hooks.ts). Events come out in the order the node accepted their records; the
 * stream ends when `signal` aborts or the node stops (`node:stopping`), and then has removed
 * every listener it added.
 */
import type { TypedEventEmitter } from 'main-event'
import type { OosNodeEvents } from '../node/events.ts'
import type { Store } from '../store/store.ts'
import { logger } from '../logger.ts'
import { equivocationEvent, feedEventOf, feedView, type FeedEvent, type FeedView } from './feed.ts'
import type { OrgNames } from './names.ts'

/** What of a running node the stream reads: its store and its events. */
export type FeedSource = Pick<TypedEventEmitter<OosNodeEvents>, 'addEventListener' | 'removeEventListener'> & { store: Store }

/** how long the orgs' names and follows are reused between events (a burst of a sync reads them once) */
const VIEW_MS = 1000
/** events made but not yet read past which the oldest are dropped (a reader that does not read must not hold the node's memory) */
const MAX_BUFFERED = 10_000

const log = logger('oosnet:feed')

export async function * feedStream (node: FeedSource, names: OrgNames, options: { signal?: AbortSignal } = {}): AsyncGenerator<FeedEvent> {
  const { signal } = options
  if (signal?.aborted === true) return
  const buffered: FeedEvent[] = []
  let ended = false
  let dropped = 0
  let wake: (() => void) | undefined
  const notify = (): void => { const w = wake; wake = undefined; w?.() }

  let view: { at: number, value: Promise<FeedView> } | undefined
  const currentView = async (org: string): Promise<FeedView> => {
    if (view === undefined || Date.now() - view.at > VIEW_MS || !(await view.value).rows.has(org)) view = { at: Date.now(), value: feedView(names) }
    return await view.value
  }
  // made one after another, in the order the node accepted the records
  let tail = Promise.resolve()
  const make = (org: string, build: (v: FeedView) => Promise<FeedEvent | undefined>): void => {
    if (org === names.self) return // what we signed is never news here (feed.ts)
    tail = tail.then(async () => {
      if (ended) return
      const e = await build(await currentView(org))
      if (e === undefined || ended) return
      if (buffered.length >= MAX_BUFFERED) { buffered.shift(); if (++dropped === 1 || dropped % 1000 === 0) log('a reader of the feed does not keep up: %d events dropped', dropped) }
      buffered.push(e)
      notify()
    }).catch((err) => { if (!ended) log.error('a feed event could not be made: %e', err) })
  }
  const accepted = (e: OosNodeEvents['record:accepted']): void => { make(e.detail.org, async v => await feedEventOf(node.store, v, e.detail.cid)) }
  const flagged = (e: OosNodeEvents['org:flagged']): void => { make(e.detail.org, async v => await equivocationEvent(node.store, v, e.detail.org, e.detail.seq)) }
  const end = (): void => { ended = true; notify() }
  node.addEventListener('record:accepted', accepted)
  node.addEventListener('org:flagged', flagged)
  node.addEventListener('node:stopping', end)
  signal?.addEventListener('abort', end)
  try {
    while (true) {
      const e = buffered.shift()
      if (e !== undefined) { yield e; continue }
      if (ended) return
      await new Promise<void>(resolve => { wake = resolve })
    }
  } finally {
    ended = true
    node.removeEventListener('record:accepted', accepted)
    node.removeEventListener('org:flagged', flagged)
    node.removeEventListener('node:stopping', end)
    signal?.removeEventListener('abort', end)
  }
}
