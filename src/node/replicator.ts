/**
 * Keeping followed orgs up to date. Gossip is lossy, so three paths lead to the same sync:
 * an announcement (sync from its origin, else from any connected peer), a new connection
 * (ask the peer for its heads), and a periodic anti-entropy round (ask a few peers). Each
 * sync asks a peer for "the org's versions from my head + 1 on"; everything received goes
 * through the ingest door. One sync per org at a time; a request that arrives meanwhile is
 * remembered and run after it.
 *
 * A sync that fails (a peer refused it as busy, reset it, timed out) is not "nothing to
 * sync": the next peer is tried, and when every candidate failed the round is retried with
 * backoff (0.5, 1, 2, 4 s). `update` says whether any peer answered, and why not.
 */
import type { Counter, HistogramGroup, Logger, PeerId } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import { OosError } from '../errors.ts'
import type { Store } from '../store/store.ts'
import type { OosLibp2p } from '../net/libp2p.ts'
import { counter, type ServiceComponents } from './services/service.ts'

/** the anti-entropy period a node runs by default, ms (NETWORK.md §5) */
export const ANTI_ENTROPY_MS = 30_000
/** other connected peers asked (by their heads) when the peers given had nothing new */
const MAX_OTHER_PROVIDERS = 16
/** Buckets of the sync duration histogram, seconds: a few ms (nothing new) to the 60 s timeout. */
const SYNC_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

export interface SyncApi {
  /** catch `org` up from these providers (one: pipelined windows; several: split by their heads, hedged) */
  syncFrom: (providers: PeerId[], org: string, options: { from: number, signal?: AbortSignal, probe?: boolean }) => Promise<{ accepted: number, missingSources?: CID[] }>
  authors: (peer: PeerId, claims: CID[], options: { signal?: AbortSignal }) => Promise<Array<{ org: string, seq: number }>>
  heads: (peer: PeerId, orgs: string[], options: { signal?: AbortSignal }) => Promise<Array<{ org: string, seq: number }>>
  /** reconcile the statements about an org's claims with a peer (RBSR), fetching what we lack */
  reconcile: (peer: PeerId, org: string, options: { signal?: AbortSignal }) => Promise<{ accepted: number }>
}

export interface ReplicatorInit {
  /** orgs to keep up to date */
  orgs: () => string[]
  /** anti-entropy period in ms (default 30 s; 0 disables) */
  intervalMs?: number
  /** peers asked per anti-entropy round (default 3) */
  fanout?: number
  /** rounds retried when every peer's sync failed (default 4; backoff 0.5 s, doubling) */
  retries?: number
  /** reconcile the statements about followed orgs with a peer when its heads are checked (default true) */
  statements?: boolean
  /** told when a sync of an org brought new records, with the head seq held then */
  onSynced?: (org: string, seq: number) => void
}

/** What `update` achieved: whether some peer answered the sync, and the last failure. */
export interface UpdateResult {
  /** a sync with some peer completed (it may have had nothing new) */
  synced: boolean
  accepted: number
  /** syncs that failed (refused, reset, timed out…), and the last one's code and message */
  failures: number
  error?: { code: string, message: string }
}

export interface ReplicatorComponents extends ServiceComponents {
  libp2p: OosLibp2p
  store: Store
  api: SyncApi
}

export class Replicator {
  private readonly libp2p: OosLibp2p
  private readonly store: Store
  private readonly api: SyncApi
  private readonly init: ReplicatorInit
  private readonly running = new Map<string, Promise<UpdateResult>>()
  private readonly again = new Map<string, { peers: PeerId[], only: boolean }>()
  private timer?: NodeJS.Timeout
  private readonly abort = new AbortController()
  private readonly log: Logger
  readonly counts = { syncs: 0, failures: 0, accepted: 0, rounds: 0, statements: 0 }
  private readonly metrics: Record<keyof Replicator['counts'], Counter>
  /** how long each sync with a peer took, by how it ended (`completed`, `failed`) */
  private readonly durations?: HistogramGroup<'completed' | 'failed'>
  private readonly onIdentify = (evt: CustomEvent<{ peerId: PeerId }>): void => { void this.checkPeer(evt.detail.peerId) }

  constructor (components: ReplicatorComponents, init: ReplicatorInit) {
    this.libp2p = components.libp2p
    this.store = components.store
    this.api = components.api
    this.init = init
    this.log = components.logger.forComponent('replicator')
    const m = components.metrics
    this.metrics = {
      syncs: counter(m, 'oosnet_replicator_synced_total', 'syncs with a peer that completed'),
      failures: counter(m, 'oosnet_replicator_failures_total', 'syncs with a peer that failed (refused, reset, timed out)'),
      accepted: counter(m, 'oosnet_replicator_accepted_total', 'records accepted through syncs'),
      rounds: counter(m, 'oosnet_replicator_rounds_total', 'anti-entropy rounds'),
      statements: counter(m, 'oosnet_replicator_statements_total', 'statements accepted through reconciliation')
    }
    this.durations = m?.registerHistogramGroup('oosnet_replicator_sync_seconds', { label: 'result', help: 'how long a sync with a peer took, by result (completed, failed)', buckets: SYNC_BUCKETS })
  }

  /** Count `n` of `what` (status() and the metrics alike). */
  private count (what: keyof Replicator['counts'], n = 1): void {
    this.counts[what] += n
    this.metrics[what].increment(n)
  }

  async start (): Promise<void> {
    this.libp2p.addEventListener('peer:identify', this.onIdentify)
    const ms = this.init.intervalMs ?? ANTI_ENTROPY_MS
    if (ms > 0) {
      this.timer = setInterval(() => { void this.round() }, ms)
      this.timer.unref()
    }
  }

  async stop (): Promise<void> {
    this.libp2p.removeEventListener('peer:identify', this.onIdentify)
    clearInterval(this.timer)
    this.abort.abort()
    await Promise.allSettled([...this.running.values()])
  }

  /**
   * Bring `org` up to date from the given peers (first that works), else from connected peers;
   * with `only`, from the given peers alone (a hint's sync goes to the org's bound peers and
   * never to whoever sent the hint: NETWORK.md §2.2).
   */
  async update (org: string, peers: PeerId[] = [], options: { only?: boolean } = {}): Promise<UpdateResult> {
    const cur = this.running.get(org)
    if (cur !== undefined) {
      this.again.set(org, { peers, only: options.only === true })
      return await cur
    }
    const run = this.run(org, peers, 0, options.only === true).then(async (r) => {
      if (r.accepted > 0 && this.init.onSynced !== undefined) this.init.onSynced(org, (await this.store.head(org))?.seq ?? 0)
      return r
    }).finally(() => {
      this.running.delete(org)
      const next = this.again.get(org)
      if (next !== undefined) {
        this.again.delete(org)
        this.update(org, next.peers, { only: next.only }).catch((err: Error) => { this.log('sync of %s: %s', org, err.message) })
      }
    })
    this.running.set(org, run)
    return await run
  }

  /** Wait until no sync is running (tests, shutdown). */
  async idle (): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()])
  }

  private async run (org: string, peers: PeerId[], depth = 0, only = false): Promise<UpdateResult> {
    const out: UpdateResult = { synced: false, accepted: 0, failures: 0 }
    const retries = this.init.retries ?? 4
    for (let attempt = 0; ; attempt++) {
      // the peers given first (several: windows split among them, a slow one hedged); then, if
      // they had nothing new, a few other connected peers, by their heads
      const others = only ? [] : this.libp2p.getPeers().filter(p => !peers.some(q => q.equals(p))).sort(() => Math.random() - 0.5).slice(0, MAX_OTHER_PROVIDERS)
      const groups = [peers, others].filter(g => g.length > 0)
      for (const group of groups) {
        if (this.abort.signal.aborted) return out
        const began = performance.now()
        try {
          this.count('syncs')
          const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(60_000)])
          const from = ((await this.store.head(org))?.seq ?? 0) + 1
          // peers not given are probed: only those whose head holds something new are asked
          const probe = group !== peers
          let r = await this.api.syncFrom(group, org, { from, signal, probe })
          this.tally(out, r.accepted)
          if ((r.missingSources?.length ?? 0) > 0 && depth < 4) {
            // a version adopts claims we do not hold: fetch their authors' chains first, then retry
            const peer = group[0]
            for (const a of await this.api.authors(peer, r.missingSources as CID[], { signal })) {
              if (a.org !== org) await this.run(a.org, [peer], depth + 1)
            }
            r = await this.api.syncFrom(group, org, { from: ((await this.store.head(org))?.seq ?? 0) + 1, signal, probe })
            this.tally(out, r.accepted)
          }
          out.synced = true
          this.durations?.observe({ completed: (performance.now() - began) / 1000 })
          if (r.accepted > 0 || group === peers) break
        } catch (err) {
          this.durations?.observe({ failed: (performance.now() - began) / 1000 })
          this.count('failures')
          out.failures++
          out.error = { code: err instanceof OosError ? err.code : 'INTERNAL', message: (err as Error).message }
          this.log('sync of %s from %s failed: %s', org, group.map(String).join(', '), (err as Error).message)
        }
      }
      if (out.synced || groups.length === 0 || attempt >= retries || this.abort.signal.aborted) return out
      // every peer failed (busy, reset, timed out): not "nothing to sync"; try again later
      const ms = 500 * 2 ** attempt
      this.log('sync of %s: every peer failed, again in %d ms', org, ms)
      await this.pause(ms)
    }
  }

  private tally (out: UpdateResult, accepted: number): void {
    out.accepted += accepted
    this.count('accepted', accepted)
  }

  /** `ms`, or until the replicator stops */
  private async pause (ms: number): Promise<void> {
    const signal = this.abort.signal
    await new Promise<void>(resolve => {
      const done = (): void => { clearTimeout(t); signal.removeEventListener('abort', done); resolve() }
      const t = setTimeout(done, ms)
      signal.addEventListener('abort', done, { once: true })
    })
  }

  /**
   * Ask one peer for its heads of the orgs we follow and sync what it has newer; then reconcile
   * the statements about those orgs' claims with it (a node back from days offline fetches the
   * endorsements and retractions it missed, paying for them, not for the whole set:
   * NETWORK-reqresp.md §5.2).
   */
  async checkPeer (peer: PeerId): Promise<void> {
    const orgs = this.init.orgs()
    if (orgs.length === 0 || this.abort.signal.aborted) return
    try {
      const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(10_000)])
      const heads = await this.api.heads(peer, orgs, { signal })
      const held: string[] = []
      for (const h of heads) {
        if (!orgs.includes(h.org)) continue
        held.push(h.org)
        const mine = (await this.store.head(h.org))?.seq ?? 0
        if (h.seq > mine) this.update(h.org, [peer]).catch((err: Error) => { this.log('sync of %s: %s', h.org, err.message) })
      }
      if (this.init.statements !== false) void this.reconcile(peer, held)
    } catch (err) {
      this.log('heads from %p failed: %s', peer, (err as Error).message)
    }
  }

  /** Reconcile the statements about `orgs` with `peer`, one org after the other (after any sync of it). */
  private async reconcile (peer: PeerId, orgs: string[]): Promise<void> {
    for (const org of orgs) {
      if (this.abort.signal.aborted) return
      await this.running.get(org)?.catch(() => {})
      try {
        const r = await this.api.reconcile(peer, org, { signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(30_000)]) })
        if (r.accepted > 0) this.count('statements', r.accepted)
      } catch (err) {
        this.log('reconciling statements about %s with %p failed: %s', org, peer, (err as Error).message)
      }
    }
  }

  /** One anti-entropy round: a few random connected peers. */
  async round (): Promise<void> {
    this.count('rounds')
    const peers = this.libp2p.getPeers().sort(() => Math.random() - 0.5).slice(0, this.init.fanout ?? 3)
    await Promise.allSettled(peers.map(async p => await this.checkPeer(p)))
  }
}

/** The replicator as a node service (`init` as documented on ReplicatorInit). */
export function replicator (init: ReplicatorInit): (components: ReplicatorComponents) => Replicator {
  return (components) => new Replicator(components, init)
}
