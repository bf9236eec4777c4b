/**
 * DHT records (protocol/NETWORK.md §4).
 *
 * - Head record: key `/oos-head/<org did>`, value: DAG-CBOR `{ announce, rotations }`, the
 *   org's latest signed announcement (announce.ts) with the org's `oos/key-rotation` records
 *   in order. The value certifies itself: the rotations form a valid chain from the inception
 *   key (the org's did) and the announcement is signed by the key that chain gives for its
 *   seq. A node that knows more of the org's rotations (its store) checks the value against
 *   them too. So only a key authorized for the org can write a head that is accepted, and a
 *   rotated-out key cannot outbid the current one: the selector prefers the chain that extends
 *   the other, then the newer announcement.
 * - Provider records: the CID `bafkrei…` (raw, sha2-256) of `oosnet/v1/org/<did>` names "the
 *   records of this org"; nodes that serve the org provide it.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'
import { sha256 } from '../records/cid.ts'
import { verifyBytes } from '../records/verified.ts'
import { inception, mayAnnounce, mergeEpochs, rotate, type KeyEpoch } from '../ingest/authority.ts'
import { StaleRecordError, UnauthorizedKeyError } from '../ingest/errors.ts'
import { decodeAnnouncement, newer, type Announcement } from './announce.ts'
import { BadHeadRecordError } from './errors.ts'

export const HEAD_NAMESPACE = 'oos-head'
/** most bytes of a head record value */
export const MAX_HEAD_RECORD_BYTES = 64 * 1024
/** most rotations a head record carries (an org with more cannot put a head record) */
export const MAX_HEAD_ROTATIONS = 128

/** The org's key history as this node knows it (its store), for checking head records. */
export type KeysOf = (org: string) => Promise<KeyEpoch[]>

export interface HeadRecord {
  announcement: Announcement
  /** the announcement's bytes */
  announce: Uint8Array
  /** the org's key epochs the record's rotations establish */
  epochs: KeyEpoch[]
  /** the CIDs of those rotations, in order */
  chain: CID[]
}

export function headKey (org: string): Uint8Array {
  return new TextEncoder().encode(`/${HEAD_NAMESPACE}/${org}`)
}

function orgOfKey (key: Uint8Array): string {
  const s = new TextDecoder().decode(key)
  const prefix = `/${HEAD_NAMESPACE}/`
  if (!s.startsWith(prefix)) throw new BadHeadRecordError('not a head key')
  return s.slice(prefix.length)
}

export function encodeHeadRecord (announce: Uint8Array, rotations: Uint8Array[]): Uint8Array {
  return dagCbor.encode({ announce, rotations })
}

/**
 * Check a head record value of `org` on its own: its rotation chain from the inception key
 * (each a signed `oos/key-rotation` of the org, seq 1, 2, …, `prev` the one before, `oldKey`
 * the key then current, pre-rotation kept) and the announcement's signer, which must be the
 * key that chain gives for the announced seq. A bare announcement (the first form of this
 * record) is read as one with no rotations. Throws a typed error.
 */
export function decodeHeadRecord (org: string, value: Uint8Array): HeadRecord {
  if (!(value instanceof Uint8Array) || value.length > MAX_HEAD_RECORD_BYTES) throw new BadHeadRecordError(`a head record is at most ${MAX_HEAD_RECORD_BYTES} bytes`)
  let announce = value
  let rotations: unknown[] = []
  const v = dagCbor.decode<Record<string, unknown>>(value)
  if (v !== null && typeof v === 'object' && 'announce' in v) {
    if (Object.keys(v).length !== 2 || !(v.announce instanceof Uint8Array) || !Array.isArray(v.rotations)) throw new BadHeadRecordError('a head record is { announce, rotations }')
    if (v.rotations.length > MAX_HEAD_ROTATIONS) throw new BadHeadRecordError(`a head record carries at most ${MAX_HEAD_ROTATIONS} rotations`)
    announce = v.announce
    rotations = v.rotations
  }
  const announcement = decodeAnnouncement(announce)
  if (announcement.org !== org) throw new BadHeadRecordError('head record of another org')
  let epochs = inception(org)
  const chain: CID[] = []
  rotations.forEach((bytes, i) => {
    if (!(bytes instanceof Uint8Array)) throw new BadHeadRecordError(`rotations[${i}] is not bytes`)
    const r = verifyBytes(bytes)
    if (r.rec.type !== 'oos/key-rotation' || r.rec.org !== org) throw new BadHeadRecordError(`rotations[${i}] is not a key rotation of ${org}`)
    const prev = chain[i - 1] ?? null
    if (r.rec.seq !== i + 1 || (prev === null ? r.rec.prev !== null : r.rec.prev?.equals(prev) !== true)) {
      throw new BadHeadRecordError(`rotations[${i}] is not rotation ${i + 1} following the one before`)
    }
    epochs = rotate(epochs, r.rec)
    chain.push(r.cid)
  })
  const signer = announcement.key ?? announcement.org
  if (!mayAnnounce(epochs, signer, announcement.seq)) throw new UnauthorizedKeyError(`${signer} may not announce version ${announcement.seq} of ${org}`, { path: 'key' })
  return { announcement, announce, epochs, chain }
}

/** Orgs whose best head record a validator remembers (oldest forgotten first). */
export const MAX_HELD_HEADS = 10_000

/**
 * kad-dht validator: the value must be a valid head record of the key's org (above) and agree
 * with the rotations this node's store knows, whose chain wins where it knows more: the
 * announcement's signer must also be one the store's history lets announce that seq.
 *
 * It also remembers the best record of each org it has passed (compareHeads), and refuses one
 * that ranks below it (`STALE_RECORD`): kad-dht stores a PUT's value after this check without
 * comparing it with the record it holds (the selector runs only on GET), so without this a
 * rotated-out key, or a replay of an org's own older record, could replace a node's better
 * copy while the org's nodes are away. The memory lives as long as kad-dht's own record store
 * (libp2p's in-memory datastore), so a node never refuses a record it could not replace.
 */
export function headValidator (keysOf?: KeysOf): (key: Uint8Array, value: Uint8Array) => Promise<void> {
  const held = new Map<string, HeadRecord>()
  return async (key, value) => {
    const org = orgOfKey(key)
    const h = decodeHeadRecord(org, value)
    if (keysOf !== undefined) {
      const epochs = mergeEpochs(await keysOf(org), h.epochs)
      const signer = h.announcement.key ?? org
      if (!mayAnnounce(epochs, signer, h.announcement.seq)) throw new UnauthorizedKeyError(`${signer} is not the key of ${org} for version ${h.announcement.seq} known here`, { path: 'key' })
    }
    const best = held.get(org)
    if (best !== undefined && compareHeads(h, best) < 0) throw new StaleRecordError(`a head record of ${org} at seq ${h.announcement.seq} ranks below the one held (seq ${best.announcement.seq})`)
    held.delete(org)
    held.set(org, h)
    if (held.size > MAX_HELD_HEADS) held.delete(held.keys().next().value as string)
  }
}

/**
 * Which of two head records of one org is better: > 0 if `a`. The one whose rotation chain
 * extends the other's (a rotated-out key cannot outbid the key that replaced it, whatever seq
 * it claims); on the same chain, the newer announcement. Two chains that fork (the key at the
 * fork signed two rotations: stolen, and not protected by pre-rotation) are told apart by the
 * lower CID at the fork, only so that every node picks the same; which branch is the owner's
 * no record can tell (protocol/TRUST.md §5.3), and a node's own store decides in the validator.
 */
export function compareHeads (a: HeadRecord, b: HeadRecord): number {
  for (let i = 0; i < Math.min(a.chain.length, b.chain.length); i++) {
    if (!a.chain[i].equals(b.chain[i])) return a.chain[i].toString() < b.chain[i].toString() ? 1 : -1
  }
  if (a.chain.length !== b.chain.length) return a.chain.length - b.chain.length
  return newer(a.announcement, b.announcement) ? 1 : newer(b.announcement, a.announcement) ? -1 : 0
}

/** kad-dht selector: the index of the best valid head record (compareHeads). */
export function headSelector (key: Uint8Array, values: Uint8Array[]): number {
  const org = orgOfKey(key)
  let best = 0
  let bestH: HeadRecord | undefined
  values.forEach((v, i) => {
    try {
      const h = decodeHeadRecord(org, v)
      if (bestH === undefined || compareHeads(h, bestH) > 0) { best = i; bestH = h }
    } catch {}
  })
  return best
}

/** The provider key of an org. */
export function orgProviderCid (org: string): CID {
  return CID.createV1(raw.code, Digest.create(0x12, sha256(new TextEncoder().encode(`oosnet/v1/org/${org}`))))
}
