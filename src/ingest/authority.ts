/**
 * Which key may sign for an org (SPEC §7). An org's id is its inception key; each
 * `oos/key-rotation` (signed by the old and the new key) hands authority to a new key for
 * versions from `effectiveSeq` on. Versions signed by a rotated-out key at or above the
 * rotation's effectiveSeq are rejected (UNAUTHORIZED_KEY).
 *
 * Pre-rotation (protocol/TRUST.md §5): a rotation may carry `nextKeyDigest`, sha2-256 of the
 * public key of the org's *next* key. Once an org has committed, its next rotation MUST
 * rotate to exactly that key and MUST commit again, so a thief of the current key cannot
 * rotate to a key of their own; the owner recovers by rotating to the pre-committed key.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { equals } from 'uint8arrays/equals'
import { didToPublicKey } from '../identity/did.ts'
import { sha256 } from '../records/cid.ts'
import { K } from '../store/keys.ts'
import type { Store } from '../store/store.ts'
import type { KeyRotationRecord, SignedRecord } from '../records/types.ts'
import { UnauthorizedKeyError } from './errors.ts'

export interface KeyEpoch {
  key: string
  /** first version seq this key signs */
  fromSeq: number
  /** when the key took over (ms); 0 for the inception key */
  since: number
  /** when it was rotated out (ms), if it was */
  until?: number
  /** the pre-rotation commitment made with this key: sha2-256 of the next key's public key */
  next?: Uint8Array
}

/** The epochs of an org that has made no rotation (or none known here). */
export const inception = (org: string): KeyEpoch[] => [{ key: org, fromSeq: 1, since: 0 }]

/** The org's keys in order, the inception key first. */
export async function keyHistory (store: Store, org: string): Promise<KeyEpoch[]> {
  let epochs = inception(org)
  for (const bytes of await rotationRecords(store, org)) epochs = withRotation(epochs, dagCbor.decode<SignedRecord<KeyRotationRecord>>(bytes).rec)
  return epochs
}

/** The bytes of the org's stored `oos/key-rotation` records, in rotation order. */
export async function rotationRecords (store: Store, org: string): Promise<Uint8Array[]> {
  const out: Uint8Array[] = []
  for await (const [, v] of store.scan(K.rotationPrefix(org))) {
    const bytes = await store.get(CID.decode(v))
    if (bytes !== undefined) out.push(bytes)
  }
  return out
}

/** The epochs after a rotation, unchecked (it was checked when it was stored). */
function withRotation (epochs: KeyEpoch[], rot: KeyRotationRecord): KeyEpoch[] {
  const next = epochs.map(e => ({ ...e }))
  next[next.length - 1].until = rot.createdAt
  next.push({ key: rot.newKey, fromSeq: rot.effectiveSeq, since: rot.createdAt, ...(rot.nextKeyDigest !== undefined ? { next: rot.nextKeyDigest } : {}) })
  return next
}

/**
 * The epochs after `rot`, checked against the key rules (SPEC §7, TRUST.md §5.1): `oldKey`
 * must be the current key, and a committed org must rotate to the committed key and commit
 * again. Throws UnauthorizedKeyError. (The chain rules, seq, prev and effectiveSeq, are the
 * caller's: the ingest door checks them against its store, a head record against its chain.)
 */
export function rotate (epochs: KeyEpoch[], rot: KeyRotationRecord): KeyEpoch[] {
  if (rot.oldKey !== currentKey(epochs)) throw new UnauthorizedKeyError(`oldKey must be the org's current key ${currentKey(epochs)}`, { path: 'oldKey' })
  const committed = committedNextKey(epochs)
  if (committed !== undefined) {
    if (!equals(sha256(didToPublicKey(rot.newKey)), committed)) {
      throw new UnauthorizedKeyError(`newKey ${rot.newKey} is not the key ${rot.org} committed to in its previous rotation (nextKeyDigest)`, { path: 'newKey' })
    }
    if (rot.nextKeyDigest === undefined) {
      throw new UnauthorizedKeyError(`${rot.org} uses pre-rotation: a rotation must commit to the next key (nextKeyDigest)`, { path: 'nextKeyDigest' })
    }
  }
  return withRotation(epochs, rot)
}

/** The org's outstanding pre-rotation commitment (digest of the next key), if it made one. */
export function committedNextKey (epochs: KeyEpoch[]): Uint8Array | undefined {
  return epochs[epochs.length - 1].next
}

/** The key that must sign version `seq` of the org. */
export function keyForSeq (epochs: KeyEpoch[], seq: number): string {
  let key = epochs[0].key
  for (const e of epochs) if (seq >= e.fromSeq) key = e.key
  return key
}

/**
 * Whether `key` may announce version `seq` of the org (protocol/NETWORK.md §2.2, §4): the key
 * that signs that version, or the org's current key (a node restarted with a rotated-in key
 * announces its head even before it signs a version with it).
 */
export function mayAnnounce (epochs: KeyEpoch[], key: string, seq: number): boolean {
  return key === keyForSeq(epochs, seq) || key === currentKey(epochs)
}

/** Whether `key` could sign a statement made at `createdAt` (its epoch covers that time). */
export function keyValidAt (epochs: KeyEpoch[], key: string, createdAt: number): boolean {
  return epochs.some(e => e.key === key && createdAt >= e.since && (e.until === undefined || createdAt < e.until))
}

/** Whether `key` may sign a statement (endorsement, retraction, binding) made at `createdAt`: the current key, or a key whose period covers it (SPEC §7). */
export function mayState (epochs: KeyEpoch[], key: string, createdAt: number): boolean {
  return key === currentKey(epochs) || keyValidAt(epochs, key, createdAt)
}

/** Whether `key` is one of the org's keys, past or present. */
export const isKnownKey = (epochs: KeyEpoch[], key: string): boolean => epochs.some(e => e.key === key)

/**
 * Local knowledge and a chain from elsewhere (a DHT head record) together: they must agree on
 * every rotation both know (else UnauthorizedKeyError: the other chain is a fork of the org's
 * keys, and the store's first-seen chain wins); the longer is the org's known history.
 */
export function mergeEpochs (local: KeyEpoch[], other: KeyEpoch[]): KeyEpoch[] {
  for (let i = 1; i < Math.min(local.length, other.length); i++) {
    if (local[i].key !== other[i].key || local[i].fromSeq !== other[i].fromSeq || local[i].since !== other[i].since) {
      throw new UnauthorizedKeyError(`rotation ${i} (to ${other[i].key}) conflicts with the one known here (to ${local[i].key})`)
    }
  }
  return local.length >= other.length ? local : other
}

export function currentKey (epochs: KeyEpoch[]): string {
  return epochs[epochs.length - 1].key
}
