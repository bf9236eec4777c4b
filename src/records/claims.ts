/**
 * Claim addresses (SPEC §5). A claim's CID is the CID of the DAG-CBOR block
 * `{ type: "oos/claim", org, claim }`: it names the author org, so two organizations never
 * share one, and it does not name the version, so an unchanged claim keeps its CID across
 * versions and endorsements of it carry over. `(org, claim_id)` is the claim's lineage
 * across wordings.
 */
import * as dagCbor from '@ipld/dag-cbor'
import type { CID } from 'multiformats/cid'
import type { Claim } from '../oos/types.ts'
import { CID as CIDClass } from 'multiformats/cid'
import { cidBytesOf, cidOf } from './cid.ts'

export const CLAIM_TYPE = 'oos/claim'

export interface ClaimBlock {
  type: typeof CLAIM_TYPE
  org: string
  claim: Claim
}

export function claimBlock (org: string, claim: Claim): { cid: CID, bytes: Uint8Array, block: ClaimBlock } {
  const block: ClaimBlock = { type: CLAIM_TYPE, org, claim }
  const bytes = dagCbor.encode(block)
  return { cid: cidOf(bytes), bytes, block }
}

export function claimCid (org: string, claim: Claim): CID {
  return claimBlock(org, claim).cid
}

/**
 * The claim CID from the claim's canonical bytes as they sit inside a version record, without
 * re-encoding: the block is `a3` ‖ "org" ‖ did ‖ "type" ‖ "oos/claim" ‖ "claim" ‖ claimBytes
 * (keys in DAG-CBOR order: length first). The prefix depends only on the org.
 */
const prefixes = new Map<string, Uint8Array>()
function blockPrefix (org: string): Uint8Array {
  let p = prefixes.get(org)
  if (p === undefined) {
    const head = dagCbor.encode({ org, type: CLAIM_TYPE })
    const key = dagCbor.encode('claim')
    p = new Uint8Array(head.length + key.length)
    p.set(head, 0)
    p[0] = 0xa3
    p.set(key, head.length)
    if (prefixes.size > 10_000) prefixes.clear()
    prefixes.set(org, p)
  }
  return p
}

export function claimCidFromBytes (org: string, claimBytes: Uint8Array): CID {
  return CIDClass.decode(claimCidBytes(org, claimBytes))
}

/** The binary claim CID, without building a CID object (the ingest hot path). */
export function claimCidBytes (org: string, claimBytes: Uint8Array): Uint8Array {
  const prefix = blockPrefix(org)
  const block = Buffer.allocUnsafe(prefix.length + claimBytes.length)
  block.set(prefix, 0)
  block.set(claimBytes, prefix.length)
  return cidBytesOf(block)
}
