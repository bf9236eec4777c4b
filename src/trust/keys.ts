/**
 * Key rotation with pre-rotation, and equivocation proofs (protocol/TRUST.md §5, §6).
 *
 * A rotation hands the org's authority from its current key to a new key and MAY commit to
 * the key after that (`nextKeyDigest` = sha2-256 of its public key). Once committed, the
 * next rotation must rotate to exactly the committed key (ingest: UNAUTHORIZED_KEY), so a
 * thief of the current key cannot rotate the owner out; the owner, who kept the committed
 * key offline, recovers by rotating to it.
 */
import type { CID } from 'multiformats/cid'
import { didToPublicKey, isDid } from '../identity/index.ts'
import { committedNextKey, currentKey, type KeyEpoch } from '../records/epochs.ts'
import { InvalidArgumentError } from '../errors.ts'
import { sha256 } from '../records/cid.ts'
import { encodeSigned } from '../records/codec.ts'
import type { KeyRotationRecord } from '../records/types.ts'
import type { Store } from '../store/store.ts'
import { didOfSecret } from './statements.ts'

/** sha2-256 of an Ed25519 public key (given as its 32 bytes or as its did:key): a pre-rotation commitment. */
export function keyDigest (key: Uint8Array | string): Uint8Array {
  const pub = typeof key === 'string' ? didToPublicKey(key) : key
  if (!(pub instanceof Uint8Array) || pub.length !== 32) throw new InvalidArgumentError('a public key is 32 bytes')
  return sha256(pub)
}

export interface RotationInput {
  org: string
  /** the org's current key (32-byte seed) */
  oldSecret: Uint8Array
  /** the key that takes over (32-byte seed); must match the org's commitment if it made one */
  newSecret: Uint8Array
  /** commitment to the key after `newSecret`: `keyDigest(nextPublicKey)` */
  nextKeyDigest?: Uint8Array
  /** first version seq newSecret signs (default: the org's head seq + 1) */
  effectiveSeq?: number
  reason: string
  now?: number
}

/**
 * Build and sign an `oos/key-rotation` (signed by the old key, then the new key). It is not
 * checked against the org's commitment here: the ingest door decides (UNAUTHORIZED_KEY).
 */
export async function makeRotation (input: RotationInput, store: Store): Promise<Uint8Array> {
  const last = await store.lastRotation(input.org)
  const prev: CID | null = last?.cid ?? null
  const seq = (last?.seq ?? 0) + 1
  const head = await store.head(input.org)
  const createdAt = input.now ?? Date.now()
  const rec: KeyRotationRecord = {
    type: 'oos/key-rotation',
    org: input.org,
    createdAt,
    seq,
    prev,
    oldKey: didOfSecret(input.oldSecret),
    newKey: didOfSecret(input.newSecret),
    effectiveSeq: input.effectiveSeq ?? (head?.seq ?? 0) + 1,
    ...(input.nextKeyDigest !== undefined ? { nextKeyDigest: input.nextKeyDigest } : {}),
    reason: input.reason
  }
  return encodeSigned(rec, [input.oldSecret, input.newSecret], createdAt).bytes
}

export interface RotationInfo {
  seq: number
  cid: string
  oldKey: string
  newKey: string
  effectiveSeq: number
  createdAt: string
  reason: string
  /** the rotation committed to a next key */
  committed: boolean
}

export interface KeyState {
  org: string
  /** the key that signs the org's next version and statements */
  current: string
  epochs: KeyEpoch[]
  rotations: RotationInfo[]
  /** hex of the outstanding pre-rotation commitment, if any */
  committedNextKey?: string
}

/** The org's key history as the store holds it. */
export async function keyState (store: Store, org: string): Promise<KeyState> {
  const held = await store.rotations(org)
  const epochs = await store.keyHistory(org)
  const rotations: RotationInfo[] = []
  for (const { cid, rec: r } of held) {
    rotations.push({ seq: r.seq, cid: cid.toString(), oldKey: r.oldKey, newKey: r.newKey, effectiveSeq: r.effectiveSeq, createdAt: new Date(r.createdAt).toISOString(), reason: r.reason, committed: r.nextKeyDigest !== undefined })
  }
  const next = committedNextKey(epochs)
  return { org, current: currentKey(epochs), epochs, rotations, ...(next !== undefined ? { committedNextKey: Buffer.from(next).toString('hex') } : {}) }
}

export interface EquivocationProof {
  seq: number
  /** the CIDs of the conflicting, validly signed versions at that seq */
  cids: string[]
}

/** Equivocation proofs held for an org (two valid versions at one seq), by seq. */
export async function equivocations (store: Store, org: string): Promise<EquivocationProof[]> {
  if (!isDid(org)) return []
  return (await store.equivocations(org)).map(({ seq, cids }) => ({ seq, cids: cids.map(String) }))
}
