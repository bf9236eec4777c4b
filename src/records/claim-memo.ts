/**
 * Claims already decoded, by their exact bytes. Consecutive versions of an org repeat most
 * of their claims byte for byte (an unchanged claim keeps its encoding and its CID, SPEC §5),
 * and a catch-up sync brings many versions at once: the ingest door decodes each distinct
 * claim once, and computes each claim CID once per org.
 *
 * First the whole claims array is compared with the last few seen (one memcmp: a version
 * that changed nothing but its front matter); else each claim is looked up on its own.
 * Keyed by the claim's bytes themselves (as a latin1 string: exact, no hash collisions to
 * reason about); a hit gives the decoded claim — deep-frozen, as it is shared by every record
 * that holds it — and the claim CID computed for an org. Only claims of records that passed
 * every check are remembered, and the memo is bounded (`max` claims, dropped all at once
 * when full: a sync moves through an org's history, and old wordings do not come back).
 */
export interface ClaimEntry {
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

  /** The key of a claim's bytes. */
  key (bytes: Uint8Array): string {
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
  }

  get (key: string): ClaimEntry | undefined { return this.map.get(key) }

  set (key: string, claim: unknown, org: string, cid: Uint8Array): void {
    if (this.map.size >= this.max && !this.map.has(key)) this.map = new Map()
    this.map.set(key, { claim: deepFreeze(claim), org, cid })
  }

  get size (): number { return this.map.size }

  clear (): void {
    this.map = new Map()
    this.arrays = []
  }
}

/** Freeze plain objects and arrays, recursively (CIDs and bytes are left as they are). */
function deepFreeze<T> (v: T): T {
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
