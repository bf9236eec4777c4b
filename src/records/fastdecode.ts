/**
 * Decoding of bytes already checked by the canonical pass (canonical.ts) into the values of
 * the IPLD data model, as `@ipld/dag-cbor`'s `decode` gives them: maps as plain objects,
 * byte strings as `Uint8Array`, tag 42 as `CID`, integers as numbers (as `bigint` outside
 * ±(2^53 − 1)), float64 as numbers.
 *
 * It trusts its input: call it only on bytes `checkCanonical` / `canonicalSpans` accepted
 * (well-formed, definite lengths, minimal heads, text keys, only tag 42, valid UTF-8). That
 * is why it can be a plain recursive descent with no checks: about three times faster than
 * the general decoder on a version record, which the ingest door decodes for every record
 * (tests/records/fastdecode.test.ts holds it equal to `@ipld/dag-cbor` on every vector and
 * on random canonical values).
 */
import { CID } from 'multiformats/cid'

const f64 = new DataView(new ArrayBuffer(8))

let b: Uint8Array = new Uint8Array(0)
/** `b` as a Buffer, for Node's native UTF-8 slicing */
let buf: Buffer = Buffer.alloc(0)
let pos = 0
/** A value known in advance for the item encoded at exactly `[start, end)`; `SKIP`: leave it out. */
export interface Substitution { start: number, end: number, value: unknown }
/** As a substitution's value: a map leaves the key out, an array the element. */
export const SKIP: unknown = Symbol('skip')
const NONE: Substitution[] = []
let subs: readonly Substitution[] = NONE
let subAt = -1 // start of the next substitution, -1 when none is left
let subIndex = 0

/**
 * Decode one canonical DAG-CBOR item that fills `bytes` (checked beforehand). `substitute`
 * (in document order, not nested in one another) names items not to decode: each gives the
 * value to use instead, or `SKIP` (a version's head without its body; a claim decoded before).
 */
export function decodeChecked<T = unknown> (bytes: Uint8Array, substitute: readonly Substitution[] = NONE): T {
  b = bytes
  buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  pos = 0
  subs = substitute
  subIndex = 0
  subAt = substitute.length > 0 ? substitute[0].start : -1
  try {
    return item() as T
  } finally {
    b = EMPTY
    buf = EMPTY_BUF
    subs = NONE
  }
}

const EMPTY = new Uint8Array(0)
const EMPTY_BUF = Buffer.alloc(0)

/** The head's argument (the canonical pass has checked it is present and minimal). */
function arg (ai: number): number {
  if (ai < 24) return ai
  const p = pos
  switch (ai) {
    case 24: pos += 1; return b[p]
    case 25: pos += 2; return (b[p] << 8) | b[p + 1]
    case 26: pos += 4; return b[p] * 0x1000000 + ((b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3])
    default: { // 27
      pos += 8
      const hi = b[p] * 0x1000000 + ((b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3])
      const lo = b[p + 4] * 0x1000000 + ((b[p + 5] << 16) | (b[p + 6] << 8) | b[p + 7])
      return hi * 0x100000000 + lo // exact below 2^53; larger values are re-read as bigint
    }
  }
}

function bigArg (p: number): bigint {
  let v = 0n
  for (let i = 0; i < 8; i++) v = (v << 8n) | BigInt(b[p + i])
  return v
}

function text (len: number): string {
  const s = pos
  const e = s + len
  pos = e
  if (len < 16) {
    // ASCII is most keys and short values: build it directly, no native call
    let out = ''
    for (let i = s; i < e; i++) {
      const c = b[i]
      if (c >= 0x80) return buf.toString('utf8', s, e)
      out += String.fromCharCode(c)
    }
    return out
  }
  return buf.toString('utf8', s, e)
}

// Map keys repeat in every record (the schema's field names): each distinct key is built
// once and then found by a hash of its bytes, checked byte for byte — no new string to
// build and intern per key. At most 4096 are kept.
const keys = new Map<number, string>()

function keyText (len: number): string {
  if (len > 32) return text(len)
  const s = pos
  let h = 0x811c9dc5 ^ len
  for (let i = s; i < s + len; i++) h = Math.imul(h ^ b[i], 0x01000193)
  const hit = keys.get(h)
  if (hit !== undefined && hit.length === len) {
    let i = 0
    while (i < len && hit.charCodeAt(i) === b[s + i]) i++
    if (i === len) { pos = s + len; return hit }
  }
  const k = text(len)
  if (keys.size < 4096) keys.set(h, k)
  return k
}

function item (): unknown {
  if (pos === subAt) {
    const s = subs[subIndex++]
    pos = s.end
    subAt = subIndex < subs.length ? subs[subIndex].start : -1
    return s.value
  }
  const ib = b[pos++]
  const major = ib >>> 5
  const ai = ib & 0x1f
  if (major === 7) {
    if (ib === 0xf4) return false
    if (ib === 0xf5) return true
    if (ib === 0xf6) return null
    // 0xfb: the only float the canonical pass lets through
    for (let i = 0; i < 8; i++) f64.setUint8(i, b[pos + i])
    pos += 8
    return f64.getFloat64(0)
  }
  const headAt = pos
  const n = arg(ai)
  switch (major) {
    case 0:
      return n <= Number.MAX_SAFE_INTEGER ? n : bigArg(headAt)
    case 1:
      return n < Number.MAX_SAFE_INTEGER ? -1 - n : -1n - bigArg(headAt)
    case 2: {
      const s = pos
      pos += n
      return b.slice(s, pos)
    }
    case 3:
      return text(n)
    case 4: {
      const out = []
      for (let i = 0; i < n; i++) {
        const v = item()
        if (v !== SKIP) out.push(v)
      }
      return out
    }
    case 5: {
      const out: Record<string, unknown> = {}
      for (let i = 0; i < n; i++) {
        const kib = b[pos++]
        const key = keyText(arg(kib & 0x1f))
        const value = item()
        if (value === SKIP) continue
        // a key "__proto__" is data, never the object's prototype
        if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true })
        else out[key] = value
      }
      return out
    }
    default: { // 6: tag 42, content 0x00 ‖ binary CID
      const cib = b[pos++]
      const len = arg(cib & 0x1f)
      const s = pos
      pos += len
      return CID.decode(b.slice(s + 1, pos))
    }
  }
}
