/**
 * A claim CID where a version CID may be given (`oos show`, `oos verify`, SPEC §9.2): the claim
 * is found through the claim index and answered with the latest version holding it, and, when
 * it was reworded, a pointer to its new wording (TRUST.md §2 `supersededBy`).
 */
import type { CID } from 'multiformats/cid'
import { claimCid } from '../records/claims.ts'
import type { Store } from '../store/store.ts'
import { Reader, type Successor } from '../trust/reader.ts'

export interface ClaimRef {
  cid: string
  claim_id: string
  org: string
  /** the latest version holding the claim */
  seq: number
  version: string
  /** the claim is in its author's latest version */
  current: boolean
  /** the claim's CID is the hash of the claim as that version holds it (SPEC §5) */
  hashes: boolean
  supersededBy?: Successor
}

/** The claim `cid` names, when the claim index knows it. */
export async function claimRef (store: Store, cid: CID): Promise<ClaimRef | undefined> {
  const reader = new Reader(store)
  const info = await reader.claim(cid)
  if (info === undefined) return undefined
  const successor = await reader.successor(info)
  return {
    cid: cid.toString(),
    claim_id: info.claim.claim_id,
    org: info.org,
    seq: info.seq,
    version: info.version.toString(),
    current: info.sightings[info.sightings.length - 1]?.until === undefined,
    hashes: claimCid(info.org, info.claim).equals(cid),
    ...(successor !== undefined ? { supersededBy: successor } : {})
  }
}
