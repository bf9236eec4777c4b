import type { CID } from 'multiformats/cid'
import type { OosBody, Evidence } from '../oos/types.ts'
import type { Kind } from './constants.ts'

/** Fields every unsigned record carries (SPEC §4). */
interface Common {
  /** the author organization's did:key (its inception key) */
  org: string
  /** ms since the Unix epoch, UTC */
  createdAt: number
  /** did:key of the signing key when it is not the inception key (after a rotation) */
  key?: string
}

export interface VersionRecord extends Common {
  type: 'oos/version'
  seq: number
  prev: CID | null
  body: OosBody
}

export interface EndorsementRecord extends Common {
  type: 'oos/endorsement'
  /** the claim CID endorsed or disputed */
  target: CID
  /** the author org of the claim */
  targetOrg: string
  /** the version CID the claim was seen in */
  version: CID
  stance: 'endorse' | 'dispute'
  note?: string
  evidence?: { type: Evidence, text: string }
  /** ms since epoch; absent = does not expire */
  expiresAt?: number
}

export interface RetractionRecord extends Common {
  type: 'oos/retraction'
  /** CID of one of the org's own claims, versions or endorsements */
  target: CID
  reason: string
}

export interface KeyRotationRecord {
  type: 'oos/key-rotation'
  org: string
  createdAt: number
  /** 1 for the first rotation of the org, then +1 */
  seq: number
  /** the org's previous rotation record, null for the first */
  prev: CID | null
  oldKey: string
  newKey: string
  /** first `oos/version` seq that must be signed by newKey */
  effectiveSeq: number
  /** sha2-256 of the next key's 32 public-key bytes (pre-rotation commitment), optional */
  nextKeyDigest?: Uint8Array
  reason: string
}

export interface NodeBindingRecord extends Common {
  type: 'oos/node-binding'
  /** libp2p peer ids (base58btc strings) that serve this org */
  peers: string[]
}

export type UnsignedRecord = VersionRecord | EndorsementRecord | RetractionRecord | KeyRotationRecord | NodeBindingRecord

/** A record as it travels and is stored: `{ rec, sig }` (SPEC §3.1). */
export interface SignedRecord<R extends UnsignedRecord = UnsignedRecord> {
  rec: R
  /** 64 bytes per required signer (two for key-rotation: old key, then new key) */
  sig: Uint8Array
}

/** A decoded, checked record with its exact bytes and CID. */
export interface Decoded<R extends UnsignedRecord = UnsignedRecord> {
  cid: CID
  bytes: Uint8Array
  kind: Kind
  signed: SignedRecord<R>
  /** the exact DAG-CBOR bytes of `rec` inside `bytes` (what the signature covers after the prefix) */
  recBytes: Uint8Array
  /** for versions: the binary claim CIDs (SPEC §5), in body order */
  claimCidBytes?: Uint8Array[]
  /** for versions: where the body's encoding sits in `bytes` */
  bodySpan?: { start: number, end: number }
}
