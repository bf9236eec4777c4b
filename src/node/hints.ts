/**
 * Gossip the door did not trust but a node acts on (protocol/NETWORK.md §2.2): none of it is
 * forwarded, and it is checked with the org's own nodes (the peers of its latest node binding)
 * or with the peer that sent it, never taken on the sender's word.
 *
 * - An announcement too far ahead of the local head: sync from the org's bound peers.
 * - A message signed by a key the node does not know: learn the org's rotations from its bound
 *   peers, else from the sender, which must then show the rotation that brought its key in (one
 *   check per org at a time; a bound peer's answer stands for `recheckMs`); charge the sender
 *   (UNAUTHORIZED_KEY) if the key is still not one of the org's. If no bound peer answers,
 *   nobody is charged.
 * - An equivocation hint: sync the org's chain and fetch both versions from the sender; if they
 *   are not two versions of the org at that seq, the hint was false (BAD_GOSSIP).
 */
import type { Logger, PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { CID } from 'multiformats/cid'
import { isKnownKey, type KeyEpoch } from '../ingest/authority.ts'
import type { EquivocationHint } from '../net/gossip.ts'
import type { OosLibp2p } from '../net/libp2p.ts'
import type { Store } from '../store/store.ts'
import { boundPeers } from './reach.ts'
import type { ServiceComponents } from './services/service.ts'

export interface HintsComponents extends ServiceComponents {
  libp2p: OosLibp2p
  store: Store
  /** brings an org up to date from the peers given first */
  replicator: { update: (org: string, peers: PeerId[]) => Promise<unknown> }
  api: {
    sync: (peer: PeerId, org: string, options: { from: number, limit?: number, signal?: AbortSignal }) => Promise<unknown>
    fetch: (peer: PeerId, cids: CID[], options: { signal?: AbortSignal }) => Promise<unknown>
  }
}

export interface HintsInit {
  /** the org's key history as the store knows it */
  keysOf: (org: string) => Promise<KeyEpoch[]>
  /** count a violation against a peer */
  report: (peer: PeerId, code: string) => void
  /** after a check of an org's rotations, how long its result stands before another (ms, default 10 s) */
  recheckMs?: number
  /** most messages waiting for one org's check; more are dropped uncharged (default 1024) */
  maxWaiting?: number
}

export class Hints {
  private readonly c: HintsComponents
  private readonly init: HintsInit
  private readonly checks = new Map<string, { done: Promise<'bound' | 'sender' | 'none'>, waiting: number }>()
  private readonly checked = new Map<string, number>()
  private readonly log: Logger

  constructor (components: HintsComponents, init: HintsInit) {
    this.c = components
    this.init = init
    this.log = components.logger.forComponent('hints')
  }

  async start (): Promise<void> {}

  async stop (): Promise<void> {}

  /** The connected peers of the org's latest node binding (not this node). */
  async boundPeers (org: string): Promise<PeerId[]> {
    const me = this.c.libp2p.peerId.toString()
    const out: PeerId[] = []
    for (const p of await boundPeers(this.c.store, org)) {
      if (p === me) continue
      try {
        const id = peerIdFromString(p)
        if (this.c.libp2p.getConnections(id).length > 0) out.push(id)
      } catch {}
    }
    return out
  }

  /** An announcement too far ahead to trust: catch up from the org's own nodes, not from whoever sent it. */
  async ahead (org: string): Promise<void> {
    const bound = await this.boundPeers(org)
    if (bound.length > 0) await this.c.replicator.update(org, bound)
  }

  /**
   * A message of `org` signed by `key`, which the node does not know, came from `from`:
   * whether the key is one of the org's once its rotations are learned (then the caller takes
   * the message again, through the door); the sender is charged if it is not.
   */
  async unknownKey (org: string, key: string, from: PeerId): Promise<boolean> {
    if (!await this.learned(org, from)) return false
    if (isKnownKey(await this.init.keysOf(org), key)) return true
    this.log('%p sent a message of %s signed by %s, not a key of the org', from, org, key)
    this.init.report(from, 'UNAUTHORIZED_KEY')
    return false
  }

  /**
   * Whether the node now knows what it can of the org's rotations: a bound peer answered
   * (that result stands for `recheckMs`), or, with no bound peer connected, the sender was
   * asked to show them (answering or not: a sender that cannot show the rotation of its key
   * is the one at fault).
   */
  private async learned (org: string, from: PeerId): Promise<boolean> {
    const at = this.checked.get(org)
    if (at !== undefined && Date.now() - at < (this.init.recheckMs ?? 10_000)) return true
    let check = this.checks.get(org)
    if (check === undefined) {
      check = { done: this.learn(org, from), waiting: 0 }
      const c = check
      this.checks.set(org, c)
      c.done.then(r => { if (r === 'bound') this.checked.set(org, Date.now()) }, () => {}).finally(() => { if (this.checks.get(org) === c) this.checks.delete(org) })
    }
    if (++check.waiting > (this.init.maxWaiting ?? 1024)) return false
    return (await check.done.catch(() => 'none')) !== 'none'
  }

  /** Ask the org's bound peers, else `from`, for its rotations (a sync from past any head carries only those). */
  private async learn (org: string, from: PeerId): Promise<'bound' | 'sender' | 'none'> {
    const bound = await this.boundPeers(org)
    for (const peer of bound.length > 0 ? bound : [from]) {
      try {
        await this.c.api.sync(peer, org, { from: Number.MAX_SAFE_INTEGER, limit: 1, signal: AbortSignal.timeout(10_000) })
        return bound.length > 0 ? 'bound' : 'sender'
      } catch (err) {
        this.log('rotations of %s from %p: %s', org, peer, (err as Error).message)
      }
    }
    return bound.length > 0 ? 'none' : 'sender'
  }

  /** `from` says it holds two versions of the org at one seq: see for yourself. */
  async equivocation (hint: EquivocationHint, from: PeerId): Promise<void> {
    const { org, seq } = hint
    // the chain first (the versions before the conflict), then the two conflicting records
    await this.c.replicator.update(org, [from])
    const missing = []
    for (const c of hint.cids) if (!await this.c.store.has(c)) missing.push(c)
    if (missing.length > 0) {
      try {
        await this.c.api.fetch(from, missing, { signal: AbortSignal.timeout(20_000) })
      } catch (err) {
        this.log('fetching proof from %p: %s', from, (err as Error).message)
        // the sender is gone (it stopped or restarted after gossiping the hint): no verdict, an
        // honest peer is not charged for leaving (NETWORK.md §2.2); one still connected that
        // does not show the two versions is judged below
        if (this.c.libp2p.getConnections(from).length === 0) return
      }
    }
    // without the chain up to seq the door could not take a version at seq: no verdict
    if (((await this.c.store.head(org))?.seq ?? 0) < seq) return
    for (const c of hint.cids) {
      const rec = (await this.c.store.record(c))?.rec
      if (rec?.type !== 'oos/version' || rec.org !== org || rec.seq !== seq) {
        this.log('%p sent an equivocation hint of %s at %d it could not back: %s', from, org, seq, c)
        this.init.report(from, 'BAD_GOSSIP')
        return
      }
    }
  }
}

/** The hints as a node service (`init` as documented on HintsInit). */
export function hints (init: HintsInit): (components: HintsComponents) => Hints {
  return (components) => new Hints(components, init)
}
