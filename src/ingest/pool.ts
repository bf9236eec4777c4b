/**
 * A pool of verification workers (worker_threads). Signature checks and decoding dominate
 * the ingest door's cost; spreading them over cores lets a node keep up with a burst (a
 * catch-up sync of a thousand versions) while the main thread runs chain rules and writes
 * the store. Requests queued in the same tick go to a worker as one transferred buffer.
 */
import { Worker } from 'node:worker_threads'
import { availableParallelism } from 'node:os'
import { errorFromCode } from '../errors.ts'
import { logger } from '../logger.ts'
import { skipVerified, unpackVerified, type Verified } from '../records/verified.ts'
import type { VerifyBatch, VerifyReply } from './worker.ts'

const utf8 = new TextDecoder()

export interface VerifyPoolInit {
  /** worker threads (default: available cores, at most 4) */
  workers?: number
  /** most records per message to a worker (default 16: small enough to keep replies flowing) */
  batch?: number
}

interface Pending { resolve: (v: Verified) => void, reject: (e: Error) => void, bytes: Uint8Array }
interface Queued { id: number, bytes: Uint8Array, now: number }

/** Request buffers are allocated in steps of this size, with room to spare, and kept for reuse. */
const SPARE_STEP = 64 * 1024

export class VerifyPool {
  private readonly size: number
  private readonly batchSize: number
  private workers: Worker[] = []
  private readonly pending = new Map<number, Pending>()
  private queue: Queued[] = []
  private nextId = 0
  private next = 0
  private scheduled = false
  /** request buffers handed back by the workers, to be filled again */
  private spares: ArrayBuffer[] = []
  private readonly log = logger('oosnet:ingest:pool')

  constructor (init: VerifyPoolInit = {}) {
    this.size = Math.max(1, init.workers ?? Math.min(4, availableParallelism()))
    this.batchSize = Math.max(1, init.batch ?? 16)
  }

  async start (): Promise<void> {
    if (this.workers.length > 0) return
    const url = new URL('./worker.ts', import.meta.url)
    const ready: Array<Promise<void>> = []
    this.workers = Array.from({ length: this.size }, () => {
      const w = new Worker(url)
      const { promise, resolve, reject } = Promise.withResolvers<void>()
      ready.push(promise)
      w.on('message', (msg: VerifyReply | 'ready') => {
        if (msg === 'ready') return resolve()
        if (this.spares.length < 2 * this.size) this.spares.push(msg.spare)
        this.settle(msg.reply)
      })
      w.on('error', (err) => { reject(err); this.log.error('verify worker failed: %e', err) })
      return w
    })
    await Promise.all(ready) // the workers have loaded their modules
    for (const w of this.workers) w.unref()
    this.log('started %d verify workers', this.size)
  }

  async stop (): Promise<void> {
    const ws = this.workers
    this.workers = []
    await Promise.all(ws.map(async w => await w.terminate()))
    for (const [, p] of this.pending) p.reject(new Error('verify pool stopped'))
    this.pending.clear()
    this.queue = []
    this.spares = []
  }

  async verify (bytes: Uint8Array, now: number): Promise<Verified> {
    if (this.workers.length === 0) throw new Error('verify pool not started')
    const id = this.nextId++
    // workers keep the process alive only while they have work
    if (this.pending.size === 0) for (const w of this.workers) w.ref()
    const { promise, resolve, reject } = Promise.withResolvers<Verified>()
    this.pending.set(id, { resolve, reject, bytes })
    this.queue.push({ id, bytes, now })
    if (!this.scheduled) {
      this.scheduled = true
      // after the current turn of the event loop, not its next microtask: a caller feeding
      // records one `await` apart (a sync reading frames) still fills batches
      setImmediate(() => { this.flush() })
    }
    return await promise
  }

  private flush (): void {
    this.scheduled = false
    const q = this.queue
    this.queue = []
    if (this.workers.length === 0) return // stopped meanwhile: `stop` rejected these
    for (let i = 0; i < q.length; i += this.batchSize) {
      const part = q.slice(i, i + this.batchSize)
      const total = part.reduce((n, r) => n + r.bytes.length, 0)
      const buf = this.spare(total)
      const ends: number[] = []
      let at = 0
      for (const r of part) { buf.set(r.bytes, at); at += r.bytes.length; ends.push(at) }
      const msg: VerifyBatch = { ids: part.map(r => r.id), ends, buf: buf.buffer, now: part[0].now }
      this.workers[this.next].postMessage(msg, [buf.buffer])
      this.next = (this.next + 1) % this.size
    }
  }

  /** A request buffer of at least `n` bytes: a spare one if one fits, else a new one with room to spare. */
  private spare (n: number): Uint8Array<ArrayBuffer> {
    const i = this.spares.findIndex(b => b.byteLength >= n)
    if (i >= 0) return new Uint8Array(this.spares.splice(i, 1)[0])
    return new Uint8Array(Math.ceil(n * 1.25 / SPARE_STEP) * SPARE_STEP)
  }

  private settle (buf: ArrayBuffer): void {
    const w = new Uint8Array(buf)
    const dv = new DataView(buf)
    let at = 0
    while (at < w.length) {
      const id = dv.getUint32(at)
      const ok = w[at + 4] === 1
      at += 5
      const p = this.pending.get(id)
      if (p === undefined) { at = ok ? skipVerified(w, at) : at + 4 + dv.getUint32(at); continue } // abandoned (the pool stopped)
      this.pending.delete(id)
      if (ok) {
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
    if (this.pending.size === 0) for (const w of this.workers) w.unref()
  }
}
