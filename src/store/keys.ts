/**
 * LevelDB key layout (protocol/STORE.md documents it for operators; it is not wire format).
 * Keys are UTF-8 strings; `!` separates parts (it occurs in no CID, did or number we write).
 * Sequence numbers are fixed-width hex so that keys sort in seq order.
 */
import type { CID } from 'multiformats/cid'

export const SEP = '!'

/**
 * The text of a CID in keys: its string form (base32 for CIDv1). Built from the bytes for v1
 * CIDs: `CID#toString` also remembers every string in a WeakMap, which the garbage collector
 * then walks for each of the thousands of CIDs a sync creates and drops.
 */
export const cidText = (cid: CID): string => cid.version === 1 ? base32Multibase(cid.bytes) : cid.toString()
/** `cidText` of a binary CIDv1 (a claim CID). */
export const cidBytesText = (bytes: Uint8Array): string => base32Multibase(bytes)

const BASE32 = Uint8Array.from('abcdefghijklmnopqrstuvwxyz234567', c => c.charCodeAt(0))
const scratch = Buffer.allocUnsafe(128)

/**
 * Multibase base32 (RFC 4648 §6, lower case, no padding, prefix `b`): what `multiformats`'
 * `base32.encode` gives, but written into a scratch buffer and read out as one string. Its
 * encoder appends a character at a time, and the 60 intermediate strings of each of the few
 * keys an accepted version writes were a fifth of what the main thread allocated.
 */
export function base32Multibase (bytes: Uint8Array): string {
  const n = 1 + Math.ceil(bytes.length * 8 / 5)
  const out = n <= scratch.length ? scratch : Buffer.allocUnsafe(n)
  out[0] = 0x62 // 'b'
  let p = 1
  let bits = 0
  let acc = 0
  for (let i = 0; i < bytes.length; i++) {
    acc = ((acc << 8) | bytes[i]) & 0xfff // at most 12 bits are ever pending
    bits += 8
    while (bits >= 5) {
      bits -= 5
      out[p++] = BASE32[(acc >> bits) & 31]
    }
  }
  if (bits > 0) out[p++] = BASE32[(acc << (5 - bits)) & 31]
  return out.toString('latin1', 0, p)
}
export const seqKey = (seq: number): string => seq.toString(16).padStart(14, '0')

export const K = {
  /** record bytes by CID */
  block: (cid: string) => `b!${cid}`,
  /** head of an org's chain: {seq, cid, createdAt} */
  head: (org: string) => `h!${org}`,
  headPrefix: 'h!',
  /** an org's chain: seq → version CID bytes ‖ the version's claim CID bytes, in body order */
  chain: (org: string, seq: number) => `v!${org}!${seqKey(seq)}`,
  chainPrefix: (org: string) => `v!${org}!`,
  /**
   * claim index: a claim CID's runs of consecutive versions, keyed by the run's first seq →
   * {from, until?} (until: the first version without it). Written only when a claim appears
   * or disappears, so an unchanged claim costs nothing per version.
   */
  claim: (claimCid: string, org: string, from: number) => `c!${claimCid}!${org}!${seqKey(from)}`,
  claimPrefix: (claimCid: string) => `c!${claimCid}!`,
  claimOrgPrefix: (claimCid: string, org: string) => `c!${claimCid}!${org}!`,
  /** equivocation proofs: the conflicting version CIDs of an org at a seq */
  equivocation: (org: string, seq: number, cid: string) => `e!${org}!${seqKey(seq)}!${cid}`,
  equivocationPrefix: (org: string) => `e!${org}!`,
  /** statements (endorsements, retractions) about a target CID */
  statement: (target: string, cid: string) => `s!${target}!${cid}`,
  statementPrefix: (target: string) => `s!${target}!`,
  /** statements authored by an org */
  authored: (org: string, cid: string) => `a!${org}!${cid}`,
  authoredPrefix: (org: string) => `a!${org}!`,
  /** key rotations of an org by rotation seq */
  rotation: (org: string, seq: number) => `k!${org}!${seqKey(seq)}`,
  rotationPrefix: (org: string) => `k!${org}!`,
  /** the org's latest node binding */
  binding: (org: string) => `n!${org}`,
  /** local settings and metadata (follows, trust) */
  meta: (name: string) => `m!${name}`,
  metaPrefix: (prefix: string) => `m!${prefix}`
}

/** Upper bound for a prefix range scan. */
export const prefixEnd = (prefix: string): string => prefix + '\xff'
