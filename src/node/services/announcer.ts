/**
 * The head publisher (protocol/NETWORK.md §2): what this node signs reaches the network. A new
 * version of our org is announced on its topic (signed by the org's key, announce.ts); a
 * statement we signed (endorsement, retraction, key rotation, node binding) is gossiped on the
 * topic of the org it is about. A peer that joins our org's topic is welcomed with our node
 * binding and latest announcement (throttled; receivers dedupe).
 *
 * Emits `announced` after each announcement of our head (the advertiser puts it in the DHT).
 */
import type { Counter, Logger } from '@libp2p/interface'
import { readRec } from '../../records/read.ts'
import { TypedEventEmitter } from 'main-event'
import type { Ingest, IngestResult } from '../../ingest/ingest.ts'
import { mayAnnounce } from '../../ingest/authority.ts'
import { encodeAnnouncement, readAnnouncement, type Announcement } from '../../net/announce.ts'
import type { Gossip } from '../../net/gossip.ts'
import type { OosLibp2p } from '../../net/libp2p.ts'
import type { Store } from '../../store/store.ts'
import { background, counter, type ServiceComponents } from './service.ts'

export interface AnnouncerInit {
  /** our org's did */
  org: string
  /** the org's signing key (32-byte seed); without it nothing of ours is announced */
  orgKey?: Uint8Array
  /** the did of the signing key when it is not the inception key (after a rotation) */
  signingKey?: string
  /** the bytes of our org's latest node binding, if any */
  binding: () => Promise<Uint8Array | undefined>
  /** a welcome is sent at most once per this many ms (default 2000) */
  welcomeIntervalMs?: number
  /** how long after a peer joined our topic it is welcomed, to let the mesh take it in (default 200 ms) */
  welcomeDelayMs?: number
}

export interface AnnouncerComponents extends ServiceComponents {
  libp2p: Pick<OosLibp2p, 'services'>
  store: Pick<Store, 'head' | 'get' | 'record'>
  ingest: Pick<Ingest, 'keys' | 'onRecord'>
  gossip: Pick<Gossip, 'announce' | 'publishVersion' | 'publishRecord'>
}

export interface SignedAnnouncement { a: Announcement, bytes: Uint8Array }

export interface AnnouncerEvents {
  announced: CustomEvent<Announcement>
}

type SubscriptionChange = CustomEvent<{ subscriptions: Array<{ topic: string, subscribe: boolean }> }>

export class Announcer extends TypedEventEmitter<AnnouncerEvents> {
  private readonly c: AnnouncerComponents
  private readonly init: AnnouncerInit
  private readonly log: Logger
  private readonly announced: Counter
  private readonly gossiped: Counter
  private own?: SignedAnnouncement
  private lastWelcome = 0
  private off?: () => void
  private started = false

  constructor (components: AnnouncerComponents, init: AnnouncerInit) {
    super()
    this.c = components
    this.init = init
    this.log = components.logger.forComponent('announcer')
    this.announced = counter(components.metrics, 'oosnet_announcer_announced_total', 'versions of our org announced')
    this.gossiped = counter(components.metrics, 'oosnet_announcer_statements_total', 'statements we signed, gossiped')
  }

  /** A peer joined our org's topic: tell it our node binding and head. */
  private readonly onSubscription = (evt: SubscriptionChange): void => {
    if (!evt.detail.subscriptions.some(s => s.subscribe && s.topic === `/oos/1/org/${this.init.org}`)) return
    if (Date.now() - this.lastWelcome < (this.init.welcomeIntervalMs ?? 2000)) return
    this.lastWelcome = Date.now()
    background(this.log, this.welcome(), 'welcome')
  }

  async start (): Promise<void> {
    this.started = true
    this.off = this.c.ingest.onRecord((r, v, options) => {
      if (options.source === 'local') background(this.log, this.onLocal(r, v.bytes), 'onLocal')
    })
    this.c.libp2p.services.pubsub.addEventListener('subscription-change', this.onSubscription)
  }

  async stop (): Promise<void> {
    this.started = false
    this.off?.()
    this.c.libp2p.services.pubsub.removeEventListener('subscription-change', this.onSubscription)
  }

  /** A record this node signed was accepted: announce it (our version) or gossip it (a statement). */
  async onLocal (r: IngestResult, bytes: Uint8Array): Promise<void> {
    if (r.kind === 'oos/version' && r.org === this.init.org && this.init.orgKey !== undefined) {
      const rec = readRec(bytes)
      // a node whose key was rotated out must not announce with it (receivers reject that): it restarts with the new key
      if (!await this.mayAnnounce(r.seq as number)) return
      const orgKey = this.init.orgKey
      // whole on the inline topic up to 64 KiB, and announced (NETWORK.md §2.5); the
      // announcement is signed once the inline copy is out
      let own: SignedAnnouncement | undefined
      await this.c.gossip.publishVersion(this.init.org, bytes, () => (own = this.sign({ org: this.init.org, seq: r.seq as number, cid: r.cid, createdAt: rec.createdAt }, orgKey)).bytes)
      this.announced.increment()
      if (own !== undefined) this.safeDispatchEvent('announced', { detail: own.a })
    } else if (r.kind !== 'oos/version') {
      const rec = readRec(bytes)
      let topicOrg = rec.type === 'oos/endorsement' ? rec.targetOrg : rec.org
      if (rec.type === 'oos/retraction') {
        // withdrawing an endorsement: tell the followers of the claim's author, who hold it
        const t = (await this.c.store.record(rec.target))?.rec
        if (t?.type === 'oos/endorsement') topicOrg = t.targetOrg
      }
      await this.c.gossip.publishRecord(topicOrg, bytes)
      this.gossiped.increment()
    }
  }

  /** Our latest announcement: the last one sent, else one signed now for the head we hold (none without the key). */
  async ownAnnouncement (): Promise<SignedAnnouncement | undefined> {
    if (this.own !== undefined) return this.own
    const head = await this.c.store.head(this.init.org)
    if (head === undefined || this.init.orgKey === undefined || !await this.mayAnnounce(head.seq)) return undefined
    return this.sign({ org: this.init.org, seq: head.seq, cid: head.cid, createdAt: head.createdAt }, this.init.orgKey)
  }

  /** Sign the announcement of our head and keep it as our latest (signed here: not verified again). */
  private sign (a: Omit<Announcement, 'type' | 'key'>, orgKey: Uint8Array): SignedAnnouncement {
    const bytes = encodeAnnouncement({ ...a, key: this.init.signingKey }, orgKey)
    this.own = { a: readAnnouncement(bytes).announcement, bytes }
    return this.own
  }

  private async welcome (): Promise<void> {
    await new Promise(resolve => setTimeout(resolve, this.init.welcomeDelayMs ?? 200))
    if (!this.started) return
    const binding = await this.init.binding()
    if (binding !== undefined) await this.c.gossip.publishRecord(this.init.org, binding)
    const own = await this.ownAnnouncement()
    if (own !== undefined) await this.c.gossip.announce(this.init.org, own.bytes)
  }

  /** Whether this node's key may announce version `seq`: one rotated out must not (receivers reject it); the node restarts with the new key. */
  private async mayAnnounce (seq: number): Promise<boolean> {
    if (mayAnnounce(await this.c.ingest.keys(this.init.org), this.init.signingKey ?? this.init.org, seq)) return true
    this.log('not announcing version %d: this node\'s key is not the org\'s key for it', seq)
    return false
  }
}

export function announcer (init: AnnouncerInit): (components: AnnouncerComponents) => Announcer {
  return (components) => new Announcer(components, init)
}
