/**
 * The order in which a set of blocks (a CAR file, a replay) goes through the ingest door
 * (SPEC §6.1): decided from a glance at each block (records/peek.ts `place`: kind, org,
 * seq, createdAt, a rotation's effectiveSeq), never from the order of the file, so that
 * every block is offered once whatever that order, and a file and its reverse give the
 * same results.
 *
 * 1. chains (R-6.11): per org, versions by (seq, createdAt, CID bytes) and key rotations
 *    the same way by their own seq, each rotation just before the first version its new
 *    key signs (effectiveSeq). The orgs' chains are merged by `createdAt`, so the chain a
 *    version derives claims from (`derived_from`) is, with honest clocks, already in; a
 *    version whose source is still unknown waits for it (R-6.12, the loop is
 *    `ingestBlocks` in car.ts).
 * 2. statements (R-6.13): node bindings and endorsements by (createdAt, CID bytes), then
 *    retractions the same way (a retraction may name an endorsement).
 * 3. blocks that are no record: once each, for their code.
 *
 * Never the file's order: ties are broken by the bytes of the block's CID. Memory: a few
 * numbers per block (kind, org hash, seq, effectiveSeq, createdAt) and its CID, never its
 * bytes: orgs are told apart by a 96-bit hash of their id (a second preimage of it is out
 * of reach, so no one can make their records share another org's list).
 */
import { createHash } from 'node:crypto'
import { place } from '../records/peek.ts'

const VERSION = 1
const ROTATION = 2
const STATEMENT = 3
const RETRACTION = 4
const KINDS = new Map([['oos/version', VERSION], ['oos/key-rotation', ROTATION], ['oos/node-binding', STATEMENT], ['oos/endorsement', STATEMENT], ['oos/retraction', RETRACTION]])

/** What the planner knows of each block: a few numbers. */
export class ImportPlan {
  /** blocks noted so far */
  count = 0
  private kind = new Uint8Array(1024)
  private org = new Float64Array(1024)
  private org2 = new Float64Array(1024)
  /** each block's CID: CID_BYTES bytes a block, the first its length (a longer CID is cut: such a block fails its CID check whatever its place) */
  private cid = new Uint8Array(1024 * CID_BYTES)
  private seq = new Float64Array(1024)
  private effective = new Float64Array(1024)
  private at = new Float64Array(1024)

  /** Note block `i` (its bytes are not kept); undefined bytes: a block too long to be read. */
  add (i: number, bytes: Uint8Array | undefined, cid?: Uint8Array): void {
    if (i >= this.kind.length) this.grow(Math.max(i + 1, this.kind.length * 2))
    this.count = Math.max(this.count, i + 1)
    if (cid !== undefined) {
      const n = Math.min(cid.length, CID_BYTES - 1)
      this.cid[i * CID_BYTES] = n
      this.cid.set(cid.subarray(0, n), i * CID_BYTES + 1)
    }
    const p = bytes === undefined ? undefined : place(bytes)
    const kind = p === undefined || p.createdAt === undefined ? 0 : KINDS.get(p.type) ?? 0
    this.kind[i] = kind
    if (p === undefined || kind === 0) return
    ;[this.org[i], this.org2[i]] = orgHash(p.org)
    this.seq[i] = p.seq ?? 0
    this.effective[i] = p.effectiveSeq ?? 0
    this.at[i] = p.createdAt ?? 0
  }

  private grow (n: number): void {
    const more = <T extends Uint8Array | Float64Array>(a: T, make: new (n: number) => T): T => { const b = new make(n); b.set(a); return b }
    this.kind = more(this.kind, Uint8Array)
    this.org = more(this.org, Float64Array)
    this.org2 = more(this.org2, Float64Array)
    const cid = new Uint8Array(n * CID_BYTES)
    cid.set(this.cid)
    this.cid = cid
    this.seq = more(this.seq, Float64Array)
    this.effective = more(this.effective, Float64Array)
    this.at = more(this.at, Float64Array)
  }

  /** The plan: the chain groups (one per org, in ingest order) and the statement order. */
  build (): { chains: Uint32Array, groups: Uint32Array, statements: Uint32Array, others: Uint32Array } {
    const { kind, org, org2, seq, at } = this
    const sameOrg = (a: number, b: number): boolean => org[a] === org[b] && org2[a] === org2[b]
    const pick = (k: (x: number) => boolean): Uint32Array => {
      let n = 0
      for (let i = 0; i < this.count; i++) if (k(kind[i])) n++
      const out = new Uint32Array(n)
      for (let i = 0, j = 0; i < this.count; i++) if (k(kind[i])) out[j++] = i
      return out
    }
    // versions and rotations by (org, kind, seq, createdAt, CID)
    const chains = pick(k => k === VERSION || k === ROTATION).sort((a, b) =>
      org[a] - org[b] || org2[a] - org2[b] || kind[a] - kind[b] || seq[a] - seq[b] || at[a] - at[b] || this.compareCids(a, b))
    const groups: number[] = []
    for (let s = 0; s < chains.length;) {
      let e = s
      while (e < chains.length && sameOrg(chains[e], chains[s])) e++
      this.placeRotations(chains.subarray(s, e))
      groups.push(s)
      s = e
    }
    groups.push(chains.length)
    const byTime = (a: number, b: number): number => kind[a] - kind[b] || at[a] - at[b] || this.compareCids(a, b)
    return { chains, groups: Uint32Array.from(groups), statements: pick(k => k === STATEMENT || k === RETRACTION).sort(byTime), others: pick(k => k === 0) }
  }

  /**
   * One org's items, versions (by seq) then rotations (by seq), rewritten in place so that
   * rotation k stands before the first version with seq ≥ max(effectiveSeq of rotations ≤ k).
   */
  private placeRotations (items: Uint32Array): void {
    let v = 0
    while (v < items.length && this.kind[items[v]] === VERSION) v++
    if (v === items.length || v === 0) return // only versions, or only rotations: already in order
    const versions = items.slice(0, v)
    const rotations = items.slice(v)
    let slot = 0
    let i = 0
    let r = 0
    for (const x of versions) {
      while (r < rotations.length && Math.max(slot, this.effective[rotations[r]]) <= this.seq[x]) {
        slot = Math.max(slot, this.effective[rotations[r]])
        items[i++] = rotations[r++]
      }
      items[i++] = x
    }
    while (r < rotations.length) items[i++] = rotations[r++]
  }

  /** Blocks `a` and `b` by the bytes of their CIDs (a prefix first); equal CIDs: by position (the same block twice, R-6.2). */
  compareCids (a: number, b: number): number {
    const x = a * CID_BYTES
    const y = b * CID_BYTES
    const n = Math.min(this.cid[x], this.cid[y])
    for (let k = 1; k <= n; k++) if (this.cid[x + k] !== this.cid[y + k]) return this.cid[x + k] - this.cid[y + k]
    return this.cid[x] - this.cid[y] || a - b
  }

  /** The createdAt of block `i` (the merge key of chain groups). */
  time (i: number): number { return this.at[i] }
  isVersion (i: number): boolean { return this.kind[i] === VERSION }
}

/** room for a block's CID: a length byte and a CIDv1 sha2-256 (36 bytes) with room to spare */
const CID_BYTES = 40

/** 96 bits of sha-256 of an org's id, as two exact doubles */
function orgHash (org: string): [number, number] {
  const d = createHash('sha256').update(org).digest()
  return [d.readUIntBE(0, 6), d.readUIntBE(6, 6)]
}

/** A min-heap of chain groups by the createdAt of their next item. */
export class GroupHeap {
  private readonly heap: number[] = []
  private readonly key: (g: number) => number
  constructor (key: (g: number) => number) { this.key = key }
  get size (): number { return this.heap.length }

  push (g: number): void {
    const h = this.heap
    h.push(g)
    for (let i = h.length - 1; i > 0;) {
      const p = (i - 1) >> 1
      if (!this.less(h[i], h[p])) break
      ;[h[i], h[p]] = [h[p], h[i]]
      i = p
    }
  }

  pop (): number | undefined {
    const h = this.heap
    const top = h[0]
    const last = h.pop()
    if (h.length > 0 && last !== undefined) {
      h[0] = last
      for (let i = 0; ;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < h.length && this.less(h[l], h[m])) m = l
        if (r < h.length && this.less(h[r], h[m])) m = r
        if (m === i) break
        ;[h[i], h[m]] = [h[m], h[i]]
        i = m
      }
    }
    return top
  }

  private less (a: number, b: number): boolean {
    const d = this.key(a) - this.key(b)
    return d < 0 || (d === 0 && a < b)
  }
}
