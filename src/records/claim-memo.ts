/**
 * Claims already decoded, by their exact bytes. Consecutive versions of an org repeat most
 * of their claims byte for byte (an unchanged claim keeps its encoding and its CID, SPEC §5),
 * and a catch-up sync brings many versions at once: the ingest door decodes each distinct
 * claim once, and computes each claim CID once per org. A body's prose (its `sections`
 * list) is remembered the same way: it changes less often still.
 *
 * Looked up by a sample of the claim's bytes and confirmed on all of them (exact: nothing
 * is taken on a hash); a hit gives the decoded claim — deep-frozen, as it is shared by every
 * record that holds it — and the claim CID computed for an org. Only claims of records that passed
 * every check are remembered, and the memo is bounded (`max` claims, dropped all at once
 * when full: a sync moves through an org's history, and old wordings do not come back).
 */
export interface ClaimEntry {
  /** the claim's bytes (a copy) */
  bytes: Uint8Array
  /** the decoded claim (frozen) */
  claim: unknown
  /** the org its CID was computed for, and the CID (for a sections list: '' and no bytes) */
  org: string
  cid: Uint8Array
}

export class ClaimMemo {
  private readonly max: number
  private map = new Map<number, ClaimEntry>()

  constructor (max = 4096) { this.max = max }

  /**
   * The key of a claim's bytes: FNV-1a over its length and 64 bytes sampled across it, cheap
   * to compute; `get` compares the whole bytes, so two claims sharing a key only miss.
   */
  key (b: Uint8Array): number {
    const n = b.length
    let h = (0x811c9dc5 ^ n) >>> 0
    const step = n > 64 ? n / 64 : 1
    for (let i = 0, k = 0; k < 64 && i < n; k++, i = Math.floor(k * step)) h = Math.imul(h ^ b[i], 0x01000193)
    return h >>> 0
  }

  /** The entry of exactly these bytes, if remembered. */
  get (key: number, bytes: Uint8Array): ClaimEntry | undefined {
    const e = this.map.get(key)
    return e !== undefined && e.bytes.length === bytes.length && Buffer.compare(e.bytes, bytes) === 0 ? e : undefined
  }

  set (key: number, bytes: Uint8Array, claim: unknown, org: string, cid: Uint8Array): void {
    if (this.map.size >= this.max && !this.map.has(key)) this.map = new Map()
    this.map.set(key, { bytes: bytes.slice(), claim: deepFreeze(claim), org, cid })
  }

  get size (): number { return this.map.size }
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
