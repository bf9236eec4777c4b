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
import { equals } from 'uint8arrays/equals'
import { didToPublicKey } from '../identity/did.ts'
import { sha256 } from '../records/cid.ts'
import { committedNextKey, currentKey, withRotation, type KeyEpoch } from '../records/epochs.ts'
import type { KeyRotationRecord } from '../records/types.ts'
import type { Store } from '../store/store.ts'
import { UnauthorizedKeyError } from './errors.ts'

export { committedNextKey, currentKey, inception, isKnownKey, keyForSeq, keyValidAt, mayAnnounce, mayState, type KeyEpoch } from '../records/epochs.ts'

/** The org's keys in order, the inception key first (the store's `keyHistory`). */
export async function keyHistory (store: Store, org: string): Promise<KeyEpoch[]> {
  return await store.keyHistory(org)
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
