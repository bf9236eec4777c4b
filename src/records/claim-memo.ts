/**
 * Claims already decoded, by their exact bytes. Consecutive versions of an org repeat most
 * of their claims byte for byte (an unchanged claim keeps its encoding and its CID, SPEC §5),
 * and a catch-up sync brings many versions at once: the ingest door decodes each distinct
 * claim once, and computes each claim CID once per org.
 *
 * First the whole claims array is compared with the last few seen (one memcmp: a version
 * that changed nothing but its front matter); else each claim is looked up on its own.
 * Looked up by a sample of the claim's bytes and confirmed on all of them (exact: nothing
 * is taken on a hash); a hit gives the decoded claim — deep-frozen, as it is shared by every record
 * that holds it — and the claim CID computed for an org. Only claims of records that passed
 * every check are remembered, and the memo is bounded (`max` claims, dropped all at once
 * when full: a sync moves through an org's history, and old wordings do not come back).
 */
export interface ClaimEntry {
  /** the claim's bytes (a copy) */
  bytes: Uint8Array
  /** the decoded claim (frozen) */
  claim: unknown
  /** the org its CID was computed for, and the CID */
  org: string
  cid: Uint8Array
}

/** A whole `claims` array seen before: its bytes, decoded claims, and their CIDs for an org. */
export interface ClaimsEntry {
  bytes: Uint8Array
  claims: readonly unknown[]
  org: string
  cids: Uint8Array[]
}

export class ClaimMemo {
  private readonly max: number
  private map = new Map<string, ClaimEntry>()
  /** the last few whole claims arrays, newest first: most versions repeat the previous one's */
  private arrays: ClaimsEntry[] = []

  constructor (max = 4096) { this.max = max }

  /** A claims array seen lately with exactly these bytes. */
  array (bytes: Uint8Array): ClaimsEntry | undefined {
    for (const e of this.arrays) {
      if (e.bytes.length === bytes.length && Buffer.compare(e.bytes, bytes) === 0) return e
    }
    return undefined
  }

  setArray (bytes: Uint8Array, claims: unknown[], org: string, cids: Uint8Array[]): void {
    const e: ClaimsEntry = { bytes: bytes.slice(), claims: deepFreeze(claims), org, cids }
    this.arrays = [e, ...this.arrays.filter(x => Buffer.compare(x.bytes, e.bytes) !== 0)].slice(0, 4)
  }

  /**
   * The key of a claim's bytes: its length and four 24-byte samples (start, thirds, end),
   * cheap to hash; `get` compares the whole bytes, so two claims sharing a key only miss.
   */
  key (bytes: Uint8Array): string {
    const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    const n = b.length
    if (n <= 96) return b.toString('latin1')
    const third = Math.floor(n / 3)
    return `${n}:${b.toString('latin1', 0, 24)}${b.toString('latin1', third, third + 24)}${b.toString('latin1', 2 * third, 2 * third + 24)}${b.toString('latin1', n - 24, n)}`
  }

  /** The entry of exactly these bytes, if remembered. */
  get (key: string, bytes: Uint8Array): ClaimEntry | undefined {
    const e = this.map.get(key)
    return e !== undefined && e.bytes.length === bytes.length && Buffer.compare(e.bytes, bytes) === 0 ? e : undefined
  }

  set (key: string, bytes: Uint8Array, claim: unknown, org: string, cid: Uint8Array): void {
    if (this.map.size >= this.max && !this.map.has(key)) this.map = new Map()
    this.map.set(key, { bytes: bytes.slice(), claim: deepFreeze(claim), org, cid })
  }

  get size (): number { return this.map.size }

  clear (): void {
    this.map = new Map()
    this.arrays = []
  }
}

/** Freeze plain objects and arrays, recursively (CIDs and bytes are left as they are). */
function deepFreeze<T> (v: T): T {
  if (typeof v !== 'object' || v === null || Object.isFrozen(v)) return v
  if (Array.isArray(v)) {
    for (const x of v) deepFreeze(x)
    return Object.freeze(v)
  }
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    for (const x of Object.values(v)) deepFreeze(x)
    return Object.freeze(v)
  }
  return v
}
