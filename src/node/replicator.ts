/**
 * Keeping followed orgs up to date. Gossip is lossy, so three paths lead to the same sync:
 * an announcement (sync from its origin, else from any connected peer), a new connection
 * (ask the peer for its heads), and a periodic anti-entropy round (ask a few peers). Each
 * sync asks a peer for "the org's versions from my head + 1 on"; everything received goes
 * through the ingest door. One sync per org at a time; a request that arrives meanwhile is
 * remembered and run after it.
 */
import type { PeerId } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import { logger } from '../logger.ts'
import type { Store } from '../store/store.ts'
import type { OosLibp2p } from '../net/libp2p.ts'

export interface SyncApi {
  sync: (peer: PeerId, org: string, options: { from: number, signal?: AbortSignal }) => Promise<{ accepted: number, missingSources?: CID[] }>
  authors: (peer: PeerId, claims: CID[], options: { signal?: AbortSignal }) => Promise<Array<{ org: string, seq: number }>>
  heads: (peer: PeerId, orgs: string[], options: { signal?: AbortSignal }) => Promise<Array<{ org: string, seq: number }>>
}

export interface ReplicatorInit {
  /** orgs to keep up to date */
  orgs: () => string[]
  /** anti-entropy period in ms (default 30 s; 0 disables) */
  intervalMs?: number
  /** peers asked per anti-entropy round (default 3) */
  fanout?: number
}

export class Replicator {
  private readonly libp2p: OosLibp2p
  private readonly store: Store
  private readonly api: SyncApi
  private readonly init: ReplicatorInit
  private readonly running = new Map<string, Promise<void>>()
  private readonly again = new Map<string, PeerId[]>()
  private timer?: NodeJS.Timeout
  private readonly abort = new AbortController()
  private readonly log = logger('oosnet:node:sync')
  readonly counts = { syncs: 0, failures: 0, accepted: 0, rounds: 0 }
  private readonly onIdentify = (evt: CustomEvent<{ peerId: PeerId }>): void => { void this.checkPeer(evt.detail.peerId) }

  constructor (components: { libp2p: OosLibp2p, store: Store, api: SyncApi }, init: ReplicatorInit) {
    this.libp2p = components.libp2p
    this.store = components.store
    this.api = components.api
    this.init = init
  }

  async start (): Promise<void> {
    this.libp2p.addEventListener('peer:identify', this.onIdentify)
    const ms = this.init.intervalMs ?? 30_000
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

  /** Bring `org` up to date from the given peers (first that works), else from connected peers. */
  async update (org: string, peers: PeerId[] = []): Promise<void> {
    const cur = this.running.get(org)
    if (cur !== undefined) {
      this.again.set(org, peers)
      return await cur
    }
    const run = this.run(org, peers).finally(() => {
      this.running.delete(org)
      const next = this.again.get(org)
      if (next !== undefined) {
        this.again.delete(org)
        this.update(org, next).catch((err: Error) => { this.log('sync of %s: %s', org, err.message) })
      }
    })
    this.running.set(org, run)
    return await run
  }

  /** Wait until no sync is running (tests, shutdown). */
  async idle (): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()])
  }

  private async run (org: string, peers: PeerId[], depth = 0): Promise<void> {
    const candidates = [...peers, ...this.libp2p.getPeers().filter(p => !peers.some(q => q.equals(p)))]
    for (const peer of candidates) {
      if (this.abort.signal.aborted) return
      const from = ((await this.store.head(org))?.seq ?? 0) + 1
      try {
        this.counts.syncs++
        const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(60_000)])
        let r = await this.api.sync(peer, org, { from, signal })
        this.counts.accepted += r.accepted
        if ((r.missingSources?.length ?? 0) > 0 && depth < 4) {
          // a version adopts claims we do not hold: fetch their authors' chains first, then retry
          for (const a of await this.api.authors(peer, r.missingSources as CID[], { signal })) {
            if (a.org !== org) await this.run(a.org, [peer], depth + 1)
          }
          r = await this.api.sync(peer, org, { from: ((await this.store.head(org))?.seq ?? 0) + 1, signal })
          this.counts.accepted += r.accepted
        }
        if (r.accepted > 0 || peers.some(p => p.equals(peer))) return
      } catch (err) {
        this.counts.failures++
        this.log('sync of %s from %p failed: %s', org, peer, (err as Error).message)
      }
    }
  }

  /** Ask one peer for its heads of the orgs we follow and sync what it has newer. */
  async checkPeer (peer: PeerId): Promise<void> {
    const orgs = this.init.orgs()
    if (orgs.length === 0 || this.abort.signal.aborted) return
    try {
      const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(10_000)])
      const heads = await this.api.heads(peer, orgs, { signal })
      for (const h of heads) {
        if (!orgs.includes(h.org)) continue
        const mine = (await this.store.head(h.org))?.seq ?? 0
        if (h.seq > mine) this.update(h.org, [peer]).catch((err: Error) => { this.log('sync of %s: %s', h.org, err.message) })
      }
    } catch (err) {
      this.log('heads from %p failed: %s', peer, (err as Error).message)
    }
  }

  /** One anti-entropy round: a few random connected peers. */
  async round (): Promise<void> {
    this.counts.rounds++
    const peers = this.libp2p.getPeers().sort(() => Math.random() - 0.5).slice(0, this.init.fanout ?? 3)
    await Promise.allSettled(peers.map(async p => await this.checkPeer(p)))
  }
}
