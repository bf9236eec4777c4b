/**
 * A pool of verification workers (worker_threads). Signature checks and decoding dominate
 * the ingest door's cost; spreading them over cores lets a node keep up with a burst (a
 * catch-up sync of a thousand versions) while the main thread runs chain rules and writes
 * the store. Requests queued in the same tick go to a worker as one transferred buffer.
 *
 * A lean idle node (issue 15): workers start on demand and stop when idle. `start` starts
 * none. A request that comes after a quiet spell (`LONE_GAP_MS`), and the few that follow it
 * closely (at most `lone` in all: a gossip message, an announcement's signature), are checked
 * on the calling thread, the first at once, the others on the next turn, ~0.4 ms for a version
 * of 10 KB: while no worker runs, rather than after a worker's start (~60 ms of CPU and ~50 MB
 * resident; ~160 ms while the schemas were compiled at run time), and start none; while
 * workers run (for `idleMs` after a burst), rather than after a round trip to one, which on a
 * loaded machine waits for the worker's turn on a core (10 nodes on two cores: p99 74–80 ms
 * against 88–112, bench/README.md); but not a record that the caller has others in flight
 * ahead of (`bulk`: the ingest door in a catch-up), whose quiet spell is the door writing a
 * batch (slowed by a CPU profiler, a quarter of a 1,000-version catch-up was checked here).
 * More (a burst: a catch-up) start as many workers as the queue needs (one per `batch`
 * requests, up to `workers`) and wait for them; more start while the queue outgrows those
 * running, and all of them stop after `idleMs` without a request.
 * (Checking a burst's first records here while its workers load was measured and dropped: a
 * catch-up of 1,000 versions took 0.83 s instead of 0.70 s, the main thread's reads and
 * writes being the pipeline's other stage; bench/README.md.)
 */
import { Worker, type ResourceLimits } from 'node:worker_threads'
import { errorFromCode } from '../errors.ts'
import { logger, type Logger } from '../logger.ts'
import { skipVerified, unpackVerified, verifyBytes, type Verified } from '../records/verified.ts'
import { AbortedError, NotStartedError, WorkerFailedError } from './errors.ts'
import { defaultWorkers } from './threads.ts'
import { checkSignature, RECORD, SIGNATURE, signatureRequest } from './ops.ts'
import type { VerifyBatch, VerifyReply } from './worker.ts'

const utf8 = new TextDecoder()

export interface VerifyPoolInit {
  /** most worker threads running at once (default `defaultWorkers()`: the cores less one, 1 to 4) */
  workers?: number
  /** where the pool logs (default the global `oosnet:ingest:pool`; a node passes its own) */
  log?: Logger
  /**
   * stop every worker after this long without a request (default 30 s: a node that receives a
   * record now and then keeps its workers between records; an idle one frees their memory);
   * 0 keeps them until `stop`
   */
  idleMs?: number
  /** most records per message to a worker (default 16: small enough to keep replies flowing) */
  batch?: number
  /**
   * times a request is sent again after the worker holding it died (default 2); then it is
   * rejected with WORKER_FAILED (a record that kills every worker it reaches must not kill
   * them all)
   */
  retries?: number
  /** replacement workers started within `restartWindowMs` before the pool verifies inline (default 4) */
  restarts?: number
  /** the window of `restarts` (default 60 s) */
  restartWindowMs?: number
  /** memory limits of each worker (default: Node's) */
  resourceLimits?: ResourceLimits
  /**
   * at most this many requests in a row (each within `LONE_GAP_MS` of the one before) are
   * checked on the calling thread while no worker runs, instead of starting one (default 4);
   * 0: always a worker
   */
  lone?: number
}

export interface VerifyPoolStats {
  /** workers running now (or starting) */
  workers: number
  /** most workers that run at once (`workers` of the init) */
  max: number
  /** workers started, on demand or to replace one that died */
  spawned: number
  /** times every worker was stopped after `idleMs` without a request */
  idleStops: number
  /** requests each of them holds now, in `threads` order */
  inflight: number[]
  /** workers that exited or failed while the pool ran */
  crashes: number
  /** replacement workers started */
  restarts: number
  /** requests sent again after their worker died */
  retried: number
  /** requests rejected with WORKER_FAILED */
  failed: number
  /** true once the restart budget ran out and no worker is left: records are verified on the main thread */
  inline: boolean
  /** records checked by a worker (valid or not) */
  verified: number
  /** requests checked on the calling thread: while no worker was ready, or past the restart budget */
  verifiedInline: number
}

interface Pending { resolve: (v: Verified | boolean) => void, reject: (e: Error) => void, op: number, bytes: Uint8Array, now: number, tries: number }
interface Queued { id: number, op: number, bytes: Uint8Array, now: number }
interface Slot { worker: Worker, ready: boolean, inflight: Set<number> }

/** Request buffers are allocated in steps of this size, with room to spare, and kept for reuse. */
const SPARE_STEP = 64 * 1024
/** a request this long after the one before, with no worker running, is checked at once on the calling thread */
const LONE_GAP_MS = 20
// worker.js beside this file when it runs as JavaScript emitted ahead of time (dist/, `npm run build`)
const WORKER_URL = new URL(import.meta.url.endsWith('.js') ? './worker.js' : './worker.ts', import.meta.url)

/**
 * Crash safety: a worker that exits or fails (killed, out of memory, a bug) takes only its own
 * batches with it; their requests go back to the queue for the other workers (or its
 * replacement), at most `retries` times each. A replacement starts at once, within a restart
 * budget; past the budget, with no worker left, the pool verifies on the calling thread, as
 * an ingest door without workers does.
 */
export class VerifyPool {
  private readonly size: number
  private readonly batchSize: number
  private readonly retries: number
  private readonly restartBudget: number
  private readonly restartWindowMs: number
  private readonly resourceLimits?: ResourceLimits
  private readonly idleMs: number
  private readonly lone: number
  /** when the last request came (performance.now()), and how many came since the last quiet spell */
  private lastRequest = -Infinity
  private burst = 0
  private idleTimer?: ReturnType<typeof setTimeout>
  private slots: Slot[] = []
  private started = false
  private readonly pending = new Map<number, Pending>()
  private queue: Queued[] = []
  private nextId = 0
  private next = 0
  private scheduled = false
  /** when recent workers died, for the restart budget */
  private crashTimes: number[] = []
  /** the restart budget ran out: no worker is started any more; with none left, records are verified inline */
  private exhausted = false
  private readonly counts = { crashes: 0, restarts: 0, retried: 0, failed: 0, verified: 0, verifiedInline: 0, spawned: 0, idleStops: 0 }
  /** request buffers handed back by the workers, to be filled again */
  private spares: ArrayBuffer[] = []
  private readonly log: Logger

  constructor (init: VerifyPoolInit = {}) {
    this.log = init.log ?? logger('oosnet:ingest:pool')
    this.size = Math.max(1, init.workers ?? defaultWorkers())
    this.batchSize = Math.max(1, init.batch ?? 16)
    this.retries = Math.max(0, init.retries ?? 2)
    this.restartBudget = Math.max(0, init.restarts ?? 4)
    this.restartWindowMs = init.restartWindowMs ?? 60_000
    this.resourceLimits = init.resourceLimits
    this.idleMs = Math.max(0, init.idleMs ?? 30_000)
    this.lone = Math.max(0, init.lone ?? 4)
  }

  /** Takes requests from now on; starts no worker (the first requests do). */
  async start (): Promise<void> {
    this.started = true
  }

  /** Start every worker now, not on demand; resolves when they have loaded their modules (or, past the restart budget, the pool verifies inline). */
  async warm (): Promise<void> {
    if (!this.started) throw new NotStartedError('verify pool not started')
    await Promise.all(Array.from({ length: this.size - this.slots.length }, async () => await this.spawn()))
    this.idle()
  }

  async stop (): Promise<void> {
    this.started = false
    await this.retire()
    for (const [, p] of this.pending) p.reject(new AbortedError('verify pool stopped'))
    this.pending.clear()
    this.queue = []
  }

  /** Terminate every worker (stop, or idle): their 'exit' events are not crashes. */
  private async retire (): Promise<void> {
    clearTimeout(this.idleTimer)
    this.idleTimer = undefined
    const slots = this.slots
    this.slots = [] // first: their 'exit' events are not crashes
    this.spares = []
    await Promise.all(slots.map(async s => await s.worker.terminate()))
  }

  /** Nothing pending: the workers stop after `idleMs` unless a request comes first. */
  private idle (): void {
    if (this.idleMs === 0 || this.pending.size > 0 || this.slots.length === 0) return
    clearTimeout(this.idleTimer)
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined
      if (this.pending.size > 0 || this.queue.length > 0) return
      this.counts.idleStops++
      this.log('%d verify workers idle for %d ms: stopping them', this.slots.length, this.idleMs)
      void this.retire()
    }, this.idleMs)
    this.idleTimer.unref() // an idle pool keeps no process alive
  }

  /** The worker threads running now (for monitoring, and for tests that kill one). */
  get threads (): readonly Worker[] { return this.slots.map(s => s.worker) }

  stats (): VerifyPoolStats {
    return { workers: this.slots.length, max: this.size, inflight: this.slots.map(s => s.inflight.size), ...this.counts, inline: this.inline() }
  }

  /**
   * `bulk`: the caller has records in flight ahead of this one (a catch-up's stream): with
   * workers running it goes to them, even after a quiet spell, as part of the burst; the
   * calling thread is the pipeline's other stage (rules, reads, writes).
   */
  async verify (bytes: Uint8Array, now: number, bulk = false): Promise<Verified> {
    return await this.request<Verified>(RECORD, bytes, now, bulk)
  }

  /** Whether `signature` is a valid Ed25519 signature of `message` under `publicKey` (identity/ `verify`), checked by a worker. */
  async verifySignature (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
    if (publicKey.length !== 32 || signature.length !== 64) return false
    // a signature check reads no clock, but it shares batches with records, and a batch is
    // checked at one `now` (below): it must be a real time, not 0, or records batched behind it
    // would all be "in the future" (honest gossip charged BAD_GOSSIP at a node's start)
    return await this.request<boolean>(SIGNATURE, signatureRequest(publicKey, message, signature), Date.now())
  }

  private async request<T> (op: number, bytes: Uint8Array, now: number, bulk = false): Promise<T> {
    if (!this.started) throw new NotStartedError('verify pool not started')
    const at = performance.now()
    // part of a burst the workers already run for: not lone, however long since the last one
    const inBurst = bulk && this.slots.length > 0
    const quiet = at - this.lastRequest >= LONE_GAP_MS && !inBurst
    this.lastRequest = at
    this.burst = quiet ? 1 : inBurst ? Math.max(this.burst + 1, this.lone + 1) : this.burst + 1
    // past the restart budget; or a record after a quiet spell (a gossip message), nothing
    // queued: checked now, not on the next immediate, which on a busy event loop waits for
    // every pending I/O callback first (5–7 ms at 10 node processes on two cores)
    if (this.inline() || (quiet && this.lone > 0 && this.queue.length === 0)) {
      this.counts.verifiedInline++
      return runInline(op, bytes, now) as T
    }
    const id = this.nextId++
    clearTimeout(this.idleTimer)
    // workers keep the process alive only while they have work
    if (this.pending.size === 0) this.hold(true)
    const { promise, resolve, reject } = Promise.withResolvers<T>()
    this.pending.set(id, { resolve: resolve as (v: Verified | boolean) => void, reject, op, bytes, now, tries: 0 })
    this.queue.push({ id, op, bytes, now })
    this.schedule()
    return await promise
  }

  /** No worker left and none starting: the restart budget ran out. */
  private inline (): boolean { return this.started && this.exhausted && this.slots.length === 0 }

  /** Start workers for what is queued: one per `batch` requests waiting beyond those the running ones hold, up to `workers`. */
  private grow (): void {
    if (this.exhausted) return
    const busy = this.slots.reduce((n, s) => n + s.inflight.size, 0)
    const want = Math.min(this.size, Math.ceil((this.queue.length + busy) / this.batchSize))
    for (let n = this.slots.length; n < want; n++) {
      this.spawn().catch((err) => { this.log.error('cannot start a verify worker: %e', err); this.schedule() })
    }
  }

  private schedule (): void {
    if (this.scheduled) return
    this.scheduled = true
    // after the current turn of the event loop, not its next microtask: a caller feeding
    // records one `await` apart (a sync reading frames) still fills batches
    setImmediate(() => { this.flush() })
  }

  private hold (ref: boolean): void {
    for (const s of this.slots) if (s.ready) { if (ref) s.worker.ref(); else s.worker.unref() }
  }

  /** Start one worker; resolves when it (or, if it dies first, its replacement) is ready, or none will be. */
  private async spawn (): Promise<void> {
    const worker = new Worker(WORKER_URL, this.resourceLimits !== undefined ? { resourceLimits: this.resourceLimits } : {})
    const slot: Slot = { worker, ready: false, inflight: new Set() }
    this.slots.push(slot)
    this.counts.spawned++
    const { promise, resolve } = Promise.withResolvers<void>()
    worker.on('message', (msg: VerifyReply | 'ready') => {
      if (msg === 'ready') {
        slot.ready = true
        if (this.pending.size === 0) { worker.unref(); this.idle() }
        resolve()
        if (this.queue.length > 0) this.schedule()
        return
      }
      if (this.spares.length < 2 * this.size) this.spares.push(msg.spare)
      this.settle(msg.reply, slot)
    })
    // an 'exit' follows every 'error'
    worker.on('error', (err) => { this.log.error('verify worker failed: %e', err) })
    worker.on('exit', (code) => { resolve(this.lost(slot, code)) })
    return await promise
  }

  /** A worker exited: requeue its requests (or fail those out of retries) and replace it within the budget. */
  private async lost (slot: Slot, code: number): Promise<void> {
    const i = this.slots.indexOf(slot)
    if (i < 0) return // stopped by `stop`
    this.slots.splice(i, 1)
    this.counts.crashes++
    this.log.error('verify worker exited with code %d, %d records in flight', code, slot.inflight.size)
    for (const id of slot.inflight) {
      const p = this.pending.get(id)
      if (p === undefined) continue
      if (++p.tries > this.retries) {
        this.pending.delete(id)
        this.counts.failed++
        p.reject(new WorkerFailedError(`the verify worker died ${p.tries} times while checking this record`))
      } else {
        this.counts.retried++
        this.queue.push({ id, op: p.op, bytes: p.bytes, now: p.now })
      }
    }
    if (this.pending.size === 0) { this.hold(false); this.idle() }
    const now = Date.now()
    this.crashTimes = this.crashTimes.filter(t => now - t < this.restartWindowMs)
    this.crashTimes.push(now)
    if (this.crashTimes.length <= this.restartBudget) {
      this.counts.restarts++
      // a replacement that cannot even be created (no threads, no memory) leaves the rest, or inline
      const next = this.spawn().catch((err) => { this.log.error('cannot start a verify worker: %e', err); this.schedule() })
      if (this.queue.length > 0) this.schedule()
      return await next
    }
    this.exhausted = true
    if (this.slots.length === 0) this.log.error('%d verify workers died within %d ms: verifying on the main thread from now on', this.crashTimes.length, this.restartWindowMs)
    if (this.queue.length > 0) this.schedule()
  }

  private flush (): void {
    this.scheduled = false
    if (!this.started) return // stopped meanwhile: `stop` rejected these
    if (this.inline()) { this.verifyInline(); return }
    const live = this.slots.filter(s => s.ready)
    if (this.burst <= this.lone && (this.slots.length === 0 || live.length > 0)) {
      // a lone record (at most `lone` since a quiet spell), no worker starting (none runs, or
      // they are ready): checked here, starting none; a burst's first records start its workers
      this.verifyInline()
      if (this.pending.size === 0) this.hold(false)
      return
    }
    this.grow()
    if (live.length === 0) return // the workers starting take the queue when ready
    const q = this.queue
    this.queue = []
    for (let i = 0; i < q.length; i += this.batchSize) {
      const part = q.slice(i, i + this.batchSize)
      const total = part.reduce((n, r) => n + r.bytes.length, 0)
      const buf = this.spare(total)
      const ends: number[] = []
      let at = 0
      for (const r of part) { buf.set(r.bytes, at); at += r.bytes.length; ends.push(at) }
      const msg: VerifyBatch = { ids: part.map(r => r.id), ends, buf: buf.buffer, now: batchNow(part) }
      if (part.some(r => r.op !== RECORD)) msg.ops = part.map(r => r.op)
      const slot = live[this.next++ % live.length]
      for (const r of part) slot.inflight.add(r.id)
      slot.worker.postMessage(msg, [buf.buffer])
    }
  }

  /** What is queued is checked here: a lone record with no worker running, or past the restart budget (as without workers). */
  private verifyInline (): void {
    const q = this.queue
    this.queue = []
    for (const r of q) {
      const p = this.pending.get(r.id)
      if (p === undefined) continue
      this.pending.delete(r.id)
      this.counts.verifiedInline++
      try { p.resolve(runInline(r.op, r.bytes, r.now)) } catch (err) { p.reject(err as Error) }
    }
  }

  /** A request buffer of at least `n` bytes: a spare one if one fits, else a new one with room to spare. */
  private spare (n: number): Uint8Array<ArrayBuffer> {
    const i = this.spares.findIndex(b => b.byteLength >= n)
    if (i >= 0) return new Uint8Array(this.spares.splice(i, 1)[0])
    return new Uint8Array(Math.ceil(n * 1.25 / SPARE_STEP) * SPARE_STEP)
  }

  private settle (buf: ArrayBuffer, slot: Slot): void {
    const w = new Uint8Array(buf)
    const dv = new DataView(buf)
    let at = 0
    while (at < w.length) {
      const id = dv.getUint32(at)
      const ok = w[at + 4]
      at += 5
      slot.inflight.delete(id)
      this.counts.verified++
      const p = this.pending.get(id)
      if (p === undefined) { at = ok === 2 ? at + 1 : ok === 1 ? skipVerified(w, at) : at + 4 + dv.getUint32(at); continue } // abandoned (the pool stopped) or settled already
      this.pending.delete(id)
      if (ok === 2) {
        p.resolve(w[at] === 1)
        at += 1
      } else if (ok === 1) {
        const { v, next } = unpackVerified(w, at, p.bytes)
        at = next
        p.resolve(v)
      } else {
        const n = dv.getUint32(at)
        const [code, message, path] = JSON.parse(utf8.decode(w.subarray(at + 4, at + 4 + n))) as [string, string, string?]
        at += 4 + n
        p.reject(errorFromCode(code, message, path))
      }
    }
    if (this.pending.size === 0) { this.hold(false); this.idle() }
  }
}

/** One request on the calling thread, as a worker would answer it. */
function runInline (op: number, bytes: Uint8Array, now: number): Verified | boolean {
  return op === SIGNATURE ? checkSignature(bytes) : verifyBytes(bytes, now)
}

/**
 * The one clock reading a batch is checked at: the latest of its records' (they were queued
 * milliseconds apart; the latest is the most lenient to a record stamped just now). Signature
 * checks read no clock and do not count.
 */
function batchNow (part: readonly Queued[]): number {
  let now = 0
  for (const r of part) if (r.op === RECORD && r.now > now) now = r.now
  return now === 0 ? part[0].now : now
}
