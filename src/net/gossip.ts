/**
 * Gossip (protocol/NETWORK.md §2): one gossipsub topic per org, `/oos/1/org/<did>`.
 * A message is DAG-CBOR with exactly one key:
 *   { announce: <signed announcement> }  a new head of the org (announce.ts)
 *   { record: <record bytes> }           a statement about the org's claims (endorsement,
 *                                        retraction, node binding, key rotation), ≤ 16 KiB
 *   { equivocation: <dag-cbor {org, seq, cids: [a, b]}> }
 *                                        two different signed versions of the org at one seq are
 *                                        held by the sender: fetch both (by CID, re-hashed, through
 *                                        the ingest door) and see for yourself
 * The topic validator checks form and signatures, then authority (gossip-authority.ts: the
 * signer must be a key of the org authorized at that point), before gossipsub forwards
 * anything: `reject` (the sender is at fault: bad bytes, bad signature, wrong topic, a key not
 * authorized) is counted against the peer that forwarded it, by the node (`onViolation`) and by
 * gossipsub's peer score (libp2p.ts); `ignore` is for what is valid but not wanted or not yet
 * judged, which is neither delivered as a message nor forwarded: an announcement too far
 * ahead, a key not known yet, an equivocation hint go to `onItem` as hints for the node to act on.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { isRecordCid } from '../records/cid.ts'
import { TopicValidatorResult, type Message } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'
import { logger } from '../logger.ts'
import { LIMITS } from '../records/constants.ts'
import { verifyBytes, type Verified } from '../records/verified.ts'
import { decodeAnnouncement, type Announcement } from './announce.ts'
import { AHEAD_WINDOW, authorize, type Knowledge, type Verdict } from './gossip-authority.ts'
import { scoreTopic, type OosLibp2p } from './libp2p.ts'

export const TOPIC_PREFIX = '/oos/1/org/'
export const MAX_GOSSIP_BYTES = LIMITS.maxStatementBytes + 1024
const GOSSIP_KINDS = new Set(['oos/endorsement', 'oos/retraction', 'oos/node-binding', 'oos/key-rotation'])

export const topicOf = (org: string): string => TOPIC_PREFIX + org

export interface EquivocationHint { org: string, seq: number, cids: [CID, CID] }

/**
 * What the topic validator let through. `ahead` marks an announcement that is only a hint
 * (NETWORK.md §2.2); `unknown-key` a message signed by a key the node does not know yet.
 */
export type GossipItem = { type: 'announce', announcement: Announcement, bytes: Uint8Array, ahead?: boolean }
  | { type: 'record', verified: Verified, bytes: Uint8Array }
  | { type: 'equivocation', hint: EquivocationHint }
  | { type: 'unknown-key', org: string, key: string, item: GossipItem }

export interface GossipInit {
  /**
   * Told of each accepted message (`from`: the peer that published it) and of each hint the
   * validator ignored but the node should act on: an announcement `ahead`, an `unknown-key`,
   * an `equivocation` (`from`: the peer that sent it to us, which is the one to answer for it).
   */
  onItem: (item: GossipItem, from: PeerId) => void
  onViolation?: (peer: PeerId, reason: string) => void
  /** what the node knows of an org's keys and chain (its store) */
  knowledge: Knowledge
  /** how far past the local head an announcement is trusted and forwarded (default AHEAD_WINDOW, 64) */
  aheadWindow?: number
}

export interface GossipComponents { libp2p: OosLibp2p }

export interface GossipStats { received: number, accepted: number, rejected: number, ignored: number, published: number }

/** Decode and check one gossip message for a topic; throws on anything invalid. */
export function checkGossip (topic: string, data: Uint8Array): GossipItem {
  if (data.length > MAX_GOSSIP_BYTES) throw new Error(`message of ${data.length} bytes`)
  const m = dagCbor.decode<Record<string, unknown>>(data)
  const keys = Object.keys(m ?? {})
  if (keys.length !== 1 || !(m[keys[0]] instanceof Uint8Array)) throw new Error('not {announce} or {record}')
  const org = topic.slice(TOPIC_PREFIX.length)
  const bytes = m[keys[0]] as Uint8Array
  if (keys[0] === 'announce') {
    const announcement = decodeAnnouncement(bytes)
    if (announcement.org !== org) throw new Error('announcement of another org on this topic')
    return { type: 'announce', announcement, bytes }
  }
  if (keys[0] === 'record') {
    const verified = verifyBytes(bytes)
    if (!GOSSIP_KINDS.has(verified.kind)) throw new Error(`${verified.kind} is not gossiped`)
    // an endorsement travels on the claim author's topic; a retraction on the topic of what it
    // withdraws (its own org's, or the author's of the claim it had endorsed), which only a
    // store can tell: the receiver's ingest door checks it
    const about = verified.rec.type === 'oos/endorsement' ? verified.rec.targetOrg : verified.rec.org
    if (verified.rec.type !== 'oos/retraction' && about !== org && verified.rec.org !== org) throw new Error('record about another org on this topic')
    return { type: 'record', verified, bytes }
  }
  if (keys[0] === 'equivocation') {
    const h = dagCbor.decode<Record<string, unknown>>(bytes)
    const cids = Array.isArray(h?.cids) ? h.cids.map(c => CID.asCID(c)) : []
    if (Object.keys(h).length !== 3 || h.org !== org || !Number.isSafeInteger(h.seq) || (h.seq as number) < 1 || cids.length !== 2 || cids.some(c => c === null || !isRecordCid(c)) || cids[0]?.equals(cids[1])) {
      throw new Error('malformed equivocation hint')
    }
    return { type: 'equivocation', hint: { org, seq: h.seq as number, cids: cids as [CID, CID] } }
  }
  throw new Error(`unknown message ${keys[0]}`)
}

export class Gossip {
  private readonly libp2p: OosLibp2p
  private readonly init: GossipInit
  private readonly topics = new Set<string>()
  private readonly checked = new Map<string, GossipItem>()
  private readonly log = logger('oosnet:net:gossip')
  private readonly counts: GossipStats = { received: 0, accepted: 0, rejected: 0, ignored: 0, published: 0 }
  private readonly onMessage = (evt: CustomEvent<Message>): void => { this.deliver(evt.detail) }

  constructor (components: GossipComponents, init: GossipInit) {
    this.libp2p = components.libp2p
    this.init = init
  }

  async start (): Promise<void> {
    this.libp2p.services.pubsub.addEventListener('message', this.onMessage)
  }

  async stop (): Promise<void> {
    this.libp2p.services.pubsub.removeEventListener('message', this.onMessage)
    for (const t of this.topics) this.unsubscribe(t.slice(TOPIC_PREFIX.length))
  }

  stats (): GossipStats { return { ...this.counts } }

  subscribe (org: string): void {
    const topic = topicOf(org)
    if (this.topics.has(topic)) return
    this.topics.add(topic)
    const pubsub = this.libp2p.services.pubsub
    pubsub.topicValidators.set(topic, async (from: PeerId, msg: Message) => await this.validate(from, msg))
    scoreTopic(pubsub, topic, true)
    pubsub.subscribe(topic)
  }

  unsubscribe (org: string): void {
    const topic = topicOf(org)
    if (!this.topics.delete(topic)) return
    this.libp2p.services.pubsub.unsubscribe(topic)
    this.libp2p.services.pubsub.topicValidators.delete(topic)
    scoreTopic(this.libp2p.services.pubsub, topic, false)
  }

  async announce (org: string, announcement: Uint8Array): Promise<void> {
    await this.publish(org, dagCbor.encode({ announce: announcement }))
  }

  async publishEquivocation (hint: EquivocationHint): Promise<void> {
    await this.publish(hint.org, dagCbor.encode({ equivocation: dagCbor.encode(hint) }))
  }

  async publishRecord (org: string, record: Uint8Array): Promise<void> {
    await this.publish(org, dagCbor.encode({ record }))
  }

  private async publish (org: string, data: Uint8Array): Promise<void> {
    this.counts.published++
    await this.libp2p.services.pubsub.publish(topicOf(org), data).catch((err: Error) => {
      this.log('publish on %s: %s', org, err.message)
    })
  }

  /** The door's authority verdict on a checked message, as of now (gossip-authority.ts). */
  async judge (item: GossipItem): Promise<Verdict> {
    return await authorize(item, this.init.knowledge, this.init.aheadWindow ?? AHEAD_WINDOW)
  }

  private async validate (from: PeerId, msg: Message): Promise<TopicValidatorResult> {
    this.counts.received++
    let item: GossipItem
    try {
      item = checkGossip(msg.topic, msg.data)
    } catch (err) {
      return this.reject(from, msg, 'BAD_GOSSIP', (err as Error).message)
    }
    let verdict: Verdict
    try {
      verdict = await this.judge(item)
    } catch (err) {
      // the node could not tell (its store failed): not the sender's fault
      verdict = { result: 'ignore', why: (err as Error).message }
    }
    switch (verdict.result) {
      case 'accept':
        this.checked.set(key(msg), item)
        if (this.checked.size > 1024) this.checked.delete(this.checked.keys().next().value as string)
        return TopicValidatorResult.Accept
      case 'reject':
        // a key outside its period, relayed by a peer that did not sign it: the relay may not
        // have seen the rotation yet; only the origin is charged (NETWORK.md §2.1)
        if (verdict.outdated === true && msg.type === 'signed' && !msg.from.equals(from)) {
          this.counts.ignored++
          this.log('ignored gossip relayed by %p from %p on %s: %s', from, msg.from, msg.topic, verdict.why)
          return TopicValidatorResult.Ignore
        }
        return this.reject(from, msg, verdict.code, verdict.why)
      default:
        this.counts.ignored++
        if (verdict.result === 'ahead' && item.type === 'announce') this.init.onItem({ ...item, ahead: true }, from)
        if (verdict.result === 'unknown-key') this.init.onItem({ type: 'unknown-key', org: verdict.org, key: verdict.key, item }, from)
        if (item.type === 'equivocation') this.init.onItem(item, from)
        return TopicValidatorResult.Ignore
    }
  }

  private reject (from: PeerId, msg: Message, code: string, why: string): TopicValidatorResult {
    this.counts.rejected++
    this.log('rejected gossip from %p on %s: %s %s', from, msg.topic, code, why)
    this.init.onViolation?.(from, code)
    return TopicValidatorResult.Reject
  }

  private deliver (msg: Message): void {
    if (!this.topics.has(msg.topic)) return
    const k = key(msg)
    const item = this.checked.get(k)
    this.checked.delete(k)
    if (item === undefined) return
    this.counts.accepted++
    const from = msg.type === 'signed' ? msg.from : undefined
    if (from !== undefined) this.init.onItem(item, from)
  }
}

function key (msg: Message): string {
  return msg.topic + ':' + Buffer.from(msg.data.subarray(-64)).toString('base64')
}

export function gossip (init: GossipInit): (components: GossipComponents) => Gossip {
  return (components) => new Gossip(components, init)
}
