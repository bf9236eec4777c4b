/**
 * `/oos/reconcile/1.0.0` (protocol/NETWORK-reqresp.md §5.2): the statements about an org's
 * claims — an unordered set — reconciled by range-based set reconciliation (RBSR: A. Meyer,
 * "Range-Based Set Reconciliation", 2023; the Negentropy protocol) over (createdAt, id), id
 * the 32-byte SHA-256 digest of the record's CID. The requester sends the fingerprints of
 * ranges of its own set; the responder answers each with "equal", its ids in the range (few),
 * or the range split in 16 by its own items with their fingerprints; the requester recurses
 * into the sub-ranges whose fingerprints differ from its own. What it lacks it then fetches
 * (`/oos/fetch`) and ingests. Bytes grow with the differences (times log N), not with N.
 */
import { createHash } from 'node:crypto'
import * as dagCbor from '@ipld/dag-cbor'
import type { PeerId } from '@libp2p/interface'
import { CID } from 'multiformats/cid'
import { create as digestOf } from 'multiformats/hashes/digest'
import { isDid } from '../../identity/did.ts'
import { BadRequestError, UnexpectedBlockError } from './errors.ts'
import { request, type Context } from './exchange.ts'
import { fetchRecords } from './fetch.ts'
import { decodeCanonical, isMap, isSafeInt } from './frames.ts'
import type { ResponseOut } from './serving.ts'

/** ranges per request */
export const MAX_RECONCILE_RANGES = 64
/** a responder lists its ids of a range when it holds at most this many there, else splits it */
export const RECONCILE_ID_LIST = 32
/** sub-ranges of a split */
export const RECONCILE_SPLIT = 16
/** rounds a requester makes before it stops (log16 of any real set is far below) */
export const MAX_RECONCILE_ROUNDS = 32

/** (createdAt, id): the order of the set */
export interface Item { t: number, id: Uint8Array }
/** a range bound: items ≥ it are above it; `id` may be a prefix (shorter than 32 bytes) */
export interface Bound { t: number, id: Uint8Array }
export interface Range { lo: Bound, hi: Bound }

export const MIN_BOUND: Bound = { t: 0, id: new Uint8Array(0) }
export const MAX_BOUND: Bound = { t: Number.MAX_SAFE_INTEGER, id: new Uint8Array(0) }

const cmpBytes = (a: Uint8Array, b: Uint8Array): number => Buffer.compare(a, b)
/** item (or bound) order: t, then id bytes */
export const cmp = (a: Item | Bound, b: Item | Bound): number => a.t !== b.t ? a.t - b.t : cmpBytes(a.id, b.id)

/** the index of the first item ≥ `b` in sorted `items` */
export function lowerBound (items: Item[], b: Bound): number {
  let lo = 0
  let hi = items.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (cmp(items[mid], b) < 0) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * The fingerprint of items [i, j): SHA-256 of (the sum of their ids as 256-bit little-endian
 * integers, mod 2^256, in 32 bytes) ‖ (their count, unsigned LEB128), truncated to 16 bytes
 * (Negentropy's).
 */
export function fingerprint (items: Item[], i: number, j: number): Uint8Array {
  const sum = new Uint8Array(32)
  for (let k = i; k < j; k++) {
    const id = items[k].id
    let carry = 0
    for (let b = 0; b < 32; b++) {
      const v = sum[b] + id[b] + carry
      sum[b] = v & 0xff
      carry = v >> 8
    }
  }
  const count: number[] = []
  let n = j - i
  do { let byte = n & 0x7f; n = Math.floor(n / 128); if (n > 0) byte |= 0x80; count.push(byte) } while (n > 0)
  return createHash('sha256').update(sum).update(Uint8Array.from(count)).digest().subarray(0, 16)
}

/** The set's items: its records' (createdAt, CID digest), sorted. */
export function itemsOf (entries: Array<{ createdAt: number, cid: CID }>): Item[] {
  return entries.map(e => ({ t: e.createdAt, id: e.cid.multihash.digest })).sort(cmp)
}

/** the record CID of an id (CIDv1, dag-cbor, sha2-256: every record's, SPEC §3.3) */
export const cidOfId = (id: Uint8Array): CID => CID.createV1(0x71, digestOf(0x12, id))

/** The shortest bound between items[k − 1] and items[k] (Negentropy's minimal id prefix). */
function boundBefore (items: Item[], k: number): Bound {
  const cur = items[k]
  const prev = items[k - 1]
  if (prev === undefined || prev.t !== cur.t) return { t: cur.t, id: new Uint8Array(0) }
  let n = 0
  while (n < 32 && prev.id[n] === cur.id[n]) n++
  return { t: cur.t, id: cur.id.slice(0, n + 1) }
}

// wire forms: a bound is [t, id]; a range [lo, hi, fp]
type WireBound = [number, Uint8Array]
const toWire = (b: Bound): WireBound => [b.t, b.id]
function fromWire (v: unknown, what: string, err: (m: string) => Error): Bound {
  if (!Array.isArray(v) || v.length !== 2 || !isSafeInt(v[0], 0) || !(v[1] instanceof Uint8Array) || v[1].length > 32) throw err(`${what} is not [t, id ≤ 32 bytes]`)
  return { t: v[0], id: v[1] }
}

export interface ReconcileRequest { org: string, ranges: Array<Range & { fp: Uint8Array }> }

export function encodeReconcileRequest (req: ReconcileRequest): Uint8Array {
  return dagCbor.encode({ org: req.org, ranges: req.ranges.map(r => [toWire(r.lo), toWire(r.hi), r.fp]) })
}

export function decodeReconcileRequest (bytes: Uint8Array): ReconcileRequest {
  const v = decodeCanonical(bytes)
  const bad = (m: string): Error => new BadRequestError(m)
  if (!isMap(v, ['org', 'ranges']) || !isDid(v.org) || !Array.isArray(v.ranges)) throw bad('a reconcile request is { org, ranges }')
  if (v.ranges.length < 1 || v.ranges.length > MAX_RECONCILE_RANGES) throw bad(`a reconcile request has 1..${MAX_RECONCILE_RANGES} ranges`)
  const ranges = (v.ranges as unknown[]).map((r, i) => {
    if (!Array.isArray(r) || r.length !== 3 || !(r[2] instanceof Uint8Array) || r[2].length !== 16) throw bad(`ranges[${i}] is not [lo, hi, fp16]`)
    const lo = fromWire(r[0], `ranges[${i}].lo`, bad)
    const hi = fromWire(r[1], `ranges[${i}].hi`, bad)
    if (cmp(lo, hi) >= 0) throw bad(`ranges[${i}]: lo is not below hi`)
    return { lo, hi, fp: r[2] }
  })
  return { org: v.org as string, ranges }
}

/** One answer per range asked: equal; the responder's ids there; or the range split, each part's upper bound and fingerprint. */
export type Answer = { eq: true } | { ids: Uint8Array[] } | { split: Array<{ hi: Bound, fp: Uint8Array }> }

/** The responder's answer to one range of its `items`. */
export function answer (items: Item[], r: Range & { fp: Uint8Array }): Answer {
  const i = lowerBound(items, r.lo)
  const j = lowerBound(items, r.hi)
  if (Buffer.from(fingerprint(items, i, j)).equals(r.fp)) return { eq: true }
  if (j - i <= RECONCILE_ID_LIST) return { ids: items.slice(i, j).map(x => x.id) }
  const split: Array<{ hi: Bound, fp: Uint8Array }> = []
  let at = i
  for (let s = 1; s <= RECONCILE_SPLIT; s++) {
    const to = s === RECONCILE_SPLIT ? j : i + Math.floor((j - i) * s / RECONCILE_SPLIT)
    split.push({ hi: s === RECONCILE_SPLIT ? r.hi : boundBefore(items, to), fp: fingerprint(items, at, to) })
    at = to
  }
  return { split }
}

export function encodeAnswers (answers: Answer[]): Uint8Array {
  return dagCbor.encode(answers.map(a => 'eq' in a ? [0] : 'ids' in a ? [1, a.ids] : [2, a.split.map(s => [toWire(s.hi), s.fp])]))
}

export function decodeAnswers (bytes: Uint8Array, asked: Range[]): Answer[] {
  const bad = (m: string): Error => new UnexpectedBlockError(`reconcile response: ${m}`)
  let v: unknown
  try { v = decodeCanonical(bytes) } catch (err) { throw bad((err as Error).message) }
  if (!Array.isArray(v) || v.length !== asked.length) throw bad('not one answer per range asked')
  return v.map((a: unknown, i): Answer => {
    if (!Array.isArray(a) || !isSafeInt(a[0], 0, 2)) throw bad(`answer ${i} is not [0], [1, ids] or [2, split]`)
    if (a[0] === 0 && a.length === 1) return { eq: true }
    if (a[0] === 1 && a.length === 2 && Array.isArray(a[1]) && a[1].length <= RECONCILE_ID_LIST && a[1].every((x: unknown) => x instanceof Uint8Array && x.length === 32)) return { ids: a[1] }
    if (a[0] === 2 && a.length === 2 && Array.isArray(a[1]) && a[1].length === RECONCILE_SPLIT) {
      let lo = asked[i].lo
      const split = (a[1] as unknown[]).map((s, k) => {
        if (!Array.isArray(s) || s.length !== 2 || !(s[1] instanceof Uint8Array) || s[1].length !== 16) throw bad(`answer ${i}, part ${k} is not [hi, fp16]`)
        const hi = fromWire(s[0], `answer ${i}, part ${k}`, bad)
        // the parts ascend within the range and the last ends at its end
        if (cmp(hi, lo) < 0 || cmp(hi, asked[i].hi) > 0 || (k === RECONCILE_SPLIT - 1 && cmp(hi, asked[i].hi) !== 0)) throw bad(`answer ${i}, part ${k} is outside its range`)
        lo = hi
        return { hi, fp: s[1] }
      })
      return { split }
    }
    throw bad(`answer ${i} is malformed`)
  })
}

/** Responder: answer each range from the set held. */
export async function respondReconcile (ctx: Context, req: ReconcileRequest, out: ResponseOut): Promise<void> {
  const items = itemsOf(await ctx.store.aboutItems(req.org))
  await out.write(encodeAnswers(req.ranges.map(r => answer(items, r))))
}

export interface ReconcileResult {
  rounds: number
  /** bytes of the reconciliation's request and response frames (the fetch of what was missing not included) */
  bytesSent: number
  bytesReceived: number
  /** statements the peer holds that we did not, fetched and ingested */
  missing: number
  accepted: number
  /** bytes of the records fetched */
  fetchedBytes: number
}

/** Requester: reconcile the statements about `org`'s claims with `peer`, then fetch and ingest what we lack. */
export async function reconcileStatements (ctx: Context, peer: PeerId, org: string, options: { signal?: AbortSignal } = {}): Promise<ReconcileResult> {
  if (!isDid(org)) throw new BadRequestError(`${org} is not a did:key`)
  const items = itemsOf(await ctx.store.aboutItems(org))
  const mine = new Set(items.map(x => Buffer.from(x.id).toString('hex')))
  const result: ReconcileResult = { rounds: 0, bytesSent: 0, bytesReceived: 0, missing: 0, accepted: 0, fetchedBytes: 0 }
  const missing: Item[] = []
  const fp = (r: Range): Uint8Array => fingerprint(items, lowerBound(items, r.lo), lowerBound(items, r.hi))
  let pending: Range[] = [{ lo: MIN_BOUND, hi: MAX_BOUND }]
  while (pending.length > 0) {
    if (++result.rounds > MAX_RECONCILE_ROUNDS) throw new UnexpectedBlockError(`${peer.toString()} kept reconciliation going past ${MAX_RECONCILE_ROUNDS} rounds`)
    const next: Range[] = []
    for (let at = 0; at < pending.length; at += MAX_RECONCILE_RANGES) {
      const asked = pending.slice(at, at + MAX_RECONCILE_RANGES)
      const body = encodeReconcileRequest({ org, ranges: asked.map(r => ({ ...r, fp: fp(r) })) })
      result.bytesSent += body.length
      const answers = await request(ctx, peer, { name: 'reconcile', body }, async (frames) => {
        let got: Answer[] | undefined
        for await (const frame of frames) {
          if (got !== undefined) throw new UnexpectedBlockError(`${peer.toString()} sent more than one reconcile frame`)
          result.bytesReceived += frame.length
          got = decodeAnswers(frame, asked)
        }
        if (got === undefined) throw new UnexpectedBlockError(`${peer.toString()} closed without a reconcile frame`)
        return got
      }, options)
      answers.forEach((a, k) => {
        const r = asked[k]
        if ('ids' in a) {
          for (const id of a.ids) if (!mine.has(Buffer.from(id).toString('hex'))) missing.push({ t: r.lo.t, id })
        } else if ('split' in a) {
          let lo = r.lo
          for (const s of a.split) {
            const part = { lo, hi: s.hi }
            if (cmp(lo, s.hi) < 0 && !Buffer.from(fp(part)).equals(s.fp)) next.push(part)
            lo = s.hi
          }
        }
      })
    }
    pending = next
  }
  result.missing = missing.length
  if (missing.length > 0) {
    const cids = missing.map(x => cidOfId(x.id))
    const f = await fetchRecords(ctx, peer, cids, options)
    result.accepted = f.accepted
    for (const cid of cids) result.fetchedBytes += (await ctx.store.get(cid))?.length ?? 0
  }
  return result
}
