/**
 * The DHT side of a node (protocol/NETWORK.md §4): it provides every org it serves (its own
 * and those it follows, once it holds a version) and puts its own org's signed head there,
 * with the rotations a reader needs to check it; it also finds an org's providers and latest
 * head for others.
 *
 * The DHT stays off the publish path (a provide or put is a DHT walk: 0.2–0.9 s at 10–50
 * nodes). Provider records go out in rounds: at start, then every `provideIntervalMs`
 * (default 10 min), every held org in one batch, `provideConcurrency` at a time (kad-dht
 * itself re-provides what it provided once its records are 24 h old). After our own version is
 * announced, the head record is put once per `headDebounceMs` (default 1 s): publishes within
 * the window share one put of the latest head, and the first version of our org is provided
 * with it; an org newly followed is provided in a batch within the same window
 * (`provideSoon`). Nothing waits on these: the announcer only emits `announced`.
 */
import type { Counter, Logger, PeerId } from '@libp2p/interface'
import type { Announcement } from '../../net/announce.ts'
import { decodeHeadRecord, encodeHeadRecord, headKey, orgProviderCid } from '../../net/dht.ts'
import type { OosLibp2p } from '../../net/libp2p.ts'
import type { Store } from '../../store/store.ts'
import type { Announcer } from './announcer.ts'
import { background, counter, type ServiceComponents } from './service.ts'

export const ADVERTISER_DEFAULTS = {
  /** a provide round of every held org (ms) */
  provideIntervalMs: 10 * 60_000,
  /** at most one head put per this window after our own announcements (ms) */
  headDebounceMs: 1_000,
  /** provides at once within a round */
  provideConcurrency: 4,
  /** one provide or put (ms) */
  advertiseTimeoutMs: 20_000,
  /** a lookup of providers or of a head, unless the caller's signal says otherwise (ms) */
  findTimeoutMs: 10_000,
  /** most providers returned by one lookup */
  maxProviders: 5
}

export interface AdvertiserInit extends Partial<typeof ADVERTISER_DEFAULTS> {
  /** our org's did */
  org: string
  /** the orgs this node serves: its own and those it follows */
  orgs: () => string[]
}

export interface AdvertiserComponents extends ServiceComponents {
  libp2p: Pick<OosLibp2p, 'contentRouting' | 'peerId' | 'peerStore'>
  store: Pick<Store, 'head' | 'rotations'>
  announcer: Pick<Announcer, 'ownAnnouncement' | 'addEventListener' | 'removeEventListener'>
}

export class Advertiser {
  private readonly c: AdvertiserComponents
  private readonly init: AdvertiserInit & typeof ADVERTISER_DEFAULTS
  private readonly log: Logger
  private readonly provided: Counter
  private readonly heads: Counter
  private started = false
  /** aborted by stop(): the DHT operations in flight */
  private controller = new AbortController()
  private round?: Promise<void>
  private roundTimer?: NodeJS.Timeout
  private headTimer?: NodeJS.Timeout
  private putting: Promise<void> = Promise.resolve()
  /** orgs provided since start */
  private readonly providedOrgs = new Set<string>()
  /** orgs to provide with the next batch (provideSoon) */
  private readonly soon = new Set<string>()
  private soonTimer?: NodeJS.Timeout
  private readonly onAnnounced = (): void => { this.scheduleHead() }

  constructor (components: AdvertiserComponents, init: AdvertiserInit) {
    this.c = components
    this.init = { ...ADVERTISER_DEFAULTS, ...init }
    this.log = components.logger.forComponent('advertiser')
    this.provided = counter(components.metrics, 'oosnet_advertiser_provided_total', 'provider records put in the DHT')
    this.heads = counter(components.metrics, 'oosnet_advertiser_heads_total', 'signed head records put in the DHT')
  }

  async start (): Promise<void> {
    this.started = true
    this.controller = new AbortController()
    this.c.announcer.addEventListener('announced', this.onAnnounced)
  }

  /** The first round once every service runs (our head may need the node binding the binder signs). */
  async afterStart (): Promise<void> {
    background(this.log, this.provideAll(), 'provide')
    background(this.log, this.putHead(), 'put head')
    this.roundTimer = setInterval(() => { background(this.log, this.provideAll(), 'provide') }, this.init.provideIntervalMs)
    this.roundTimer.unref()
  }

  async stop (): Promise<void> {
    this.started = false
    this.c.announcer.removeEventListener('announced', this.onAnnounced)
    clearInterval(this.roundTimer)
    clearTimeout(this.headTimer)
    clearTimeout(this.soonTimer)
    this.headTimer = this.soonTimer = undefined
    this.soon.clear()
    this.controller.abort(new Error('the advertiser stopped'))
  }

  /** One provide round: every org we serve and hold a version of, in one batch (a round in progress is joined). */
  async provideAll (): Promise<void> {
    this.round ??= this.provideRound().finally(() => { this.round = undefined })
    await this.round
  }

  /**
   * An org newly held (a follow that synced): provide it with the next batch, at most
   * `headDebounceMs` later, not at the next round.
   */
  provideSoon (org: string): void {
    if (!this.started || this.providedOrgs.has(org)) return
    this.soon.add(org)
    this.soonTimer ??= setTimeout(() => {
      this.soonTimer = undefined
      const orgs = [...this.soon]
      this.soon.clear()
      background(this.log, this.provideMany(orgs), 'provide')
    }, this.init.headDebounceMs)
  }

  private async provideRound (): Promise<void> {
    const orgs: string[] = []
    for (const org of new Set(this.init.orgs())) if ((await this.c.store.head(org)) !== undefined) orgs.push(org)
    await this.provideMany(orgs)
  }

  /** provide `orgs`, `provideConcurrency` at a time */
  private async provideMany (orgs: string[]): Promise<void> {
    let next = 0
    const worker = async (): Promise<void> => {
      while (this.started && next < orgs.length) await this.provide(orgs[next++])
    }
    await Promise.all(Array.from({ length: Math.min(this.init.provideConcurrency, orgs.length) }, worker))
  }

  private async provide (org: string): Promise<void> {
    const signal = AbortSignal.any([this.controller.signal, AbortSignal.timeout(this.init.advertiseTimeoutMs)])
    await this.c.libp2p.contentRouting.provide(orgProviderCid(org), { signal }).then(() => {
      this.providedOrgs.add(org)
      this.provided.increment()
    }, (err: Error) => { this.log('provide %s: %s', org, err.message) })
  }

  /** Our own version was announced: put the head record at the end of the window, unless a put is already due. */
  private scheduleHead (): void {
    if (!this.started || this.headTimer !== undefined) return
    this.headTimer = setTimeout(() => {
      this.headTimer = undefined
      background(this.log, this.putHead(), 'put head')
    }, this.init.headDebounceMs)
  }

  /** Put our latest signed head in the DHT (one put at a time; it reads the head when it runs). */
  async putHead (): Promise<void> {
    this.putting = this.putting.then(async () => { await this.putHeadNow() })
    await this.putting
  }

  private async putHeadNow (): Promise<void> {
    const own = await this.c.announcer.ownAnnouncement()
    if (own === undefined || !this.started) return
    // the first version of our org: provide it now rather than at the next round
    if (!this.providedOrgs.has(this.init.org)) await this.provide(this.init.org)
    const record = encodeHeadRecord(own.bytes, (await this.c.store.rotations(this.init.org)).map(r => r.bytes))
    const signal = AbortSignal.any([this.controller.signal, AbortSignal.timeout(this.init.advertiseTimeoutMs)])
    await this.c.libp2p.contentRouting.put(headKey(this.init.org), record, { signal }).then(() => { this.heads.increment() }, (err: Error) => { this.log('put head: %s', err.message) })
  }

  /** Peers that provide an org's records, found through the DHT, their addresses kept. */
  async findProviders (org: string, options: { signal?: AbortSignal } = {}): Promise<PeerId[]> {
    const out: PeerId[] = []
    const signal = options.signal ?? AbortSignal.timeout(this.init.findTimeoutMs)
    try {
      for await (const p of this.c.libp2p.contentRouting.findProviders(orgProviderCid(org), { signal })) {
        if (p.id.equals(this.c.libp2p.peerId) || out.some(q => q.equals(p.id))) continue
        if (p.multiaddrs.length > 0) await this.c.libp2p.peerStore.merge(p.id, { multiaddrs: p.multiaddrs })
        out.push(p.id)
        if (out.length >= this.init.maxProviders) break
      }
    } catch (err) {
      this.log('no providers of %s: %s', org, (err as Error).message)
    }
    return out
  }

  /** An org's latest signed head from the DHT (NETWORK.md §4: the longest key chain, then the highest seq, wins). */
  async findHead (org: string, options: { signal?: AbortSignal } = {}): Promise<Announcement | undefined> {
    try {
      const v = await this.c.libp2p.contentRouting.get(headKey(org), { signal: options.signal ?? AbortSignal.timeout(this.init.findTimeoutMs) })
      return decodeHeadRecord(org, v).announcement
    } catch {
      return undefined
    }
  }
}

export function advertiser (init: AdvertiserInit): (components: AdvertiserComponents) => Advertiser {
  return (components) => new Advertiser(components, init)
}
