/**
 * Peers that break the protocol: each violation (bad gossip, malformed or oversized request,
 * unexpected block, rate limit) is counted per peer; past a threshold the peer is
 * disconnected and refused at the connection gater for a while. An honest peer under the
 * limits never gets here.
 */
import type { PeerId } from '@libp2p/interface'
import { logger } from '../logger.ts'

export interface ViolationsInit {
  /** the gater's live set of refused peer ids */
  blocked: Set<string>
  hangUp: (peer: PeerId) => Promise<void>
  /** violations before a peer is blocked (default 5) */
  threshold?: number
  /** how long a block lasts, ms (default 10 minutes) */
  blockMs?: number
}

export class Violations {
  private readonly init: ViolationsInit
  private readonly perPeer = new Map<string, number>()
  private readonly byCode: Record<string, number> = {}
  private blocks = 0
  private readonly log = logger('oosnet:node:violations')

  constructor (init: ViolationsInit) { this.init = init }

  report (peer: PeerId, code: string): void {
    const id = peer.toString()
    this.byCode[code] = (this.byCode[code] ?? 0) + 1
    const n = (this.perPeer.get(id) ?? 0) + 1
    this.perPeer.set(id, n)
    if (this.perPeer.size > 10_000) this.perPeer.delete(this.perPeer.keys().next().value as string)
    if (n >= (this.init.threshold ?? 5) && !this.init.blocked.has(id)) {
      this.blocks++
      this.init.blocked.add(id)
      this.log('blocking %s after %d violations (last: %s)', id, n, code)
      void this.init.hangUp(peer).catch(() => {})
      setTimeout(() => { this.init.blocked.delete(id); this.perPeer.delete(id) }, this.init.blockMs ?? 600_000).unref()
    }
  }

  stats (): { byCode: Record<string, number>, blocked: number, blockedNow: string[] } {
    return { byCode: { ...this.byCode }, blocked: this.blocks, blockedNow: [...this.init.blocked] }
  }
}
