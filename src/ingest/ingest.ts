/**
 * The one door in (SPEC §6). Every record a node accepts — local publish, gossip, sync,
 * DHT, CAR import — passes `ingest()`: size → canonical DAG-CBOR → decode → schema of its
 * kind → signature(s) → chain and reference rules → one atomic store batch → index →
 * `onRecord` listeners (the node announces from there). A rejection throws a typed error
 * with a code from SPEC §9, is counted, and leaves the store untouched. Every decision —
 * accepted, duplicate, equivocation or rejected — is also reported to `onDecision`
 * listeners (the audit log, node/audit.ts), with where the record came from.
 *
 * Throughput: the CPU-bound checks run in a pool of worker threads (or inline), many at
 * once; the rules then run strictly in call order on the main thread against an in-memory
 * chain state, and the writes of everything decided in one turn of the event loop are
 * committed as one LevelDB batch (group commit). A caller awaiting each call in turn gets
 * exactly the sequential semantics.
 */
import { CID } from 'multiformats/cid'
import { TypedEventEmitter } from 'main-event'
import { cidBytesOf } from '../records/cid.ts'
import { glance } from '../records/peek.ts'
import { InternalError, OosError } from '../errors.ts'
import { logger, type ComponentLogger, type Logger } from '../logger.ts'
import { CidMismatchError } from '../records/errors.ts'
import type { Kind } from '../records/constants.ts'
import { verifyBytes, type Verified } from '../records/verified.ts'
import { verify as verifySignature } from '../identity/index.ts'
import type { Store } from '../store/store.ts'
import { transactor, type Transactor } from '../store/transactor.ts'
import { AbortedError } from './errors.ts'
import { backfillAbout } from './about.ts'
import { VerifyPool } from './pool.ts'
import { plan, type Outcome } from './rules.ts'
import { ChainState } from './state.ts'
import type { KeyEpoch } from './authority.ts'

export type IngestStatus = Outcome

export interface IngestResult {
  status: IngestStatus
  cid: CID
  kind: Kind
  org: string
  seq?: number
  /** for versions: the binary CIDs of its claims, in body order */
  claims?: Uint8Array[]
}

export interface IngestOptions {
  signal?: AbortSignal
  /** the CID the bytes were fetched as; a different hash is CID_MISMATCH */
  expectedCid?: CID
  /** how the record came, for logs and counters: 'local', 'gossip', 'sync', 'fetch', 'car', … */
  source?: string
  /**
   * who offered it, for the audit log: a peer id string, or 'api' (the local API), 'cli'
   * (a command with no node running), 'node' (signed by the node itself), 'car:<file>'
   */
  from?: string
}

/**
 * One decision of the door, as reported to `onDecision` listeners. For a rejection, `cid`
 * is the hash of the bytes offered and `kind` / `org` / `seq` are what the record claims
 * to be, if it can be read that far (unverified: the reason it was rejected may be that
 * they are false).
 */
export interface IngestDecision {
  status: IngestStatus | 'rejected'
  /** the rejection code (SPEC §9) */
  code?: string
  message?: string
  cid?: CID
  kind?: string
  org?: string
  seq?: number
  source?: string
  from?: string
  /** how long its checks (size, canonical form, schema, signatures) took, ms: from the call to the verdict, waiting for a worker included */
  verifyMs?: number
  /** from the call to the decision written to disk (or the rejection), ms */
  ms?: number
}

export type DecisionListener = (decision: IngestDecision) => void

export interface IngestStats {
  accepted: number
  duplicate: number
  equivocation: number
  rejected: number
  /** rejections by code */
  rejections: Record<string, number>
}

export type IngestListener = (result: IngestResult, record: Verified, options: IngestOptions) => void

/** `record:accepted`: a record was accepted (not a duplicate, not an equivocation) */
export interface RecordAcceptedEvent {
  kind: Kind
  org: string
  /** versions only */
  seq?: number
  cid: CID
  /** who offered it (IngestOptions.from) */
  from?: string
}

/** `record:rejected`: the door refused a record; `cid` is the hash of the bytes offered, when they were bytes */
export interface RecordRejectedEvent {
  /** the rejection code (SPEC §9) */
  code: string
  from?: string
  cid?: CID
}

/**
 * The door's typed events. They are dispatched only while someone listens (the door runs
 * thousands of records a second; a CustomEvent per record would cost when nobody cares).
 * They are dispatched synchronously, after the record is on disk; a listener must not throw
 * (as on any EventTarget, a throw becomes an uncaught exception).
 */
export interface IngestEvents {
  'record:accepted': CustomEvent<RecordAcceptedEvent>
  'record:rejected': CustomEvent<RecordRejectedEvent>
}

export interface IngestComponents {
  store: Store
  /** the node's logger (its components log as `oosnet:<node>:ingest`); default the global `oosnet:ingest` */
  logger?: ComponentLogger
}

export interface IngestInit {
  /** clock for the future-timestamp check (default Date.now) */
  now?: () => number
  /** verification worker threads; 0 (default) verifies on the calling thread */
  workers?: number
  /** most records in one group commit (default 256) */
  maxBatch?: number
}

interface OpenBatch { batch: Transactor, records: number, done: Promise<void>, resolve: () => void, reject: (e: Error) => void }

export class Ingest extends TypedEventEmitter<IngestEvents> {
  private readonly store: Store
  private readonly now: () => number
  /** the verify workers, when `workers` > 0 (its `stats()` count crashes, restarts and retries) */
  readonly pool?: VerifyPool
  private readonly state: ChainState
  private readonly maxBatch: number
  private readonly listeners = new Set<IngestListener>()
  private readonly deciders = new Set<DecisionListener>()
  private readonly log: Logger
  private readonly counts: IngestStats = { accepted: 0, duplicate: 0, equivocation: 0, rejected: 0, rejections: {} }
  /** records verified by `verify` and not yet offered to `ingestVerified`, with how long that took (ms) */
  private readonly vouched = new WeakMap<Verified, number>()
  /** records verified on the calling thread (no workers) */
  private verifiedInline = 0
  /** the rules stage: a FIFO chain in call order */
  private tail: Promise<unknown> = Promise.resolve()
  /** records taken by `admit` and not yet decided (verifying, or queued for the rules) */
  private undecided = 0
  private open?: OpenBatch
  private writing: Promise<void> = Promise.resolve()

  constructor (components: IngestComponents, init: IngestInit = {}) {
    super()
    this.store = components.store
    this.log = components.logger?.forComponent('ingest') ?? logger('oosnet:ingest')
    this.now = init.now ?? Date.now
    this.state = new ChainState(this.store)
    this.maxBatch = init.maxBatch ?? 256
    if ((init.workers ?? 0) > 0) this.pool = new VerifyPool({ workers: init.workers, log: components.logger?.forComponent('ingest:pool') })
  }

  /**
   * Takes records from now on; the verify workers, if any, start on demand (pool.ts) and stop
   * when idle. A store written before the statements' index by subject gets it first (about.ts).
   */
  async start (): Promise<void> {
    const n = await backfillAbout(this.store)
    if (n > 0) this.log('indexed %d statements by the org they are about', n)
    await this.pool?.start()
  }

  /**
   * A burst is coming (a new follow fetches a whole chain): start the verify workers now, so
   * that they load while the chain is asked for, not once its first records are in (a lone
   * record is checked on this thread and starts none, pool.ts). Not awaited; a no-op without
   * workers or with them running.
   */
  expectBurst (): void {
    this.pool?.warm().catch((err: Error) => { this.log('starting the verify workers: %s', err.message) })
  }

  async stop (): Promise<void> {
    await this.tail
    await this.flush()
    await this.pool?.stop()
    this.listeners.clear()
    this.deciders.clear()
  }

  /** Be told of every record that is accepted (or kept as an equivocation proof). */
  onRecord (listener: IngestListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** The org's key history as the door judges it now (cached; the door keeps it exact). */
  async keys (org: string): Promise<KeyEpoch[]> { return await this.state.keys(org) }

  /** Be told of every decision, rejections and duplicates included (called synchronously: keep it cheap). */
  onDecision (listener: DecisionListener): () => void {
    this.deciders.add(listener)
    return () => this.deciders.delete(listener)
  }

  stats (): IngestStats {
    return { ...this.counts, rejections: { ...this.counts.rejections } }
  }

  async ingest (bytes: Uint8Array, options: IngestOptions = {}): Promise<IngestResult> {
    return await this.admit(bytes, options)
  }

  /**
   * Check a record's bytes as the door does (size, canonical form, schema, signatures, its
   * clock), on the verify workers when there are any, without deciding on it: for a caller
   * that must judge a record before it offers it (the gossip validator, net/gossip.ts), which
   * then hands the result to `ingestVerified` so that it is not checked twice. Throws the
   * door's typed error; counts nothing as a decision.
   */
  async verify (bytes: Uint8Array, options: { signal?: AbortSignal } = {}): Promise<Verified> {
    if (options.signal?.aborted === true) throw new AbortedError('verify aborted')
    const t = performance.now()
    const v = await this.check(bytes)
    this.vouched.set(v, performance.now() - t)
    return v
  }

  /**
   * The door for a record this door's `verify` checked: the same FIFO, rules, batch, counters,
   * listeners and events as `ingest`, without a second verification. A `Verified` the door did
   * not make itself is verified again (nothing outside the door can vouch for a record).
   */
  async ingestVerified (v: Verified, options: IngestOptions = {}): Promise<IngestResult> {
    const ms = this.vouched.get(v)
    return await this.admit(v.bytes, options, this.vouched.delete(v) ? { v, ms: ms as number } : undefined)
  }

  /**
   * Check one Ed25519 signature on the verify workers when there are any (else here): for a
   * signed message that is not a record and that the caller reads itself (a head announcement,
   * net/gossip.ts). Counted with the door's verifications.
   */
  async verifySignature (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
    if (this.pool !== undefined) return await this.pool.verifySignature(publicKey, message, signature)
    this.verifiedInline++
    return verifySignature(publicKey, message, signature)
  }

  /** How many records (and signatures) this door verified, on the workers and on the calling (main) thread. */
  verifications (): { workers: number, main: number } {
    const p = this.pool?.stats()
    return { workers: p?.verified ?? 0, main: this.verifiedInline + (p?.verifiedInline ?? 0) }
  }

  /** Verify on the workers when there are any, unless `here` (this thread); `bulk`: records are in flight ahead of it (pool.ts). */
  private async check (bytes: Uint8Array, here = false, bulk = false): Promise<Verified> {
    const now = this.now()
    if (this.pool !== undefined && !here) return await this.pool.verify(bytes, now, bulk)
    this.verifiedInline++
    return await Promise.resolve().then(() => verifyBytes(bytes, now))
  }

  private async admit (bytes: Uint8Array, options: IngestOptions, checked?: { v: Verified, ms: number }): Promise<IngestResult> {
    // timings for the decision listeners (the node's metrics): a clock read or two per record
    const t0 = performance.now()
    let verifyMs = checked?.ms
    try {
      if (options.signal?.aborted === true) throw new AbortedError('ingest aborted')
      // bytes fetched by CID must hash to it: checked first, it is the cheapest and most telling check
      if (options.expectedCid !== undefined) {
        const got = checked?.v.cid ?? CID.decode(cidBytesOf(bytes))
        if (!got.equals(options.expectedCid)) throw new CidMismatchError(`asked for ${String(options.expectedCid)} but the bytes hash to ${got.toString()}`)
      }
      // a record made here ('local': a publish, the node's binding) is one record, checked on
      // this thread: starting an idle pool's worker for it would cost a thousand times the check
      const verifying = checked !== undefined ? Promise.resolve(checked.v) : this.check(bytes, options.source === 'local', this.undecided > 0).then((v) => { verifyMs = performance.now() - t0; return v })
      verifying.catch(() => {})
      this.undecided++
      const decided = this.tail.then(async () => await this.decide(await verifying, options)).finally(() => { this.undecided-- })
      this.tail = decided.catch(() => {})
      const { result, committed, verified } = await decided
      await committed
      this.counts[result.status]++
      if (this.deciders.size > 0) this.report({ status: result.status, cid: result.cid, kind: result.kind, org: result.org, seq: result.seq, source: options.source, from: options.from, verifyMs, ms: performance.now() - t0 })
      if (result.status === 'accepted' && this.listenerCount('record:accepted') > 0) {
        this.safeDispatchEvent<RecordAcceptedEvent>('record:accepted', { detail: { kind: result.kind, org: result.org, seq: result.seq, cid: result.cid, from: options.from } })
      }
      if (result.status !== 'duplicate') {
        this.log('%s %s %s from %s', result.status, result.kind, result.cid, options.source ?? 'unknown')
        for (const l of this.listeners) {
          try { l(result, verified, options) } catch (err) { this.log.error('listener failed: %e', err) }
        }
      }
      return result
    } catch (err) {
      const code = err instanceof OosError ? err.code : 'INTERNAL'
      this.counts.rejected++
      this.counts.rejections[code] = (this.counts.rejections[code] ?? 0) + 1
      this.log('rejected from %s: %s %s', options.source ?? 'unknown', code, (err as Error).message)
      if (this.deciders.size > 0) this.report({ ...this.rejection(bytes, code, err as Error, options), ...(verifyMs !== undefined ? { verifyMs } : {}), ms: performance.now() - t0 })
      if (this.listenerCount('record:rejected') > 0) {
        const cid = options.expectedCid ?? (bytes instanceof Uint8Array ? CID.decode(cidBytesOf(bytes)) : undefined)
        this.safeDispatchEvent<RecordRejectedEvent>('record:rejected', { detail: { code, from: options.from, ...(cid !== undefined ? { cid } : {}) } })
      }
      throw err
    }
  }

  private report (d: IngestDecision): void {
    for (const l of this.deciders) {
      try { l(d) } catch (e) { this.log.error('decision listener failed: %e', e) }
    }
  }

  /** What can be said of rejected bytes without trusting them: their hash and what they claim to be. */
  private rejection (bytes: Uint8Array, code: string, err: Error, options: IngestOptions): IngestDecision {
    const d: IngestDecision = { status: 'rejected', code, message: err.message, source: options.source, from: options.from }
    if (bytes instanceof Uint8Array) {
      d.cid = options.expectedCid ?? CID.decode(cidBytesOf(bytes))
      const g = glance(bytes)
      if (g !== undefined) { d.kind = g.type; d.org = g.org; d.seq = g.seq }
    }
    return d
  }

  /**
   * Ingest many records: verification runs ahead (in parallel with workers), rules and
   * writes follow in order. Resolves with one entry per input, never rejects.
   */
  async ingestMany (records: Iterable<Uint8Array>, options: IngestOptions & { window?: number } = {}): Promise<Array<IngestResult | OosError>> {
    const window = options.window ?? 512
    const out: Array<Promise<IngestResult | OosError>> = []
    let inflight = 0
    let wake: (() => void) | undefined
    for (const bytes of records) {
      inflight++
      out.push(this.ingest(bytes, options).then(r => r, (e: unknown) => e instanceof OosError ? e : new InternalError(String(e))).finally(() => {
        inflight--
        wake?.()
      }))
      // refill in chunks, so that work reaches the verify workers in batches
      if (inflight >= window) while (inflight > window / 2) await new Promise<void>(resolve => { wake = resolve })
    }
    return await Promise.all(out)
  }

  /** Rules stage for one verified record, in call order. */
  private async decide (v: Verified, options: IngestOptions): Promise<{ result: IngestResult, committed: Promise<void>, verified: Verified }> {
    if (options.signal?.aborted === true) throw new AbortedError('ingest aborted')
    const rec = v.rec
    const result: IngestResult = { status: 'accepted', cid: v.cid, kind: v.kind, org: rec.org }
    if (rec.type === 'oos/version') result.seq = rec.seq
    if (v.claims !== undefined) result.claims = v.claims
    result.status = await plan(v, { store: this.store, state: this.state, batch: () => this.openBatch().batch, flush: async () => await this.flush() })
    if (result.status === 'duplicate') return { result, committed: Promise.resolve(), verified: v }
    // the rule wrote into the batch open now (a rule may flush before it writes)
    const target = this.openBatch()
    target.records++
    // a full batch is written now; so is a record nothing else is coming behind (a lone gossip
    // message): on a busy event loop the immediate that would write it waits for all pending
    // I/O, 5–7 ms at 10 node processes on two cores (bench/README.md, "Propagation: where a version's time went")
    if (target.records >= this.maxBatch || this.undecided === 1) void this.flush()
    return { result, committed: target.done, verified: v }
  }

  private openBatch (): OpenBatch {
    if (this.open === undefined) {
      const { promise, resolve, reject } = Promise.withResolvers<void>()
      promise.catch(() => {})
      this.open = { batch: transactor(this.store), records: 0, done: promise, resolve, reject }
      setImmediate(() => { void this.flush() })
    }
    return this.open
  }

  /** Write the open batch (if any); resolves when everything planned so far is on disk. */
  private async flush (): Promise<void> {
    const b = this.open
    this.open = undefined
    if (b !== undefined) {
      this.writing = this.writing.then(async () => {
        try {
          await b.batch.commit()
          b.resolve()
        } catch (err) {
          this.state.clear() // the cache ran ahead of the disk: reload from disk
          b.reject(err as Error)
        }
      })
    }
    await this.writing
  }
}

export function ingest (init: IngestInit = {}): (components: IngestComponents) => Ingest {
  return (components) => new Ingest(components, init)
}
