/**
 * Rate limits (GCRA, the "virtual scheduling" token bucket): per key, one number — the
 * theoretical arrival time (TAT) of the next request. With emission interval T = 1/rate and
 * tolerance τ = (burst − 1)·T, a request at `now` conforms iff max(TAT, now) − now ≤ τ, and
 * then TAT advances by T. A key whose TAT is in the past is a full bucket and is forgotten.
 *
 * Responders use `InboundLimiter` (per peer and total, per protocol). Requesters pace
 * themselves with `OutboundGate` (per peer and protocol: a concurrency cap and a rate below
 * the responder's defaults), so that an honest node never trips a peer's limits.
 */
import { RequestAbortedError } from './errors.ts'

export interface Rate {
  /** sustained requests per second */
  rate: number
  /** requests allowed at once after a quiet period */
  burst: number
}

export class Gcra {
  private readonly tat = new Map<string, number>()
  private readonly interval: number
  private readonly tolerance: number
  private readonly now: () => number
  private pruned: number

  constructor (limit: Rate, now: () => number = Date.now) {
    if (!(limit.rate > 0) || !(limit.burst >= 1)) throw new RangeError(`invalid rate limit ${JSON.stringify(limit)}`)
    this.interval = 1000 / limit.rate
    this.tolerance = (Math.floor(limit.burst) - 1) * this.interval
    this.now = now
    this.pruned = now()
  }

  /** Whether a request for `key` would conform now (nothing is consumed). */
  allows (key: string): boolean {
    const now = this.now()
    return Math.max(this.tat.get(key) ?? now, now) - now <= this.tolerance
  }

  /** Consume one request for `key` (call after `allows`). */
  take (key: string): void {
    const now = this.now()
    this.tat.set(key, Math.max(this.tat.get(key) ?? now, now) + this.interval)
    this.prune(now)
  }

  /** Reserve the next conforming slot for `key`: the ms to wait before using it (0: now). */
  reserve (key: string): number {
    const now = this.now()
    const tat = Math.max(this.tat.get(key) ?? now, now)
    this.tat.set(key, tat + this.interval)
    this.prune(now)
    return Math.max(0, tat - this.tolerance - now)
  }

  get size (): number { return this.tat.size }

  private prune (now: number): void {
    if (now - this.pruned < 10_000 && this.tat.size < 10_000) return
    this.pruned = now
    for (const [k, t] of this.tat) if (t <= now) this.tat.delete(k)
  }
}

export type InboundVerdict = 'ok' | 'peer' | 'total'

/** A responder's limits for one protocol: per peer and over all peers. */
export class InboundLimiter {
  private readonly perPeer: Gcra
  private readonly total: Gcra

  constructor (limits: { perPeer: Rate, total: Rate }, now?: () => number) {
    this.perPeer = new Gcra(limits.perPeer, now)
    this.total = new Gcra(limits.total, now)
  }

  /** Admit one request of `peer`, or say which limit refuses it (nothing is consumed then). */
  admit (peer: string): InboundVerdict {
    if (!this.perPeer.allows(peer)) return 'peer'
    if (!this.total.allows('')) return 'total'
    this.perPeer.take(peer)
    this.total.take('')
    return 'ok'
  }
}

interface Slot { active: number, waiting: Array<() => void> }

/**
 * A requester's self-limit per (peer, protocol): at most `concurrency` requests at once and a
 * paced rate. `acquire` waits (abortably) and returns the release function.
 */
export class OutboundGate {
  private readonly slots = new Map<string, Slot>()
  private readonly pace: Gcra
  private readonly concurrency: number

  constructor (init: { concurrency: number, rate: Rate }) {
    this.concurrency = Math.max(1, init.concurrency)
    this.pace = new Gcra(init.rate)
  }

  async acquire (key: string, signal?: AbortSignal): Promise<() => void> {
    let slot = this.slots.get(key)
    if (slot === undefined) { slot = { active: 0, waiting: [] }; this.slots.set(key, slot) }
    const s = slot
    if (s.active >= this.concurrency) {
      await abortable<void>(resolve => { s.waiting.push(resolve); return () => { s.waiting.splice(s.waiting.indexOf(resolve), 1) } }, signal)
    } else {
      s.active++
    }
    let released = false
    const release = (): void => {
      if (released) return
      released = true
      const next = s.waiting.shift()
      if (next !== undefined) next() // hand the slot over
      else if (--s.active === 0) this.slots.delete(key)
    }
    try {
      const wait = this.pace.reserve(key)
      if (wait > 0) await abortable<void>(resolve => { const t = setTimeout(resolve, wait); return () => { clearTimeout(t) } }, signal)
    } catch (err) {
      release()
      throw err
    }
    return release
  }
}

/** Run `start(resolve)` (which returns its cancel function) until it resolves or `signal` fires. */
async function abortable<T> (start: (resolve: (v: T) => void) => () => void, signal?: AbortSignal): Promise<T> {
  if (signal?.aborted === true) throw new RequestAbortedError('aborted', { cause: signal.reason })
  return await new Promise<T>((resolve, reject) => {
    const onAbort = (): void => { cancel(); reject(new RequestAbortedError('aborted', { cause: signal?.reason })) }
    const cancel = start(v => { signal?.removeEventListener('abort', onAbort); resolve(v) })
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
