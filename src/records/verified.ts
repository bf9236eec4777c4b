/**
 * The part of a checked record that the ingest pipeline's chain rules need: everything but
 * the (large) body of a version, plus its claim CIDs. A verification worker sends it back to
 * the main thread in a compact binary form (`packVerified` / `unpackVerified`): the record
 * CID, the claim CIDs and where the body sits; the main thread, which holds the bytes,
 * decodes the record's head itself, skipping the body. No general-purpose encoder runs on
 * this path (a polymorphic encoder kept V8's optimizing compiler busy on every record).
 */
import { CID } from 'multiformats/cid'
import { ClaimMemo } from './claim-memo.ts'
import { decodeRecord } from './codec.ts'
import { KINDS, type Kind } from './constants.ts'
import { decodeChecked, SKIP } from './fastdecode.ts'
import type { SignedRecord, UnsignedRecord } from './types.ts'

/** An unsigned record without a version's body. */
export type RecordHead = UnsignedRecord extends infer R ? R extends { type: 'oos/version' } ? Omit<R, 'body'> : R : never

export interface Verified {
  cid: CID
  bytes: Uint8Array
  kind: Kind
  rec: RecordHead
  /** for versions: the binary claim CIDs, in body order (CID objects are built only where needed) */
  claims?: Uint8Array[]
  /** for versions: whether a claim has `derived_from` (the rules then check the sources) */
  derived?: boolean
  /** for versions, when at hand: the claim CIDs concatenated (`claims` are views into it) */
  claimList?: Uint8Array
}

const hasDerived = (rec: UnsignedRecord): boolean => rec.type === 'oos/version' && rec.body.claims.some(c => c.derived_from !== undefined)

/**
 * The claims this thread decoded lately (claim-memo.ts): on the ingest paths below only,
 * which keep nothing of the body, so the shared, frozen claims never reach other code.
 */
const memo = new ClaimMemo()

let calls = 0
/** How many records `verifyBytes` checked in this thread (a worker's checks are its own): for tests and metrics of where verification runs. */
export function verifyBytesCalls (): number { return calls }

/** Decode and fully check one record (size, canonical form, schema, signatures). Pure, CPU-bound. */
export function verifyBytes (bytes: Uint8Array, now?: number): Verified {
  calls++
  const d = decodeRecord(bytes, { now, memo })
  const rec = d.signed.rec
  if (rec.type !== 'oos/version') return { cid: d.cid, bytes, kind: d.kind, rec }
  const { body: _, ...head } = rec
  return { cid: d.cid, bytes, kind: d.kind, rec: head, claims: d.claimCidBytes ?? [], derived: hasDerived(rec) }
}

/** Every record and claim CID here is CIDv1 dag-cbor sha2-256: 36 bytes. */
const CID_BYTES = 36
/** kind, flags, body start, body end, record CID, claim count */
const HEAD_BYTES = 1 + 1 + 4 + 4 + CID_BYTES + 2

/**
 * The check in its wire form, appended to `out`:
 * `u8 kind index ‖ u8 flags ‖ u32 body start ‖ u32 body end ‖ 36-byte record CID ‖ u16 n ‖ n × 36-byte claim CID`
 * (big-endian; flags bit 0: a claim has `derived_from`; body start = end = 0 when the record
 * is not a version).
 */
export function packVerified (bytes: Uint8Array, now: number | undefined, out: Writer): void {
  const d = decodeRecord(bytes, { now, memo })
  const claims = d.claimCidBytes ?? []
  const at = out.reserve(HEAD_BYTES + claims.length * CID_BYTES)
  const b = out.buf
  const dv = out.view
  b[at] = KINDS.indexOf(d.kind)
  b[at + 1] = hasDerived(d.signed.rec) ? 1 : 0
  dv.setUint32(at + 2, d.bodySpan?.start ?? 0)
  dv.setUint32(at + 6, d.bodySpan?.end ?? 0)
  b.set(d.cid.bytes, at + 10)
  dv.setUint16(at + 10 + CID_BYTES, claims.length)
  let p = at + HEAD_BYTES
  for (const c of claims) { b.set(c, p); p += CID_BYTES }
}

/** Read one `packVerified` entry at `at` of `w`; returns the record and where the next entry starts. */
export function unpackVerified (w: Uint8Array, at: number, bytes: Uint8Array): { v: Verified, next: number } {
  const dv = new DataView(w.buffer, w.byteOffset, w.byteLength)
  const kind = KINDS[w[at]]
  const bodyStart = dv.getUint32(at + 2)
  const bodyEnd = dv.getUint32(at + 6)
  const cid = CID.decode(w.slice(at + 10, at + 10 + CID_BYTES))
  const n = dv.getUint16(at + 10 + CID_BYTES)
  let p = at + HEAD_BYTES
  // the worker checked these bytes: the trusting decoder reads the head, skipping the body
  const env = decodeChecked<SignedRecord>(bytes, bodyEnd > bodyStart ? [{ start: bodyStart, end: bodyEnd, value: SKIP }] : undefined)
  const v: Verified = { cid, bytes, kind, rec: env.rec as RecordHead }
  if (kind === 'oos/version') {
    // one copy of all claim CIDs; each claim a view into it
    const list = w.slice(p, p + n * CID_BYTES)
    const claims: Uint8Array[] = new Array(n)
    for (let i = 0; i < n; i++) claims[i] = list.subarray(i * CID_BYTES, (i + 1) * CID_BYTES)
    p += n * CID_BYTES
    v.claims = claims
    v.claimList = list
    v.derived = (w[at + 1] & 1) === 1
  }
  return { v, next: p }
}

/** Where the `packVerified` entry at `at` ends, without reading it. */
export function skipVerified (w: Uint8Array, at: number): number {
  const n = (w[at + 10 + CID_BYTES] << 8) | w[at + 11 + CID_BYTES]
  return at + HEAD_BYTES + n * CID_BYTES
}

/** A growable byte buffer for replies. */
export class Writer {
  buf = new Uint8Array(4096)
  view = new DataView(this.buf.buffer)
  length = 0

  /** Make room for `n` more bytes; returns their offset. */
  reserve (n: number): number {
    const at = this.length
    if (at + n > this.buf.length) {
      const b = new Uint8Array(Math.max(at + n, this.buf.length * 2))
      b.set(this.buf.subarray(0, at))
      this.buf = b
      this.view = new DataView(b.buffer)
    }
    this.length = at + n
    return at
  }

  /** The bytes written, as a transferable ArrayBuffer of their own; the writer starts over. */
  take (): ArrayBuffer {
    const out = this.buf.buffer.slice(0, this.length) as ArrayBuffer
    this.length = 0
    return out
  }
}
