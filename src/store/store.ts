/**
 * The store: record blocks by CID and the indexes over them, on LevelDB or in memory. This
 * class is the *reader*: typed queries only. The key layout (keys.ts), the value encoders
 * (values.ts) and raw access (level.ts) are private to store/; the one writer is the
 * transactor (transactor.ts), which only the ingest door obtains (tests/layering.test.ts).
 * Every write of one record and its index entries is one atomic batch, so a crash never
 * leaves a record half-indexed. Records come out as the ingest door checked them.
 */
import { Level } from 'level'
import { MemoryLevel } from 'memory-level'
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { logger, type ComponentLogger, type Logger } from '../logger.ts'
import { epochsOf, type KeyEpoch } from '../records/epochs.ts'
import type { KeyRotationRecord, NodeBindingRecord, SignedRecord, VersionRecord } from '../records/types.ts'
import { cidText, K, SEP } from './keys.ts'
import { count, getRaw, register, scan, type Db } from './level.ts'
import { StoreFullError, StoreLockedError, StoreNotStartedError } from './errors.ts'

export interface Head { seq: number, cid: CID, createdAt: number }
export interface ChainEntry { seq: number, cid: CID, claims: CID[] }
/** A run of consecutive versions of `org` that contain a claim: seqs from ≤ seq < until (open if absent). */
export interface ClaimSighting { org: string, from: number, until?: number }
/** A stored record with its CID and bytes, decoded. */
export interface StoredRecord<R extends SignedRecord = SignedRecord> { cid: CID, bytes: Uint8Array, signed: R }
export interface Rotation { seq: number, cid: CID, bytes: Uint8Array, rec: KeyRotationRecord }
export interface Binding { cid: CID, bytes: Uint8Array, rec: NodeBindingRecord }
/** Two or more validly signed versions of an org at one seq. */
export interface Equivocation { seq: number, cids: CID[] }
/**
 * What the ingest door verified of an org's chain, contiguously from seq 1 (protocol/TRUST.md
 * §2.1.1): its head `seq` and `cid` (seq 0: no version), the number of key rotations and the
 * last one's CID, and the version of the door's rules (`rules`) that checked them.
 */
export interface VerifiedMarker { seq: number, cid?: CID, rotations: number, rotation?: CID, rules: number }
export interface ChainRange { from?: number, to?: number, reverse?: boolean, limit?: number }

function decodeChainValue (v: Uint8Array): { cid: CID, claims: CID[] } {
  const [cid, first] = CID.decodeFirst(v)
  let rest = first
  const claims: CID[] = []
  while (rest.length > 0) {
    const [c, r] = CID.decodeFirst(rest)
    claims.push(c)
    rest = r
  }
  return { cid, claims }
}

export interface StoreInit {
  /** directory of the LevelDB database (required unless `memory`) */
  path?: string
  /** the node's logger (the store logs as `oosnet:<node>:store`); default the global `oosnet:store` */
  logger?: ComponentLogger
  /** keep everything in memory (memory-level): verification and replays that touch no disk */
  memory?: boolean
  /**
   * for a store in memory: the most bytes (keys and values, as written) it takes; a write past
   * it fails with STORE_FULL (a CAR from a stranger must not take all of our memory). Default
   * `MEMORY_STORE_MAX_BYTES`.
   */
  maxBytes?: number
}

/** Default budget of a store in memory: 256 MiB written (a 3,000-version CAR of 10 KB versions writes about 32 MB). */
export const MEMORY_STORE_MAX_BYTES = 256 * 1024 * 1024

/**
 * LevelDB tuning: records are already-dense DAG-CBOR of about 10 KB (a version of a
 * realistic document). Blocks of 16 KB rather than LevelDB's 4 KB hold a whole record:
 * writing (flushes and compactions) cost a fifth less CPU per record, random reads of records
 * about a tenth more (measured with 10 KB versions; README, "Figures"). The write buffer (the
 * memtable, resident until it fills and is flushed: an idle node after a burst keeps it) is
 * LevelDB's 4 MiB: 16 MiB showed no ingest gain in alternating runs of the bulk door
 * (bench/README.md, "A lean idle node"). The block cache is LevelDB's 8 MiB, filled by reads.
 */
const LEVEL_OPTIONS = { writeBufferSize: 4 * 1024 * 1024, blockSize: 16 * 1024 }

/** the org part of a key `<prefix><org>!…` */
const orgIn = (key: string, at: number): string => { const end = key.indexOf(SEP, at); return key.slice(at, end < 0 ? undefined : end) }

export class Store {
  private db?: Db
  private readonly path?: string
  private readonly log: Logger
  /** bytes written so far, and the most a store in memory takes */
  private written = 0
  private readonly maxBytes: number

  constructor (init: StoreInit) {
    this.log = init.logger?.forComponent('store') ?? logger('oosnet:store')
    if (init.memory !== true && init.path === undefined) throw new TypeError('a store needs a path, or memory: true')
    this.path = init.memory === true ? undefined : init.path
    this.maxBytes = this.path === undefined ? init.maxBytes ?? MEMORY_STORE_MAX_BYTES : Infinity
    register(this, {
      db: () => this.level,
      charge: (bytes) => {
        if (this.written + bytes > this.maxBytes) throw new StoreFullError(`the store in memory would hold more than ${this.maxBytes} bytes`)
        this.written += bytes
      }
    })
  }

  /** whether this store keeps nothing on disk */
  get inMemory (): boolean { return this.path === undefined }

  async start (): Promise<void> {
    if (this.db !== undefined) return
    if (this.path === undefined) {
      const db = new MemoryLevel<string, Uint8Array>({ keyEncoding: 'utf8', valueEncoding: 'view' })
      await db.open()
      this.db = db
      return
    }
    const db = new Level<string, Uint8Array>(this.path, { keyEncoding: 'utf8', valueEncoding: 'view', ...LEVEL_OPTIONS })
    try {
      await db.open()
    } catch (caught) {
      const err = caught as { code?: string, message?: string, cause?: { code?: string, message?: string } } | undefined
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

  private get level (): Db {
    if (this.db === undefined) throw new StoreNotStartedError('the store is not started')
    return this.db
  }

  private async raw (key: string): Promise<Uint8Array | undefined> { return await getRaw(this.level, key) }

  // records

  /** The bytes of the record `cid`. */
  async get (cid: CID): Promise<Uint8Array | undefined> { return await this.raw(K.block(cidText(cid))) }

  async has (cid: CID): Promise<boolean> { return (await this.get(cid)) !== undefined }

  /** The record `cid`, decoded (it passed the ingest door's schema and signature checks when stored). */
  async record<R extends SignedRecord = SignedRecord> (cid: CID): Promise<R | undefined> {
    const bytes = await this.get(cid)
    return bytes === undefined ? undefined : dagCbor.decode<R>(bytes)
  }

  /** The unsigned version `cid` (undefined when not held, or not a version). */
  async version (cid: CID): Promise<VersionRecord | undefined> {
    const rec = (await this.record(cid))?.rec
    return rec?.type === 'oos/version' ? rec : undefined
  }

  /** The record `cid` with its bytes. */
  async stored (cid: CID): Promise<StoredRecord | undefined> {
    const bytes = await this.get(cid)
    return bytes === undefined ? undefined : { cid, bytes, signed: dagCbor.decode<SignedRecord>(bytes) }
  }

  // chains

  async head (org: string): Promise<Head | undefined> {
    const v = await this.raw(K.head(org))
    return v === undefined ? undefined : dagCbor.decode<Head>(v)
  }

  /** Every org with a head. */
  async * heads (): AsyncGenerator<{ org: string } & Head> {
    for await (const [k, v] of scan(this.level, K.headPrefix)) yield { org: k.slice(K.headPrefix.length), ...dagCbor.decode<Head>(v) }
  }

  async versionCid (org: string, seq: number): Promise<CID | undefined> {
    const v = await this.raw(K.chain(org, seq))
    return v === undefined ? undefined : CID.decodeFirst(v)[0]
  }

  /** The claim CIDs of version `seq` of `org`, in body order. */
  async versionClaims (org: string, seq: number): Promise<CID[] | undefined> {
    const v = await this.raw(K.chain(org, seq))
    return v === undefined ? undefined : decodeChainValue(v).claims
  }

  /** An org's chain from `from` (default 1) to `to` (default head), or newest first with `reverse`. */
  async * chain (org: string, range: ChainRange = {}): AsyncGenerator<ChainEntry> {
    const prefix = K.chainPrefix(org)
    for await (const [k, v] of scan(this.level, prefix, this.bounds(org, range))) {
      yield { seq: parseInt(k.slice(prefix.length), 16), ...decodeChainValue(v) }
    }
  }

  /** The version CIDs of an org's chain (its claims not decoded: a sync response streams these). */
  async * versionCids (org: string, range: ChainRange = {}): AsyncGenerator<CID> {
    for await (const [, v] of scan(this.level, K.chainPrefix(org), this.bounds(org, range))) yield CID.decodeFirst(v)[0]
  }

  private bounds (org: string, range: ChainRange): { gte?: string, lt?: string, reverse?: boolean, limit?: number } {
    return {
      ...(range.from !== undefined ? { gte: K.chain(org, range.from) } : {}),
      ...(range.to !== undefined ? { lt: K.chain(org, range.to) + '\x00' } : {}),
      reverse: range.reverse,
      limit: range.limit
    }
  }

  // claims

  /** The runs of versions a claim CID appears in, oldest first per org (orgs in key order). */
  async claimSightings (claimCid: CID, options: { limit?: number } = {}): Promise<ClaimSighting[]> {
    const prefix = K.claimPrefix(claimCid.toString())
    const out: ClaimSighting[] = []
    for await (const [k, v] of scan(this.level, prefix, options)) {
      out.push({ org: orgIn(k, prefix.length), ...dagCbor.decode<{ from: number, until?: number }>(v) })
    }
    return out
  }

  /** The org that wrote a claim (the first seen in the claim index), if it is known here. */
  async claimAuthor (claimCid: CID): Promise<string | undefined> {
    return (await this.claimSightings(claimCid, { limit: 1 }))[0]?.org
  }

  /** The latest run of versions of `org` that contain the claim. */
  async latestClaimRun (claimCid: CID, org: string): Promise<ClaimSighting | undefined> {
    for await (const [, v] of scan(this.level, K.claimOrgPrefix(claimCid.toString(), org), { reverse: true, limit: 1 })) {
      return { org, ...dagCbor.decode<{ from: number, until?: number }>(v) }
    }
    return undefined
  }

  // keys and bindings

  /** The CIDs of an org's key rotations, in rotation seq order. */
  async rotationCids (org: string, options: { limit?: number } = {}): Promise<Array<{ seq: number, cid: CID }>> {
    const prefix = K.rotationPrefix(org)
    const out: Array<{ seq: number, cid: CID }> = []
    for await (const [k, v] of scan(this.level, prefix, options)) out.push({ seq: parseInt(k.slice(prefix.length), 16), cid: CID.decode(v) })
    return out
  }

  /** The org's latest key rotation (highest seq), if it made one. */
  async lastRotation (org: string): Promise<{ seq: number, cid: CID } | undefined> {
    const prefix = K.rotationPrefix(org)
    for await (const [k, v] of scan(this.level, prefix, { reverse: true, limit: 1 })) return { seq: parseInt(k.slice(prefix.length), 16), cid: CID.decode(v) }
    return undefined
  }

  /** The CID of an org's rotation `seq`. */
  async rotationCid (org: string, seq: number): Promise<CID | undefined> {
    const v = await this.raw(K.rotation(org, seq))
    return v === undefined ? undefined : CID.decode(v)
  }

  /** An org's key rotations, decoded, in rotation seq order. */
  async rotations (org: string): Promise<Rotation[]> {
    const out: Rotation[] = []
    for (const { seq, cid } of await this.rotationCids(org)) {
      const bytes = await this.get(cid)
      if (bytes !== undefined) out.push({ seq, cid, bytes, rec: dagCbor.decode<SignedRecord<KeyRotationRecord>>(bytes).rec })
    }
    return out
  }

  /** The org's keys in order, the inception key first (SPEC §7). */
  async keyHistory (org: string): Promise<KeyEpoch[]> {
    return epochsOf(org, (await this.rotations(org)).map(r => r.rec))
  }

  /** The CID of an org's latest node binding. */
  async bindingCid (org: string): Promise<CID | undefined> {
    const v = await this.raw(K.binding(org))
    return v === undefined ? undefined : CID.decode(v)
  }

  /** An org's latest node binding, decoded. */
  async binding (org: string): Promise<Binding | undefined> {
    const cid = await this.bindingCid(org)
    const bytes = cid === undefined ? undefined : await this.get(cid)
    return cid === undefined || bytes === undefined ? undefined : { cid, bytes, rec: dagCbor.decode<SignedRecord<NodeBindingRecord>>(bytes).rec }
  }

  // equivocations and statements

  /** Equivocation proofs held for an org, by seq: the CIDs of the conflicting versions. */
  async equivocations (org: string): Promise<Equivocation[]> {
    const bySeq = new Map<number, Map<string, CID>>()
    const prefix = K.equivocationPrefix(org)
    for await (const [k, v] of scan(this.level, prefix)) {
      const seq = parseInt(orgIn(k, prefix.length), 16)
      const cid = CID.decode(v)
      const list = bySeq.get(seq) ?? new Map<string, CID>()
      list.set(cid.toString(), cid)
      bySeq.set(seq, list)
    }
    return [...bySeq].sort(([a], [b]) => a - b).map(([seq, cids]) => ({ seq, cids: [...cids.values()] }))
  }

  /** The CIDs of the statements (endorsements, retractions) whose target is `target`. */
  async statementsAbout (target: CID | string): Promise<CID[]> {
    const out: CID[] = []
    for await (const [, v] of scan(this.level, K.statementPrefix(target.toString()))) out.push(CID.decode(v))
    return out
  }

  /** The CIDs of the statements an org authored (at most `limit`). */
  async * statementsBy (org: string, options: { limit?: number } = {}): AsyncGenerator<CID> {
    for await (const [, v] of scan(this.level, K.authoredPrefix(org), options)) yield CID.decode(v)
  }

  /**
   * The statements about `org`'s claims, in (createdAt, CID bytes) order: the set that
   * `/oos/reconcile` reconciles (NETWORK-reqresp.md §5.2).
   */
  async aboutItems (org: string): Promise<Array<{ createdAt: number, cid: CID }>> {
    const prefix = K.aboutPrefix(org)
    const out: Array<{ createdAt: number, cid: CID }> = []
    for await (const [k, v] of scan(this.level, prefix)) out.push({ createdAt: parseInt(orgIn(k, prefix.length), 16), cid: CID.decode(v) })
    return out
  }

  /** Every statement held, with its author, by author. */
  async * statements (): AsyncGenerator<{ org: string, cid: CID }> {
    const prefix = K.all.authored
    for await (const [k, v] of scan(this.level, prefix)) yield { org: orgIn(k, prefix.length), cid: CID.decode(v) }
  }

  /** Orgs known by a key rotation or a node binding (with or without versions). */
  async orgsKnown (): Promise<Set<string>> {
    const orgs = new Set<string>()
    const rotations = K.all.rotation
    for await (const [k] of scan(this.level, rotations)) orgs.add(orgIn(k, rotations.length))
    const bindings = K.all.binding
    for await (const [k] of scan(this.level, bindings)) orgs.add(k.slice(bindings.length))
    return orgs
  }

  /** Counts for status: records, orgs with a chain, statements, equivocation proofs. */
  async counts (): Promise<{ blocks: number, heads: number, statements: number, equivocations: number }> {
    const db = this.level
    return {
      blocks: await count(db, K.all.block),
      heads: await count(db, K.headPrefix),
      statements: await count(db, K.all.authored),
      equivocations: await count(db, K.all.equivocation)
    }
  }

  /** What the ingest door verified of the org's chain (TRUST.md §2.1.1), if it recorded it. */
  async verified (org: string): Promise<VerifiedMarker | undefined> {
    const v = await this.raw(K.verified(org))
    if (v === undefined) return undefined
    const m = dagCbor.decode<{ seq: number, cid?: CID | null, rotations: number, rotation?: CID | null, rules: number }>(v)
    return { seq: m.seq, rotations: m.rotations, rules: m.rules, ...(m.cid != null ? { cid: CID.asCID(m.cid) ?? undefined } : {}), ...(m.rotation != null ? { rotation: CID.asCID(m.rotation) ?? undefined } : {}) }
  }

  /**
   * The claim CIDs of the lineage `(org, claimId)`, oldest first, from the door's lineage
   * index; undefined when the index may be incomplete for the org (its verified marker does
   * not reach its head: versions the door did not index), and the chain must be read instead.
   */
  async lineage (org: string, claimId: string): Promise<CID[] | undefined> {
    const [marker, head] = [await this.verified(org), await this.head(org)]
    if (marker === undefined || head === undefined || marker.seq !== head.seq || marker.cid?.equals(head.cid) !== true) return undefined
    const out: CID[] = []
    const seen = new Set<string>()
    for await (const [, v] of scan(this.level, K.lineagePrefix(org, claimId))) {
      const c = CID.decode(v)
      if (seen.has(c.toString())) continue
      seen.add(c.toString())
      out.push(c)
    }
    return out
  }

  /** The door's lineage index of an org, entry by entry (for a replay's to be adopted, ingest/verified.ts). */
  async * lineageEntries (org: string): AsyncGenerator<{ claimId: string, seq: number, claim: Uint8Array }> {
    for await (const [k, v] of scan(this.level, K.lineageOrgPrefix(org))) {
      const parts = k.split(SEP)
      yield { claimId: parts[parts.length - 2], seq: parseInt(parts[parts.length - 1], 16), claim: v }
    }
  }

  /** How many versions of the org's chain are held (chain entries, without reading them). */
  async versionCount (org: string): Promise<number> { return await count(this.level, K.chainPrefix(org)) }

  /** A local setting or metadata value. */
  async meta<T> (name: string): Promise<T | undefined> {
    const v = await this.raw(K.meta(name))
    return v === undefined ? undefined : dagCbor.decode<T>(v)
  }
}

export function store (init: StoreInit): Store {
  return new Store(init)
}
