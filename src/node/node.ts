/**
 * An oosnet node: one organization's store, ingest door, libp2p stack, gossip, request /
 * response protocols, replication of followed orgs, DHT records and the local API. It owns
 * the lifecycle: `start()` brings everything up in order, `stop()` takes it down in reverse
 * (peers told, store closed).
 */
import type { PeerId, PrivateKey } from '@libp2p/interface'
import { logger } from '../logger.ts'
import { Ingest, type IngestResult } from '../ingest/ingest.ts'
import { Store } from '../store/store.ts'
import { K } from '../store/keys.ts'
import { createNet, type OosLibp2p } from '../net/libp2p.ts'
import { ConnectionPolicy, type ConnectionPolicyInit } from '../net/policy.ts'
import { Gossip, type GossipItem } from '../net/gossip.ts'
import { encodeAnnouncement, newer, type Announcement, decodeAnnouncement } from '../net/announce.ts'
import { decodeHeadRecord, encodeHeadRecord, headKey, orgProviderCid } from '../net/dht.ts'
import { mayAnnounce, rotationRecords } from '../ingest/authority.ts'
import { Hints } from './hints.ts'
import { reqResp, type ReqResp, type ReqRespInit } from '../net/reqresp/index.ts'
import { encodeSigned } from '../records/codec.ts'
import type { NodeBindingRecord, SignedRecord } from '../records/types.ts'
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import type { OosBody } from '../oos/types.ts'
import { publish as publishVersion } from './publish.ts'
import { Follows } from './follows.ts'
import { Replicator } from './replicator.ts'
import { homePaths, type HomeConfig } from './home.ts'
import { Violations } from './violations.ts'
import { auditLog, type AuditInit, type AuditLog } from './audit.ts'
import { AddressInUseError, ListenFailedError, NoOrgKeyError } from './errors.ts'
import { keyPairFromSeed, publicKeyToDid } from '../identity/index.ts'
import type { KeyEpoch } from '../ingest/authority.ts'
import { FollowReacher, boundPeers, parseVia, type FollowRetryInit } from './reach.ts'
import { UnreachableError } from './errors.ts'
import { TypedEventEmitter } from 'main-event'
import { emit, relayEvents, type FollowSyncedEvent, type OosNodeEvents } from './events.ts'

export interface OosNodeInit {
  home: string
  config: HomeConfig
  /** the org's signing key (32-byte seed); without it the node serves and follows but cannot publish */
  orgKey?: Uint8Array
  nodeKey: PrivateKey
  listen?: string[]
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
  /** backoff of follows that reached no one (node/reach.ts) */
  followRetry?: FollowRetryInit
  /** request/response limits, timeouts and serving budgets (defaults: NETWORK-reqresp.md §6) */
  reqresp?: Omit<ReqRespInit, 'onViolation'>
}

export class OosNode extends TypedEventEmitter<OosNodeEvents> {
  readonly config: HomeConfig
  readonly store: Store
  readonly ingest: Ingest
  readonly follows: Follows
  readonly violations: Violations
  readonly audit: AuditLog
  libp2p!: OosLibp2p
  gossip!: Gossip
  reqresp!: ReqResp
  replicator!: Replicator
  hints!: Hints
  policy!: ConnectionPolicy
  reacher!: FollowReacher
  private readonly init: OosNodeInit
  private readonly announcements = new Map<string, { a: Announcement, bytes: Uint8Array }>()
  private readonly blocked = new Set<string>()
  private readonly proofsSent = new Set<string>()
  private regossipTimer?: NodeJS.Timeout
  private lastWelcome = 0
  /** A peer joined our org's topic: tell it our node binding and head (throttled; receivers dedupe). */
  private readonly onSubscription = (evt: CustomEvent<{ subscriptions: Array<{ topic: string, subscribe: boolean }> }>): void => {
    if (!evt.detail.subscriptions.some(s => s.subscribe && s.topic === `/oos/1/org/${this.org}`)) return
    if (Date.now() - this.lastWelcome < 2000) return
    this.lastWelcome = Date.now()
    this.welcome().catch((err: Error) => { this.log('welcome: %s', err.message) })
  }
  private readonly log = logger('oosnet:node')
  private started = false

  constructor (init: OosNodeInit) {
    super()
    this.init = init
    this.config = init.config
    this.store = new Store({ path: homePaths(init.home).db })
    this.ingest = new Ingest({ store: this.store }, { workers: init.workers ?? 0 })
    this.follows = new Follows(init.home)
    this.violations = new Violations({ blocked: this.blocked, hangUp: async (p) => { await this.libp2p.hangUp(p) } })
    relayEvents(this, { ingest: this.ingest, violations: this.violations })
    this.audit = auditLog({ dir: homePaths(init.home).audit, ...init.audit })({ ingest: this.ingest, violations: this.violations })
  }

  get org (): string { return this.config.org }

  /** Run background work: a failure (e.g. during shutdown) is logged, never an unhandled rejection. */
  private bg (work: Promise<unknown>, what: string): void {
    work.catch((err: Error) => { this.log('%s: %s', what, err?.message ?? err) })
  }

  /** The did of the signing key when it is not the inception key (after a rotation). */
  private get signingKey (): string | undefined {
    if (this.init.orgKey === undefined) return undefined
    const did = publicKeyToDid(keyPairFromSeed(this.init.orgKey).publicKey)
    return did === this.org ? undefined : did
  }
  get peerId (): PeerId { return this.libp2p.peerId }

  /** The orgs whose records this node keeps up to date: its own and those it follows. */
  orgs (): string[] { return [this.org, ...this.follows.list().map(f => f.org)] }

  /**
   * Start every part in order. If one fails (the store locked by another process, a listen
   * address in use), the parts already started are stopped again before the error is
   * thrown: a failed start leaves no store open and no port bound.
   */
  async start (): Promise<void> {
    try {
      await this.startParts()
    } catch (err) {
      this.started = true // stop() takes down whatever exists
      await this.stop().catch((e: Error) => { this.log('stopping after a failed start: %s', e.message) })
      throw listenError(err)
    }
  }

  private async startParts (): Promise<void> {
    await this.follows.load()
    await this.store.start()
    await this.audit.start()
    await this.ingest.start()
    const keysOf = async (org: string): Promise<KeyEpoch[]> => await this.ingest.keys(org)
    const privileged = new Set<string>()
    this.policy = new ConnectionPolicy(this.init.connectionPolicy, { blocked: this.blocked, privileged: p => privileged.has(p.toString()) })
    this.libp2p = await createNet({ privateKey: this.init.nodeKey, listen: this.init.listen, bootstrap: this.init.bootstrap, mdns: this.init.mdns, policy: this.policy, keysOf })
    this.gossip = new Gossip({ libp2p: this.libp2p }, {
      onItem: (item, from) => { this.bg(this.onGossip(item, from), 'onGossip') },
      onViolation: (peer, code) => { this.violations.report(peer, code) },
      knowledge: async (org) => ({ epochs: await keysOf(org), kept: this.orgs().includes(org), head: (await this.store.head(org))?.seq ?? 0 }),
      // verified once, by the door's workers; the result goes to ingestVerified (onGossip)
      verify: async (bytes) => await this.ingest.verify(bytes),
      verifySignature: async (key, message, sig) => await this.ingest.verifySignature(key, message, sig),
      has: async (cid) => await this.store.has(cid)
    })
    this.reqresp = reqResp({ ...this.init.reqresp, onViolation: (peer: PeerId, code: string) => { this.violations.report(peer, code) } })({ libp2p: this.libp2p, store: this.store, ingest: this.ingest })
    this.replicator = new Replicator({ libp2p: this.libp2p, store: this.store, api: this.reqresp }, {
      orgs: () => this.orgs(),
      intervalMs: this.init.antiEntropyMs,
      onSynced: (org, seq) => { if (this.follows.has(org)) emit<OosNodeEvents, FollowSyncedEvent>(this, 'follow:synced', () => ({ org, seq })) }
    })
    this.hints = new Hints({ libp2p: this.libp2p, store: this.store, replicator: this.replicator, api: this.reqresp }, { keysOf, report: (peer, code) => { this.violations.report(peer, code) } })
    this.reacher = new FollowReacher({
      libp2p: this.libp2p,
      store: this.store,
      follows: this.follows,
      privileged,
      update: async (org, peers) => await this.replicator.update(org, peers),
      findProviders: async (org, o) => await this.findProviders(org, o)
    }, this.init.followRetry)
    await this.gossip.start()
    await this.reqresp.start()
    await this.replicator.start()
    for (const org of this.orgs()) this.gossip.subscribe(org)
    this.ingest.onRecord((r, v, options) => {
      if (options.source === 'local') this.bg(this.onLocal(r, v.bytes), 'onLocal')
      if (r.status === 'equivocation') this.bg(this.onEquivocation(r), 'onEquivocation')
      if (r.kind === 'oos/node-binding' && this.orgs().includes(r.org)) this.bg(this.reacher.protectBound(r.org), 'protectBound')
    })
    this.libp2p.services.pubsub.addEventListener('subscription-change', this.onSubscription)
    this.started = true
    await this.bindNode()
    this.bg(this.advertise(), 'advertise')
    // follows recorded while the node was down (oos follow offline) and any with addresses;
    // those that reach no one are retried with backoff
    this.bg(this.reacher.protectBound(this.org), 'protectBound')
    for (const f of this.follows.list()) this.bg(this.reacher.attempt(f.org, f.via ?? []), 'reach')
    // statements signed while the node was down (oos endorse offline) reach the network now
    this.regossipTimer = setTimeout(() => { this.regossipStatements().catch((err: Error) => { this.log('re-gossip: %s', err.message) }) }, 3000)
    this.regossipTimer.unref()
    this.log('started %p for %s', this.libp2p.peerId, this.org)
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    clearTimeout(this.regossipTimer)
    // after a failed start, only the parts made before the failure exist
    const parts = this as Partial<Pick<OosNode, 'libp2p' | 'gossip' | 'reqresp' | 'replicator' | 'reacher'>>
    parts.libp2p?.services.pubsub.removeEventListener('subscription-change', this.onSubscription)
    await parts.reacher?.stop()
    await parts.replicator?.stop()
    await parts.reqresp?.stop()
    await parts.gossip?.stop()
    if (parts.libp2p !== undefined) {
      const hb = (parts.libp2p.services.pubsub as any).status?.heartbeatTimeout
      await parts.libp2p.stop()
      clearTimeout(hb) // gossipsub 17 leaves its pending heartbeat timer behind
    }
    await this.ingest.stop()
    await this.audit.stop()
    await this.store.stop()
  }

  /** Publish the next version of our own OOS. */
  async publish (body: OosBody, options: { signal?: AbortSignal } = {}): Promise<IngestResult> {
    if (this.init.orgKey === undefined) throw new NoOrgKeyError('this node was started without the org key, so it cannot publish')
    return await publishVersion(this.store, this.ingest, body, { org: this.org, secretKey: this.init.orgKey, key: this.signingKey, signal: options.signal, from: 'node' })
  }

  /**
   * Follow an org: remember it, subscribe to its topic, find it (via addresses or the DHT),
   * fetch its whole chain. A follow not synced is retried in the background with backoff;
   * when `via` was given and none of it (nor the DHT) answered, UNREACHABLE says so.
   */
  async follow (org: string, options: { via?: string[], signal?: AbortSignal } = {}): Promise<FollowResult> {
    const via = options.via ?? []
    parseVia(via)
    await this.follows.add(org, via)
    this.gossip.subscribe(org)
    this.reacher.cancel(org) // asked again: the backoff starts over
    const r = await this.reacher.attempt(org, via, options)
    if (via.length > 0 && r.peers.length === 0) {
      const s = this.reacher.state(org)
      const next = s?.nextRetry === undefined ? '' : ` (next try in ${Math.ceil((s.nextRetry - Date.now()) / 1000)} s)`
      throw new UnreachableError(`no peer of ${org} reached: ${r.errors[0] ?? 'no peer found'}; the follow is recorded and retried in the background${next}`)
    }
    const seq = (await this.store.head(org))?.seq ?? 0
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
    const out: PeerId[] = []
    const signal = options.signal ?? AbortSignal.timeout(10_000)
    try {
      for await (const p of this.libp2p.contentRouting.findProviders(orgProviderCid(org), { signal })) {
        if (p.id.equals(this.libp2p.peerId) || out.some(q => q.equals(p.id))) continue
        if (p.multiaddrs.length > 0) await this.libp2p.peerStore.merge(p.id, { multiaddrs: p.multiaddrs })
        out.push(p.id)
        if (out.length >= 5) break
      }
    } catch (err) {
      this.log('no providers of %s: %s', org, (err as Error).message)
    }
    return out
  }

  /** An org's latest signed head from the DHT (NETWORK.md §4: the longest key chain, then the highest seq, wins). */
  async findHead (org: string, options: { signal?: AbortSignal } = {}): Promise<Announcement | undefined> {
    try {
      const v = await this.libp2p.contentRouting.get(headKey(org), { signal: options.signal ?? AbortSignal.timeout(10_000) })
      return decodeHeadRecord(org, v).announcement
    } catch {
      return undefined
    }
  }

  private async onLocal (r: IngestResult, bytes: Uint8Array): Promise<void> {
    if (r.kind === 'oos/version' && r.org === this.org && this.init.orgKey !== undefined) {
      const rec = dagCbor.decode<SignedRecord>(bytes).rec
      // a node whose key was rotated out must not announce with it (receivers reject that): it restarts with the new key
      if (!await this.mayAnnounce(r.seq as number)) return
      const ann = encodeAnnouncement({ org: this.org, seq: r.seq as number, cid: r.cid, createdAt: rec.createdAt, key: this.signingKey }, this.init.orgKey)
      this.announcements.set(this.org, { a: decodeAnnouncement(ann), bytes: ann })
      await this.gossip.announce(this.org, ann)
      this.bg(this.advertise(), 'advertise')
    } else if (r.kind !== 'oos/version') {
      const rec = dagCbor.decode<SignedRecord>(bytes).rec
      let topicOrg = rec.type === 'oos/endorsement' ? rec.targetOrg : rec.org
      if (rec.type === 'oos/retraction') {
        // withdrawing an endorsement: tell the followers of the claim's author, who hold it
        const target = await this.store.get(rec.target)
        const t = target === undefined ? undefined : dagCbor.decode<SignedRecord>(target).rec
        if (t?.type === 'oos/endorsement') topicOrg = t.targetOrg
      }
      await this.gossip.publishRecord(topicOrg, bytes)
    }
  }

  /** We hold two signed versions of one org at one seq: tell everyone who follows it. */
  private async onEquivocation (r: IngestResult): Promise<void> {
    const seq = r.seq as number
    const first = await this.store.versionCid(r.org, seq)
    const key = `${r.org}/${seq}`
    if (first === undefined || this.proofsSent.has(key)) return
    this.proofsSent.add(key)
    this.log('equivocation by %s at seq %d: %s and %s', r.org, seq, first, r.cid)
    await this.gossip.publishEquivocation({ org: r.org, seq, cids: [first, r.cid] })
  }

  private async onGossip (item: GossipItem, from: PeerId): Promise<void> {
    if (item.type === 'unknown-key') {
      if (!await this.hints.unknownKey(item.org, item.key, from)) return
      // the key is one of the org's after all (a rotation learned since): judge the message again
      const v = await this.gossip.judge(item.item)
      if (v.result === 'accept') await this.onGossip(item.item, from)
      else if (v.result === 'ahead') await this.hints.ahead(item.org)
      else if (v.result === 'reject') this.violations.report(from, v.code)
      return
    }
    if (item.type === 'equivocation') {
      if (this.orgs().includes(item.hint.org)) await this.hints.equivocation(item.hint, from)
      return
    }
    if (item.type === 'announce') {
      const { announcement: a } = item
      if (!this.orgs().includes(a.org) || a.org === this.org) return
      if (item.ahead === true) return await this.hints.ahead(a.org)
      const known = this.announcements.get(a.org)
      if (known === undefined || newer(a, known.a)) this.announcements.set(a.org, { a, bytes: item.bytes })
      const mine = (await this.store.head(a.org))?.seq ?? 0
      if (a.seq > mine) await this.replicator.update(a.org, [from])
      return
    }
    await this.ingest.ingestVerified(item.verified, { source: 'gossip', from: from.toString() }).catch((err: Error & { code?: string }) => {
      this.log('gossiped record from %p not ingested: %s', from, err.code ?? err.message)
    })
  }

  /** Gossip our latest statements again (at most `max`): receivers that hold them ignore them. */
  async regossipStatements (max = 200): Promise<number> {
    let n = 0
    for await (const [, v] of this.store.scan(K.authoredPrefix(this.org), { limit: max })) {
      if (!this.started) break
      const bytes = await this.store.get(CID.decode(v))
      if (bytes === undefined) continue
      await this.onLocal({ status: 'accepted', cid: CID.decode(v), kind: dagCbor.decode<SignedRecord>(bytes).rec.type, org: this.org }, bytes)
      n++
    }
    return n
  }

  private async welcome (): Promise<void> {
    await new Promise(resolve => setTimeout(resolve, 200)) // let the mesh take the new peer in
    if (!this.started) return
    const cur = await this.store.getRaw(K.binding(this.org))
    const binding = cur === undefined ? undefined : await this.store.get(CID.decode(cur))
    if (binding !== undefined) await this.gossip.publishRecord(this.org, binding)
    const own = this.announcements.get(this.org) ?? await this.ownAnnouncement()
    if (own !== undefined) await this.gossip.announce(this.org, own.bytes)
  }

  /** Sign and publish an oos/node-binding naming this node, unless the latest one does. */
  private async bindNode (): Promise<void> {
    if (this.init.orgKey === undefined) return
    const me = this.libp2p.peerId.toString()
    const peers = await boundPeers(this.store, this.org)
    if (peers.includes(me)) return
    const rec: NodeBindingRecord = { type: 'oos/node-binding', org: this.org, createdAt: Date.now(), peers: [me, ...peers].slice(0, 16), ...(this.signingKey !== undefined ? { key: this.signingKey } : {}) }
    const d = encodeSigned(rec, [this.init.orgKey])
    await this.ingest.ingest(d.bytes, { source: 'local', from: 'node' })
  }

  /** Provide every org we serve in the DHT and put our own signed head there. */
  private async advertise (): Promise<void> {
    const signal = AbortSignal.timeout(20_000)
    for (const org of this.orgs()) {
      if (!this.started) return
      if ((await this.store.head(org)) === undefined) continue
      await this.libp2p.contentRouting.provide(orgProviderCid(org), { signal }).catch((err: Error) => { this.log('provide %s: %s', org, err.message) })
    }
    const own = this.announcements.get(this.org) ?? await this.ownAnnouncement()
    if (own !== undefined && this.started) {
      const record = encodeHeadRecord(own.bytes, await rotationRecords(this.store, this.org))
      await this.libp2p.contentRouting.put(headKey(this.org), record, { signal }).catch((err: Error) => { this.log('put head: %s', err.message) })
    }
  }

  /** Whether this node's key may announce version `seq`: one rotated out must not (receivers reject it); the node restarts with the new key. */
  private async mayAnnounce (seq: number): Promise<boolean> {
    if (mayAnnounce(await this.ingest.keys(this.org), this.signingKey ?? this.org, seq)) return true
    this.log('not announcing version %d: this node\'s key is not the org\'s key for it', seq)
    return false
  }

  private async ownAnnouncement (): Promise<{ a: Announcement, bytes: Uint8Array } | undefined> {
    const head = await this.store.head(this.org)
    if (head === undefined || this.init.orgKey === undefined || !await this.mayAnnounce(head.seq)) return undefined
    const bytes = encodeAnnouncement({ org: this.org, seq: head.seq, cid: head.cid, createdAt: head.createdAt, key: this.signingKey }, this.init.orgKey)
    const v = { a: decodeAnnouncement(bytes), bytes }
    this.announcements.set(this.org, v)
    return v
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
      connections: this.policy.stats()
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
  return new ListenFailedError(`cannot listen on ${where}: ${first?.[2] ?? e.message.split('\n')[0]}`, { cause: err })
}

/** `synced: false`: no peer completed a sync (each refused, reset or timed out; or none was found); `error` says why */
export interface FollowResult { org: string, seq: number, synced?: false, error?: { code: string, message: string } }

export interface NodeStatus {
  org: string
  name: string
  peerId: string
  multiaddrs: string[]
  peers: string[]
  /** `synced` once a version of the org is held; until then the last error and the next retry */
  following: Array<{ org: string, seq: number, since: string, state?: 'synced' | 'following, not yet synced', lastError?: string, nextRetry?: string }>
  head: number
  ingest: ReturnType<Ingest['stats']>
  gossip: ReturnType<Gossip['stats']>
  reqresp: unknown
  sync: Replicator['counts']
  violations: ReturnType<Violations['stats']>
  connections: ReturnType<ConnectionPolicy['stats']>
}
