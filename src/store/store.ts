/**
 * The LevelDB store: record blocks by CID and the indexes over them. Only the ingest
 * pipeline writes (through `batch()`); everything else reads. Every write of one record
 * and its index entries is one atomic LevelDB batch, so a crash never leaves a record
 * half-indexed.
 */
import { Level } from 'level'
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { logger } from '../logger.ts'
import { cidText, K, prefixEnd } from './keys.ts'
import { encodeHead } from './values.ts'
import { StoreLockedError, StoreNotStartedError } from './errors.ts'

export interface Head { seq: number, cid: CID, createdAt: number }
export interface ChainEntry { seq: number, cid: CID, claims: CID[] }
/** A run of consecutive versions of `org` that contain a claim: seqs from ≤ seq < until (open if absent). */
export interface ClaimSighting { org: string, from: number, until?: number }

/** The value of a chain entry: the version CID, then its claim CIDs. */
export function chainValue (version: Uint8Array, claims: Uint8Array[]): Uint8Array {
  return concatBytes([version, ...claims])
}

/** `parts` in one new array of its own (not a slice of Node's shared Buffer pool: values here may be kept long). */
export function concatBytes (parts: Uint8Array[]): Uint8Array {
  let n = 0
  for (const p of parts) n += p.length
  const out = new Uint8Array(n)
  let at = 0
  for (const p of parts) { out.set(p, at); at += p.length }
  return out
}

function decodeChainValue (v: Uint8Array): { cid: CID, claims: CID[] } {
  let [cid, rest] = CID.decodeFirst(v)
  const claims: CID[] = []
  while (rest.length > 0) {
    const [c, r] = CID.decodeFirst(rest)
    claims.push(c)
    rest = r
  }
  return { cid, claims }
}

export interface StoreInit {
  /** directory of the LevelDB database */
  path: string
}

/**
 * LevelDB tuning: records are already-dense DAG-CBOR of about 10 KB (a version of a
 * realistic document). A larger write buffer means fewer, larger compactions during a burst
 * of ingest (a catch-up sync). Blocks of 16 KB rather than LevelDB's 4 KB hold a whole
 * record: writing (flushes and compactions) cost a fifth less CPU per record, random reads
 * of records about a tenth more (measured with 10 KB versions; README, "Figures").
 */
const LEVEL_OPTIONS = { writeBufferSize: 16 * 1024 * 1024, blockSize: 16 * 1024 }

type Op = { type: 'put', key: string, value: Uint8Array } | { type: 'del', key: string }

const EMPTY = new Uint8Array(0)

/** LevelDB hands back Buffers; callers get plain Uint8Arrays (no Buffer semantics leak). */
const view = (v: Uint8Array): Uint8Array => v.constructor === Uint8Array ? v : new Uint8Array(v.buffer, v.byteOffset, v.byteLength)

/** An atomic group of writes; build it, then `commit()`. */
export class Batch {
  readonly ops: Op[] = []
  /** heads set in this batch: only the last per org is written (a bulk sync sets many) */
  private readonly heads = new Map<string, Head>()
  private readonly db: Level<string, Uint8Array>

  constructor (db: Level<string, Uint8Array>) { this.db = db }

  put (key: string, value: Uint8Array = EMPTY): this { this.ops.push({ type: 'put', key, value }); return this }
  del (key: string): this { this.ops.push({ type: 'del', key }); return this }
  putBlock (cid: CID, bytes: Uint8Array): this { return this.put(K.block(cidText(cid)), bytes) }
  setHead (org: string, head: Head): this { this.heads.set(org, head); return this }
  putMeta (name: string, value: unknown): this { return this.put(K.meta(name), dagCbor.encode(value)) }

  async commit (): Promise<void> {
    for (const [org, head] of this.heads) this.put(K.head(org), encodeHead(head))
    this.heads.clear()
    if (this.ops.length > 0) await this.db.batch(this.ops)
  }
}

export class Store {
  private db?: Level<string, Uint8Array>
  private readonly path: string
  private readonly log = logger('oosnet:store')

  constructor (init: StoreInit) {
    this.path = init.path
  }

  async start (): Promise<void> {
    if (this.db !== undefined) return
    const db = new Level<string, Uint8Array>(this.path, { keyEncoding: 'utf8', valueEncoding: 'view', ...LEVEL_OPTIONS })
    try {
      await db.open()
    } catch (err: any) {
      const locked = err?.code === 'LEVEL_LOCKED' || err?.cause?.code === 'LEVEL_LOCKED' || /lock/i.test(String(err?.cause?.message ?? err?.message))
      if (locked) throw new StoreLockedError(`the store at ${this.path} is in use by another process (is a node running? use the node's API)`, { cause: err })
      throw err
    }
    this.db = db
    this.log('opened %s', this.path)
  }

  async stop (): Promise<void> {
    const db = this.db
    this.db = undefined
    if (db !== undefined) await db.close()
  }

  isStarted (): boolean { return this.db !== undefined }

  private get level (): Level<string, Uint8Array> {
    if (this.db === undefined) throw new StoreNotStartedError('the store is not started')
    return this.db
  }

  batch (): Batch { return new Batch(this.level) }

  async getRaw (key: string): Promise<Uint8Array | undefined> {
    const v = await this.level.get(key)
    return v === undefined ? undefined : view(v)
  }

  async get (cid: CID): Promise<Uint8Array | undefined> {
    return await this.getRaw(K.block(cidText(cid)))
  }

  async has (cid: CID): Promise<boolean> {
    return (await this.get(cid)) !== undefined
  }

  async head (org: string): Promise<Head | undefined> {
    const v = await this.getRaw(K.head(org))
    return v === undefined ? undefined : dagCbor.decode<Head>(v)
  }

  async versionCid (org: string, seq: number): Promise<CID | undefined> {
    const v = await this.getRaw(K.chain(org, seq))
    return v === undefined ? undefined : CID.decodeFirst(v)[0]
  }

  /** The claim CIDs of version `seq` of `org`, in body order. */
  async versionClaims (org: string, seq: number): Promise<CID[] | undefined> {
    const v = await this.getRaw(K.chain(org, seq))
    return v === undefined ? undefined : decodeChainValue(v).claims
  }

  async meta<T> (name: string): Promise<T | undefined> {
    const v = await this.getRaw(K.meta(name))
    return v === undefined ? undefined : dagCbor.decode<T>(v)
  }

  /** Entries under a key prefix, in key order. */
  async * scan (prefix: string, options: { reverse?: boolean, limit?: number, gt?: string, lt?: string } = {}): AsyncGenerator<[string, Uint8Array]> {
    // abstract-level takes a range option that is present but undefined as a bound (and then
    // ignores `gt`): pass only the lower bound that applies
    const it = this.level.iterator({
      ...(options.gt === undefined ? { gte: prefix } : { gt: options.gt }),
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

  /** An org's chain from `from` (default 1) to `to` (default head), or newest first with `reverse`. */
  async * chain (org: string, options: { from?: number, to?: number, reverse?: boolean, limit?: number } = {}): AsyncGenerator<ChainEntry> {
    const prefix = K.chainPrefix(org)
    const lower = options.from !== undefined ? K.chain(org, options.from) : prefix
    const upper = options.to !== undefined ? K.chain(org, options.to) + '\x00' : prefixEnd(prefix)
    const it = this.level.iterator({ gte: lower, lt: upper, reverse: options.reverse ?? false, limit: options.limit ?? -1 })
    try {
      for await (const [k, v] of it) yield { seq: parseInt(k.slice(prefix.length), 16), ...decodeChainValue(view(v)) }
    } finally {
      await it.close()
    }
  }

  /** Every org with a head. */
  async * heads (): AsyncGenerator<{ org: string } & Head> {
    for await (const [k, v] of this.scan(K.headPrefix)) yield { org: k.slice(K.headPrefix.length), ...dagCbor.decode<Head>(v) }
  }

  /** The runs of versions a claim CID appears in, oldest first. */
  async claimSightings (claimCid: CID): Promise<ClaimSighting[]> {
    const prefix = K.claimPrefix(claimCid.toString())
    const out: ClaimSighting[] = []
    for await (const [k, v] of this.scan(prefix)) {
      const run = dagCbor.decode<{ from: number, until?: number }>(v)
      out.push({ org: k.slice(prefix.length).split('!')[0], ...run })
    }
    return out
  }

  /** Count keys under a prefix (for status figures). */
  async count (prefix: string): Promise<number> {
    let n = 0
    const it = this.level.keys({ gte: prefix, lt: prefixEnd(prefix) })
    for await (const _ of it) n++
    return n
  }
}

export function store (init: StoreInit): Store {
  return new Store(init)
}
