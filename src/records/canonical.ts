/**
 * Canonical DAG-CBOR, checked in one linear pass over the bytes — no decoding to JS values,
 * no re-encoding, no allocation proportional to the input (SPEC §3.2).
 *
 * The rules are those of the DAG-CBOR spec, https://ipld.io/specs/codecs/dag-cbor/spec/
 * ("Strictness", numbered 1–6 below as there), on top of well-formed CBOR (RFC 8949 §3):
 *
 *   S1  no tag but 42 (CID); its content is a byte string 0x00 ‖ binary CID ("Links").
 *   S2  deterministic encoding (RFC 8949 §4.2 / RFC 7049 §3.9): integers, lengths and the tag
 *       number as short as possible (so the only tag head is 0xd8 0x2a); map keys are text
 *       strings ("Map Keys"), sorted bytewise over their encoded form, which for text keys
 *       is length-first then bytewise; no indefinite lengths, no break token.
 *   S3  major type 7: only false, true, null and floats; no other simple value, no undefined.
 *   S4  floats only as 64-bit (0xfb).
 *   S5  no NaN, Infinity, -Infinity.
 *   S6  exactly one top-level data item, no trailing bytes.
 *
 * Which error:
 *   DecodeFailedError (`DECODE_FAILED`, exported also as `DecodeError`) — the bytes are not a
 *     single well-formed data item this codec can read: truncated input, trailing bytes,
 *     reserved additional info (28–30), additional info 31 on major 0/1/6 (never well-formed),
 *     invalid UTF-8 in a text string (SPEC §9 lists bad UTF-8 under DECODE_FAILED), nesting
 *     deeper than `maxDepth` (SPEC §8: 64).
 *   NonCanonicalError (`NON_CANONICAL`) — well-formed CBOR that breaks a DAG-CBOR rule above:
 *     non-minimal argument, indefinite length or break (S2), unsorted or duplicate map keys,
 *     a non-text map key, any tag but 42 (S1), a tag-42 content that is not a byte string
 *     0x00 ‖ valid binary CID, a simple value / undefined / half or single float (S3, S4),
 *     NaN or ±Infinity (S5).
 * Both carry the byte offset of the offending item in their message. Nothing else is ever
 * thrown for any `bytes` (a `TypeError` only for malformed `options`/`paths`, a caller bug).
 *
 * Accepted on purpose: a float64 whose value is integral (1.0, -0.0, 2^60): it is a valid
 * Float of the IPLD data model, although the JS encoder would write the number 1 as an int.
 * Integers use the full CBOR range [-2^64, 2^64-1].
 *
 * Binary CIDs (https://github.com/multiformats/cid) inside tag 42 are checked strictly:
 * CIDv0 is exactly 0x12 0x20 + 32 bytes (a sha2-256 multihash); CIDv1 is
 * varint(1) ‖ varint(codec) ‖ varint(hash code) ‖ varint(digest length) ‖ digest, with every
 * varint minimal and at most 9 bytes (multiformats/unsigned-varint), and nothing after the
 * digest.
 */
import { isUtf8 } from 'node:buffer'
import { utf8Error } from '../oos/text.ts'
import { closeTracked, keyTracked, knownItem, leafTracked, openTracked, tracker, type KnownItem, type Tracker } from './canonical-paths.ts'
import { DecodeFailedError, NonCanonicalError } from './errors.ts'

export { DecodeFailedError, NonCanonicalError }
export { DecodeFailedError as DecodeError }
export type { KnownItem }

/** `[start, end)` byte offsets into the input. */
export interface Span { start: number, end: number }

export interface CanonicalOptions {
  /** most arrays/maps open at once (a bare scalar is depth 0, `[[1]]` is 2); default 64 */
  maxDepth?: number
  /**
   * The oosnet profile (protocol/SPEC.md §3.2): additionally reject a float64 whose value is
   * integral (JS decoders turn it into an integer that re-encodes differently) and a text
   * string that starts with U+FEFF (common decoders silently drop it). Default false.
   */
  strict?: boolean
}

const DEFAULT_MAX_DEPTH = 64
/** the `strict` option of the call in progress (scans are synchronous, never interleaved) */
let strictProfile = false
const f64 = new DataView(new ArrayBuffer(8))
/** text strings at least this long are validated by Node's native (simdutf) `isUtf8` */
const NATIVE_UTF8_MIN = 96

const ARRAY = 0
const MAP = 1

/**
 * Throws `NonCanonicalError` or `DecodeFailedError` unless `bytes` is exactly one canonical
 * DAG-CBOR data item. Returns nothing.
 */
export function checkCanonical (bytes: Uint8Array, options?: CanonicalOptions): void {
  strictProfile = options?.strict === true
  scan(bytes, maxDepthOf(options), null)
}

/**
 * Same check as `checkCanonical`, and returns, for each path, the spans of the values found at
 * it, in document order. A path is a list of steps: a map key (string), or `'*'` meaning every
 * element of an array (against a map, `'*'` is just the key "*"). `[]` is the whole item.
 * A path that leads nowhere (missing key, wrong kind of container, through a scalar) yields [].
 * Each span slices out the canonical encoding of that sub-value.
 *
 * `known(bytes, at, path)`, when given, is asked at the start of each value found at a path:
 * it returns the end of a data item known to be canonical whose exact bytes start at `at`
 * (an item that passed this check before — same options, same place), or -1. A known item is
 * not scanned again: its span is taken as it is. (Claims repeat byte for byte from version to
 * version; records/claim-memo.ts.)
 */
export function canonicalSpans (bytes: Uint8Array, paths: ReadonlyArray<ReadonlyArray<string>>, options?: CanonicalOptions & { known?: KnownItem }): Span[][] {
  const maxDepth = maxDepthOf(options)
  const tr = tracker(paths, options?.known ?? null)
  strictProfile = options?.strict === true
  scan(bytes, maxDepth, tr)
  return tr.out
}

function maxDepthOf (options: CanonicalOptions | undefined): number {
  const d = options?.maxDepth ?? DEFAULT_MAX_DEPTH
  if (typeof d !== 'number' || !(d >= 0) || Math.floor(d) !== d) throw new TypeError(`maxDepth must be a non-negative integer, got ${String(d)}`)
  return d
}

// Per-level stacks, reused across calls and grown on demand (never beyond the real depth).
// Int32 is enough: inputs are capped at 2^31 - 1 bytes (MAX_INPUT), offsets and counts below it.
let remS = new Int32Array(16) // items still to read; a map of n entries starts at 2n
let kindS = new Uint8Array(16)
let pkStartS = new Int32Array(16) // previous key of a map, encoded: [start, end); end -1 = none
let pkEndS = new Int32Array(16)

function grow (): void {
  const c = remS.length * 2
  const r = new Int32Array(c); r.set(remS); remS = r
  const k = new Uint8Array(c); k.set(kindS); kindS = k
  const s = new Int32Array(c); s.set(pkStartS); pkStartS = s
  const e = new Int32Array(c); e.set(pkEndS); pkEndS = e
}

/** largest input accepted (far above any record limit, SPEC §8) */
const MAX_INPUT = 0x7fffffff

function nonCanonical (what: string, at: number): never {
  throw new NonCanonicalError(`non-canonical DAG-CBOR at byte ${at}: ${what}`)
}

function decodeFailed (what: string, at: number): never {
  throw new DecodeFailedError(`invalid DAG-CBOR at byte ${at}: ${what}`)
}

function truncated (what: string, at: number, need: number, have: number): never {
  decodeFailed(`truncated input: ${what} needs ${need > 2 ** 53 ? 'more than 2^53' : need} byte(s), ${have} left`, at)
}

const hex = (b: number): string => '0x' + b.toString(16).padStart(2, '0')

/**
 * The argument of the head at `at` (initial byte `ib`, its additional info `ai`, argument bytes
 * from `at + 1`): checks presence and minimality (S2). For ai 27 the value is exact only below
 * 2^53; callers use it only for comparisons where that does not matter.
 */
function argument (b: Uint8Array, at: number, ib: number, ai: number): number {
  const p = at + 1
  const left = b.length - p
  switch (ai) {
    case 24: {
      if (left < 1) truncated(`head ${hex(ib)}`, at, 1, left)
      const v = b[p]
      if (v < 24) nonCanonical(`argument ${v} encoded in 2 bytes (${hex(ib)} ${hex(v)}), must be inline`, at)
      return v
    }
    case 25: {
      if (left < 2) truncated(`head ${hex(ib)}`, at, 2, left)
      const v = (b[p] << 8) | b[p + 1]
      if (v < 0x100) nonCanonical(`argument ${v} encoded in 3 bytes, must be shorter`, at)
      return v
    }
    case 26: {
      if (left < 4) truncated(`head ${hex(ib)}`, at, 4, left)
      const v = b[p] * 0x1000000 + ((b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3])
      if (v < 0x10000) nonCanonical(`argument ${v} encoded in 5 bytes, must be shorter`, at)
      return v
    }
    case 27: {
      if (left < 8) truncated(`head ${hex(ib)}`, at, 8, left)
      const hi = b[p] * 0x1000000 + ((b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3])
      const lo = b[p + 4] * 0x1000000 + ((b[p + 5] << 16) | (b[p + 6] << 8) | b[p + 7])
      if (hi === 0) nonCanonical(`argument ${lo} encoded in 9 bytes, must be shorter`, at)
      return hi * 0x100000000 + lo
    }
    case 31: {
      const major = ib >>> 5
      if (major >= 2 && major <= 5) nonCanonical(`indefinite-length ${['byte string', 'text string', 'array', 'map'][major - 2]} (${hex(ib)})`, at)
      return decodeFailed(`additional info 31 is not well-formed for major type ${major} (${hex(ib)})`, at)
    }
    default: // 28, 29, 30
      return decodeFailed(`reserved additional info ${ai} (${hex(ib)})`, at)
  }
}

/** The whole scan. `tr` is null for a bare check (the hot path: no tracking work at all). */
function scan (b: Uint8Array, maxDepth: number, tr: Tracker | null): void {
  if (!(b instanceof Uint8Array)) throw new DecodeFailedError('invalid DAG-CBOR: input must be a Uint8Array')
  const n = b.length
  if (n > MAX_INPUT) decodeFailed(`input of ${n} bytes is larger than ${MAX_INPUT}`, 0)
  // the stacks in locals (module bindings are slower in the loop); reloaded after grow()
  let rem = remS
  let kind = kindS
  let pkStart = pkStartS
  let pkEnd = pkEndS
  let pos = 0
  let sp = 0 // containers open
  let textStart = 0 // content start of the last text string (a key, when in a map)
  for (;;) {
    // ---- one data item, its head at `pos`
    const start = pos
    if (pos >= n) truncated(sp === 0 ? 'empty input: a data item' : 'a data item', pos, 1, 0)
    const ib = b[pos]
    const major = ib >>> 5
    const ai = ib & 0x1f
    const isKey = sp > 0 && kind[sp - 1] === MAP && (rem[sp - 1] & 1) === 0
    if (isKey && major !== 3) nonCanonical(`map key of major type ${major} (${hex(ib)}), keys must be text strings`, pos)
    const inMap = sp > 0 && kind[sp - 1] === MAP // the item's container, if any, is a map
    const knownEnd = tr !== null && tr.known !== null && !isKey && sp > 0 && tr.match[sp - 1] !== null ? knownItem(tr, b, sp, start, inMap) : -1

    if (knownEnd > start) {
      pos = knownEnd // checked before, byte for byte: a complete item (its span is emitted below)
    } else if (major === 7) {
      if (ib === 0xfb) {
        if (n - pos < 9) truncated('float64', pos, 8, n - pos - 1)
        // S5: exponent all ones ⇒ NaN or ±Infinity
        if ((b[pos + 1] & 0x7f) === 0x7f && (b[pos + 2] & 0xf0) === 0xf0) {
          nonCanonical(`float64 NaN or Infinity (${hex(b[pos + 1])} ${hex(b[pos + 2])}…)`, pos)
        }
        if (strictProfile) {
          for (let i = 0; i < 8; i++) f64.setUint8(i, b[pos + 1 + i])
          if (Number.isInteger(f64.getFloat64(0))) nonCanonical('float64 with an integral value (oosnet encodes integral numbers as integers)', pos)
        }
        pos += 9
      } else if (ib >= 0xf4 && ib <= 0xf6) { // false, true, null
        pos += 1
      } else if (ib === 0xf9 || ib === 0xfa) {
        nonCanonical(`${ib === 0xf9 ? 'half' : 'single'}-precision float (${hex(ib)}), floats must be 64-bit`, pos) // S4
      } else if (ib === 0xf7) {
        nonCanonical('undefined (0xf7)', pos) // S3
      } else if (ib === 0xff) {
        nonCanonical('break (0xff) outside any indefinite-length item', pos) // S2
      } else if (ai >= 28) {
        decodeFailed(`reserved additional info ${ai} (${hex(ib)})`, pos)
      } else {
        nonCanonical(`simple value (${hex(ib)})`, pos) // S3: 0xe0–0xf3, 0xf8 xx
      }
    } else {
      let arg = ai
      if (ai < 24) {
        pos += 1
      } else {
        arg = argument(b, pos, ib, ai)
        pos += ai === 24 ? 2 : ai === 25 ? 3 : ai === 26 ? 5 : 9
      }
      const left = n - pos
      switch (major) {
        case 0: case 1: // integers: done by construction (64-bit argument)
          break
        case 2:
          if (arg > left) truncated('byte string', start, arg, left)
          pos += arg
          break
        case 3:
          if (arg > left) truncated('text string', start, arg, left)
          textStart = pos
          pos += arg
          if (arg > 0) checkUtf8(b, textStart, pos)
          break
        case 4:
        case 5: {
          const isMap = major === 5
          // every element needs at least one byte: a huge claimed count fails here, fast
          if ((isMap ? arg * 2 : arg) > left) truncated(isMap ? `map of ${arg} entries` : `array of ${arg} elements`, start, isMap ? arg * 2 : arg, left)
          if (sp >= maxDepth) decodeFailed(`nesting deeper than ${maxDepth}`, start)
          if (arg > 0) {
            if (sp === rem.length) {
              grow()
              rem = remS; kind = kindS; pkStart = pkStartS; pkEnd = pkEndS
            }
            rem[sp] = isMap ? arg * 2 : arg
            kind[sp] = isMap ? MAP : ARRAY
            pkEnd[sp] = -1
            if (tr !== null) openTracked(tr, sp, start, isKey, inMap)
            sp++
            continue // its first element is next
          }
          break
        }
        case 6:
          if (arg !== 42) nonCanonical(`tag ${arg}, only tag 42 (CID) is allowed`, start) // S1
          pos = checkCidContent(b, pos, start)
          break
      }
    }

    // ---- the item [start, pos) is complete; close every container it completes
    if (tr !== null && (sp === 0 || tr.match[sp - 1] !== null)) leafTracked(tr, sp, start, pos, isKey, inMap)
    if (isKey) { // a text string, so a leaf: check its order, remember it (S2)
      const f = sp - 1
      const pe = pkEnd[f]
      if (pe >= 0) compareKeys(b, pkStart[f], pe, start, pos)
      pkStart[f] = start
      pkEnd[f] = pos
      if (tr !== null && tr.match[f] !== null) keyTracked(tr, b, f, textStart, pos)
    }
    while (sp > 0) {
      const f = sp - 1
      const r = rem[f] - 1
      rem[f] = r
      if (r > 0) break
      // the container at level f is complete at `pos`
      sp = f
      if (tr !== null) closeTracked(tr, f, pos)
    }
    if (sp === 0) break
  }
  if (pos !== n) decodeFailed(`${n - pos} trailing byte(s) after the top-level data item`, pos) // S6
}

/** S2: the key [ks, ke) must sort strictly after the previous key [ps, pe) — length first, then bytewise. */
function compareKeys (b: Uint8Array, ps: number, pe: number, ks: number, ke: number): void {
  const pl = pe - ps
  const kl = ke - ks
  if (kl < pl) nonCanonical('map key out of order (shorter key after a longer one)', ks)
  if (kl > pl) return
  for (let i = 0; i < kl; i++) {
    const x = b[ks + i]
    const y = b[ps + i]
    if (x !== y) {
      if (x < y) nonCanonical('map key out of order (bytewise)', ks)
      return
    }
  }
  nonCanonical('duplicate map key', ks)
}

/**
 * S1 / Links: after the tag head 0xd8 0x2a (at `tagAt`; its content at `p`): a definite byte
 * string, minimal length, 0x00 then a binary CID filling it exactly. Returns the end offset.
 */
function checkCidContent (b: Uint8Array, p: number, tagAt: number): number {
  const n = b.length
  if (p >= n) truncated('tag 42 content', tagAt, 1, 0)
  const ib = b[p]
  if (ib >>> 5 !== 2) nonCanonical(`tag 42 content of major type ${ib >>> 5} (${hex(ib)}), must be a byte string`, p)
  const ai = ib & 0x1f
  let len = ai
  let q = p + 1
  if (ai >= 24) {
    len = argument(b, p, ib, ai)
    q += ai === 24 ? 1 : ai === 25 ? 2 : ai === 26 ? 4 : 8
  }
  if (len > n - q) truncated('tag 42 byte string', p, len, n - q)
  const end = q + len
  if (len === 0 || b[q] !== 0x00) nonCanonical('tag 42 content must start with the multibase identity prefix 0x00', q)
  checkBinaryCid(b, q + 1, end)
  return end
}

/** A binary CID exactly filling [s, e); see the module comment. */
function checkBinaryCid (b: Uint8Array, s: number, e: number): void {
  if (s < e && b[s] === 0x12) { // CIDv0: a bare sha2-256 multihash
    if (e - s !== 34 || b[s + 1] !== 0x20) nonCanonical('CIDv0 in tag 42 is not a 34-byte sha2-256 multihash', s)
    return
  }
  let p = s
  let v = 0
  for (let k = 0; k < 4; k++) { // version, codec, hash code, digest length
    const at = p
    v = 0
    let mul = 1
    let i = 0
    for (;;) {
      if (p >= e) nonCanonical('CID in tag 42 ends inside a varint', at)
      const c = b[p++]
      v += (c & 0x7f) * mul
      mul *= 128
      i++
      if (c < 0x80) {
        if (c === 0 && i > 1) nonCanonical('CID in tag 42 has a non-minimal varint', at)
        break
      }
      if (i === 9) nonCanonical('CID in tag 42 has a varint longer than 9 bytes', at)
    }
    if (k === 0 && v !== 1) nonCanonical(`CID version ${v} in tag 42, must be 1 (or a bare CIDv0 multihash)`, at)
  }
  if (v !== e - p) nonCanonical(`CID in tag 42: multihash digest length ${v} does not match the ${e - p} byte(s) left`, p)
}

/** Text strings must be valid UTF-8 (RFC 8949 §3.1, major type 3). */
function checkUtf8 (b: Uint8Array, s: number, e: number): void {
  if (strictProfile && e - s >= 3 && b[s] === 0xef && b[s + 1] === 0xbb && b[s + 2] === 0xbf) {
    nonCanonical('text string starting with U+FEFF (decoders disagree on it)', s)
  }
  if (e - s >= NATIVE_UTF8_MIN) {
    if (isUtf8(b.subarray(s, e))) return
    const bad = utf8Error(b, s, e) // only to name the offset; the native verdict stands
    decodeFailed('invalid UTF-8 in text string', bad >= 0 ? bad : s)
  } else {
    let i = s // ASCII fast path, four bytes a step
    const e4 = e - 3
    while (i < e4 && (b[i] | b[i + 1] | b[i + 2] | b[i + 3]) < 0x80) i += 4
    while (i < e && b[i] < 0x80) i++
    if (i === e) return
  }
  const bad = utf8Error(b, s, e)
  if (bad >= 0) decodeFailed('invalid UTF-8 in text string', bad)
}
