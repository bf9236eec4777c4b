/**
 * An oosnet node: one organization's store, ingest door, libp2p stack and the services that
 * run on it (services/: gossip router, announcer, advertiser, equivocation reporter, binder,
 * statement re-gossip; replicator.ts, reach.ts, hints.ts). `createNode` (create.ts) builds
 * it; this class is the facade the rest of the code uses, and it owns the lifecycle:
 * `start()` brings every part up in order, `stop()` takes them down in reverse (peers told,
 * store closed). It re-emits the door's and its services' typed events (events.ts).
 */
import type { Logger, PeerId, PrivateKey, Startable } from '@libp2p/interface'
import type { Ingest, IngestResult } from '../ingest/ingest.ts'
import type { Store } from '../store/store.ts'
import type { OosLibp2p } from '../net/libp2p.ts'
import type { ConnectionPolicy, ConnectionPolicyInit } from '../net/policy.ts'
import type { Gossip } from '../net/gossip.ts'
import type { Announcement } from '../net/announce.ts'
import type { ReqResp, ReqRespInit } from '../net/reqresp/index.ts'
import type { CID } from 'multiformats/cid'
import type { OosBody } from '../oos/types.ts'
import { publish as publishVersion } from './publish.ts'
import type { Follows } from './follows.ts'
import type { Replicator } from './replicator.ts'
import type { HomeConfig } from './home.ts'
import type { Violations } from './violations.ts'
import type { AuditInit, AuditLog } from './audit.ts'
import { AddressInUseError, ListenFailedError, NoOrgKeyError, UnreachableError } from './errors.ts'
import { parseVia, type FollowReacher, type FollowRetryInit } from './reach.ts'
import type { Hints } from './hints.ts'
import { TypedEventEmitter } from 'main-event'
import { emit, relayEvents, type NodeStoppingEvent, type OosNodeEvents } from './events.ts'
import { startAll, stopAll } from './services/service.ts'
import type { NodeServices } from './services/index.ts'
import type { ADVERTISER_DEFAULTS } from './services/advertiser.ts'
import type { Registry } from 'prom-client'

export interface OosNodeInit {
  home: string
  config: HomeConfig
  /** the org's signing key (32-byte seed); without it the node serves and follows but cannot publish */
  orgKey?: Uint8Array
  nodeKey: PrivateKey
  listen?: string[]
  /** what peers are told to dial instead of `listen` (libp2p `addresses.announce`) */
  announce?: string[]
  bootstrap?: string[]
  mdns?: boolean
  /** anti-entropy period in ms (default 30 s) */
  antiEntropyMs?: number
  /** verification worker threads (default 0: inline) */
  workers?: number
  /** the audit log's settings (default: audit.ts AUDIT_DEFAULTS, in `<home>/audit`) */
  audit?: Partial<AuditInit>
  /** who may connect: caps, reserve, rate, eviction (net/policy.ts, NETWORK.md §8) */
  connectionPolicy?: ConnectionPolicyInit
  /** backoff of follows that reached no one, and of synced follows cut off from their org (node/reach.ts) */
  followRetry?: FollowRetryInit
  /** request/response limits, timeouts and serving budgets (defaults: NETWORK-reqresp.md §6) */
  reqresp?: Omit<ReqRespInit, 'onViolation'>
  /** DHT provide rounds and the head put's window (defaults: services/advertiser.ts ADVERTISER_DEFAULTS) */
  advertise?: Partial<typeof ADVERTISER_DEFAULTS>
}

/** What createNode built, handed to the facade. */
export interface NodeParts {
  /** the home the node runs from (follows.json, trust.json, the store) */
  home: string
  config: HomeConfig
  /** the org's signing key (32-byte seed), if the node may publish */
  orgKey?: Uint8Array
  /** the did of the signing key when it is not the inception key (after a rotation) */
  signingKey?: string
  store: Store
  ingest: Ingest
  follows: Follows
  violations: Violations
  audit: AuditLog
  policy: ConnectionPolicy
  libp2p: OosLibp2p
  reqresp: ReqResp
  services: NodeServices
  /** the Prometheus registry of this node's metrics, when it has them (metrics.ts) */
  registry?: Registry
  log: Logger
}

export class OosNode extends TypedEventEmitter<OosNodeEvents> {
  /** the home the node runs from: the app over it reads the aliases and trust settings there */
  readonly home: string
  readonly config: HomeConfig
  readonly store: Store
  readonly ingest: Ingest
  readonly follows: Follows
  readonly violations: Violations
  readonly audit: AuditLog
  readonly libp2p: OosLibp2p
  readonly reqresp: ReqResp
  readonly policy: ConnectionPolicy
  readonly services: NodeServices
  /** the Prometheus registry of this node's metrics (libp2p's, the services', its own), when it was built with one */
  readonly registry?: Registry
  private readonly parts: NodeParts
  private readonly log: Logger
  /** every part in start order (stopped in reverse) */
  private readonly lifecycle: Startable[]
  private started = false
  private readonly net: Startable
  /**
   * How long the last start took, by part, in ms (`oos start` prints it; issue 15): opening
   * the store, starting libp2p (listening, dialling the bootstrap list), and every other part
   * (follows, audit log, ingest door, request/response protocols, the services) together.
   */
  readonly startup = { storeMs: 0, libp2pMs: 0, otherMs: 0 }

  constructor (parts: NodeParts) {
    super()
    this.parts = parts
    this.home = parts.home
    this.config = parts.config
    this.store = parts.store
    this.ingest = parts.ingest
    this.follows = parts.follows
    this.violations = parts.violations
    this.audit = parts.audit
    this.libp2p = parts.libp2p
    this.reqresp = parts.reqresp
    this.policy = parts.policy
    this.services = parts.services
    this.registry = parts.registry
    this.log = parts.log
    relayEvents(this, { ingest: this.ingest, violations: this.violations })
    const s = parts.services
    this.net = libp2pPart(this.libp2p)
    this.lifecycle = [
      { start: async () => { await this.follows.load() }, stop: () => {} },
      this.store, this.audit, this.ingest, this.net, this.reqresp,
      s.replicator, s.hints, s.router, s.reacher, s.announcer, s.equivocation, s.binder, s.advertiser, s.regossip
    ]
  }

  get org (): string { return this.config.org }
  get peerId (): PeerId { return this.libp2p.peerId }
  get gossip (): Gossip { return this.services.router.gossip }
  get replicator (): Replicator { return this.services.replicator }
  get hints (): Hints { return this.services.hints }
  get reacher (): FollowReacher { return this.services.reacher }

  /** The orgs whose records this node keeps up to date: its own and those it follows. */
  orgs (): string[] { return [this.org, ...this.follows.list().map(f => f.org)] }

  /**
   * Start every part in order. If one fails (the store locked by another process, a listen
   * address in use), the parts already started are stopped again before the error is
   * thrown: a failed start leaves no store open and no port bound.
   */
  async start (): Promise<void> {
    if (this.started) return
    try {
      const t = this.startup
      t.storeMs = t.libp2pMs = t.otherMs = 0
      await startAll(this.lifecycle, (part, ms) => {
        if (part === this.store) t.storeMs += ms
        else if (part === this.net) t.libp2pMs += ms
        else t.otherMs += ms
      })
    } catch (err) {
      throw listenError(err)
    }
    this.started = true
    this.log('started %p for %s', this.libp2p.peerId, this.org)
  }

  /** Stop every part in reverse order; a second call (or one before start) does nothing. */
  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    emit<OosNodeEvents, NodeStoppingEvent>(this, 'node:stopping', () => ({ org: this.org }))
    await stopAll(this.lifecycle)
    this.log('stopped')
  }

  /** Publish the next version of our own OOS. */
  async publish (body: OosBody, options: { signal?: AbortSignal } = {}): Promise<IngestResult> {
    const { orgKey, signingKey } = this.parts
    if (orgKey === undefined) throw new NoOrgKeyError('this node was started without the org key, so it cannot publish')
    return await publishVersion(this.store, this.ingest, body, { org: this.org, secretKey: orgKey, key: signingKey, signal: options.signal, from: 'node' })
  }

  /**
   * Follow an org: remember it, subscribe to its topic, find it (via addresses or the DHT),
   * fetch its whole chain. A follow not synced is retried in the background with backoff;
   * when `via` was given and none of it (nor the DHT) answered, UNREACHABLE says so.
   */
  async follow (org: string, options: { via?: string[], alias?: string, signal?: AbortSignal } = {}): Promise<FollowResult> {
    const via = options.via ?? []
    parseVia(via)
    await this.follows.add(org, via, options.alias)
    this.gossip.subscribe(org)
    this.reacher.cancel(org) // asked again: the backoff starts over
    // its whole chain is coming: the verify workers load while it is asked for (1,000 versions
    // caught up in 0.72 s instead of 0.83 s: bench/README.md, "Propagation: where a version's time went")
    if ((await this.store.head(org)) === undefined) this.ingest.expectBurst()
    const r = await this.reacher.attempt(org, via, options)
    if (via.length > 0 && r.peers.length === 0) {
      const s = this.reacher.state(org)
      const next = s?.nextRetry === undefined ? '' : ` (next try in ${Math.ceil((s.nextRetry - Date.now()) / 1000)} s)`
      throw new UnreachableError(`no peer of ${org} reached: ${r.errors[0] ?? 'no peer found'}; the follow is recorded and retried in the background${next}`)
    }
    const seq = (await this.store.head(org))?.seq ?? 0
    if (seq > 0) this.services.advertiser.provideSoon(org) // we hold it: say so in the DHT (batched)
    // a sync that every peer refused or cut is not "0 versions, done": say so (the node keeps trying)
    if (r.synced || r.completed) return { org, seq }
    const error = r.error ?? (r.peers.length > 0 ? { code: 'NO_VERSIONS', message: `the peers reached hold no version of ${org}` } : { code: 'NO_PEERS', message: `no peer to sync ${org} from` })
    return { org, seq, synced: false, error }
  }

  async unfollow (org: string): Promise<boolean> {
    this.gossip.unsubscribe(org)
    this.reacher.cancel(org)
    return await this.follows.remove(org)
  }

  /** Peers that provide an org's records, found through the DHT, dialled. */
  async findProviders (org: string, options: { signal?: AbortSignal } = {}): Promise<PeerId[]> {
    return await this.services.advertiser.findProviders(org, options)
  }

  /** An org's latest signed head from the DHT (NETWORK.md §4: the longest key chain, then the highest seq, wins). */
  async findHead (org: string, options: { signal?: AbortSignal } = {}): Promise<Announcement | undefined> {
    return await this.services.advertiser.findHead(org, options)
  }

  /** Gossip our latest statements again (at most `max`): receivers that hold them ignore them. */
  async regossipStatements (max = 200, options: { signal?: AbortSignal } = {}): Promise<number> {
    return await this.services.regossip.regossip(max, options)
  }

  async status (): Promise<NodeStatus> {
    const following = []
    for (const f of this.follows.list()) {
      const seq = (await this.store.head(f.org))?.seq ?? 0
      const retry = this.reacher.state(f.org)
      following.push({
        org: f.org,
        seq,
        since: f.since,
        state: seq > 0 ? 'synced' as const : 'following, not yet synced' as const,
        ...(retry?.lastError !== undefined ? { lastError: retry.lastError } : {}),
        ...(retry?.nextRetry !== undefined ? { nextRetry: new Date(retry.nextRetry).toISOString() } : {})
      })
    }
    return {
      org: this.org,
      name: this.config.name,
      peerId: this.libp2p.peerId.toString(),
      multiaddrs: this.libp2p.getMultiaddrs().map(String),
      peers: this.libp2p.getPeers().map(String),
      following,
      head: (await this.store.head(this.org))?.seq ?? 0,
      ingest: this.ingest.stats(),
      gossip: this.gossip.stats(),
      reqresp: this.reqresp.stats(),
      sync: { ...this.replicator.counts },
      violations: this.violations.stats(),
      connections: this.policy.stats(),
      memory: memory(),
      workers: { running: this.ingest.pool?.stats().workers ?? 0, max: this.ingest.pool?.stats().max ?? 0 }
    }
  }
}

/** Our org's latest statements (at most `max`), as the store lists them (statement re-gossip reads them). */
export async function * authoredStatements (store: Store, org: string, max: number): AsyncGenerator<{ cid: CID, bytes: Uint8Array }> {
  for await (const cid of store.statementsBy(org, { limit: max })) {
    const bytes = await store.get(cid)
    if (bytes !== undefined) yield { cid, bytes }
  }
}

/** The bytes of an org's latest node binding (the announcer welcomes peers with ours). */
export async function currentBinding (store: Store, org: string): Promise<Uint8Array | undefined> {
  return (await store.binding(org))?.bytes
}

/** libp2p as a part of the node's lifecycle (gossipsub 17 leaves its pending heartbeat timer behind: cleared). */
function libp2pPart (libp2p: OosLibp2p): Startable {
  return {
    start: async () => { await libp2p.start() },
    stop: async () => {
      const hb = (libp2p.services.pubsub as unknown as { status?: { heartbeatTimeout?: NodeJS.Timeout } }).status?.heartbeatTimeout
      await libp2p.stop()
      clearTimeout(hb)
    }
  }
}

/** libp2p's failure to listen as a typed error: the port is taken (`ADDRESS_IN_USE`), or another cause. */
function listenError (err: unknown): unknown {
  const e = err as Error
  if (e?.name !== 'UnsupportedListenAddressesError') return err
  // its message lists `  <address>: <cause>` for each address that failed
  const first = /^\s*(\/\S+): (.*)$/m.exec(e.message)
  const where = first?.[1] ?? 'a listen address'
  if (/EADDRINUSE/.test(e.message)) return new AddressInUseError(`cannot listen on ${where}: the port is in use by another process`, { cause: err })
  // the causes a person can act on, in words; anything else as the system said it
  const why = /EADDRNOTAVAIL/.test(e.message)
    ? 'the address is not one of this machine\'s (listen on one of its own, e.g. /ip4/0.0.0.0/tcp/4710; --announce tells peers another)'
    : /EACCES/.test(e.message) ? 'permission denied (ports below 1024 need privileges)' : (first?.[2] ?? e.message.split('\n')[0]).replace(/^Error: /, '')
  return new ListenFailedError(`cannot listen on ${where}: ${why}`, { cause: err })
}

/** `synced: false`: no peer completed a sync (each refused, reset or timed out; or none was found); `error` says why */
export interface FollowResult { org: string, seq: number, synced?: false, error?: { code: string, message: string } }

export interface NodeStatus {
  org: string
  name: string
  peerId: string
  multiaddrs: string[]
  peers: string[]
  /** `synced` once a version of the org is held; the last error and the next retry while it is tried again (not synced yet, or cut off: NETWORK.md §8.5) */
  following: Array<{ org: string, seq: number, since: string, state?: 'synced' | 'following, not yet synced', lastError?: string, nextRetry?: string }>
  head: number
  ingest: ReturnType<Ingest['stats']>
  gossip: ReturnType<Gossip['stats']>
  reqresp: unknown
  sync: Replicator['counts']
  violations: ReturnType<Violations['stats']>
  connections: ReturnType<ConnectionPolicy['stats']>
  /** this process's memory now, in bytes (an idle node's cost: issue 15, bench/idle.ts) */
  memory: { rss: number, heapUsed: number, heapTotal: number }
  /** verify worker threads running now (they start on demand and stop when idle, ingest/pool.ts) and the most that run (`--workers`) */
  workers: { running: number, max: number }
}

function memory (): NodeStatus['memory'] {
  const m = process.memoryUsage()
  return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal }
}
