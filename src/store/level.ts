/**
 * The store's raw access, private to store/ (tests/layering.test.ts): the LevelDB (or
 * in-memory) database behind a `Store`, range scans and raw gets by key. The reader
 * (store.ts) and the transactor (transactor.ts) use it; nothing outside store/ may.
 */
import type { AbstractLevel } from 'abstract-level'
import { prefixEnd } from './keys.ts'
import { StoreNotStartedError } from './errors.ts'

/** a LevelDB on disk, or one in memory (verification without disk) */
export type Db = AbstractLevel<any, string, Uint8Array>

/** What the transactor needs of a store: its database while started, and the budget a write is charged to. */
export interface Internals {
  /** the database (StoreNotStartedError when the store is not started) */
  db: () => Db
  /** charge `bytes` about to be written; throws StoreFullError past the store's budget */
  charge: (bytes: number) => void
}

const internals = new WeakMap<object, Internals>()

export function register (store: object, i: Internals): void { internals.set(store, i) }

export function internalsOf (store: object): Internals {
  const i = internals.get(store)
  if (i === undefined) throw new StoreNotStartedError('not a store')
  return i
}

/** A store's database while it is started (StoreNotStartedError otherwise). */
export const dbOf = (store: object): Db => internalsOf(store).db()

/** LevelDB hands back Buffers; callers get plain Uint8Arrays (no Buffer semantics leak). */
export const view = (v: Uint8Array): Uint8Array => v.constructor === Uint8Array ? v : new Uint8Array(v.buffer, v.byteOffset, v.byteLength)

export async function getRaw (db: Db, key: string): Promise<Uint8Array | undefined> {
  const v = await db.get(key)
  return v === undefined ? undefined : view(v)
}

export interface ScanOptions { reverse?: boolean, limit?: number, gt?: string, gte?: string, lt?: string }

/** Entries under a key prefix, in key order (or reversed). */
export async function * scan (db: Db, prefix: string, options: ScanOptions = {}): AsyncGenerator<[string, Uint8Array]> {
  // abstract-level takes a range option that is present but undefined as a bound (and then
  // ignores `gt`): pass only the lower bound that applies
  const it = db.iterator({
    ...(options.gt !== undefined ? { gt: options.gt } : { gte: options.gte ?? prefix }),
    lt: options.lt ?? prefixEnd(prefix),
    reverse: options.reverse ?? false,
    limit: options.limit ?? -1
  })
  try {
    for await (const [k, v] of it) yield [k, view(v)]
  } finally {
    await it.close()
  }
}

/** Count keys under a prefix. */
export async function count (db: Db, prefix: string): Promise<number> {
  let n = 0
  for await (const _ of db.keys({ gte: prefix, lt: prefixEnd(prefix) })) n++
  return n
}
