/**
 * Authority at the gossip door (protocol/NETWORK.md §2.2): whether the signer of a gossip
 * message, already checked for form and signature (gossip.ts `checkGossip`), is a key
 * authorized for the org at that point, as far as this node knows the org's keys.
 *
 * A version sent inline (NETWORK.md §2.5) is judged as an announcement of its seq would be.
 *
 * - authorized: `accept` (or `ahead`: a valid announcement too far past the local head to
 *   trust, taken only as a hint to sync from the org's own nodes);
 * - a key the node does not know, of an org whose chain it keeps: `unknown-key` (ignored, not
 *   forwarded; the node learns the org's rotations from its bound peers, then judges);
 * - a key of the org that is not authorized there (a rotated-out key after its rotation, a
 *   key before its period), or any key but the known one for a version the node holds:
 *   `reject` (the sender's fault: UNAUTHORIZED_KEY);
 * - what is valid but not wanted (a duplicate rotation, a key of an org the node does not
 *   follow, an equivocation hint, which each node re-gossips only once it verified it): `ignore`.
 */
import { isKnownKey, mayAnnounce, mayState, rotate, type KeyEpoch } from '../ingest/authority.ts'
import type { KeyRotationRecord } from '../records/types.ts'
import type { GossipItem } from './gossip.ts'

/** What a node knows of an org, for judging gossip about it. */
export interface OrgKnowledge {
  /** the org's key epochs known here, the inception key first */
  epochs: KeyEpoch[]
  /** the node keeps the org's chain (its own org or a followed one), so it knows its rotations and can check with its bound peers */
  kept: boolean
  /** seq of the org's latest version held here (0 if none) */
  head: number
}

export type Knowledge = (org: string) => Promise<OrgKnowledge>

export type Verdict = { result: 'accept' }
  | { result: 'ahead' }
  | { result: 'ignore', why: string }
  | { result: 'unknown-key', org: string, key: string }
  /** `outdated`: the signer is a key of the org outside its period, which a relay that has not
   *  seen the rotation yet takes in good faith (NETWORK.md §2.1) */
  | { result: 'reject', code: 'UNAUTHORIZED_KEY', why: string, outdated?: true }

/** Default of `aheadWindow`: how far past the local head an announcement is still trusted and forwarded. */
export const AHEAD_WINDOW = 64

const reject = (why: string): Verdict => ({ result: 'reject', code: 'UNAUTHORIZED_KEY', why })
const outdated = (why: string): Verdict => ({ result: 'reject', code: 'UNAUTHORIZED_KEY', why, outdated: true })

export async function authorize (item: GossipItem, know: Knowledge, aheadWindow = AHEAD_WINDOW): Promise<Verdict> {
  if (item.type === 'equivocation') return { result: 'ignore', why: 'equivocation hints are verified, not forwarded' }
  if (item.type === 'unknown-key') return { result: 'ignore', why: 'not a message' }
  if (item.type === 'announce') {
    const a = item.announcement
    return headVerdict(await know(a.org), a.org, a.key ?? a.org, a.seq, aheadWindow)
  }
  const rec = item.verified.rec
  if (rec.type === 'oos/version') {
    // a version inline (NETWORK.md §2.5) passes where an announcement of it would: its signer must be the org's key for that seq
    if (item.type === 'version') return headVerdict(await know(rec.org), rec.org, rec.key ?? rec.org, rec.seq, aheadWindow)
    return reject('versions are not gossiped as {record}')
  }
  const k = await know(rec.org)
  if (rec.type === 'oos/key-rotation') return rotationVerdict(k, rec as KeyRotationRecord)
  const signer = rec.key ?? rec.org
  if (mayState(k.epochs, signer, rec.createdAt)) return { result: 'accept' }
  if (isKnownKey(k.epochs, signer)) return outdated(`${signer} is not a key of ${rec.org} at ${new Date(rec.createdAt).toISOString()}`)
  return unknown(k, rec.org, signer)
}

/** Version `seq` of `org`, announced or sent inline, signed by `signer`: the announcement rules (NETWORK.md §2.2). */
function headVerdict (k: OrgKnowledge, org: string, signer: string, seq: number, aheadWindow: number): Verdict {
  if (!mayAnnounce(k.epochs, signer, seq)) {
    if (isKnownKey(k.epochs, signer)) return outdated(`${signer} is not the key of ${org} for version ${seq}`)
    // a rotation the node has not seen may have brought the key in, but only for versions
    // it does not hold: those it holds it accepted under the keys it knows
    if (seq <= k.head) return reject(`version ${seq} of ${org} is held here, signed by another key than ${signer}`)
    return unknown(k, org, signer)
  }
  return seq > k.head + aheadWindow ? { result: 'ahead' } : { result: 'accept' }
}

function unknown (k: OrgKnowledge, org: string, key: string): Verdict {
  return k.kept ? { result: 'unknown-key', org, key } : { result: 'ignore', why: `${key} is not a known key of ${org}, whose rotations are not kept here` }
}

/** A rotation: the next one must pass the key rules; one already known is a duplicate; one further on waits for those before it. */
function rotationVerdict (k: OrgKnowledge, rot: KeyRotationRecord): Verdict {
  const known = k.epochs.length - 1
  if (rot.seq <= known) {
    const e = k.epochs[rot.seq]
    if (e.key === rot.newKey && e.fromSeq === rot.effectiveSeq && e.since === rot.createdAt) return { result: 'ignore', why: 'rotation already known' }
    // a second rotation at one seq: a fork by whoever held the key then (TRUST.md §5.3);
    // signed by that key it is evidence, not the forwarder's fault, and the store keeps the first
    return rot.oldKey === k.epochs[rot.seq - 1].key ? { result: 'ignore', why: 'conflicting rotation' } : reject(`rotation ${rot.seq} of ${rot.org} must be signed by ${k.epochs[rot.seq - 1].key}`)
  }
  if (rot.seq > known + 1) return isKnownKey(k.epochs, rot.oldKey) ? reject(`rotation ${rot.seq} of ${rot.org} cannot be signed by ${rot.oldKey}, which the rotations before it replace`) : unknown(k, rot.org, rot.oldKey)
  try {
    rotate(k.epochs, rot)
    return { result: 'accept' }
  } catch (err) {
    return reject((err as Error).message)
  }
}
