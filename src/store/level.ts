/**
 * The store's raw access, private to store/ (tests/layering.test.ts): the LevelDB (or
 * in-memory) database behind a `Store`, range scans and raw gets by key. The reader
 * (store.ts) and the transactor (transactor.ts) use it; nothing outside store/ may.
 */
import type { AbstractLevel } from 'abstract-level'
import { prefixEnd } from './keys.ts'
import { StoreNotStartedError } from './errors.ts'

/** a LevelDB on disk, or one in memory (verification without disk) */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the format type parameter differs between level and memory-level and is never used here
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

/**
 * One value by key. Read synchronously where the database can (classic-level and memory-level
 * both can, abstract-level 3 `getSync`): a LevelDB point read served from its block cache or the
 * OS page cache costs ~9 µs of CPU this way, against ~39 µs and a round trip through libuv's
 * thread pool for `get` (10,000 reads of 10.8 KB values: `node bench/point-reads.ts`, 0.23 of
 * `get`'s CPU). The round trip was the cost that mattered: under load a
 * pool thread waits its turn for a core, and the gossip validator's two or three reads per
 * message took 5–10 ms each at 10 node processes on two cores. A read that misses both caches
 * blocks the event loop for one disk read; range scans stay asynchronous.
 */
export async function getRaw (db: Db, key: string): Promise<Uint8Array | undefined> {
  // level-supports' manifest type predates `getSync`; both databases used here declare it
  const v = (db.supports as { getSync?: boolean }).getSync === true && db.status === 'open' ? db.getSync(key) : await db.get(key)
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
