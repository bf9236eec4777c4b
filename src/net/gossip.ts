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
 * and, on the org's inline topic (gossip-inline.ts, NETWORK.md §2.5), `{ version }` (a version
 * up to 64 KiB, whole) or `{ announce }` (a larger one: sync it).
 * The topic validator (NETWORK.md §2.1) checks each message once, and the node acts on that
 * check: a record already held is ignored before any signature is checked (its CID is the
 * store's key); a new one is verified by the ingest door's `verify` (its worker threads, when
 * it has any: not on the main thread), and the accepted `Verified` goes to the door's
 * `ingestVerified`, which does not verify it again. Then authority (gossip-authority.ts: the
 * signer must be a key of the org authorized at that point), before gossipsub forwards
 * anything: `reject` (the sender is at fault: bad bytes, bad signature, wrong topic, a key not
 * authorized) is counted against the peer that forwarded it, by the node (`onViolation`) and by
 * gossipsub's peer score (libp2p.ts); `ignore` is for what is valid but not wanted (a record
 * held already, an announcement at or below the head held, a topic no longer followed) or not
 * yet judged, which is neither delivered as a message nor forwarded: an announcement too far
 * ahead, a key not known yet, an equivocation hint go to `onItem` as hints for the node to act on.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { cidBytesOf, isRecordCid } from '../records/cid.ts'
import { TopicValidatorResult, type Message } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'
import { OosError } from '../errors.ts'
import { logger, type ComponentLogger, type Logger } from '../logger.ts'
import { LIMITS } from '../records/constants.ts'
import { verifyBytes, type Verified } from '../records/verified.ts'
import { verify as verifySignature } from '../identity/index.ts'
import { readAnnouncement, type Announcement, type UncheckedAnnouncement } from './announce.ts'
import { AHEAD_WINDOW, authorize, type Knowledge, type OrgKnowledge, type Verdict } from './gossip-authority.ts'
import { BadAnnouncementError, BadGossipError } from './errors.ts'
import { forgetSeen, scoreTopic, type OosLibp2p } from './libp2p.ts'
import { checkVersion, INLINE_LIMIT, INLINE_PREFIX, inlineTopicOf, MAX_INLINE_MESSAGE_BYTES } from './gossip-inline.ts'

export const TOPIC_PREFIX = '/oos/1/org/'
export const MAX_GOSSIP_BYTES = LIMITS.maxStatementBytes + 1024
const GOSSIP_KINDS = new Set(['oos/endorsement', 'oos/retraction', 'oos/node-binding', 'oos/key-rotation'])
/** failures of the checking machinery, not of the bytes: nobody is charged (the pool stopped, a worker kept dying) */
const NOT_JUDGED = new Set(['ABORTED', 'NOT_STARTED', 'WORKER_FAILED', 'INTERNAL'])

export const topicOf = (org: string): string => TOPIC_PREFIX + org
/** The org of an org topic or an inline topic. */
const orgOf = (topic: string): string => topic.startsWith(INLINE_PREFIX) ? topic.slice(INLINE_PREFIX.length) : topic.slice(TOPIC_PREFIX.length)

export interface EquivocationHint { org: string, seq: number, cids: [CID, CID] }

/**
 * What the topic validator let through. `ahead` marks an announcement (or inline version) that
 * is only a hint (NETWORK.md §2.2); `inline` an announcement that came on the inline topic (no
 * inline copy of that version is coming); `unknown-key` a message signed by a key the node
 * does not know yet.
 */
export type GossipItem = { type: 'announce', announcement: Announcement, bytes: Uint8Array, ahead?: boolean, inline?: boolean }
  | { type: 'version', verified: Verified, ahead?: boolean }
  | { type: 'record', verified: Verified, bytes: Uint8Array }
  | { type: 'equivocation', hint: EquivocationHint }
  | { type: 'unknown-key', org: string, key: string, item: GossipItem }

/** A message's envelope, read but not yet verified. */
export type Envelope = { type: 'announce', org: string, bytes: Uint8Array }
  | { type: 'version', org: string, bytes: Uint8Array }
  | { type: 'record', org: string, bytes: Uint8Array }
  | { type: 'equivocation', hint: EquivocationHint }

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
  /**
   * Verify a record's bytes (default: `verifyBytes` on this thread). A node passes its ingest
   * door's `verify`, which uses the door's worker threads and clock, and hands the result to
   * `ingestVerified` (the record is verified once).
   */
  verify?: (bytes: Uint8Array) => Promise<Verified>
  /** Check an announcement's signature (default: on this thread); a node passes its ingest door's `verifySignature` (its workers) */
  verifySignature?: (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => Promise<boolean>
  /** Whether the node holds this record already (its store): such a record is ignored before any signature is checked (default: never) */
  has?: (cid: CID) => Promise<boolean>
}

/** `logger`: the node's (its gossip logs as `oosnet:<node>:gossip`); default the global `oosnet:net:gossip` */
export interface GossipComponents { libp2p: OosLibp2p, logger?: ComponentLogger }

/** Why messages were ignored (NETWORK.md §2.1): counts by reason */
export interface IgnoredBy {
  /** a record the node holds already */
  held: number
  /** an announcement at or below the node's head of the org */
  stale: number
  /** on a topic the node no longer follows */
  unfollowed: number
  /** authority could not judge it yet, or it is a hint (gossip-authority.ts) */
  authority: number
  /** the checking machinery failed (the pool stopped, a worker kept dying): nobody's fault */
  unchecked: number
}

export interface GossipStats { received: number, accepted: number, rejected: number, ignored: number, published: number, ignoredBy: IgnoredBy }

/** Read the envelope of one gossip message for a topic (no signature checked); throws BAD_GOSSIP on anything malformed. */
export function readEnvelope (topic: string, data: Uint8Array): Envelope {
  const inline = topic.startsWith(INLINE_PREFIX)
  if (data.length > (inline ? MAX_INLINE_MESSAGE_BYTES : MAX_GOSSIP_BYTES)) throw new BadGossipError(`message of ${data.length} bytes`)
  let m: Record<string, unknown>
  try {
    m = dagCbor.decode<Record<string, unknown>>(data)
  } catch (err) {
    throw new BadGossipError(`not DAG-CBOR: ${(err as Error).message}`)
  }
  const keys = Object.keys(m ?? {})
  if (keys.length !== 1 || !(m[keys[0]] instanceof Uint8Array)) throw new BadGossipError('not {announce}, {record} or {equivocation}')
  const org = orgOf(topic)
  const bytes = m[keys[0]] as Uint8Array
  if (inline) {
    if (keys[0] === 'version') return { type: 'version', org, bytes }
    if (keys[0] === 'announce') return { type: 'announce', org, bytes }
    throw new BadGossipError(`unknown inline message ${keys[0]}`)
  }
  if (keys[0] === 'announce') return { type: 'announce', org, bytes }
  if (keys[0] === 'record') return { type: 'record', org, bytes }
  if (keys[0] === 'equivocation') {
    let h: Record<string, unknown>
    try { h = dagCbor.decode<Record<string, unknown>>(bytes) } catch { throw new BadGossipError('malformed equivocation hint') }
    const cids = Array.isArray(h?.cids) ? h.cids.map(c => CID.asCID(c)) : []
    if (h === null || typeof h !== 'object' || Object.keys(h).length !== 3 || h.org !== org || !Number.isSafeInteger(h.seq) || (h.seq as number) < 1 || cids.length !== 2 || cids.some(c => c === null || !isRecordCid(c)) || cids[0]?.equals(cids[1])) {
      throw new BadGossipError('malformed equivocation hint')
    }
    return { type: 'equivocation', hint: { org, seq: h.seq as number, cids: cids as [CID, CID] } }
  }
  throw new BadGossipError(`unknown message ${keys[0]}`)
}

/** An announcement of the topic's org, read and checked in form (its signature not yet); throws BAD_ANNOUNCEMENT or BAD_GOSSIP. */
export function readOnTopic (org: string, bytes: Uint8Array): UncheckedAnnouncement {
  const a = readAnnouncement(bytes)
  if (a.announcement.org !== org) throw new BadGossipError('announcement of another org on this topic')
  return a
}

/** The announcement as a gossip item once its signature was checked (`valid`); throws BAD_ANNOUNCEMENT if it does not verify. */
export function announcementItem (a: UncheckedAnnouncement, bytes: Uint8Array, valid: boolean, inline = false): GossipItem {
  if (!valid) throw new BadAnnouncementError('bad signature')
  return { type: 'announce', announcement: a.announcement, bytes, ...(inline ? { inline } : {}) }
}

/** A verified record's kind and topic: gossiped kinds only, on the topic of the org it is about; throws BAD_GOSSIP. */
export function checkRecord (org: string, verified: Verified): GossipItem {
  if (!GOSSIP_KINDS.has(verified.kind)) throw new BadGossipError(`${verified.kind} is not gossiped`)
  // an endorsement travels on the claim author's topic; a retraction on the topic of what it
  // withdraws (its own org's, or the author's of the claim it had endorsed), which only a
  // store can tell: the receiver's ingest door checks it
  const about = verified.rec.type === 'oos/endorsement' ? verified.rec.targetOrg : verified.rec.org
  if (verified.rec.type !== 'oos/retraction' && about !== org && verified.rec.org !== org) throw new BadGossipError('record about another org on this topic')
  return { type: 'record', verified, bytes: verified.bytes }
}

/** Decode and check one gossip message for a topic, on this thread (for tools and tests; the validator verifies records through `GossipInit.verify`); throws a typed error. */
export function checkGossip (topic: string, data: Uint8Array): GossipItem {
  const env = readEnvelope(topic, data)
  if (env.type === 'announce') {
    const a = readOnTopic(env.org, env.bytes)
    return announcementItem(a, env.bytes, verifySignature(a.publicKey, a.message, a.sig), topic.startsWith(INLINE_PREFIX))
  }
  if (env.type === 'record') return checkRecord(env.org, verifyBytes(env.bytes))
  if (env.type === 'version') return { type: 'version', verified: checkVersion(env.org, verifyBytes(env.bytes)) }
  return env
}

export class Gossip {
  private readonly libp2p: OosLibp2p
  private readonly init: GossipInit
  private readonly topics = new Set<string>()
  /** what the validator accepted, until gossipsub delivers it: it delivers the very Message object it validated */
  private readonly checked = new WeakMap<Message, GossipItem>()
  private readonly log: Logger
  private readonly counts: GossipStats = { received: 0, accepted: 0, rejected: 0, ignored: 0, published: 0, ignoredBy: { held: 0, stale: 0, unfollowed: 0, authority: 0, unchecked: 0 } }
  private readonly verify: (bytes: Uint8Array) => Promise<Verified>
  private readonly has: (cid: CID) => Promise<boolean>
  private readonly verifySig: (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => Promise<boolean>
  private readonly onMessage = (evt: CustomEvent<Message>): void => { this.deliver(evt.detail) }

  constructor (components: GossipComponents, init: GossipInit) {
    this.log = components.logger?.forComponent('gossip') ?? logger('oosnet:net:gossip')
    this.libp2p = components.libp2p
    this.init = init
    this.verify = init.verify ?? (async (bytes) => verifyBytes(bytes))
    this.has = init.has ?? (async () => false)
    this.verifySig = init.verifySignature ?? (async (k, m, s) => verifySignature(k, m, s))
  }

  async start (): Promise<void> {
    this.libp2p.services.pubsub.addEventListener('message', this.onMessage)
  }

  async stop (): Promise<void> {
    this.libp2p.services.pubsub.removeEventListener('message', this.onMessage)
    for (const t of this.topics) if (!t.startsWith(INLINE_PREFIX)) this.unsubscribe(orgOf(t))
  }

  stats (): GossipStats { return { ...this.counts, ignoredBy: { ...this.counts.ignoredBy } } }

  /** Subscribe to an org's topic and its inline topic (NETWORK.md §2.5). */
  subscribe (org: string): void {
    for (const topic of [topicOf(org), inlineTopicOf(org)]) {
      if (this.topics.has(topic)) continue
      this.topics.add(topic)
      const pubsub = this.libp2p.services.pubsub
      pubsub.topicValidators.set(topic, async (from: PeerId, msg: Message) => await this.validate(from, msg))
      scoreTopic(pubsub, topic, true)
      pubsub.subscribe(topic)
    }
  }

  unsubscribe (org: string): void {
    for (const topic of [topicOf(org), inlineTopicOf(org)]) {
      if (!this.topics.delete(topic)) continue
      // the validator stays: what peers still send on the topic is ignored, not taken as valid (NETWORK.md §2.1)
      this.libp2p.services.pubsub.unsubscribe(topic)
      scoreTopic(this.libp2p.services.pubsub, topic, false)
    }
  }

  /**
   * A new version of an org (NETWORK.md §2.5): up to INLINE_LIMIT bytes it goes whole on the
   * inline topic, a larger one is announced there; then it is announced on the org topic, for
   * the nodes that only know that one. The inline message goes first: a peer that holds the
   * version when the announcement comes in finds it stale. `announcement` is asked for after
   * an inline copy went out, so that signing it does not delay the copy.
   */
  async publishVersion (org: string, version: Uint8Array, announcement: () => Uint8Array): Promise<void> {
    const ann = version.length <= INLINE_LIMIT ? undefined : announcement()
    await this.publish(org, dagCbor.encode(ann === undefined ? { version } : { announce: ann }), inlineTopicOf(org))
    await this.announce(org, ann ?? announcement())
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

  /**
   * Publish on an org's topic. The message id is the content's (libp2p.ts `msgIdFn`), so a
   * message sent before (a welcome to a new subscriber re-sends the binding and head) is one
   * gossipsub remembers: it is forgotten first, else gossipsub refuses it as a duplicate. Peers
   * that saw it drop it unread.
   */
  private async publish (org: string, data: Uint8Array, topic = topicOf(org)): Promise<void> {
    this.counts.published++
    forgetSeen(this.libp2p.services.pubsub, topic, data)
    await this.libp2p.services.pubsub.publish(topic, data).catch((err: Error) => {
      this.log('publish on %s: %s', org, err.message)
    })
  }

  /** The door's authority verdict on a checked message, as of now (gossip-authority.ts). */
  async judge (item: GossipItem): Promise<Verdict> {
    return (await this.judged(item)).verdict
  }

  /** The verdict, with what the node knew of the org it was judged against. */
  private async judged (item: GossipItem): Promise<{ verdict: Verdict, known?: OrgKnowledge }> {
    let known: OrgKnowledge | undefined
    const know: Knowledge = async (org) => (known = await this.init.knowledge(org))
    return { verdict: await authorize(item, know, this.init.aheadWindow ?? AHEAD_WINDOW), known }
  }

  private async validate (from: PeerId, msg: Message): Promise<TopicValidatorResult> {
    this.counts.received++
    if (!this.topics.has(msg.topic)) return this.ignore(from, msg, 'unfollowed', 'a topic not followed')
    let item: GossipItem
    try {
      const env = readEnvelope(msg.topic, msg.data)
      if (env.type === 'record') {
        // the store's key: a record held already costs a hash, not a signature check
        if (await this.has(CID.decode(cidBytesOf(env.bytes)))) return this.ignore(from, msg, 'held', 'a record held already')
        item = checkRecord(env.org, await this.verify(env.bytes))
      } else if (env.type === 'version') {
        // as a record: held already costs a hash; else verified once, on the door's workers
        if (await this.has(CID.decode(cidBytesOf(env.bytes)))) return this.ignore(from, msg, 'held', 'a version held already')
        item = { type: 'version', verified: checkVersion(env.org, await this.verify(env.bytes)) }
      } else if (env.type === 'announce') {
        const a = readOnTopic(env.org, env.bytes)
        // at or below the head held: ignored before its signature is checked (NETWORK.md §2.1),
        // as a held record is; every follower gets each version's announcement right after its
        // inline copy, and this spares each of them a verification per version
        if (a.announcement.seq <= (await this.init.knowledge(env.org)).head) return this.ignore(from, msg, 'stale', `announcement of version ${a.announcement.seq}, at or below the head held`)
        item = announcementItem(a, env.bytes, await this.verifySig(a.publicKey, a.message, a.sig), msg.topic.startsWith(INLINE_PREFIX))
      } else {
        item = env
      }
    } catch (err) {
      const code = err instanceof OosError ? err.code : 'INTERNAL'
      if (NOT_JUDGED.has(code)) return this.ignore(from, msg, 'unchecked', (err as Error).message)
      return this.reject(from, msg, 'BAD_GOSSIP', `${code}: ${(err as Error).message}`)
    }
    let verdict: Verdict
    let known: OrgKnowledge | undefined
    try {
      ({ verdict, known } = await this.judged(item))
    } catch (err) {
      // the node could not tell (its store failed): not the sender's fault
      verdict = { result: 'ignore', why: (err as Error).message }
    }
    switch (verdict.result) {
      case 'accept':
        // valid, but the node holds that version or a later one: nothing to fetch, nothing to forward
        if (known !== undefined && seqOf(item) <= known.head) return this.ignore(from, msg, 'stale', `version ${seqOf(item)} is at or below the head held`)
        this.checked.set(msg, item)
        return TopicValidatorResult.Accept
      case 'reject':
        // a key outside its period, relayed by a peer that did not sign it: the relay may not
        // have seen the rotation yet; only the origin is charged (NETWORK.md §2.1)
        if (verdict.outdated === true && msg.type === 'signed' && !msg.from.equals(from)) return this.ignore(from, msg, 'authority', verdict.why)
        return this.reject(from, msg, verdict.code, verdict.why)
      default:
        if (verdict.result === 'ahead' && (item.type === 'announce' || item.type === 'version')) this.init.onItem({ ...item, ahead: true }, from)
        if (verdict.result === 'unknown-key') this.init.onItem({ type: 'unknown-key', org: verdict.org, key: verdict.key, item }, from)
        if (item.type === 'equivocation') this.init.onItem(item, from)
        return this.ignore(from, msg, 'authority', verdict.result === 'ignore' ? verdict.why : verdict.result)
    }
  }

  private ignore (from: PeerId, msg: Message, why: keyof IgnoredBy, detail: string): TopicValidatorResult {
    this.counts.ignored++
    this.counts.ignoredBy[why]++
    this.log('ignored gossip from %p on %s: %s', from, msg.topic, detail)
    return TopicValidatorResult.Ignore
  }

  private reject (from: PeerId, msg: Message, code: string, why: string): TopicValidatorResult {
    this.counts.rejected++
    this.log('rejected gossip from %p on %s: %s %s', from, msg.topic, code, why)
    this.init.onViolation?.(from, code)
    return TopicValidatorResult.Reject
  }

  private deliver (msg: Message): void {
    if (!this.topics.has(msg.topic)) return
    const item = this.checked.get(msg)
    this.checked.delete(msg)
    if (item === undefined) return
    this.counts.accepted++
    const from = msg.type === 'signed' ? msg.from : undefined
    if (from !== undefined) this.init.onItem(item, from)
  }
}

/** The seq of an announcement or an inline version (Infinity for other items: never stale). */
function seqOf (item: GossipItem): number {
  if (item.type === 'announce') return item.announcement.seq
  if (item.type === 'version' && item.verified.rec.type === 'oos/version') return item.verified.rec.seq
  return Infinity
}

export function gossip (init: GossipInit): (components: GossipComponents) => Gossip {
  return (components) => new Gossip(components, init)
}
