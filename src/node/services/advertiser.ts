/**
 * The DHT side of a node (protocol/NETWORK.md §4): it provides every org it serves (its own
 * and those it follows, once it holds a version) and puts its own org's signed head there,
 * with the rotations a reader needs to check it. It does so at start and after each
 * announcement of our head; it also finds an org's providers and latest head for others.
 */
import type { Counter, Logger, PeerId } from '@libp2p/interface'
import type { Announcement } from '../../net/announce.ts'
import { decodeHeadRecord, encodeHeadRecord, headKey, orgProviderCid } from '../../net/dht.ts'
import type { OosLibp2p } from '../../net/libp2p.ts'
import type { Store } from '../../store/store.ts'
import type { Announcer } from './announcer.ts'
import { background, counter, type ServiceComponents } from './service.ts'

export interface AdvertiserInit {
  /** our org's did */
  org: string
  /** the orgs this node serves: its own and those it follows */
  orgs: () => string[]
  /** one round of provide + put (default 20 s) */
  advertiseTimeoutMs?: number
  /** a lookup of providers or of a head, unless the caller's signal says otherwise (default 10 s) */
  findTimeoutMs?: number
  /** most providers returned by one lookup (default 5) */
  maxProviders?: number
}

export interface AdvertiserComponents extends ServiceComponents {
  libp2p: Pick<OosLibp2p, 'contentRouting' | 'peerId' | 'peerStore'>
  store: Pick<Store, 'head' | 'rotations'>
  announcer: Pick<Announcer, 'ownAnnouncement' | 'addEventListener' | 'removeEventListener'>
}

export class Advertiser {
  private readonly c: AdvertiserComponents
  private readonly init: AdvertiserInit
  private readonly log: Logger
  private readonly provided: Counter
  private readonly heads: Counter
  private started = false
  private readonly onAnnounced = (): void => { background(this.log, this.advertise(), 'advertise') }

  constructor (components: AdvertiserComponents, init: AdvertiserInit) {
    this.c = components
    this.init = init
    this.log = components.logger.forComponent('advertiser')
    this.provided = counter(components.metrics, 'oosnet_advertiser_provided_total', 'provider records put in the DHT')
    this.heads = counter(components.metrics, 'oosnet_advertiser_heads_total', 'signed head records put in the DHT')
  }

  async start (): Promise<void> {
    this.started = true
    this.c.announcer.addEventListener('announced', this.onAnnounced)
  }

  /** The first round once every service runs (our head may need the node binding the binder signs). */
  async afterStart (): Promise<void> {
    background(this.log, this.advertise(), 'advertise')
  }

  async stop (): Promise<void> {
    this.started = false
    this.c.announcer.removeEventListener('announced', this.onAnnounced)
  }

  /** Provide every org we serve in the DHT and put our own signed head there. */
  async advertise (options: { signal?: AbortSignal } = {}): Promise<void> {
    const signal = options.signal ?? AbortSignal.timeout(this.init.advertiseTimeoutMs ?? 20_000)
    for (const org of this.init.orgs()) {
      if (!this.started) return
      if ((await this.c.store.head(org)) === undefined) continue
      await this.c.libp2p.contentRouting.provide(orgProviderCid(org), { signal }).then(() => { this.provided.increment() }, (err: Error) => { this.log('provide %s: %s', org, err.message) })
    }
    const own = await this.c.announcer.ownAnnouncement()
    if (own !== undefined && this.started) {
      const record = encodeHeadRecord(own.bytes, (await this.c.store.rotations(this.init.org)).map(r => r.bytes))
      await this.c.libp2p.contentRouting.put(headKey(this.init.org), record, { signal }).then(() => { this.heads.increment() }, (err: Error) => { this.log('put head: %s', err.message) })
    }
  }

  /** Peers that provide an org's records, found through the DHT, their addresses kept. */
  async findProviders (org: string, options: { signal?: AbortSignal } = {}): Promise<PeerId[]> {
    const out: PeerId[] = []
    const signal = options.signal ?? AbortSignal.timeout(this.init.findTimeoutMs ?? 10_000)
    try {
      for await (const p of this.c.libp2p.contentRouting.findProviders(orgProviderCid(org), { signal })) {
        if (p.id.equals(this.c.libp2p.peerId) || out.some(q => q.equals(p.id))) continue
        if (p.multiaddrs.length > 0) await this.c.libp2p.peerStore.merge(p.id, { multiaddrs: p.multiaddrs })
        out.push(p.id)
        if (out.length >= (this.init.maxProviders ?? 5)) break
      }
    } catch (err) {
      this.log('no providers of %s: %s', org, (err as Error).message)
    }
    return out
  }

  /** An org's latest signed head from the DHT (NETWORK.md §4: the longest key chain, then the highest seq, wins). */
  async findHead (org: string, options: { signal?: AbortSignal } = {}): Promise<Announcement | undefined> {
    try {
      const v = await this.c.libp2p.contentRouting.get(headKey(org), { signal: options.signal ?? AbortSignal.timeout(this.init.findTimeoutMs ?? 10_000) })
      return decodeHeadRecord(org, v).announcement
    } catch {
      return undefined
    }
  }
}

export function advertiser (init: AdvertiserInit): (components: AdvertiserComponents) => Advertiser {
  return (components) => new Advertiser(components, init)
}
