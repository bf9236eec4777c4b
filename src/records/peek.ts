/**
 * A glance at a record's `type`, `org` and `seq` without decoding it: walks the CBOR
 * structure of `{ rec: {…}, sig }` and reads only those three fields (a few µs for a 10 KB
 * version, against ~50 µs for a full decode). Used by the sync requester to refuse a frame
 * that is not what it asked for before the frame reaches the ingest door, which then checks
 * everything; and by the door to say what a rejected record claimed to be (its decision
 * report, node/audit.ts). Returns undefined for anything that does not look like a record.
 */
import { DecodeFailedError } from './errors.ts'

export interface RecordGlance { type: string, org: string, seq?: number }

const MAX_DEPTH = 64
const utf8 = new TextDecoder('utf-8', { fatal: true })

class Reader {
  at = 0
  readonly b: Uint8Array
  constructor (b: Uint8Array) { this.b = b }

  /** the last head read by `next` */
  major = 0
  arg = 0

  /** Read an item's head into `major` and `arg` (no allocation: `skip` reads one per item of a body). */
  next (): void {
    const b = this.b
    if (this.at >= b.length) throw new DecodeFailedError('truncated')
    const ib = b[this.at++]
    this.major = ib >> 5
    const ai = ib & 31
    if (ai < 24) { this.arg = ai; return }
    const n = ai === 24 ? 1 : ai === 25 ? 2 : ai === 26 ? 4 : ai === 27 ? 8 : 0
    if (n === 0 || this.at + n > b.length) throw new DecodeFailedError('unsupported or truncated head')
    let v = 0
    for (let i = 0; i < n; i++) v = v * 256 + b[this.at++]
    if (!Number.isSafeInteger(v)) throw new DecodeFailedError('argument too large')
    this.arg = v
  }

  /** an item's major type and argument */
  head (): [number, number] {
    this.next()
    return [this.major, this.arg]
  }

  skip (depth = 0): void {
    if (depth > MAX_DEPTH) throw new DecodeFailedError('too deep')
    this.next()
    const v = this.arg
    switch (this.major) {
      case 2: case 3:
        if (this.at + v > this.b.length) throw new DecodeFailedError('truncated')
        this.at += v
        return
      case 4: for (let i = 0; i < v; i++) this.skip(depth + 1); return
      case 5: for (let i = 0; i < 2 * v; i++) this.skip(depth + 1); return
      case 6: this.skip(depth + 1); return
      default: // 0, 1: integers; 7: simple values and floats (their bytes were read as the argument)
    }
  }

  bytes (n: number): Uint8Array {
    if (this.at + n > this.b.length) throw new DecodeFailedError('truncated')
    const out = this.b.subarray(this.at, this.at + n)
    this.at += n
    return out
  }

  text (): string {
    const [major, n] = this.head()
    if (major !== 3) throw new DecodeFailedError('not a text string')
    return utf8.decode(this.bytes(n))
  }
}

export function glance (bytes: Uint8Array): RecordGlance | undefined {
  const g = fields(bytes, GLANCE, (f) => f.seq !== undefined || (f.type !== 'oos/version' && f.type !== 'oos/key-rotation'))
  if (g === undefined) return undefined
  return g.seq === undefined ? { type: g.type, org: g.org } : { type: g.type, org: g.org, seq: g.seq }
}

/**
 * Where a record goes in a CAR import plan (node/car-order.ts): its glance, `createdAt`,
 * and a rotation's `effectiveSeq`. Reads on past the body of a version (`createdAt` sorts
 * after `body` in canonical order), skipping it without decoding it.
 */
export interface RecordPlace extends RecordGlance { createdAt?: number, effectiveSeq?: number }

export function place (bytes: Uint8Array): RecordPlace | undefined {
  return fields(bytes, PLACE, (f) => f.createdAt !== undefined &&
    (f.type === 'oos/key-rotation' ? f.seq !== undefined && f.effectiveSeq !== undefined : f.type !== 'oos/version' || f.seq !== undefined))
}

const GLANCE = new Set(['seq'])
const PLACE = new Set(['seq', 'createdAt', 'effectiveSeq'])

/** The text fields `type` and `org` and the unsigned integers named in `uints` of `rec`, until `enough` says stop. */
function fields (bytes: Uint8Array, uints: Set<string>, enough: (f: RecordPlace) => boolean): RecordPlace | undefined {
  try {
    const r = new Reader(bytes)
    const [m0, n0] = r.head()
    if (m0 !== 5 || n0 !== 2 || r.text() !== 'rec') return undefined
    const [m1, n1] = r.head()
    if (m1 !== 5) return undefined
    const f: Partial<RecordPlace> & Record<string, unknown> = {}
    for (let i = 0; i < n1 && (f.type === undefined || f.org === undefined || !enough(f as RecordPlace)); i++) {
      const k = r.text()
      if (k === 'type' || k === 'org') f[k] = r.text()
      else if (uints.has(k)) {
        const [m, v] = r.head()
        if (m !== 0) return undefined
        f[k] = v
      } else r.skip()
    }
    if (f.type === undefined || f.org === undefined) return undefined
    return f as RecordPlace
  } catch {
    return undefined
  }
}

/**
 * The `claim_id` of each claim of a version, in body order, without decoding the version:
 * walks `rec.body.claims` and reads only the `claim_id` texts (the lineages of a long chain,
 * trust/reader.ts `claimIds`, would otherwise decode every version that brings a new claim).
 * Undefined for anything that is not a version of that shape (a claim without a text
 * `claim_id` gives an empty string in its place).
 */
export function claimIdsOf (bytes: Uint8Array): string[] | undefined {
  try {
    const r = new Reader(bytes)
    const [m0, n0] = r.head()
    if (m0 !== 5 || n0 !== 2 || r.text() !== 'rec') return undefined
    if (!enter(r, 'body') || !enter(r, 'claims')) return undefined
    const [ma, n] = r.head()
    if (ma !== 4) return undefined
    const out: string[] = []
    for (let i = 0; i < n; i++) {
      const [mc, fields] = r.head()
      if (mc !== 5) return undefined
      let id = ''
      for (let j = 0; j < fields; j++) {
        if (isKey(r, CLAIM_ID)) id = r.text()
        else r.skip()
      }
      out.push(id)
    }
    return out
  } catch {
    return undefined
  }
}

const CLAIM_ID = new TextEncoder().encode('claim_id')

/** Reads a text key and says whether it is `key` (bytes compared: no string is made of the other keys). */
function isKey (r: Reader, key: Uint8Array): boolean {
  const [m, n] = r.head()
  if (m !== 3) throw new DecodeFailedError('not a text string')
  const b = r.bytes(n)
  if (n !== key.length) return false
  for (let i = 0; i < n; i++) if (b[i] !== key[i]) return false
  return true
}

/** Positions `r` at the value of `key` in the map that starts at `r` (true), or false when the map lacks it. */
function enter (r: Reader, key: string): boolean {
  const [m, n] = r.head()
  if (m !== 5) return false
  for (let i = 0; i < n; i++) {
    if (r.text() === key) return true
    r.skip()
  }
  return false
}
