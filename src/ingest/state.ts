/**
 * What the chain rules ask on every record, kept in memory: each org's head and key
 * history. The ingest pipeline is the store's only writer, so it keeps this cache exact:
 * it updates it when it plans a write and clears it if a write fails.
 */
import type { Head, Store } from '../store/store.ts'
import { keyHistory, type KeyEpoch } from './authority.ts'

export class ChainState {
  private readonly store: Store
  private readonly heads = new Map<string, Head | null>()
  private readonly epochs = new Map<string, KeyEpoch[]>()
  private readonly max: number

  constructor (store: Store, max = 100_000) {
    this.store = store
    this.max = max
  }

  async head (org: string): Promise<Head | undefined> {
    let h = this.heads.get(org)
    if (h === undefined) {
      h = (await this.store.head(org)) ?? null
      this.remember(this.heads, org, h)
    }
    return h ?? undefined
  }

  setHead (org: string, head: Head): void { this.remember(this.heads, org, head) }

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
