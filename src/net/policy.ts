/**
 * Who may hold a connection to this node (NETWORK.md §8). libp2p's connection manager caps
 * the total; this policy, run from the connection gater, adds what a node open to strangers
 * needs so that throwaway identities cannot shut the honest network out:
 *
 * - per-address caps: at most `maxInboundPerIp` inbound connections from one IPv4 address
 *   (one IPv6 /64) and `maxInboundPerSubnet` from one IPv4 /24 (one IPv6 /48), checked on the
 *   remote address before any handshake;
 * - a rate: new inbound connections per address, a GCRA (`inboundRate`); and handshakes in
 *   progress: at most `maxPendingPerIp` per address, `maxPending` in all, so that a few
 *   addresses opening sockets that never finish the handshake cannot hold every pending slot;
 * - a reserve: unprivileged inbound connections are admitted only while the node holds fewer
 *   than `maxConnections − reserve`, so our own dials and privileged peers (followed orgs'
 *   bound peers, peers we dialled for a follow) always find a slot;
 * - eviction instead of refusal: at that mark a newcomer takes the slot of the oldest idle,
 *   unscored inbound connection (older than `idleGraceMs`, no stream but background ones,
 *   peer tag value 0); only when there is none is it refused.
 *
 * Addresses in `exempt` (default 127.0.0.1 and ::1: this host's own processes, which no remote
 * can spoof) skip the per-address caps and the rate; the reserve and eviction apply to all.
 */
import { BlockList, isIPv4 } from 'node:net'
import type { Connection, ConnectionGater, MultiaddrConnection, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { logger, type ComponentLogger, type Logger } from '../logger.ts'
import { Gcra, type Rate } from './reqresp/limits.ts'
import type { OosLibp2p } from './libp2p.ts'

export interface ConnectionPolicyInit {
  /** most connections in all (default 200); libp2p prunes the lowest-valued above it */
  maxConnections?: number
  /** slots kept for outbound dials and privileged peers (default a fifth of maxConnections: 40) */
  reserve?: number
  /** inbound connections from one IPv4 address or IPv6 /64 (default 8: a NAT with a few nodes behind it) */
  maxInboundPerIp?: number
  /** inbound connections from one IPv4 /24 or IPv6 /48 (default 32: one provider's block) */
  maxInboundPerSubnet?: number
  /** new inbound connections per address (default 1/s, burst 10) */
  inboundRate?: Rate
  /** inbound handshakes in progress from one address (default 2; an honest peer opens one) */
  maxPendingPerIp?: number
  /** inbound handshakes in progress in all (libp2p's maxIncomingPendingConnections; default 64) */
  maxPending?: number
  /**
   * an inbound connection younger than this is never evicted (default 2 s: an honest newcomer
   * opens its first stream within a round trip or two; a longer grace makes it cheaper to keep
   * every slot fresh: holding N slots takes N / grace new connections a second)
   */
  idleGraceMs?: number
  /** CIDRs exempt from the per-address caps and the rate (default 127.0.0.1/32 and ::1/128) */
  exempt?: string[]
}

export const CONNECTION_POLICY_DEFAULTS = {
  maxConnections: 200,
  reserve: 40,
  maxInboundPerIp: 8,
  maxInboundPerSubnet: 32,
  inboundRate: { rate: 1, burst: 10 },
  maxPendingPerIp: 2,
  maxPending: 64,
  idleGraceMs: 2_000,
  exempt: ['127.0.0.1/32', '::1/128']
} as const satisfies Required<ConnectionPolicyInit>

/** Protocols every peer runs in the background: a connection carrying only these is idle. */
const BACKGROUND = /^\/(ipfs\/(id|id\/push|ping)\/|meshsub\/|floodsub\/|oos\/kad\/)/

export interface PolicyStats {
  /** inbound connections refused, by reason */
  refused: { rate: number, pending: number, ip: number, subnet: number, full: number, blocked: number }
  /** idle inbound connections closed to make room for a newcomer */
  evicted: number
}

interface Entry { ip: string, subnet: string, pending: boolean }

/** The per-address keys of a remote address: its IP (v6: /64) and its subnet (v4 /24, v6 /48). */
export function addressKeys (addr: Multiaddr): { ip: string, subnet: string, host: string } | undefined {
  const c = addr.getComponents()[0]
  if (c === undefined || (c.name !== 'ip4' && c.name !== 'ip6') || c.value === undefined) return undefined
  let host = c.value
  if (c.name === 'ip6') host = unmapIPv4(host)
  if (isIPv4(host)) return { host, ip: host, subnet: host.split('.').slice(0, 3).join('.') + '.0/24' }
  const groups = expandIPv6(host)
  return { host, ip: groups.slice(0, 4).join(':') + '::/64', subnet: groups.slice(0, 3).join(':') + '::/48' }
}

/** An IPv4-mapped IPv6 address (::ffff:a.b.c.d, or its hex form ::ffff:XXXX:XXXX) as IPv4. */
function unmapIPv4 (host: string): string {
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host)
  if (dotted !== null) return dotted[1]
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(host)
  if (hex === null) return host
  const [hi, lo] = [parseInt(hex[1], 16), parseInt(hex[2], 16)]
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`
}

function expandIPv6 (host: string): string[] {
  const [head, tail] = host.split('::') as [string, string | undefined]
  const a = head === '' ? [] : head.split(':')
  const b = tail === undefined || tail === '' ? [] : tail.split(':')
  const fill = tail === undefined ? [] : new Array(8 - a.length - b.length).fill('0')
  return [...a, ...fill, ...b].map(g => g.toLowerCase().replace(/^0+(?=.)/, ''))
}

export class ConnectionPolicy {
  readonly init: Required<ConnectionPolicyInit>
  private readonly blocked: Set<string>
  private readonly privileged: (peer: PeerId) => boolean
  private readonly rate: Gcra
  private readonly exempt = new BlockList()
  /** inbound raw connections admitted at the address check, until their socket closes */
  private readonly inbound = new Map<MultiaddrConnection, Entry>()
  /** of those, the ones past the peer check: counted at once, before libp2p lists them */
  private readonly admitted = new Set<MultiaddrConnection>()
  private readonly perIp = new Map<string, number>()
  private readonly pendingPerIp = new Map<string, number>()
  private readonly perSubnet = new Map<string, number>()
  private readonly evicting = new Set<string>()
  private libp2p?: OosLibp2p
  private readonly counts: PolicyStats = { refused: { rate: 0, pending: 0, ip: 0, subnet: 0, full: 0, blocked: 0 }, evicted: 0 }
  private readonly log: Logger

  /**
   * `blocked`: peer ids refused outright (the violations' live set); `privileged`: peers
   * admitted into the reserve and never evicted.
   */
  constructor (init: ConnectionPolicyInit = {}, components: { blocked?: Set<string>, privileged?: (peer: PeerId) => boolean, logger?: ComponentLogger } = {}) {
    this.log = components.logger?.forComponent('policy') ?? logger('oosnet:net:policy')
    const given = Object.fromEntries(Object.entries(init).filter(([, v]) => v !== undefined))
    const max = (given.maxConnections as number | undefined) ?? CONNECTION_POLICY_DEFAULTS.maxConnections
    this.init = { ...CONNECTION_POLICY_DEFAULTS, reserve: Math.floor(max / 5), ...given }
    if (!(this.init.reserve >= 0 && this.init.reserve < this.init.maxConnections)) throw new RangeError(`reserve must be from 0 to maxConnections - 1, not ${this.init.reserve}`)
    this.blocked = components.blocked ?? new Set()
    this.privileged = components.privileged ?? (() => false)
    this.rate = new Gcra(this.init.inboundRate)
    for (const cidr of this.init.exempt) {
      const [net, bits] = cidr.split('/')
      const type = isIPv4(net) ? 'ipv4' : 'ipv6'
      this.exempt.addSubnet(net, Number(bits ?? (type === 'ipv4' ? 32 : 128)), type)
    }
  }

  /** The node whose connections are counted (after createLibp2p). */
  attach (libp2p: OosLibp2p): void { this.libp2p = libp2p }

  stats (): PolicyStats & { inbound: number } {
    return { refused: { ...this.counts.refused }, evicted: this.counts.evicted, inbound: this.inbound.size }
  }

  /** The gater hooks of this policy (libp2p calls them; true means deny). */
  gater (): ConnectionGater {
    const blocked = (p: PeerId): boolean => {
      if (!this.blocked.has(p.toString())) return false
      this.counts.refused.blocked++
      return true
    }
    return {
      denyDialPeer: (p) => this.blocked.has(p.toString()),
      denyOutboundEncryptedConnection: (p) => this.blocked.has(p.toString()),
      denyInboundConnection: (maConn) => !this.admitAddress(maConn),
      denyInboundEncryptedConnection: async (p, maConn) => {
        if (blocked(p)) { this.handshaken(maConn); return true }
        return !await this.admitPeer(p, maConn)
      }
    }
  }

  /** Before the handshake: the rate and the per-address caps. */
  private admitAddress (maConn: MultiaddrConnection): boolean {
    const keys = addressKeys(maConn.remoteAddr)
    if (keys === undefined) return true
    const entry = { ip: keys.ip, subnet: keys.subnet, pending: true }
    if (!this.exempt.check(keys.host, isIPv4(keys.host) ? 'ipv4' : 'ipv6')) {
      if (!this.rate.allows(keys.ip)) return this.refuse('rate', maConn)
      this.rate.take(keys.ip)
      if ((this.pendingPerIp.get(keys.ip) ?? 0) >= this.init.maxPendingPerIp) return this.refuse('pending', maConn)
      if ((this.perIp.get(keys.ip) ?? 0) >= this.init.maxInboundPerIp) return this.refuse('ip', maConn)
      if ((this.perSubnet.get(keys.subnet) ?? 0) >= this.init.maxInboundPerSubnet) return this.refuse('subnet', maConn)
    } else {
      entry.ip = entry.subnet = '' // exempt: not counted against any address
    }
    this.track(maConn, entry)
    return true
  }

  private refuse (why: keyof PolicyStats['refused'], maConn: MultiaddrConnection): false {
    this.counts.refused[why]++
    this.log('refused %a: %s', maConn.remoteAddr, why)
    return false
  }

  private track (maConn: MultiaddrConnection, entry: Entry): void {
    this.inbound.set(maConn, entry)
    bump(this.perIp, entry.ip, 1)
    bump(this.perSubnet, entry.subnet, 1)
    bump(this.pendingPerIp, entry.ip, 1)
    maConn.addEventListener('close', () => {
      this.admitted.delete(maConn)
      this.handshaken(maConn)
      if (!this.inbound.delete(maConn)) return
      bump(this.perIp, entry.ip, -1)
      bump(this.perSubnet, entry.subnet, -1)
    }, { once: true })
  }

  /** After the handshake, the peer known: the reserve, making room by evicting an idle peer. */
  private async admitPeer (peer: PeerId, maConn: MultiaddrConnection): Promise<boolean> {
    if (this.libp2p === undefined || this.privileged(peer)) return this.admit(maConn)
    // inbound counted from our own set, so that handshakes finishing together cannot overshoot
    const outbound = this.libp2p.getConnections().filter(c => c.direction === 'outbound').length
    if (outbound + this.admitted.size < this.init.maxConnections - this.init.reserve) return this.admit(maConn)
    const victim = await this.idlest(peer)
    if (victim === undefined) { this.handshaken(maConn); return this.refuse('full', maConn) }
    this.counts.evicted++
    this.log('evicting idle %p (%a) for %p', victim.remotePeer, victim.remoteAddr, peer)
    this.evicting.add(victim.id)
    victim.abort(new Error('evicted: an idle connection made room for a new peer'))
    setTimeout(() => this.evicting.delete(victim.id), 5_000).unref()
    return this.admit(maConn)
  }

  private admit (maConn: MultiaddrConnection): true {
    this.handshaken(maConn)
    if (maConn.status === 'open') this.admitted.add(maConn)
    return true
  }

  /** The handshake of `maConn` is over (admitted, refused or closed): no longer pending. */
  private handshaken (maConn: MultiaddrConnection): void {
    const entry = this.inbound.get(maConn)
    if (entry?.pending !== true) return
    entry.pending = false
    bump(this.pendingPerIp, entry.ip, -1)
  }

  /** The oldest inbound connection that is idle and unscored, if any (never `newcomer`'s). */
  async idlest (newcomer?: PeerId): Promise<Connection | undefined> {
    const now = Date.now()
    const candidates = (this.libp2p?.getConnections() ?? [])
      .filter(c => c.direction === 'inbound' && c.status === 'open' && !this.evicting.has(c.id) &&
        now - c.timeline.open >= this.init.idleGraceMs &&
        newcomer?.equals(c.remotePeer) !== true && !this.privileged(c.remotePeer) &&
        c.streams.every(s => BACKGROUND.test(s.protocol ?? '')))
      .sort((a, b) => a.timeline.open - b.timeline.open)
    for (const c of candidates) {
      const tags = await this.libp2p?.peerStore.get(c.remotePeer).then(p => [...p.tags.values()], () => [])
      if ((tags ?? []).every(t => t.value <= 0) && c.status === 'open' && !this.evicting.has(c.id)) return c
    }
    return undefined
  }
}

function bump (m: Map<string, number>, k: string, d: number): void {
  if (k === '') return
  const n = (m.get(k) ?? 0) + d
  if (n <= 0) m.delete(k); else m.set(k, n)
}
