/**
 * LevelDB key layout (protocol/STORE.md documents it for operators; it is not wire format).
 * Keys are UTF-8 strings; `!` separates parts (it occurs in no CID, did or number we write).
 * Sequence numbers are fixed-width hex so that keys sort in seq order.
 */
export const SEP = '!'
export const seqKey = (seq: number): string => seq.toString(16).padStart(14, '0')

export const K = {
  /** record bytes by CID */
  block: (cid: string) => `b!${cid}`,
  /** head of an org's chain: {seq, cid, createdAt} */
  head: (org: string) => `h!${org}`,
  headPrefix: 'h!',
  /** an org's chain: seq → version CID */
  chain: (org: string, seq: number) => `v!${org}!${seqKey(seq)}`,
  chainPrefix: (org: string) => `v!${org}!`,
  /** claim index: claim CID → versions containing it */
  claim: (claimCid: string, org: string, seq: number) => `c!${claimCid}!${org}!${seqKey(seq)}`,
  claimPrefix: (claimCid: string) => `c!${claimCid}!`,
  /** lineage index: (org, claim_id) → claim CID per version */
  lineage: (org: string, claimId: string, seq: number) => `l!${org}!${claimId}!${seqKey(seq)}`,
  lineagePrefix: (org: string, claimId: string) => `l!${org}!${claimId}!`,
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
