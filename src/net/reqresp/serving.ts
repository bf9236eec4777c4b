/**
 * Bounded serving (protocol/NETWORK-reqresp.md §6, "Serving budgets"): what a responder may
 * hold for the responses it is writing, and how it notices a requester that does not read.
 *
 * - `ServingBudget`: every response holds a lease of one window (default 128 KiB) from a
 *   per-peer budget (default 2 MiB: 16 responses) and a total budget (default 64 MiB: 512
 *   responses). A request that finds no room waits up to `queueMs` (the peer holding the fewest
 *   responses first), then is refused (reset, `OVERLOADED`; the requester retries). A quarter
 *   of the total is kept for peers that hold no response yet. The bytes a response actually
 *   holds are reported to its lease, so `stats()` shows them and their peak beside the
 *   reservations.
 * - `ResponseWriter`: writes frames with backpressure. The bytes a response holds are those
 *   read from the store and not yet taken by the muxer (read ahead, plus the stream's write
 *   buffer); after each frame it waits until that is back under the window. It waits for the
 *   stream's buffer to shrink, not for a 'drain' event: yamux emits 'drain' on every stream of
 *   a connection whenever the connection drains, also on streams whose send window is still
 *   exhausted, so "send() returned false, then drain" does not bound the buffer by itself.
 *   A response whose buffer does not shrink for `stallMs` (default 5 s) is a slow reader:
 *   `SlowReaderError`, a violation.
 */
import type { Stream } from '@libp2p/interface'
import * as lp from 'it-length-prefixed'
import { Uint8ArrayList } from 'uint8arraylist'
import { RequestAbortedError, SlowReaderError, StreamResetError } from './errors.ts'

export interface ServingLimits {
  /** bytes one response may hold (read ahead + the stream's write buffer), and what it reserves */
  window: number
  /** reserved bytes of all responses to one peer (so at most perPeerBytes / window responses) */
  perPeerBytes: number
  /** reserved bytes of all responses (so at most totalBytes / window responses) */
  totalBytes: number
  /** a response whose buffered bytes do not shrink for this long is aborted: SLOW_READER */
  stallMs: number
  /** how long a request waits for room in the budgets before it is refused */
  queueMs: number
}

export const SERVING_DEFAULTS: ServingLimits = {
  window: 128 * 1024,
  perPeerBytes: 2 * 1024 * 1024,
  totalBytes: 64 * 1024 * 1024,
  stallMs: 5_000,
  queueMs: 1_000
}

export interface ServingStats {
  /** responses being written now, and the bytes they hold (actual) and reserve */
  responses: number
  bytes: number
  reserved: number
  /** highest values seen: responses at once, bytes held by all, bytes held for one peer */
  peakResponses: number
  peakBytes: number
  peakPeerBytes: number
  /** requests that waited for room, and those refused after `queueMs` */
  queued: number
  busy: number
}

interface Account { reserved: number, bytes: number }
interface Waiter { peer: string, grant: (lease: Lease) => void }

/** One response's share of the budgets. `set` reports what it holds; `release` once. */
export interface Lease {
  set: (bytes: number) => void
  release: () => void
}

export class ServingBudget {
  readonly limits: ServingLimits
  private readonly peers = new Map<string, Account>()
  private readonly total: Account = { reserved: 0, bytes: 0 }
  private responses = 0
  private readonly peak = { responses: 0, bytes: 0, peerBytes: 0 }
  private queued = 0
  private busy = 0
  private readonly waiting: Waiter[] = []

  constructor (limits: Partial<ServingLimits> = {}) {
    this.limits = { ...SERVING_DEFAULTS, ...limits }
    const { window, perPeerBytes, totalBytes } = this.limits
    if (!(window > 0) || perPeerBytes < window || totalBytes < perPeerBytes) throw new RangeError(`invalid serving budgets ${JSON.stringify(this.limits)}`)
  }

  /** A lease for one response to `peer`, waiting up to `queueMs` for room (see `pump`); undefined: refused. */
  async acquire (peer: string, signal: AbortSignal): Promise<Lease | undefined> {
    if (this.waiting.length === 0 && this.fits(peer)) return this.lease(peer)
    signal.throwIfAborted()
    this.queued++
    return await new Promise<Lease | undefined>((resolve, reject) => {
      const w: Waiter = {
        peer,
        grant: (lease) => { cleanup(); resolve(lease) }
      }
      const cleanup = (): void => {
        clearTimeout(t)
        signal.removeEventListener('abort', onAbort)
        const i = this.waiting.indexOf(w)
        if (i >= 0) this.waiting.splice(i, 1)
      }
      const onAbort = (): void => { cleanup(); reject(signal.reason) }
      const t = setTimeout(() => { cleanup(); this.busy++; resolve(undefined) }, this.limits.queueMs)
      signal.addEventListener('abort', onAbort, { once: true })
      this.waiting.push(w)
      this.pump()
    })
  }

  stats (): ServingStats {
    return { responses: this.responses, bytes: this.total.bytes, reserved: this.total.reserved, peakResponses: this.peak.responses, peakBytes: this.peak.bytes, peakPeerBytes: this.peak.peerBytes, queued: this.queued, busy: this.busy }
  }

  /**
   * Room for one more response to `peer`: under its per-peer budget and under the total. The
   * last quarter of the total is kept for peers that hold no response yet, so that peers with
   * many responses (slow readers among them) cannot shut a newcomer out.
   */
  private fits (peer: string): boolean {
    const w = this.limits.window
    const mine = this.peers.get(peer)?.reserved ?? 0
    const total = mine === 0 ? this.limits.totalBytes : this.limits.totalBytes - Math.floor(this.limits.totalBytes / 4)
    return mine + w <= this.limits.perPeerBytes && this.total.reserved + w <= total
  }

  private lease (peer: string): Lease {
    const w = this.limits.window
    let a = this.peers.get(peer)
    if (a === undefined) { a = { reserved: 0, bytes: 0 }; this.peers.set(peer, a) }
    const acc = a
    acc.reserved += w
    this.total.reserved += w
    this.responses++
    this.peak.responses = Math.max(this.peak.responses, this.responses)
    let held = 0
    let released = false
    const set = (bytes: number): void => {
      if (released) return
      acc.bytes += bytes - held
      this.total.bytes += bytes - held
      held = bytes
      this.peak.bytes = Math.max(this.peak.bytes, this.total.bytes)
      this.peak.peerBytes = Math.max(this.peak.peerBytes, acc.bytes)
    }
    return {
      set,
      release: () => {
        if (released) return
        set(0)
        released = true
        acc.reserved -= w
        this.total.reserved -= w
        this.responses--
        if (acc.reserved === 0) this.peers.delete(peer)
        this.pump()
      }
    }
  }

  /**
   * Grant leases to the waiting requests that fit: first to the peer that holds the fewest
   * responses, then in arrival order. A peer with many responses held does not starve a
   * peer with none (an honest follower behind a crowd of slow readers).
   */
  private pump (): void {
    for (;;) {
      let best: Waiter | undefined
      let least = Infinity
      for (const w of this.waiting) {
        const held = this.peers.get(w.peer)?.reserved ?? 0
        if (held < least && this.fits(w.peer)) { best = w; least = held }
      }
      if (best === undefined) return
      best.grant(this.lease(best.peer))
    }
  }
}

/** What a protocol's responder writes through: frames, and the bytes it reads ahead. */
export interface ResponseOut {
  /** write one frame; `held`: it was counted with `hold` when read */
  write: (frame: Uint8Array, held?: boolean) => Promise<void>
  /** count a frame of `length` bytes read from the store and not written yet */
  hold: (length: number) => void
  /** a frame counted with `hold` that will not be written */
  drop: (length: number) => void
  /** bytes the response may still read ahead before it is at its window */
  room: () => number
  /** wait until a frame of `length` bytes fits under the window (or nothing else is held) */
  ready: (length: number) => Promise<void>
}

/** bytes of a frame on the wire: the varint length prefix and the payload */
export const framed = (length: number): number => length + (length < 0x80 ? 1 : length < 0x4000 ? 2 : length < 0x200000 ? 3 : 4)

/**
 * Frames are handed to the stream in chunks of up to this many bytes (a frame larger than it
 * goes alone). Each `send` becomes one yamux data frame, one Noise message, one socket write,
 * and on the requester one decryption (and, before net/yamux-window.ts, one window update); a
 * 10.8 KB version sent alone cost the requester more for that than for its ingest
 * (bench/README.md, catch-up).
 * 64,000: a chunk and its yamux header fit one Noise message (65,535 − 16 bytes).
 */
export const COALESCE_BYTES = 64_000

export class ResponseWriter implements ResponseOut {
  private readonly stream: Stream
  /** frames written, not yet handed to the stream (sent when a chunk is full, and before any wait) */
  private readonly pending = new Uint8ArrayList()
  private readonly lease: Lease
  private readonly limits: Pick<ServingLimits, 'window' | 'stallMs'>
  private readonly signal: AbortSignal
  private readonly describe: () => string
  private held = 0
  private progressAt = Date.now()

  constructor (stream: Stream, lease: Lease, limits: Pick<ServingLimits, 'window' | 'stallMs'>, signal: AbortSignal, describe: () => string) {
    this.stream = stream
    this.lease = lease
    this.limits = limits
    this.signal = signal
    this.describe = describe
  }

  hold (length: number): void {
    this.held += framed(length)
    this.report()
  }

  drop (length: number): void {
    this.held -= framed(length)
    this.report()
  }

  room (): number { return this.limits.window - this.held - this.buffered() }

  async ready (length: number): Promise<void> {
    await this.flush(Math.max(0, this.limits.window - this.held - framed(length)))
  }

  async write (frame: Uint8Array, held = false): Promise<void> {
    this.signal.throwIfAborted()
    if (this.pending.byteLength > 0 && this.pending.byteLength + framed(frame.length) > COALESCE_BYTES) this.send()
    this.pending.append(lp.encode.single(frame))
    if (this.pending.byteLength >= COALESCE_BYTES) this.send()
    if (held) this.held -= framed(frame.length)
    this.report()
    // room for what is read ahead: at most a window held in all
    await this.flush(Math.max(0, this.limits.window - this.held))
  }

  /** Wait until the muxer has taken everything, then close the write side. */
  async end (): Promise<void> {
    await this.flush(0)
    await this.stream.close({ signal: this.signal })
  }

  /** the bytes written and not yet taken by the muxer */
  private buffered (): number { return this.pending.byteLength + this.stream.writeBufferLength }

  /** Hand the pending frames to the stream as one chunk. */
  private send (): void {
    if (this.pending.byteLength === 0) return
    if (this.stream.writeBufferLength === 0) this.progressAt = Date.now()
    this.stream.send(this.pending.sublist())
    this.pending.consume(this.pending.byteLength)
  }

  /** Wait until at most `limit` bytes are written and not taken by the muxer; SLOW_READER if that stops shrinking. */
  private async flush (limit: number): Promise<void> {
    if (this.buffered() <= limit) return
    this.send()
    const s = this.stream
    while (s.writeBufferLength > limit) {
      const before = s.writeBufferLength
      const left = this.progressAt + this.limits.stallMs - Date.now()
      if (left <= 0) throw new SlowReaderError(`${this.describe()}: no byte of the response was taken for ${this.limits.stallMs} ms`)
      await this.event(left)
      // the stream's own 'drain' listener resumes sending in a microtask queued before ours ran
      await new Promise<void>(resolve => { setImmediate(resolve) })
      if (s.writeBufferLength < before) this.progressAt = Date.now()
      this.report()
    }
  }

  /** the next 'drain' of the stream, or `ms`; throws if the stream closes or the signal fires */
  private async event (ms: number): Promise<void> {
    const s = this.stream
    this.signal.throwIfAborted()
    // reset before we listened: no 'close' will come (and a reset stream keeps its write buffer)
    if (s.status !== 'open') throw new StreamResetError(`the stream is ${s.status}`)
    await new Promise<void>((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(t)
        s.removeEventListener('drain', onDrain)
        s.removeEventListener('close', onClose)
        this.signal.removeEventListener('abort', onAbort)
      }
      const onDrain = (): void => { cleanup(); resolve() }
      const onClose = (evt: Event): void => { cleanup(); reject((evt as Event & { error?: Error }).error ?? new RequestAbortedError('the stream closed while a response was being written')) }
      const onAbort = (): void => { cleanup(); reject(this.signal.reason) }
      const t = setTimeout(onDrain, ms)
      s.addEventListener('drain', onDrain)
      s.addEventListener('close', onClose)
      this.signal.addEventListener('abort', onAbort, { once: true })
    })
  }

  private report (): void { this.lease.set(this.held + this.buffered()) }
}
