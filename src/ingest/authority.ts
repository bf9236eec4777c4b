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
import { K } from '../store/keys.ts'
import type { Store } from '../store/store.ts'
import type { KeyRotationRecord, SignedRecord } from '../records/types.ts'

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

/** The org's keys in order, the inception key first. */
export async function keyHistory (store: Store, org: string): Promise<KeyEpoch[]> {
  const epochs: KeyEpoch[] = [{ key: org, fromSeq: 1, since: 0 }]
  for await (const [, v] of store.scan(K.rotationPrefix(org))) {
    const bytes = await store.get(CID.decode(v))
    if (bytes === undefined) continue
    const rot = dagCbor.decode<SignedRecord<KeyRotationRecord>>(bytes).rec
    epochs[epochs.length - 1].until = rot.createdAt
    epochs.push({ key: rot.newKey, fromSeq: rot.effectiveSeq, since: rot.createdAt, ...(rot.nextKeyDigest !== undefined ? { next: rot.nextKeyDigest } : {}) })
  }
  return epochs
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

/** Whether `key` could sign a statement made at `createdAt` (its epoch covers that time). */
export function keyValidAt (epochs: KeyEpoch[], key: string, createdAt: number): boolean {
  return epochs.some(e => e.key === key && createdAt >= e.since && (e.until === undefined || createdAt < e.until))
}

export function currentKey (epochs: KeyEpoch[]): string {
  return epochs[epochs.length - 1].key
}
