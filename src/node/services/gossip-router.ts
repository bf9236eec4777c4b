/**
 * The gossip router (protocol/NETWORK.md §2): it owns the node's gossip (net/gossip.ts, one
 * topic per org kept) and acts on what the topic validator let through. A record, verified by
 * the validator on the door's workers, goes to the ingest door (`ingestVerified`: not verified
 * again); an announcement of a followed org newer than our head starts a sync from its
 * sender. A version gossiped inline (NETWORK.md §2.5) that follows our head is stored
 * directly (verified once, by the validator); one past a gap is taken as an announcement of
 * it, and dropped: the sync it starts fetches it with the versions before it. The hints (an announcement too far ahead, a key not known yet, an equivocation
 * hint) go to the hints service (hints.ts), never taken on the sender's word.
 */
import type { Counter, Logger, PeerId } from '@libp2p/interface'
import type { Ingest } from '../../ingest/ingest.ts'
import { newer, type Announcement } from '../../net/announce.ts'
import { Gossip, type GossipItem } from '../../net/gossip.ts'
import { inlineTopicOf } from '../../net/gossip-inline.ts'
import type { OosLibp2p } from '../../net/libp2p.ts'
import type { Store } from '../../store/store.ts'
import type { Hints } from '../hints.ts'
import type { Replicator } from '../replicator.ts'
import type { Violations } from '../violations.ts'
import { background, counter, statsCounters, type ServiceComponents } from './service.ts'

export interface GossipRouterInit {
  /** our org's did */
  org: string
  /** the orgs this node keeps: its own and those it follows (their topics are subscribed at start) */
  orgs: () => string[]
  /**
   * How long an org-topic announcement of the version after our head waits for its inline
   * copy before a sync, when a peer of ours is on the org's inline topic (NETWORK.md §2.5;
   * default 500 ms). An announcement on the inline topic (a version too large) syncs at once.
   */
  inlineWaitMs?: number
  /** told when a version gossiped inline was stored (`seq`: the org's head now), as the replicator's `onSynced` is after a sync */
  onStored?: (org: string, seq: number) => void
}

export interface GossipRouterComponents extends ServiceComponents {
  libp2p: OosLibp2p
  store: Pick<Store, 'head' | 'has'>
  ingest: Pick<Ingest, 'verify' | 'verifySignature' | 'ingestVerified' | 'keys' | 'onRecord'>
  hints: Pick<Hints, 'unknownKey' | 'ahead' | 'equivocation'>
  replicator: Pick<Replicator, 'update'>
  violations: Pick<Violations, 'report'>
}

export class GossipRouter {
  readonly gossip: Gossip
  private readonly init: GossipRouterInit
  private readonly log: Logger
  private readonly routed: Counter
  private readonly store: GossipRouterComponents['store']
  private readonly ingest: GossipRouterComponents['ingest']
  private readonly hints: GossipRouterComponents['hints']
  private readonly replicator: GossipRouterComponents['replicator']
  private readonly violations: GossipRouterComponents['violations']
  private readonly libp2p: OosLibp2p
  /** the latest announcement seen of each org we follow */
  private readonly announcements = new Map<string, { a: Announcement, bytes: Uint8Array }>()

  constructor (components: GossipRouterComponents, init: GossipRouterInit) {
    this.init = init
    ;({ store: this.store, ingest: this.ingest, hints: this.hints, replicator: this.replicator, violations: this.violations } = components)
    this.libp2p = components.libp2p
    this.log = components.logger.forComponent('gossip-router')
    this.routed = counter(components.metrics, 'oosnet_gossip_router_items_total', 'gossip items and hints acted on')
    this.gossip = new Gossip({ libp2p: components.libp2p, logger: components.logger }, {
      onItem: (item, from) => { this.routed.increment(); background(this.log, this.onGossip(item, from), 'onGossip') },
      onViolation: (peer, code) => { this.violations.report(peer, code) },
      knowledge: async (org) => ({ epochs: await this.ingest.keys(org), kept: this.orgs().includes(org), head: (await this.store.head(org))?.seq ?? 0 }),
      // verified once, by the door's workers; the result goes to ingestVerified (onGossip)
      verify: async (bytes) => await this.ingest.verify(bytes),
      verifySignature: async (key, message, sig) => await this.ingest.verifySignature(key, message, sig),
      has: async (cid) => await this.store.has(cid)
    })
    statsCounters(components.metrics, 'oosnet_gossip', ['received', 'accepted', 'rejected', 'ignored', 'published'], () => this.gossip.stats(), 'gossip messages')
  }

  private get org (): string { return this.init.org }
  private orgs (): string[] { return this.init.orgs() }

  async start (): Promise<void> {
    await this.gossip.start()
    for (const org of this.orgs()) this.gossip.subscribe(org)
  }

  async stop (): Promise<void> {
    await this.gossip.stop()
  }

  private async onGossip (item: GossipItem, from: PeerId): Promise<void> {
    if (item.type === 'unknown-key') {
      if (!await this.hints.unknownKey(item.org, item.key, from)) return
      // the key is one of the org's after all (a rotation learned since): judge the message again
      const v = await this.gossip.judge(item.item)
      if (v.result === 'accept') await this.onGossip(item.item, from)
      else if (v.result === 'ahead') await this.hints.ahead(item.org)
      else if (v.result === 'reject') this.violations.report(from, v.code)
      return
    }
    if (item.type === 'equivocation') {
      if (this.orgs().includes(item.hint.org)) await this.hints.equivocation(item.hint, from)
      return
    }
    if (item.type === 'announce') {
      const { announcement: a } = item
      if (!this.orgs().includes(a.org) || a.org === this.org) return
      if (item.ahead === true) return await this.hints.ahead(a.org)
      const known = this.announcements.get(a.org)
      if (known === undefined || newer(a, known.a)) this.announcements.set(a.org, { a, bytes: item.bytes })
      const mine = (await this.store.head(a.org))?.seq ?? 0
      if (a.seq === mine + 1 && item.inline !== true && await this.inlineCopy(a.org, a.seq)) return
      if (a.seq > mine) await this.replicator.update(a.org, [from])
      return
    }
    if (item.type === 'version') {
      const rec = item.verified.rec
      if (rec.type !== 'oos/version' || !this.orgs().includes(rec.org) || rec.org === this.org) return
      if (item.ahead === true) return await this.hints.ahead(rec.org)
      const mine = (await this.store.head(rec.org))?.seq ?? 0
      // a gap: the version is an announcement; the sync fetches it with those before it
      if (rec.seq > mine + 1) return void await this.replicator.update(rec.org, [from])
      if (rec.seq <= mine) return
    }
    const r = await this.ingest.ingestVerified(item.verified, { source: 'gossip', from: from.toString() }).catch((err: Error & { code?: string }) => {
      this.log('gossiped record from %p not ingested: %s', from, err.code ?? err.message)
    })
    if (r?.status === 'accepted' && r.kind === 'oos/version' && r.seq !== undefined) this.init.onStored?.(r.org, r.seq)
  }

  /**
   * Whether version `seq` of `org` is stored within `inlineWaitMs` (its inline copy came in);
   * false at once when no peer of ours is on the org's inline topic (nodes that only know the
   * org topic: no inline copy can come through them).
   */
  private async inlineCopy (org: string, seq: number): Promise<boolean> {
    if (this.libp2p.services.pubsub.getSubscribers(inlineTopicOf(org)).length === 0) return false
    let off = (): void => {}
    const stored = await new Promise<boolean>(resolve => {
      const timer = setTimeout(() => { resolve(false) }, this.init.inlineWaitMs ?? 500)
      const stop = this.ingest.onRecord((r) => { if (r.kind === 'oos/version' && r.org === org && (r.seq ?? 0) >= seq) { clearTimeout(timer); resolve(true) } })
      off = () => { clearTimeout(timer); stop() }
      // it may have been stored before we listened
      void this.store.head(org).then(h => { if ((h?.seq ?? 0) >= seq) resolve(true) }, () => {})
    })
    off()
    return stored
  }

}

export function gossipRouter (init: GossipRouterInit): (components: GossipRouterComponents) => GossipRouter {
  return (components) => new GossipRouter(components, init)
}
