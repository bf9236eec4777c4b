/**
 * Claims already decoded, by their exact bytes. Consecutive versions of an org repeat most
 * of their claims byte for byte (an unchanged claim keeps its encoding and its CID, SPEC §5),
 * and a catch-up sync brings many versions at once: the ingest door decodes each distinct
 * claim once, and computes each claim CID once per org. A body's prose (its `sections`
 * list) is remembered the same way: it changes less often still.
 *
 * Found where an item starts, by its first bytes, and confirmed on all of them (exact:
 * nothing is taken on a hash), so the canonical pass skips a known claim as the decoder and
 * the schema check do. A hit gives the decoded claim — deep-frozen, as it is shared by every
 * record that holds it — and the claim CID computed for an org. Only claims of records that
 * passed every check are remembered, and the memo is bounded (`max` entries, dropped all at
 * once when full: a sync moves through an org's history, and old wordings do not come back).
 */
export type MemoKind = 'claim' | 'sections'

export interface ClaimEntry {
  kind: MemoKind
  /** the claim's bytes (a copy) */
  bytes: Uint8Array
  /** the decoded claim (frozen) */
  claim: unknown
  /** the org its CID was computed for, and the CID (for a sections list: '' and no bytes) */
  org: string
  cid: Uint8Array
}

/** Entries are indexed by their first bytes: found where an item starts, before its end is known. */
const PREFIX = 24
/**
 * Entries kept per first bytes, newest first. A claim's wordings share their first bytes
 * (keys sort `why` first, and a rewording rarely starts there): an org's history would
 * otherwise pile them up under one index, each compared on every lookup.
 */
const PER_PREFIX = 4

export class ClaimMemo {
  private readonly max: number
  private map = new Map<number, ClaimEntry[]>()
  private count = 0

  constructor (max = 4096) { this.max = max }

  /**
   * The entry of `kind` whose bytes are exactly those starting at `at` of `b`, if remembered.
   * Looked up by a hash of the first bytes, confirmed on all of its bytes: two entries sharing
   * a hash only cost a comparison, and no entry is taken on a hash. (A data item is never a
   * proper prefix of another, so at most one entry can match.)
   */
  find (b: Uint8Array, at: number, kind: MemoKind): ClaimEntry | undefined {
    const list = this.map.get(prefixKey(b, at))
    if (list === undefined) return undefined
    for (const e of list) {
      const n = e.bytes.length
      if (e.kind === kind && at + n <= b.length && Buffer.compare(e.bytes, b.subarray(at, at + n)) === 0) return e
    }
    return undefined
  }

  /** Remember the item `bytes` (exactly one data item) as `claim`. */
  set (kind: MemoKind, bytes: Uint8Array, claim: unknown, org: string, cid: Uint8Array): void {
    if (this.count >= this.max) { this.map = new Map(); this.count = 0 }
    const key = prefixKey(bytes, 0)
    const entry: ClaimEntry = { kind, bytes: bytes.slice(), claim: deepFreeze(claim), org, cid }
    const list = this.map.get(key)
    if (list === undefined) this.map.set(key, [entry])
    else if (list.unshift(entry) > PER_PREFIX) list.pop()
    this.count++
  }

  /** entries added since the memo last started over (dropped ones included) */
  get size (): number { return this.count }
}

/** FNV-1a over the first PREFIX bytes from `at` (fewer at the end of `b`). */
function prefixKey (b: Uint8Array, at: number): number {
  const end = Math.min(b.length, at + PREFIX)
  let h = 0x811c9dc5
  for (let i = at; i < end; i++) h = Math.imul(h ^ b[i], 0x01000193)
  return h >>> 0
}

/** Freeze plain objects and arrays, recursively (CIDs and bytes are left as they are). */
function deepFreeze<T> (v: T): T {
  if (typeof v !== 'object' || v === null || Object.isFrozen(v)) return v
  if (Array.isArray(v)) {
    for (const x of v) deepFreeze(x)
    return Object.freeze(v)
  }
  if (Object.getPrototypeOf(v) === Object.prototype) {
    for (const x of Object.values(v)) deepFreeze(x)
    return Object.freeze(v)
  }
  return v
}
