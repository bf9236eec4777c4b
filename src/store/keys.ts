/**
 * LevelDB key layout (protocol/STORE.md documents it for operators; it is not wire format).
 * Keys are UTF-8 strings; `!` separates parts (it occurs in no CID, did or number we write).
 * Sequence numbers are fixed-width hex so that keys sort in seq order.
 */
export const SEP = '!'

export { base32Multibase, cidBytesText, cidText } from '../records/cid-text.ts'

export const seqKey = (seq: number): string => seq.toString(16).padStart(14, '0')

export const K = {
  /** record bytes by CID */
  block: (cid: string) => `b!${cid}`,
  /** the first part of each kind of key, for scans over every org */
  all: { block: 'b!', equivocation: 'e!', authored: 'a!', rotation: 'k!', binding: 'n!' },
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
  /**
   * statements about an org's claims (endorsements of them, retractions of those and the org's
   * own), by (createdAt, CID bytes): the set `/oos/reconcile` reconciles (NETWORK-reqresp.md §5.2).
   * CID in hex so that keys sort in byte order
   */
  about: (org: string, createdAt: number, cidHex: string) => `t!${org}!${seqKey(createdAt)}!${cidHex}`,
  aboutPrefix: (org: string) => `t!${org}!`,
  /** statements authored by an org */
  authored: (org: string, cid: string) => `a!${org}!${cid}`,
  authoredPrefix: (org: string) => `a!${org}!`,
  /** key rotations of an org by rotation seq */
  rotation: (org: string, seq: number) => `k!${org}!${seqKey(seq)}`,
  rotationPrefix: (org: string) => `k!${org}!`,
  /** the org's latest node binding */
  binding: (org: string) => `n!${org}`,
  /**
   * what the ingest door has verified of an org's chain (protocol/TRUST.md §2.1.1): the
   * head and rotation count it checked contiguously from seq 1, and the rules it applied
   */
  verified: (org: string) => `r!${org}`,
  /**
   * lineage index: the claim CIDs of an org's lineage `(org, claim_id)` by the seq where each
   * run of them opened → binary claim CID (written by the door with the verified marker, so it
   * is complete for a chain its marker covers)
   */
  lineage: (org: string, claimId: string, seq: number) => `l!${org}!${claimId}!${seqKey(seq)}`,
  lineagePrefix: (org: string, claimId: string) => `l!${org}!${claimId}!`,
  lineageOrgPrefix: (org: string) => `l!${org}!`,
  /** local settings and metadata (follows, trust) */
  meta: (name: string) => `m!${name}`,
  metaPrefix: (prefix: string) => `m!${prefix}`
}

/** Upper bound for a prefix range scan. */
export const prefixEnd = (prefix: string): string => prefix + '\xff'
