/**
 * Peers that break the protocol: each violation (bad gossip, malformed or oversized request,
 * unexpected block, rate limit) is counted per peer; past a threshold the peer is
 * disconnected and refused at the connection gater for a while. An honest peer under the
 * limits never gets here. Each violation, block and unblock is told to `onEvent` listeners
 * (the audit log, node/audit.ts).
 */
import type { PeerId } from '@libp2p/interface'
import { logger, type ComponentLogger, type Logger } from '../logger.ts'

export interface ViolationsInit {
  /** the gater's live set of refused peer ids */
  blocked: Set<string>
  hangUp: (peer: PeerId) => Promise<void>
  /** violations before a peer is blocked (default 5) */
  threshold?: number
  /** how long a block lasts, ms (default 10 minutes) */
  blockMs?: number
  /** the node's loggers (default: `oosnet:node:violations`) */
  logger?: ComponentLogger
}

/** A violation counted against a peer, a block of the peer (`ban`) or the end of one (`unban`). */
export interface ViolationEvent {
  event: 'violation' | 'ban' | 'unban'
  peer: string
  /** the violation's code (for a ban: the last one) */
  code?: string
  /** the peer's violations so far */
  count?: number
}

export type ViolationListener = (e: ViolationEvent) => void

export class Violations {
  private readonly init: ViolationsInit
  private readonly perPeer = new Map<string, number>()
  private readonly byCode: Record<string, number> = {}
  private blocks = 0
  private readonly listeners = new Set<ViolationListener>()
  private readonly log: Logger

  constructor (init: ViolationsInit) {
    this.init = init
    this.log = init.logger?.forComponent('violations') ?? logger('oosnet:node:violations')
  }

  /** Be told of every violation, block and unblock (called synchronously). */
  onEvent (listener: ViolationListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  report (peer: PeerId, code: string): void {
    const id = peer.toString()
    this.byCode[code] = (this.byCode[code] ?? 0) + 1
    const n = (this.perPeer.get(id) ?? 0) + 1
    this.perPeer.set(id, n)
    if (this.perPeer.size > 10_000) this.perPeer.delete(this.perPeer.keys().next().value as string)
    this.emit({ event: 'violation', peer: id, code, count: n })
    if (n >= (this.init.threshold ?? 5) && !this.init.blocked.has(id)) {
      this.blocks++
      this.init.blocked.add(id)
      this.log('blocking %s after %d violations (last: %s)', id, n, code)
      this.emit({ event: 'ban', peer: id, code, count: n })
      void this.init.hangUp(peer).catch(() => {})
      setTimeout(() => {
        this.init.blocked.delete(id)
        this.perPeer.delete(id)
        this.emit({ event: 'unban', peer: id })
      }, this.init.blockMs ?? 600_000).unref()
    }
  }

  private emit (e: ViolationEvent): void {
    for (const l of this.listeners) {
      try { l(e) } catch (err) { this.log.error('listener failed: %e', err) }
    }
  }

  stats (): { byCode: Record<string, number>, blocked: number, blockedNow: string[] } {
    return { byCode: { ...this.byCode }, blocked: this.blocks, blockedNow: [...this.init.blocked] }
  }
}
