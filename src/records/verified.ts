/**
 * The part of a checked record that the ingest pipeline's chain rules need: everything but
 * the (large) body of a version, plus the claim ids and claim CIDs. It crosses the
 * worker-thread boundary as plain data inside the worker's DAG-CBOR reply (`checkBytes` / `fromWire`).
 */
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
  const d = decodeRecord(bytes, { now })
  const rec = d.signed.rec
  if (rec.type !== 'oos/version') return { cid: d.cid, bytes, kind: d.kind, rec }
  const { body, ...head } = rec
  const cids = d.claimCidBytes ?? []
  return { cid: d.cid, bytes, kind: d.kind, rec: head, claims: body.claims.map((c, i) => ({ id: c.claim_id, cid: cids[i] })) }
}

/**
 * The check, in the form that crosses thread boundaries: plain data the worker's reply
 * encodes once (DAG-CBOR, CIDs as links), without the body.
 */
export function checkBytes (bytes: Uint8Array, now?: number): WireVerified {
  const v = verifyBytes(bytes, now)
  const w: WireVerified = { cid: v.cid.bytes, kind: v.kind, head: v.rec }
  if (v.claims !== undefined) {
    w.ids = v.claims.map(c => c.id)
    w.claimCids = v.claims.map(c => c.cid)
  }
  return w
}

export interface WireVerified {
  cid: Uint8Array
  kind: Kind
  head: RecordHead
  ids?: string[]
  claimCids?: Uint8Array[]
}

export function fromWire (w: WireVerified, bytes: Uint8Array): Verified {
  const v: Verified = { cid: CID.decode(w.cid), bytes, kind: w.kind, rec: w.head }
  if (w.ids !== undefined && w.claimCids !== undefined) {
    const cids = w.claimCids
    v.claims = w.ids.map((id, i) => ({ id, cid: cids[i] }))
  }
  return v
}
