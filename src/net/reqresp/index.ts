/**
 * The request/response protocols of oosnet (protocol/NETWORK-reqresp.md): `/oos/fetch/1.0.0`
 * (records by CID), `/oos/sync/1.0.0` (an org's chain from a seq) and `/oos/heads/1.0.0`
 * (head hints). A js-libp2p style service: `reqResp(init)(components)`, then `start()`
 * registers the handlers and `stop()` removes them and aborts exchanges in flight.
 *
 * Abuse handling after Lodestar's reqresp: per-peer and total rate limits per protocol
 * (GCRA), `maxInboundStreams` per connection and protocol, caps on every frame, timeouts on
 * every exchange, and serving budgets (serving.ts): responses stream from the store under a
 * window each, within per-peer and total budgets, and a requester that takes nothing for 5 s
 * is cut (`SLOW_READER`). A peer at fault is counted in `stats().violations` and reported through
 * `onViolation`; the node decides what to do (score, disconnect). The requester paces itself
 * below the default limits, so that an honest node never trips a peer's limits.
 */
import type { Connection, Libp2p, PeerId, Stream } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import type { Ingest } from '../../ingest/ingest.ts'
import { logger, type ComponentLogger, type Logger } from '../../logger.ts'
import type { Store } from '../../store/store.ts'
import { NotStartedError, RequestAbortedError } from './errors.ts'
import { PROTOCOLS, VIOLATION_CODES, serve, type Context, type ProtocolCounters, type ProtocolName, type Timeouts, type ViolationCode } from './exchange.ts'
import { decodeFetchRequest, fetchRecords, respondFetch, type FetchResult } from './fetch.ts'
import { authorsOf, decodeHeadsRequest, headsOf, respondHeads, type HeadHint } from './heads.ts'
import { Gcra, InboundLimiter, OutboundGate, type Rate } from './limits.ts'
import { StallMeter } from './stall.ts'
import { SERVING_DEFAULTS, ServingBudget, type ServingLimits, type ServingStats } from './serving.ts'
import { decodeSyncRequest, decodeSyncRequest11, respondSync, SYNC_1_1, syncOrg, type SyncOptions, type SyncResult } from './sync.ts'
import { syncWindows, type WindowedSyncOptions, type WindowedSyncResult } from './windows.ts'
import { decodeReconcileRequest, reconcileStatements, respondReconcile, type ReconcileResult } from './reconcile.ts'

export { PROTOCOLS, MAX_REQUEST_BYTES, MAX_RESPONSE_FRAME_BYTES, VIOLATION_CODES } from './exchange.ts'
export type { ProtocolName, ViolationCode, Timeouts, ProtocolCounters } from './exchange.ts'
export { MAX_FETCH_CIDS, encodeFetchRequest, decodeFetchRequest, type FetchResult } from './fetch.ts'
export { MAX_SYNC_LIMIT, MAX_SYNC_ROTATIONS, MAX_SYNC_BYTES, SYNC_1_1, encodeSyncRequest, decodeSyncRequest, decodeSyncRequest11, type SyncOptions, type SyncResult, type SyncRequest } from './sync.ts'
export { MAX_RECONCILE_RANGES, RECONCILE_ID_LIST, RECONCILE_SPLIT, fingerprint, answer, itemsOf, encodeReconcileRequest, decodeReconcileRequest, encodeAnswers, decodeAnswers, type ReconcileResult, type Answer, type Item, type Bound, type Range } from './reconcile.ts'
export { WINDOW_DEFAULTS, type WindowedSyncOptions, type WindowedSyncResult, type ProviderTally } from './windows.ts'
export { MAX_HEADS_ORGS, encodeHeadsRequest, decodeHeadsRequest, encodeHeadsResponse, decodeHeadsResponse, type HeadHint } from './heads.ts'
export type { TransferResult } from './results.ts'
export type { Rate } from './limits.ts'
export { SERVING_DEFAULTS, type ServingLimits, type ServingStats } from './serving.ts'
export * from './errors.ts'

/** Defaults (documented in protocol/NETWORK-reqresp.md §6). */
export const DEFAULTS = {
  /**
   * endGrace: a stream that ended early is charged only if its connection is still open 2 s later (above libp2p's 1 s connection close timeout);
   * ownStall: a timeout is not charged if this node's event loop stalled 1 s or more during the exchange (a fifth of the first-byte timeout)
   */
  timeouts: { dial: 5_000, firstByte: 5_000, response: 10_000, endGrace: 2_000, ownStall: 1_000 } satisfies Timeouts,
  /**
   * per peer, over all protocols: early ends (a stream ended before its request) and timeouts
   * counted but not charged, 10 a minute, 10 at once (NETWORK-reqresp.md §7, faults that cost little)
   */
  lenience: { rate: 10 / 60, burst: 10 } satisfies Rate,
  /** per remote peer and protocol */
  perPeer: { rate: 20, burst: 40 } satisfies Rate,
  /** over all peers, per protocol */
  total: { rate: 200, burst: 400 } satisfies Rate,
  /** inbound streams per connection and protocol (libp2p resets the ones above) */
  maxInboundStreams: 8,
  /** our own requests at once per peer and protocol */
  maxOutboundStreams: 4,
  /** our own pace per peer and protocol: under the default per-peer limit, with margin for jitter */
  outboundRate: { rate: 16, burst: 20 } satisfies Rate,
  /** what responses may hold: window 128 KiB each, 2 MiB per peer, 64 MiB in all; stall 5 s; queue 1 s */
  serving: SERVING_DEFAULTS
}

export interface ReqRespInit {
  /** timeouts in ms (default dial 5 s, first response byte 5 s, whole response 10 s; end grace 2 s; own stall 1 s) */
  timeouts?: Partial<Timeouts>
  /** inbound requests per remote peer, per protocol (default 20/s, burst 40) */
  perPeer?: Rate
  /** inbound requests over all peers, per protocol (default 200/s, burst 400) */
  total?: Rate
  /** per-protocol overrides of `perPeer` / `total` */
  protocols?: Partial<Record<ProtocolName, { perPeer?: Rate, total?: Rate }>>
  /** inbound streams per connection and protocol (default 8) */
  maxInboundStreams?: number
  /** own requests in flight per peer and protocol (default 4) */
  maxOutboundStreams?: number
  /** own request pace per peer and protocol (default 16/s, burst 20) */
  outboundRate?: Rate
  /** serving budgets and the slow-reader timer (default window 128 KiB, per peer 2 MiB, total 64 MiB, stall 5 s, queue 1 s) */
  serving?: Partial<ServingLimits>
  /** early ends and timeouts per peer counted but not charged (default 10 a minute, burst 10; burst 0: none) */
  lenience?: Rate
  /** a peer broke the rules (the node scores / disconnects) */
  onViolation?: (peer: PeerId, code: ViolationCode) => void
  /** catch-up windows (windows.ts; default 3 windows in flight of ≤ 500 versions and ≤ 8 MiB each, hedge after 2 s) */
  windows?: Partial<Pick<WindowedSyncOptions, 'inFlight' | 'window' | 'windowBytes' | 'hedgeMs'>>
  /**
   * Tests only: awaited after a request is read and before its response is written (a test
   * slows a real node's handler with it: a stalled provider). Absent in any real node.
   */
  beforeRespond?: (name: ProtocolName, peer: PeerId, signal: AbortSignal) => Promise<void>
}

export interface ReqRespComponents {
  libp2p: Pick<Libp2p, 'handle' | 'unhandle' | 'dial'>
  /** read only */
  store: Pick<Store, 'get' | 'head' | 'claimAuthor' | 'rotationCids' | 'versionCids' | 'aboutItems'>
  ingest: Pick<Ingest, 'ingest'>
  /** the node's loggers (default: `oosnet:net:reqresp`, `oosnet:net:fetch`, …) */
  logger?: ComponentLogger
}

export interface ReqRespStats {
  /** peers at fault, by code (either role) */
  violations: Record<ViolationCode, number>
  /** per protocol: inbound requests, served, refused by a rate limit; outbound requests, failed; exchanges cut by their connection closing */
  protocols: Record<ProtocolName, ProtocolCounters>
  /** outbound failures by error code */
  failures: Record<string, number>
  /** responses being written, the bytes they hold, peaks, requests queued or refused for room */
  serving: ServingStats
}

const NAMES: ProtocolName[] = ['fetch', 'sync', 'heads', 'reconcile']
const zero = (): ProtocolCounters => ({ inbound: 0, served: 0, refused: 0, outbound: 0, failed: 0, cut: 0, judging: 0, forgiven: 0, stalled: 0 })

export class ReqResp {
  private readonly ctx: Context
  private readonly init: ReqRespInit
  private readonly inflight = new Set<(err: Error) => void>()
  private readonly violations = Object.fromEntries(VIOLATION_CODES.map(c => [c, 0])) as Record<ViolationCode, number>
  private readonly log: Logger
  private started = false

  constructor (components: ReqRespComponents, init: ReqRespInit = {}) {
    this.init = init
    const log = (name: string): Logger => components.logger?.forComponent(name) ?? logger(`oosnet:net:${name}`)
    this.log = log('reqresp')
    const limits = (name: ProtocolName): { perPeer: Rate, total: Rate } => ({
      perPeer: init.protocols?.[name]?.perPeer ?? init.perPeer ?? DEFAULTS.perPeer,
      total: init.protocols?.[name]?.total ?? init.total ?? DEFAULTS.total
    })
    const lenience = init.lenience ?? DEFAULTS.lenience
    this.ctx = {
      ...components,
      timeouts: { ...DEFAULTS.timeouts, ...init.timeouts },
      gate: new OutboundGate({ concurrency: init.maxOutboundStreams ?? DEFAULTS.maxOutboundStreams, rate: init.outboundRate ?? DEFAULTS.outboundRate }),
      budget: new ServingBudget(init.serving),
      limiters: { fetch: new InboundLimiter(limits('fetch')), sync: new InboundLimiter(limits('sync')), heads: new InboundLimiter(limits('heads')), reconcile: new InboundLimiter(limits('reconcile')) },
      counters: { fetch: zero(), sync: zero(), heads: zero(), reconcile: zero() },
      failures: {},
      violation: (peer, code) => { this.violation(peer, code) },
      lenience: lenience.burst >= 1 ? new Gcra(lenience) : undefined,
      stall: new StallMeter(),
      track: (abort) => {
        this.inflight.add(abort)
        const release = this.ctx.stall.hold()
        return () => { this.inflight.delete(abort); release() }
      },
      logs: { fetch: log('fetch'), sync: log('sync'), heads: log('heads'), reconcile: log('reconcile') },
      beforeRespond: init.beforeRespond
    }
  }

  async start (): Promise<void> {
    if (this.started) return
    const ctx = this.ctx
    // libp2p's own per-connection caps; our requests stay below a peer's default inbound cap (OutboundGate)
    const streams = this.init.maxInboundStreams ?? DEFAULTS.maxInboundStreams
    const options = { maxInboundStreams: streams, maxOutboundStreams: Math.max(streams, this.init.maxOutboundStreams ?? DEFAULTS.maxOutboundStreams) }
    const handlers: Record<ProtocolName, (stream: Stream, connection: Connection) => Promise<void>> = {
      fetch: async (s, c) => { await serve(ctx, 'fetch', s, c, decodeFetchRequest, async (cids, out) => { await respondFetch(ctx, cids, out) }) },
      sync: async (s, c) => { await serve(ctx, 'sync', s, c, s.protocol === SYNC_1_1 ? decodeSyncRequest11 : decodeSyncRequest, async (req, out) => { await respondSync(ctx, req, out) }) },
      heads: async (s, c) => { await serve(ctx, 'heads', s, c, decodeHeadsRequest, async (req, out) => { await respondHeads(ctx, req, out) }) },
      reconcile: async (s, c) => { await serve(ctx, 'reconcile', s, c, decodeReconcileRequest, async (req, out) => { await respondReconcile(ctx, req, out) }) }
    }
    for (const name of NAMES) await ctx.libp2p.handle(PROTOCOLS[name], handlers[name], options)
    // 1.1 beside 1.0 (NETWORK-reqresp.md §4.1): one handler, one set of limits and counters
    await ctx.libp2p.handle(SYNC_1_1, handlers.sync, options)
    this.started = true
    this.log('serving %s', NAMES.map(n => PROTOCOLS[n]).join(', '))
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    await this.ctx.libp2p.unhandle([...NAMES.map(n => PROTOCOLS[n]), SYNC_1_1])
    const stopped = new RequestAbortedError('the reqresp service stopped')
    for (const abort of [...this.inflight]) abort(stopped)
  }

  isStarted (): boolean { return this.started }

  /** Fetch records by CID from `peer` and ingest them (64 CIDs per request). */
  async fetch (peer: PeerId, cids: CID[], options: { signal?: AbortSignal } = {}): Promise<FetchResult> {
    this.ensureStarted()
    return await fetchRecords(this.ctx, peer, cids, options)
  }

  /**
   * Catch `org` up from `peer`: rotations, then versions from `options.from` (default head + 1)
   * on. With a `limit`, one request at a time of at most `limit` versions (sync.ts); without,
   * in pipelined windows (windows.ts).
   */
  async sync (peer: PeerId, org: string, options: SyncOptions = {}): Promise<SyncResult> {
    this.ensureStarted()
    if (options.limit !== undefined) return await syncOrg(this.ctx, peer, org, options)
    return await syncWindows(this.ctx, [peer], org, { ...this.init.windows, ...options })
  }

  /**
   * Catch `org` up from several providers at once (windows.ts): their heads decide who holds
   * which range; windows are split among them, a slow one is hedged to another, a lying one is
   * charged and its range fetched elsewhere. Everything goes through the ingest door once.
   */
  async syncFrom (providers: PeerId[], org: string, options: Omit<WindowedSyncOptions, 'inFlight' | 'window' | 'windowBytes' | 'hedgeMs'> = {}): Promise<WindowedSyncResult> {
    this.ensureStarted()
    return await syncWindows(this.ctx, providers, org, { ...this.init.windows, ...options })
  }

  /** `peer`'s heads of `orgs` (hints: verify what you then sync). */
  async heads (peer: PeerId, orgs: string[], options: { signal?: AbortSignal } = {}): Promise<HeadHint[]> {
    this.ensureStarted()
    return await headsOf(this.ctx, peer, orgs, options)
  }

  /** Reconcile the statements about `org`'s claims with `peer` (RBSR), then fetch and ingest what we lack. */
  async reconcile (peer: PeerId, org: string, options: { signal?: AbortSignal } = {}): Promise<ReconcileResult> {
    this.ensureStarted()
    return await reconcileStatements(this.ctx, peer, org, options)
  }

  /** The heads of the orgs that authored `claims`, as `peer` knows them (hints). */
  async authors (peer: PeerId, claims: CID[], options: { signal?: AbortSignal } = {}): Promise<HeadHint[]> {
    this.ensureStarted()
    return await authorsOf(this.ctx, peer, claims, options)
  }

  stats (): ReqRespStats {
    const protocols = Object.fromEntries(NAMES.map(n => [n, { ...this.ctx.counters[n] }])) as Record<ProtocolName, ProtocolCounters>
    return { violations: { ...this.violations }, protocols, failures: { ...this.ctx.failures }, serving: this.ctx.budget.stats() }
  }

  private violation (peer: PeerId, code: ViolationCode): void {
    this.violations[code]++
    this.log('violation %s by %p', code, peer)
    try { this.init.onViolation?.(peer, code) } catch (err) { this.log.error('onViolation threw: %e', err) }
  }

  private ensureStarted (): void {
    if (!this.started) throw new NotStartedError('the reqresp service is not started')
  }
}

export function reqResp (init: ReqRespInit = {}): (components: ReqRespComponents) => ReqResp {
  return (components) => new ReqResp(components, init)
}
