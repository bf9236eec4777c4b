/**
 * Making the next version of an org's chain (SPEC §4.1): publishing sets
 * `frontmatter.version` / `parent_version` from the seq and recomputes the derived fields,
 * so a signed version always agrees with its claims.
 */
import type { CID } from 'multiformats/cid'
import { deriveFields } from '../oos/derive.ts'
import type { OosBody } from '../oos/types.ts'
import { encodeSigned } from './codec.ts'
import type { Decoded, VersionRecord } from './types.ts'

export interface NextVersion {
  org: string
  /** the seq to sign: head seq + 1 */
  seq: number
  prev: CID | null
  createdAt: number
  /** did of the signing key, when it is not the inception key */
  key?: string
}

/** The body as it will be signed for `seq`: version fields set, derived fields recomputed. */
export function bodyForSeq (body: OosBody, seq: number): OosBody {
  const derived = deriveFields(body.claims)
  return {
    ...body,
    frontmatter: {
      ...body.frontmatter,
      version: seq,
      parent_version: seq === 1 ? null : seq - 1,
      claim_count: derived.claim_count,
      confidence_distribution: derived.confidence_distribution,
      evidence_distribution: derived.evidence_distribution
    }
  }
}

export function signVersion (body: OosBody, next: NextVersion, secretKey: Uint8Array): Decoded<VersionRecord> {
  const rec: VersionRecord = {
    type: 'oos/version',
    org: next.org,
    seq: next.seq,
    prev: next.prev,
    createdAt: next.createdAt,
    body: bodyForSeq(body, next.seq),
    ...(next.key !== undefined && next.key !== next.org ? { key: next.key } : {})
  }
  return encodeSigned(rec, [secretKey], next.createdAt)
}
