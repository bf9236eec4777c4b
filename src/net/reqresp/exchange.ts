/**
 * One request/response exchange, both sides (protocol/NETWORK-reqresp.md §2): the requester
 * sends one request frame and half-closes; the responder sends zero or more response frames
 * and closes. Here: timeouts, caps, limits, the mapping of failures to violation codes and
 * the counters; the protocols (fetch.ts, sync.ts, heads.ts) supply the bodies.
 */
import type { Connection, Libp2p, PeerId, Stream } from '@libp2p/interface'
import { OosError } from '../../errors.ts'
import type { Logger } from '../../logger.ts'
import type { Ingest } from '../../ingest/ingest.ts'
import type { Store } from '../../store/store.ts'
import { BadRequestError, DialFailedError, DialTimeoutError, OverloadedError, RateLimitedError, ReqRespTimeoutError, RequestAbortedError, StreamResetError } from './errors.ts'
import { frameError, readFrames, readOneFrame, writeFrame } from './frames.ts'
import type { Gcra, InboundLimiter, OutboundGate } from './limits.ts'
import type { StallMeter } from './stall.ts'
import { ResponseWriter, type Lease, type ResponseOut, type ServingBudget } from './serving.ts'

export type ProtocolName = 'fetch' | 'sync' | 'heads' | 'reconcile'

export const PROTOCOLS: Record<ProtocolName, string> = {
  fetch: '/oos/fetch/1.0.0',
  sync: '/oos/sync/1.0.0',
  heads: '/oos/heads/1.0.0',
  reconcile: '/oos/reconcile/1.0.0'
}

/** the largest request frame (the length prefix excluded) per protocol */
export const MAX_REQUEST_BYTES: Record<ProtocolName, number> = { fetch: 16 * 1024, sync: 1024, heads: 16 * 1024, reconcile: 16 * 1024 }
/** the largest response frame: one record of the largest kind (1 MiB) plus room */
export const MAX_RESPONSE_FRAME_BYTES = 1024 * 1024 + 1024

export const VIOLATION_CODES = ['RATE_LIMITED', 'BAD_REQUEST', 'FRAME_TOO_LARGE', 'UNEXPECTED_BLOCK', 'TIMEOUT', 'SLOW_READER'] as const
export type ViolationCode = typeof VIOLATION_CODES[number]

export interface Timeouts {
  /** opening a stream (dial + protocol negotiation), ms */
  dial: number
  /** request sent → first response byte (requester); stream opened → whole request (responder), ms */
  firstByte: number
  /** request sent → end of the response (requester); request read → response written and closed (responder), ms */
  response: number
  /**
   * a stream that ended early (before the request, or before the response frames due) is
   * charged only if its connection is still open this long after: a connection closing (pruned,
   * a duplicate closed, a node stopping) ends its streams first (NETWORK-reqresp.md §7), ms
   */
  endGrace: number
  /**
   * a timeout is not charged if this node's own event loop stalled this long or longer during
   * the exchange (its timers fired late, its reads waited: NETWORK-reqresp.md §7), ms
   */
  ownStall: number
}

export interface ProtocolCounters {
  inbound: number
  served: number
  refused: number
  outbound: number
  failed: number
  /** exchanges (either side) that ended early because their connection closed: nobody charged */
  cut: number
  /** exchanges that ended early, waiting out the end grace before the verdict (charged or cut) */
  judging: number
  /** early ends and timeouts within the peer's lenience budget: counted, not charged */
  forgiven: number
  /** timeouts while this node's own event loop stalled: not charged */
  stalled: number
}

/** What the protocols need of the service. */
export interface Context {
  libp2p: Pick<Libp2p, 'handle' | 'unhandle' | 'dial'>
  store: Pick<Store, 'get' | 'head' | 'claimAuthor' | 'rotationCids' | 'versionCids' | 'aboutItems'>
  ingest: Pick<Ingest, 'ingest'>
  timeouts: Timeouts
  gate: OutboundGate
  limiters: Record<ProtocolName, InboundLimiter>
  /** what responses may hold (serving.ts) */
  budget: ServingBudget
  counters: Record<ProtocolName, ProtocolCounters>
  failures: Record<string, number>
  /** per peer: early ends and timeouts forgiven before they are charged (undefined: none) */
  lenience?: Gcra
  /** this process's event-loop stalls, sampled while exchanges run */
  stall: StallMeter
  /** count a violation and tell the node */
  violation: (peer: PeerId, code: ViolationCode) => void
  /** register an exchange to be aborted by stop(); returns the unregister function */
  track: (abort: (err: Error) => void) => () => void
  logs: Record<ProtocolName, Logger>
  /** tests only (ReqRespInit.beforeRespond) */
  beforeRespond?: (name: ProtocolName, peer: PeerId, signal: AbortSignal) => Promise<void>
}

/** a response (or request) timeout, as seen by a consumer of the frames */
export const isTimeout = (err: unknown): boolean => err instanceof OosError && err.code === 'TIMEOUT'

/** The violation a failed exchange counts against the remote peer, if any. */
function violationOf (err: Error, side: 'requester' | 'responder'): ViolationCode | undefined {
  const code = err instanceof OosError ? err.code : undefined
  switch (code) {
    case 'FRAME_TOO_LARGE': case 'TIMEOUT': case 'UNEXPECTED_BLOCK': case 'BAD_REQUEST': case 'SLOW_READER': return code
    case 'MALFORMED_FRAME': return side === 'responder' ? 'BAD_REQUEST' : 'UNEXPECTED_BLOCK'
    // a request cut short by the requester's own close; a response cut short may be a peer shutting down
    case 'TRUNCATED_FRAME': return side === 'responder' ? 'BAD_REQUEST' : undefined
    default: return undefined
  }
}

/**
 * Whether `connection` closes within `ms` (or has closed). A connection that closes ends its
 * streams gracefully first: libp2p's `Connection.close()` closes every stream (a FIN each, no
 * reset), then the multiplexer (yamux GoAway), then the socket — so the remote sees a stream
 * end cleanly, then the connection close; the side that closes sees its streams end when the
 * socket closes.
 */
async function closesWithin (connection: Connection, ms: number): Promise<boolean> {
  if (connection.status !== 'open') return true
  return await new Promise<boolean>(resolve => {
    const done = (closed: boolean): void => { clearTimeout(t); connection.removeEventListener('close', onClose); resolve(closed) }
    const onClose = (): void => { done(true) }
    const t = setTimeout(() => { done(connection.status !== 'open') }, ms)
    t.unref()
    connection.addEventListener('close', onClose)
  })
}

/** What is known of a failed exchange when its fault is judged. */
interface Fault {
  /** the stream ended before the request, or before the response frames due */
  early: boolean
  connection?: Connection
  /** when the exchange began (performance.now()) */
  since: number
}

/**
 * Charge `code` to `peer`, or not (NETWORK-reqresp.md §7, "Stream endings" and "Faults that
 * cost little"). Never waits.
 *
 * - A timeout while this node's own event loop stalled for `ownStall` ms or more during the
 *   exchange is the node's overload, not the peer's fault: counted as `stalled`.
 * - An exchange that ended early is judged `endGrace` ms later: if its connection closed by
 *   then, the connection's end cut it (`cut`).
 * - An early end or a timeout that remains costs the node little (a stream, a timer): it is
 *   counted against the peer's `lenience` budget (`forgiven`) and charged only past it.
 *   Every other fault is charged at once.
 */
function charge (ctx: Context, name: ProtocolName, peer: PeerId, code: ViolationCode, fault: Fault): void {
  const counters = ctx.counters[name]
  if (code === 'TIMEOUT' && ctx.stall.since(fault.since) >= ctx.timeouts.ownStall) {
    counters.stalled++
    ctx.logs[name]('%s exchange with %p timed out while this node stalled: not charged', name, peer)
    return
  }
  const cheap = fault.early || code === 'TIMEOUT'
  const verdict = (): void => {
    if (cheap && ctx.lenience?.allows(peer.toString()) === true) {
      ctx.lenience.take(peer.toString())
      counters.forgiven++
      ctx.logs[name]('%s exchange with %p: %s within its budget, not charged', name, peer, code)
    } else {
      ctx.violation(peer, code)
    }
  }
  const connection = fault.connection
  if (!fault.early || connection === undefined) { verdict(); return }
  counters.judging++
  void closesWithin(connection, ctx.timeouts.endGrace).then(closed => {
    counters.judging--
    if (closed) {
      counters.cut++
      ctx.logs[name]('%s exchange with %p cut by its connection closing: not charged (%s)', name, peer, code)
    } else {
      verdict()
    }
  })
}

/**
 * Why a stream's reading ended early: a reset by the remote, or `otherwise()`. libp2p ends a
 * stream's iterator without an error when the remote's reset arrived before the reading began
 * (the iterator of a stream no longer readable just returns), so "no request" is told from a
 * reset by the stream's status (NETWORK-reqresp.md §7, stream endings).
 */
function endedBy (stream: Stream, otherwise: () => Error): Error {
  return stream.status === 'reset' ? new StreamResetError('the remote reset the stream before it was read') : otherwise()
}

/** A request's stream-level state: one abort reason for timers, the caller's signal and stop(). */
class Exchange {
  readonly controller = new AbortController()
  /** when the exchange began (performance.now()) */
  readonly since = performance.now()
  stream?: Stream
  connection?: Connection
  /** the response was read to its end */
  ended = false
  private readonly timers: NodeJS.Timeout[] = []

  get signal (): AbortSignal { return this.controller.signal }

  fail = (err: Error): void => {
    if (this.controller.signal.aborted) return
    this.controller.abort(err)
    this.stream?.abort(err)
  }

  timer (ms: number, err: () => Error): NodeJS.Timeout {
    const t = setTimeout(() => { this.fail(err()) }, ms)
    this.timers.push(t)
    return t
  }

  /** the error to report: the abort reason if the exchange was aborted, else `err` */
  reason (err: unknown, maxLength: number): Error {
    return this.signal.aborted ? this.signal.reason as Error : frameError(err, maxLength)
  }

  done (): void { for (const t of this.timers) clearTimeout(t) }
}

export interface RequestSpec {
  name: ProtocolName
  /** the request frame, or a function of the protocol id negotiated (when `protocols` offers several) */
  body: Uint8Array | ((protocol: string) => Uint8Array)
  maxFrame?: number
  /** protocol ids offered in multistream-select, preferred first (default: the protocol's one id) */
  protocols?: string[]
}

/**
 * Requester side: send `body` to `peer` and hand the response frames to `consume`. Any
 * failure — of the exchange or thrown by `consume` — aborts the stream, is counted, and
 * (if it is the peer's fault) reported as a violation; then it is thrown.
 */
export async function request<T> (ctx: Context, peer: PeerId, spec: RequestSpec, consume: (frames: AsyncIterable<Uint8Array>, signal: AbortSignal) => Promise<T>, options: { signal?: AbortSignal } = {}): Promise<T> {
  const { name } = spec
  const maxFrame = spec.maxFrame ?? MAX_RESPONSE_FRAME_BYTES
  const x = new Exchange()
  const onAbort = (): void => { x.fail(new RequestAbortedError(`${name} request aborted`, { cause: options.signal?.reason })) }
  options.signal?.addEventListener('abort', onAbort, { once: true })
  const untrack = ctx.track(x.fail)
  ctx.counters[name].outbound++
  let release: (() => void) | undefined
  let complete = false
  try {
    if (options.signal?.aborted === true) onAbort()
    release = await ctx.gate.acquire(`${peer.toString()}/${name}`, x.signal)
    x.timer(ctx.timeouts.dial, () => new DialTimeoutError(`no ${PROTOCOLS[name]} stream to ${peer.toString()} within ${ctx.timeouts.dial} ms`))
    try {
      // dial, then the stream: the same as dialProtocol, and we know the stream's connection
      x.connection = await ctx.libp2p.dial(peer, { signal: x.signal })
      x.stream = await x.connection.newStream(spec.protocols ?? PROTOCOLS[name], { signal: x.signal })
    } catch (err) {
      throw x.signal.aborted ? x.signal.reason : new DialFailedError(`${PROTOCOLS[name]} to ${peer.toString()}: ${(err as Error).message}`, { cause: err })
    }
    if (x.signal.aborted) x.stream.abort(x.signal.reason)
    x.done()
    const stream = x.stream
    const ttfb = x.timer(ctx.timeouts.firstByte, () => new ReqRespTimeoutError(`${peer.toString()} sent no ${name} response within ${ctx.timeouts.firstByte} ms`))
    x.timer(ctx.timeouts.response, () => new ReqRespTimeoutError(`${peer.toString()} did not complete its ${name} response within ${ctx.timeouts.response} ms`))
    let frames: AsyncIterable<Uint8Array>
    try {
      await writeFrame(stream, typeof spec.body === 'function' ? spec.body(stream.protocol) : spec.body, x.signal)
      await stream.close({ signal: x.signal })
      frames = readFrames(stream, { maxLength: maxFrame, onFirstByte: () => { clearTimeout(ttfb) } })
    } catch (err) {
      throw x.reason(err, maxFrame)
    }
    const result = await consume(guard(frames, x, maxFrame), x.signal)
    complete = true
    return result
  } catch (err) {
    const e = x.signal.aborted ? x.signal.reason as Error : err as Error
    ctx.counters[name].failed++
    const code = e instanceof OosError ? e.code : 'INTERNAL'
    ctx.failures[code] = (ctx.failures[code] ?? 0) + 1
    const v = violationOf(e, 'requester')
    // a response that ended cleanly short of what was due (a heads request answered by no frame)
    if (v !== undefined) charge(ctx, name, peer, v, { early: x.ended, connection: x.connection, since: x.since })
    ctx.logs[name]('%s request to %p failed: %s %s', name, peer, code, e.message)
    throw e
  } finally {
    x.done()
    // a consumer that failed or stopped early: reset, so the responder stops sending
    if (!complete || !x.ended) x.stream?.abort(new RequestAbortedError(complete ? 'response not wanted further' : 'exchange failed'))
    options.signal?.removeEventListener('abort', onAbort)
    untrack()
    release?.()
  }
}

/** Frames as the consumer sees them: errors of the stream become the exchange's reason. */
async function * guard (frames: AsyncIterable<Uint8Array>, x: Exchange, maxFrame: number): AsyncGenerator<Uint8Array> {
  try {
    yield * frames
    x.ended = true
  } catch (err) {
    throw x.reason(err, maxFrame)
  }
}

/**
 * Responder side of one inbound stream: admit (rate limits), read and decode the request,
 * take a lease of the serving budgets (serving.ts), then let `respond` write the response
 * frames through a backpressured writer; close. Never throws: failures reset the stream and
 * are counted (and reported, if the requester is at fault).
 */
export async function serve<Req> (ctx: Context, name: ProtocolName, stream: Stream, connection: Connection, decode: (bytes: Uint8Array) => Req, respond: (req: Req, out: ResponseOut, signal: AbortSignal) => Promise<void>): Promise<void> {
  const peer = connection.remotePeer
  const counters = ctx.counters[name]
  const log = ctx.logs[name]
  counters.inbound++
  const verdict = ctx.limiters[name].admit(peer.toString())
  if (verdict !== 'ok') {
    counters.refused++
    if (verdict === 'peer') ctx.violation(peer, 'RATE_LIMITED')
    stream.abort(verdict === 'peer' ? new RateLimitedError(`${peer.toString()} is over its ${name} rate`) : new OverloadedError(`${name} is over its total rate`))
    log('refused %s request of %p: %s', name, peer, verdict === 'peer' ? 'RATE_LIMITED' : 'OVERLOADED')
    return
  }
  const x = new Exchange()
  x.stream = stream
  const untrack = ctx.track(x.fail)
  const maxRequest = MAX_REQUEST_BYTES[name]
  let responding = false
  /** the stream ended before or inside the request frame */
  let early = false
  let lease: Lease | undefined
  try {
    x.timer(ctx.timeouts.firstByte, () => new ReqRespTimeoutError(`${peer.toString()} sent no complete ${name} request within ${ctx.timeouts.firstByte} ms`))
    let bytes: Uint8Array | undefined
    try {
      bytes = await readOneFrame(stream, maxRequest)
    } catch (err) {
      if (x.signal.aborted) throw x.signal.reason
      if (err instanceof OosError && err.code === 'TRUNCATED_FRAME') { early = true; throw endedBy(stream, () => err as Error) }
      // what the stream itself threw (its connection aborted: a failed ping, a socket error) is nobody's request
      throw err instanceof OosError ? err : new StreamResetError(`the stream failed: ${(err as Error).message}`, { cause: err })
    }
    if (bytes === undefined) { early = true; throw endedBy(stream, () => new BadRequestError('the stream ended before a request')) }
    x.done()
    let req: Req
    try {
      req = decode(bytes)
    } catch (err) {
      throw err instanceof OosError ? err : new BadRequestError(`bad ${name} request: ${(err as Error).message}`, { cause: err })
    }
    lease = await ctx.budget.acquire(peer.toString(), x.signal)
    if (lease === undefined) {
      counters.refused++
      throw new OverloadedError(`no room in the serving budgets for a ${name} response to ${peer.toString()} within ${ctx.budget.limits.queueMs} ms`)
    }
    responding = true
    if (ctx.beforeRespond !== undefined) await ctx.beforeRespond(name, peer, x.signal)
    x.timer(ctx.timeouts.response, () => new ReqRespTimeoutError(`${peer.toString()} did not take the whole ${name} response within ${ctx.timeouts.response} ms`))
    const out = new ResponseWriter(stream, lease, ctx.budget.limits, x.signal, () => `${name} response to ${peer.toString()}`)
    await respond(req, out, x.signal)
    await out.end()
    counters.served++
  } catch (err) {
    const e = x.reason(err, maxRequest)
    // a response cut by the whole-response timer was being read (else the stall timer fires
    // first): a slow link, not a violation (NETWORK-reqresp.md §7)
    const v = responding && isTimeout(e) ? undefined : violationOf(e, 'responder')
    if (v !== undefined) charge(ctx, name, peer, v, { early: early && !x.signal.aborted, connection, since: x.since })
    log('%s request of %p failed: %s %s', name, peer, e instanceof OosError ? e.code : 'INTERNAL', e.message)
    stream.abort(e)
  } finally {
    x.done()
    lease?.release()
    untrack()
  }
}
