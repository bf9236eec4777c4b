/**
 * Reaching the peers of a followed org (NETWORK.md §5, §8): dial the follow's `--via`
 * addresses, else ask the DHT for providers, then sync. A follow that reached no one, or
 * reached peers that had nothing of the org, is tried again with exponential backoff and
 * jitter until it is synced (we hold the org's head), unfollowed, or the node stops. Peers
 * dialled through a follow's `via` and the org's bound peers are privileged (DHT providers
 * are not: anyone can put a provider record): the connection policy
 * admits them into its reserve and they carry a peer-store tag, so pruning keeps them.
 *
 * Staying reached (NETWORK.md §8.5): a follow is only as good as its gossip path. When a peer
 * disconnects or leaves a topic, a synced follow left with no connected peer subscribed to the
 * org's topics (its node, another follower: the peers its gossip could come through) is reached
 * again the same way, with the same backoff, until an attempt ends connected; the new
 * connection's heads check then fetches what was missed. Without this, a follower whose one
 * connection to the org closed (on a loaded host, or the org's node restarting) heard nothing
 * more of it.
 */
import type { Logger, PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { OosLibp2p } from '../net/libp2p.ts'
import { topicOf } from '../net/gossip.ts'
import { inlineTopicOf } from '../net/gossip-inline.ts'
import type { Store } from '../store/store.ts'
import { InvalidArgumentError } from './errors.ts'
import type { Follows } from './follows.ts'
import type { UpdateResult } from './replicator.ts'
import type { ServiceComponents } from './services/service.ts'

export interface FollowRetryInit {
  /** first retry after about this many ms (default 2 s); each failure doubles it */
  baseMs?: number
  /** longest wait between attempts (default 5 min) */
  maxMs?: number
  /** one dial of a --via address (default 10 s) */
  dialTimeoutMs?: number
  /**
   * after a peer disconnects or unsubscribes, the follows are checked for a gossip path this much
   * later (default 1 s: one check for a burst of them, and time for a peer that redials us to come back)
   */
  recheckMs?: number
  /** a follow cut off again within this long of being reached keeps its backoff (default 5 min) */
  churnMs?: number
  /** attempts run from the retry timers at once (default 4; the others wait a backoff step more) */
  concurrency?: number
}

export const FOLLOW_RETRY_DEFAULTS = { baseMs: 2_000, maxMs: 300_000, dialTimeoutMs: 10_000, recheckMs: 1_000, churnMs: 300_000, concurrency: 4 } as const

/** Peer-store tags: libp2p prunes the lowest-valued peers first (gossipsub mesh peers: 100). */
export const TAG_BOUND = 'oos-bound'
export const TAG_FOLLOW = 'oos-follow'
/** the peer store allows 0..100 (a larger value is refused, and the tag silently not set) */
const TAG_VALUE = 100

export interface FollowState {
  attempts: number
  /** the last attempt's failure, one line */
  lastError?: string
  /** when the next attempt runs (ms since the epoch) */
  nextRetry?: number
}

export interface Attempt {
  peers: PeerId[]
  errors: string[]
  /** a version of the org is held */
  synced: boolean
  /** a sync with some peer completed, even with nothing to give (replicator.ts UpdateResult) */
  completed: boolean
  /** why the last sync failed, when none completed */
  error?: { code: string, message: string }
}

export interface FollowReacherComponents extends ServiceComponents {
  libp2p: OosLibp2p
  /** peer ids the connection policy admits into its reserve (live set, filled here) */
  privileged: Set<string>
  store: Store
  follows: Follows
  update: (org: string, peers: PeerId[]) => Promise<UpdateResult>
  findProviders: (org: string, options: { signal?: AbortSignal }) => Promise<PeerId[]>
}

/** The peer ids of an org's latest node binding (none without one). */
export async function boundPeers (store: Store, org: string): Promise<string[]> {
  return (await store.binding(org))?.rec.peers ?? []
}

/** `--via` values as multiaddrs, or INVALID_ARGUMENT naming the bad one. */
export function parseVia (via: string[]): Multiaddr[] {
  return via.map((a, i) => {
    try { return multiaddr(a) } catch { throw new InvalidArgumentError(`${JSON.stringify(a)} is not a multiaddr`, { path: `via[${i}]` }) }
  })
}

export class FollowReacher {
  private readonly c: FollowReacherComponents
  private readonly init: Required<FollowRetryInit>
  private readonly states = new Map<string, FollowState & { timer?: NodeJS.Timeout }>()
  /**
   * follows reached after one or more attempts of a backoff: when, and after how many (a peer
   * that keeps dropping us does not reset the backoff); forgotten after `churnMs`, or when the
   * follow is asked again or unfollowed
   */
  private readonly recut = new Map<string, { at: number, attempts: number }>()
  /** orgs an attempt is running for (a check or a timer starts no second one) */
  private readonly inflight = new Set<string>()
  private checkTimer?: NodeJS.Timeout
  private readonly running = new Set<Promise<unknown>>()
  private readonly abort = new AbortController()
  private readonly log: Logger

  constructor (components: FollowReacherComponents, init: FollowRetryInit = {}) {
    this.c = components
    this.log = components.logger.forComponent('reach')
    const given = Object.fromEntries(Object.entries(init).filter(([, v]) => v !== undefined))
    this.init = { ...FOLLOW_RETRY_DEFAULTS, ...given }
  }

  async start (): Promise<void> {
    this.c.libp2p.addEventListener('peer:disconnect', this.onLost)
    this.c.libp2p.services.pubsub.addEventListener('subscription-change', this.onSubscriptions)
  }

  /** Follows recorded while the node was down (`oos follow` offline) are tried now; those that reach no one, with backoff. */
  async afterStart (): Promise<void> {
    for (const f of this.c.follows.list()) {
      this.attempt(f.org, f.via ?? []).catch((err: Error) => { this.log('reach %s: %s', f.org, err.message) })
    }
  }

  async stop (): Promise<void> {
    this.abort.abort()
    this.c.libp2p.removeEventListener('peer:disconnect', this.onLost)
    this.c.libp2p.services.pubsub.removeEventListener('subscription-change', this.onSubscriptions)
    clearTimeout(this.checkTimer)
    for (const s of this.states.values()) clearTimeout(s.timer)
    await Promise.allSettled([...this.running])
  }

  /** The retry state of a follow being tried again: not synced yet, or synced and cut off (undefined otherwise). */
  state (org: string): FollowState | undefined {
    const s = this.states.get(org)
    return s === undefined ? undefined : { attempts: s.attempts, lastError: s.lastError, nextRetry: s.nextRetry }
  }

  /** Stop retrying `org` (unfollowed, or followed again: its backoff starts over). */
  cancel (org: string): void {
    this.settle(org)
    this.recut.delete(org)
  }

  private settle (org: string): void {
    clearTimeout(this.states.get(org)?.timer)
    this.states.delete(org)
  }

  /** A peer left, or left a topic: the follows are checked once, `recheckMs` later. */
  private readonly onLost = (): void => {
    if (this.checkTimer !== undefined || this.abort.signal.aborted) return
    this.checkTimer = setTimeout(() => {
      this.checkTimer = undefined
      const check = this.checkReach().catch((err: Error) => { this.log('checking the follows: %s', err.message) })
      this.running.add(check)
      void check.finally(() => this.running.delete(check))
    }, this.init.recheckMs)
    this.checkTimer.unref()
  }

  private readonly onSubscriptions = (evt: CustomEvent<{ subscriptions: Array<{ subscribe: boolean }> }>): void => {
    if (evt.detail.subscriptions.some(s => !s.subscribe)) this.onLost()
  }

  /**
   * Whether a peer we hold an open connection to is subscribed to the org's topics (its gossip
   * can reach us). gossipsub forgets a peer's topics only when libp2p tells it the peer
   * disconnected, which can lag: the connection is checked here.
   */
  reachable (org: string): boolean {
    const pubsub = this.c.libp2p.services.pubsub
    return [topicOf(org), inlineTopicOf(org)].some(t => pubsub.getSubscribers(t).some(p => this.open(p)))
  }

  private open (peer: PeerId): boolean {
    return this.c.libp2p.getConnections(peer).some(c => c.status === 'open')
  }

  /**
   * Synced follows that no connected peer can gossip to (no attempt running or pending): each
   * is reached again after one step of the follow backoff (continued when it was reached within
   * `churnMs` after a backoff: the last count + 1). Returns those orgs.
   */
  async checkReach (): Promise<string[]> {
    const cut: string[] = []
    for (const [org, r] of this.recut) if (Date.now() - r.at >= this.init.churnMs) this.recut.delete(org)
    for (const f of this.c.follows.list()) {
      const busy = (): boolean => this.abort.signal.aborted || this.states.has(f.org) || this.inflight.has(f.org) || !this.c.follows.has(f.org)
      if (busy() || this.reachable(f.org) || (await this.c.store.head(f.org)) === undefined || busy()) continue
      const last = this.recut.get(f.org)
      const s = { attempts: last !== undefined ? last.attempts + 1 : 1, lastError: 'cut off: no connected peer is subscribed to the org' }
      this.states.set(f.org, s)
      this.schedule(f.org, s)
      cut.push(f.org)
    }
    if (cut.length > 0) this.log('%d follow(s) cut off, reaching them again', cut.length)
    return cut
  }

  /** Mark an org's bound peers privileged and tag them (on follow, start, and each new binding). */
  async protectBound (org: string): Promise<void> {
    for (const id of await boundPeers(this.c.store, org)) {
      if (id === this.c.libp2p.peerId.toString()) continue
      await this.protect(peerIdFromString(id), TAG_BOUND)
    }
  }

  private async protect (peer: PeerId, tag: string): Promise<void> {
    this.c.privileged.add(peer.toString())
    await this.c.libp2p.peerStore.merge(peer, { tags: { [tag]: { value: TAG_VALUE } } }).catch((err: Error) => { this.log('tagging %p: %s', peer, err.message) })
  }

  /**
   * One attempt: dial `via`, else (or when none answers) ask the DHT; sync from whoever was
   * reached. Failing that, the next attempt is scheduled; `signal` aborts this one only.
   */
  async attempt (org: string, via: string[], options: { signal?: AbortSignal } = {}): Promise<Attempt> {
    const work = this.once(org, via, options).catch((err: Error): Attempt => ({ peers: [], errors: [String(err?.message ?? err).split('\n')[0]], synced: false, completed: false }))
    this.running.add(work)
    this.inflight.add(org)
    try {
      const r = await work
      const s = this.states.get(org) ?? { attempts: 0 }
      // done once a version is held and a connection is open to a peer we reached in this
      // attempt or to a peer on the org's topics (a sync can end with its peer gone)
      const connected = r.peers.some(p => this.open(p)) || this.reachable(org)
      if (!this.c.follows.has(org) || this.abort.signal.aborted) {
        this.settle(org)
      } else if (r.synced && connected) {
        if (s.attempts > 0) this.recut.set(org, { at: Date.now(), attempts: s.attempts })
        this.settle(org)
      } else {
        s.attempts++
        s.lastError = r.errors.length > 0 ? r.errors.join('; ') : r.synced ? 'no peer of the org stayed connected' : r.peers.length > 0 ? 'the peers reached hold no version of the org' : 'no peer found'
        this.states.set(org, s)
        this.schedule(org, s)
      }
      return r
    } finally {
      this.inflight.delete(org)
      this.running.delete(work)
    }
  }

  private schedule (org: string, s: FollowState & { timer?: NodeJS.Timeout }): void {
    clearTimeout(s.timer)
    // exponential, capped, with "equal jitter": half fixed, half random, so that the
    // followers of an org that went down do not all come back at the same instant
    const ceiling = Math.min(this.init.maxMs, this.init.baseMs * 2 ** Math.min(s.attempts - 1, 30))
    const delay = Math.round(ceiling / 2 + Math.random() * ceiling / 2)
    s.nextRetry = Date.now() + delay
    s.timer = setTimeout(() => {
      const f = this.c.follows.list().find(x => x.org === org)
      if (f === undefined || this.abort.signal.aborted) { this.cancel(org); return }
      if (this.inflight.has(org)) return // an attempt runs (a follow asked again): it decides
      // at most `concurrency` background attempts at once (a host whose network came back
      // has every follow cut off): the others wait one more step of their backoff
      if (this.inflight.size >= this.init.concurrency) { this.schedule(org, s); return }
      this.attempt(org, f.via ?? []).catch((err: Error) => { this.log('retry of %s: %s', org, err.message) })
    }, delay)
    s.timer.unref()
  }

  /**
   * Resolves once a peer is connected and identified (so the DHT can ask it), at once when one
   * is connected already, or when `signal` aborts: whichever comes first. Waits on events.
   */
  private async dhtReady (signal: AbortSignal): Promise<void> {
    if (this.c.libp2p.getPeers().length > 0 || signal.aborted) return
    await new Promise<void>(resolve => {
      const done = (): void => {
        this.c.libp2p.removeEventListener('peer:identify', done)
        signal.removeEventListener('abort', done)
        resolve()
      }
      this.c.libp2p.addEventListener('peer:identify', done)
      signal.addEventListener('abort', done, { once: true })
    })
  }

  private async once (org: string, via: string[], options: { signal?: AbortSignal }): Promise<Attempt> {
    const signal = options.signal === undefined ? this.abort.signal : AbortSignal.any([options.signal, this.abort.signal])
    const peers: PeerId[] = []
    const errors: string[] = []
    await this.protectBound(org)
    for (const addr of parseVia(via)) {
      try {
        const conn = await this.c.libp2p.dial(addr, { signal: AbortSignal.any([signal, AbortSignal.timeout(this.init.dialTimeoutMs)]) })
        await this.protect(conn.remotePeer, TAG_FOLLOW)
        peers.push(conn.remotePeer)
      } catch (err) {
        signal.throwIfAborted()
        errors.push(`${addr.toString()}: ${String((err as Error).message ?? err).split('\n')[0]}`)
      }
    }
    // the DHT is asked through connected peers: with none, a query could only time out. A node
    // just started may still be dialling its bootstrap peers: wait for its DHT to know one
    // (bounded by the dial timeout; a node with no peer at all finds none either way)
    if (peers.length === 0 && via.length === 0 && !signal.aborted) await this.dhtReady(AbortSignal.any([signal, AbortSignal.timeout(this.init.dialTimeoutMs)]))
    if (peers.length === 0 && !signal.aborted && this.c.libp2p.getPeers().length > 0) {
      // not privileged: anyone can put a provider record, and a stranger must not win a
      // reserved, unevictable slot on its word (NETWORK.md §8.3); once synced, the org's
      // bound peers are (protectBound)
      peers.push(...await this.c.findProviders(org, { signal: AbortSignal.any([signal, AbortSignal.timeout(this.init.dialTimeoutMs)]) }))
    }
    const outcome = peers.length > 0 ? await this.c.update(org, peers) : undefined
    const synced = peers.length > 0 && (await this.c.store.head(org)) !== undefined
    // a peer that is full accepts the handshake, then closes: not reached
    const reached = synced ? peers : peers.filter(p => this.open(p))
    if (reached.length < peers.length) errors.push(`${peers.length - reached.length} peer(s) closed the connection (full?)`)
    this.log('%s: reached %d peer(s)%s', org, reached.length, errors.length > 0 ? ` (${errors.join('; ')})` : '')
    return { peers: reached, errors, synced, completed: outcome?.synced === true, ...(outcome?.error !== undefined && !synced ? { error: outcome.error } : {}) }
  }
}

/** The follow reacher as a node service (`init` as documented on FollowRetryInit). */
export function followReacher (init: FollowRetryInit = {}): (components: FollowReacherComponents) => FollowReacher {
  return (components) => new FollowReacher(components, init)
}
