/**
 * What the chain rules ask on every record, kept in memory: each org's head and key
 * history. The ingest pipeline is the store's only writer, so it keeps this cache exact:
 * it updates it when it plans a write and clears it if a write fails.
 */
import type { Head, Store } from '../store/store.ts'

/**
 * A cheap map key for a CID (its bytes as a latin1 string): building the base32 string of
 * every claim CID of every version would cost more than the rest of the rules together.
 */
export const cidKey = (cid: Uint8Array): string => Buffer.from(cid.buffer, cid.byteOffset, cid.byteLength).toString('latin1')
export const fromCidKey = (key: string): Uint8Array => new Uint8Array(Buffer.from(key, 'latin1'))

/** A head with the claims of the head version: claim CID key → first seq of its current run. */
export interface HeadState extends Head {
  claims?: Map<string, number>
  /** the head version's claim CIDs, concatenated (set when the version was ingested here) */
  claimList?: Uint8Array
}
import { keyHistory, type KeyEpoch } from './authority.ts'

export class ChainState {
  private readonly store: Store
  private readonly heads = new Map<string, HeadState | null>()
  private readonly epochs = new Map<string, KeyEpoch[]>()
  private readonly max: number

  constructor (store: Store, max = 100_000) {
    this.store = store
    this.max = max
  }

  async head (org: string): Promise<HeadState | undefined> {
    let h = this.heads.get(org)
    if (h === undefined) {
      h = (await this.store.head(org)) ?? null
      this.remember(this.heads, org, h)
    }
    return h ?? undefined
  }

  setHead (org: string, head: HeadState): void { this.remember(this.heads, org, head) }

  /** The claims of the org's head version, with the first seq of each one's current run. */
  async headClaims (org: string): Promise<Map<string, number>> {
    const head = await this.head(org)
    if (head === undefined) return new Map()
    if (head.claims !== undefined) return head.claims
    const claims = new Map<string, number>()
    for (const c of await this.store.versionClaims(org, head.seq) ?? []) {
      const run = await this.store.latestClaimRun(c, org)
      if (run !== undefined) claims.set(cidKey(c.bytes), run.from)
    }
    head.claims = claims
    return claims
  }

  async keys (org: string): Promise<KeyEpoch[]> {
    let e = this.epochs.get(org)
    if (e === undefined) {
      e = await keyHistory(this.store, org)
      this.remember(this.epochs, org, e)
    }
    return e
  }

  addRotation (org: string, epochs: KeyEpoch[]): void { this.remember(this.epochs, org, epochs) }

  clear (): void {
    this.heads.clear()
    this.epochs.clear()
  }

  private remember<V> (map: Map<string, V>, key: string, value: V): void {
    if (map.size >= this.max && !map.has(key)) map.delete(map.keys().next().value as string)
    map.set(key, value)
  }
}
