/**
 * An org's key epochs (SPEC §7), folded from its stored `oos/key-rotation` records: which key
 * signs which versions and when each key was current. Pure: the store reads the rotations
 * (`Store#rotations`), ingest checks a new rotation against them (ingest/authority.ts
 * `rotate`), trust reports them.
 */
import type { KeyRotationRecord } from './types.ts'

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

/** The epochs after a rotation, unchecked (it was checked when it was stored). */
export function withRotation (epochs: KeyEpoch[], rot: KeyRotationRecord): KeyEpoch[] {
  const next = epochs.map(e => ({ ...e }))
  next[next.length - 1].until = rot.createdAt
  next.push({ key: rot.newKey, fromSeq: rot.effectiveSeq, since: rot.createdAt, ...(rot.nextKeyDigest !== undefined ? { next: rot.nextKeyDigest } : {}) })
  return next
}

/** The org's keys in order, the inception key first, from its rotations in seq order. */
export function epochsOf (org: string, rotations: Iterable<KeyRotationRecord>): KeyEpoch[] {
  let epochs = inception(org)
  for (const rot of rotations) epochs = withRotation(epochs, rot)
  return epochs
}

export function currentKey (epochs: KeyEpoch[]): string {
  return epochs[epochs.length - 1].key
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
