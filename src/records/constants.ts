/**
 * Protocol constants of oosnet v1 (protocol/SPEC.md §2, §3, §8).
 */

/** The record kinds of protocol v1. Any other `type` is rejected with UNKNOWN_KIND. */
export const KINDS = [
  'oos/version',
  'oos/endorsement',
  'oos/retraction',
  'oos/key-rotation',
  'oos/node-binding'
] as const
export type Kind = typeof KINDS[number]

export const PROTOCOL_VERSION = 1

/**
 * the kinds of record a retraction may name (besides a claim). Retracting a key
 * rotation, a node binding or a retraction would mean nothing (a rotation is undone only by
 * another rotation, a binding by a newer one), so those are refused (NOT_AUTHOR).
 */
export const RETRACTABLE_KINDS: ReadonlySet<string> = new Set(['oos/version', 'oos/endorsement'])

/**
 * Domain separation (SPEC §3.2): a signature is over `"oosnet/v1:" + kind + "\n"` followed by
 * the DAG-CBOR of the unsigned record, so a signature made for one kind (or a future protocol
 * version) can never be replayed as another.
 */
const encoder = new TextEncoder()
const PREFIXES = new Map<string, Uint8Array>(KINDS.map(k => [k, encoder.encode(`oosnet/v${PROTOCOL_VERSION}:${k}\n`)]))

export function signaturePrefix (kind: Kind): Uint8Array {
  const p = PREFIXES.get(kind)
  if (p === undefined) throw new TypeError(`not a record kind: ${kind}`)
  return p
}

/** How many Ed25519 signatures (64 bytes each, concatenated in `sig`) a kind carries. */
export function signatureCount (kind: Kind): number {
  return kind === 'oos/key-rotation' ? 2 : 1
}

/** Limits (SPEC §8). Everything arriving from the network is checked against these first. */
export const LIMITS = {
  /** bytes of one encoded `oos/version` record */
  maxVersionBytes: 1024 * 1024,
  /** bytes of one encoded record of any other kind */
  maxStatementBytes: 16 * 1024,
  /** a note, a reason, an evidence text */
  maxNoteChars: 4000,
  /** peer ids in one node binding */
  maxPeers: 16,
  /** how far in the future a `createdAt` may be (clock skew), ms */
  maxClockSkewMs: 10 * 60 * 1000,
  /** the largest integer a record may carry (JS safe integer) */
  maxInt: Number.MAX_SAFE_INTEGER
} as const

/** The largest record of any kind: the first size check, before anything is decoded. */
export const MAX_RECORD_BYTES = LIMITS.maxVersionBytes
