/**
 * The store's small fixed-shape values, written on every accepted version: the head
 * `{cid, seq, createdAt}` and a claim run `{from, until?}`. Encoded by hand into exactly the
 * bytes `@ipld/dag-cbor` writes for them (canonical DAG-CBOR: keys length-first, then
 * bytewise; minimal integer heads; the CID as tag 42 over 0x00 ‖ binary CID), so any DAG-CBOR
 * reader decodes them and the store's layout is unchanged — without running a general,
 * polymorphic encoder on the hot path (tests/store/values.test.ts holds them equal).
 */
import type { CID } from 'multiformats/cid'

/** Bytes of a CBOR unsigned integer head of major type 0 (RFC 8949 §3.1), minimal. */
function uint (n: number, out: number[]): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new TypeError(`not a non-negative safe integer: ${n}`)
  if (n < 24) { out.push(n); return }
  if (n < 0x100) { out.push(0x18, n); return }
  if (n < 0x10000) { out.push(0x19, n >>> 8, n & 0xff); return }
  if (n < 0x100000000) { out.push(0x1a, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff); return }
  const hi = Math.floor(n / 0x100000000)
  const lo = n >>> 0
  out.push(0x1b, hi >>> 24, (hi >>> 16) & 0xff, (hi >>> 8) & 0xff, hi & 0xff, lo >>> 24, (lo >>> 16) & 0xff, (lo >>> 8) & 0xff, lo & 0xff)
}

const CID_KEY = [0x63, 0x63, 0x69, 0x64] // text(3) "cid"
const SEQ_KEY = [0x63, 0x73, 0x65, 0x71] // text(3) "seq"
const CREATED_AT_KEY = [0x69, ...Buffer.from('createdAt')] // text(9)
const FROM_KEY = [0x64, ...Buffer.from('from')] // text(4)
const UNTIL_KEY = [0x65, ...Buffer.from('until')] // text(5)

/** `dagCbor.encode({ cid, seq, createdAt })` */
export function encodeHead (head: { cid: CID, seq: number, createdAt: number }): Uint8Array {
  const link = head.cid.bytes
  if (link.length + 1 >= 0x100) throw new TypeError('CID too long for a head')
  const out: number[] = [0xa3, ...CID_KEY, 0xd8, 0x2a]
  // byte string of 0x00 ‖ binary CID
  if (link.length + 1 < 24) out.push(0x40 + link.length + 1)
  else out.push(0x58, link.length + 1)
  out.push(0x00)
  const prefix = out.length
  const tail: number[] = [...SEQ_KEY]
  uint(head.seq, tail)
  tail.push(...CREATED_AT_KEY)
  uint(head.createdAt, tail)
  const bytes = new Uint8Array(prefix + link.length + tail.length)
  bytes.set(out, 0)
  bytes.set(link, prefix)
  bytes.set(tail, prefix + link.length)
  return bytes
}

/** `dagCbor.encode({ from })` or `dagCbor.encode({ from, until })` */
export function encodeRun (from: number, until?: number): Uint8Array {
  const out: number[] = [until === undefined ? 0xa1 : 0xa2, ...FROM_KEY]
  uint(from, out)
  if (until !== undefined) {
    out.push(...UNTIL_KEY)
    uint(until, out)
  }
  return Uint8Array.from(out)
}
