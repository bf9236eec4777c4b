/**
 * A pool of verification workers (worker_threads). Signature checks and decoding dominate
 * the ingest door's cost; spreading them over cores lets a node keep up with a burst (a
 * catch-up sync of a thousand versions) while the main thread runs chain rules and writes
 * the store. Requests queued in the same tick go to a worker as one message.
 */
import { Worker } from 'node:worker_threads'
import { availableParallelism } from 'node:os'
import { errorFromCode } from '../errors.ts'
import { logger } from '../logger.ts'
import { fromWire, type Verified } from '../records/verified.ts'
import type { VerifyReply, VerifyRequest } from './worker.ts'

export interface VerifyPoolInit {
  /** worker threads (default: available cores, at most 4) */
  workers?: number
}

interface Pending { resolve: (v: Verified) => void, reject: (e: Error) => void, bytes: Uint8Array }

export class VerifyPool {
  private readonly size: number
  private workers: Worker[] = []
  private readonly pending = new Map<number, Pending>()
  private readonly outbox: VerifyRequest[][] = []
  private nextId = 0
  private next = 0
  private scheduled = false
  private readonly log = logger('oosnet:ingest:pool')

  constructor (init: VerifyPoolInit = {}) {
    this.size = Math.max(1, init.workers ?? Math.min(4, availableParallelism()))
  }

  async start (): Promise<void> {
    if (this.workers.length > 0) return
    const url = new URL('./worker.ts', import.meta.url)
    this.workers = Array.from({ length: this.size }, () => {
      const w = new Worker(url)
      w.on('message', (replies: VerifyReply[]) => { this.settle(replies) })
      w.on('error', (err) => { this.log.error('verify worker failed: %e', err) })
      w.unref()
      return w
    })
    for (let i = 0; i < this.size; i++) this.outbox.push([])
    this.log('started %d verify workers', this.size)
  }

  async stop (): Promise<void> {
    const ws = this.workers
    this.workers = []
    await Promise.all(ws.map(async w => await w.terminate()))
    for (const [, p] of this.pending) p.reject(new Error('verify pool stopped'))
    this.pending.clear()
  }

  verify (bytes: Uint8Array, now: number): Promise<Verified> {
    if (this.workers.length === 0) return Promise.reject(new Error('verify pool not started'))
    const id = this.nextId++
    const { promise, resolve, reject } = Promise.withResolvers<Verified>()
    this.pending.set(id, { resolve, reject, bytes })
    this.outbox[this.next].push({ id, bytes, now })
    this.next = (this.next + 1) % this.size
    if (!this.scheduled) {
      this.scheduled = true
      queueMicrotask(() => { this.flush() })
    }
    return promise
  }

  private flush (): void {
    this.scheduled = false
    this.workers.forEach((w, i) => {
      if (this.outbox[i].length > 0) {
        w.postMessage(this.outbox[i])
        this.outbox[i] = []
      }
    })
  }

  private settle (replies: VerifyReply[]): void {
    for (const r of replies) {
      const p = this.pending.get(r.id)
      if (p === undefined) continue
      this.pending.delete(r.id)
      if (r.ok) p.resolve(fromWire(r.v, p.bytes))
      else p.reject(errorFromCode(r.code, r.message, r.path))
    }
  }
}
