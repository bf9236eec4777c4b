/**
 * The part of a checked record that the ingest pipeline's chain rules need: everything but
 * the (large) body of a version, plus the claim ids and claim CIDs. It crosses the
 * worker-thread boundary as plain bytes (`checkBytes` / `fromWire`).
 */
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { decodeRecord } from './codec.ts'
import type { Kind } from './constants.ts'
import type { UnsignedRecord } from './types.ts'

/** An unsigned record without a version's body. */
export type RecordHead = UnsignedRecord extends infer R ? R extends { type: 'oos/version' } ? Omit<R, 'body'> : R : never

export interface Verified {
  cid: CID
  bytes: Uint8Array
  kind: Kind
  rec: RecordHead
  /** for versions: claim ids and binary claim CIDs, in body order (CID objects are built only where needed) */
  claims?: Array<{ id: string, cid: Uint8Array }>
}

/** Decode and fully check one record (size, canonical form, schema, signatures). Pure, CPU-bound. */
export function verifyBytes (bytes: Uint8Array, now?: number): Verified {
  return fromWire(checkBytes(bytes, now), bytes)
}

/** The check, in the form that crosses thread boundaries (no CID objects built). */
export function checkBytes (bytes: Uint8Array, now?: number): WireVerified {
  const d = decodeRecord(bytes, { now })
  const rec = d.signed.rec
  if (rec.type !== 'oos/version') return { cid: d.cid.bytes, kind: d.kind, head: dagCbor.encode(rec) }
  const { body, ...head } = rec
  return { cid: d.cid.bytes, kind: d.kind, head: dagCbor.encode(head), ids: body.claims.map(c => c.claim_id), claimCids: d.claimCidBytes ?? [] }
}

export interface WireVerified {
  cid: Uint8Array
  kind: Kind
  head: Uint8Array
  ids?: string[]
  claimCids?: Uint8Array[]
}

export function fromWire (w: WireVerified, bytes: Uint8Array): Verified {
  const v: Verified = { cid: CID.decode(w.cid), bytes, kind: w.kind, rec: dagCbor.decode<RecordHead>(w.head) }
  if (w.ids !== undefined && w.claimCids !== undefined) {
    const cids = w.claimCids
    v.claims = w.ids.map((id, i) => ({ id, cid: cids[i] }))
  }
  return v
}
