/**
 * The door's record of what it verified of each org's chain (protocol/TRUST.md §2.1.1): a
 * marker `{seq, cid, rotations, rotation, rules}` written in the same batch as the head or
 * rotation it covers, and only when the marker before covered the state the new record was
 * checked against — so a marker always states "every version up to `seq` and every rotation
 * up to `rotations` passed this door's rules (`rules`), contiguously from seq 1". Provenance
 * and verify (app/replay.ts) then replay a chain only when its head or rotations go past its
 * marker, instead of on every call.
 */
import type { CID } from 'multiformats/cid'
import type { Head, Store, VerifiedMarker } from '../store/store.ts'
import { transactor } from '../store/transactor.ts'

/**
 * The version of the door's rules a marker was written under. Raise it when a rule that
 * accepted records must pass changes (a new check, a stricter one): markers written under
 * older rules then no longer count, and the chains they cover are replayed once under the new.
 */
export const RULES_VERSION = 1

/** The state of an org with no version and no rotation: covered without a marker. */
const EMPTY: VerifiedMarker = { seq: 0, rotations: 0, rules: RULES_VERSION }

const same = (a: CID | undefined, b: CID | undefined): boolean => a === undefined ? b === undefined : b !== undefined && a.equals(b)

/**
 * Whether `marker` covers an org whose head is `head` and whose last of `rotations` rotations
 * is `rotation`: the same head, the same rotations, the current rules. An org that holds
 * nothing is covered with no marker.
 */
export function covers (marker: VerifiedMarker | undefined, head: Pick<Head, 'seq' | 'cid'> | undefined, rotations: number, rotation: CID | undefined): boolean {
  const m = marker ?? EMPTY
  return m.rules === RULES_VERSION && m.seq === (head?.seq ?? 0) && same(m.cid, head?.cid) && m.rotations === rotations && same(m.rotation, rotation)
}

/**
 * After a replay of an org's chain from seq 1 through a fresh door into `replayed` found it
 * valid (app/replay.ts), the store takes that door's marker and lineage index, when the
 * replayed marker covers the store's head and rotations: a chain held from before markers
 * (or under older rules) is replayed once, not on every question (TRUST.md §2.1.1). Written
 * only as a true statement: the marker names the head the replay reached; if the door has
 * moved the head on meanwhile, the marker lags and covers nothing, which is safe.
 */
export async function adoptReplay (store: Store, replayed: Store, org: string): Promise<boolean> {
  const marker = await replayed.verified(org)
  const head = await store.head(org)
  const rotations = await store.rotationCids(org)
  const last = rotations[rotations.length - 1]?.cid
  if (marker === undefined || !covers(marker, head, rotations.length, last) || covers(await store.verified(org), head, rotations.length, last)) return false
  const t = transactor(store)
  for await (const e of replayed.lineageEntries(org)) t.putLineage(org, e.claimId, e.seq, e.claim)
  await t.setVerified(org, marker).commit()
  return true
}
