/**
 * `createNode(config)`: the one place a running node is assembled (`oos start`, the demo and
 * ephemeral nodes, the benchmarks and the tests all come here). From a home it builds the
 * store, the ingest door and its audit log, the follows, the violation counter, the connection
 * policy, the libp2p stack (not started) with the request/response protocols, and the node's
 * services (services/index.ts), each given only the components it uses plus a logger named for
 * this node (`oosnet:<node>:<component>`, logger.ts) and libp2p's `Metrics` when configured.
 * The node is started unless `start: false`; a failed start leaves nothing running.
 */
import type { ComponentLogger, Metrics } from '@libp2p/interface'
import type { Libp2pOptions } from 'libp2p'
import { keyPairFromSeed, publicKeyToDid } from '../identity/index.ts'
import { Ingest } from '../ingest/ingest.ts'
import { createNet, type OosLibp2p } from '../net/libp2p.ts'
import { ConnectionPolicy } from '../net/policy.ts'
import { reqResp } from '../net/reqresp/index.ts'
import { nodeLogger } from '../logger.ts'
import { Store } from '../store/store.ts'
import { auditLog } from './audit.ts'
import { emit, type FollowSyncedEvent, type OosNodeEvents } from './events.ts'
import { InvalidArgumentError } from './errors.ts'
import { Follows } from './follows.ts'
import { homePaths, loadHome, unlockNodeKey, unlockOrgKey } from './home.ts'
import { authoredStatements, currentBinding, OosNode, type OosNodeInit } from './node.ts'
import { Violations } from './violations.ts'
import type { Registry } from 'prom-client'
import { statsCounters } from './services/service.ts'
import { advertiser, announcer, binder, equivocationReporter, followReacher, gossipRouter, hints, regossip, replicator } from './services/index.ts'

export interface NodeConfig extends Omit<OosNodeInit, 'config' | 'nodeKey'> {
  /** the home's config (default: read from `home`) */
  config?: OosNodeInit['config']
  /** the libp2p key (default: unlocked from the home with `passphrase`) */
  nodeKey?: OosNodeInit['nodeKey']
  /** unlocks the keys not given (`orgKey` too: a node without the org key serves and follows but cannot publish) */
  passphrase?: string
  /** libp2p's metrics factory (e.g. Prometheus); the services register their counters on it (default: none, or Prometheus's on `registry`) */
  metrics?: Libp2pOptions['metrics']
  /**
   * a prom-client registry for Prometheus (issue 17): libp2p's metrics (@libp2p/prometheus-metrics,
   * unless `metrics` is given), the services' and the node's own (metrics.ts) are registered on
   * it; `node.registry` is it, `GET /metrics` writes it. One node per registry.
   */
  registry?: Registry
  /** the node's loggers (default: logger.ts `nodeLogger(<the home's name>)`) */
  logger?: ComponentLogger
  /** start the node before returning it (default true) */
  start?: boolean
}

export async function createNode (init: NodeConfig): Promise<OosNode> {
  const { home } = init
  const config = init.config ?? await loadHome(home)
  const nodeKey = init.nodeKey ?? await unlockNodeKey(home, required(init.passphrase))
  const orgKey = init.orgKey ?? (init.passphrase !== undefined ? await unlockOrgKey(home, init.passphrase) : undefined)
  const org = config.org
  const signer = orgKey === undefined ? undefined : publicKeyToDid(keyPairFromSeed(orgKey).publicKey)
  const signingKey = signer === org ? undefined : signer

  const logger = init.logger ?? nodeLogger(config.name)
  const store = new Store({ path: homePaths(home).db, logger })
  const ingest = new Ingest({ store, logger }, { workers: init.workers ?? 0 })
  const follows = new Follows(home)
  const blocked = new Set<string>()
  const violations = new Violations({ blocked, hangUp: async (p) => { await libp2p.hangUp(p) }, logger })
  const audit = auditLog({ dir: homePaths(home).audit, ...init.audit })({ ingest, violations, logger })
  const keysOf = async (o: string): ReturnType<Ingest['keys']> => await ingest.keys(o)
  // peers dialled through a follow's `via` and the orgs' bound peers (reach.ts fills it)
  const privileged = new Set<string>()
  const policy = new ConnectionPolicy(init.connectionPolicy, { blocked, privileged: p => privileged.has(p.toString()), logger })
  const registry = init.registry
  // loaded only for a node with metrics (prom-client takes ~90 ms to load)
  const prometheus = registry === undefined ? undefined : await prometheusParts()
  // the process's CPU, memory and event-loop figures come with libp2p's (prom-client's default
  // metrics); the event loop's delay sampled every 100 ms, not 10: an idle node wakes less (bench/metrics-idle.ts)
  const metrics = init.metrics ?? prometheus?.prometheusMetrics({ registry, defaultMetrics: { eventLoopMonitoringPrecision: 100 } })
  const libp2p: OosLibp2p = await createNet({ privateKey: nodeKey, listen: init.listen, announce: init.announce, bootstrap: init.bootstrap, mdns: init.mdns, policy, keysOf, metrics, start: false })
  const orgs = (): string[] => [org, ...follows.list().map(f => f.org)]
  const report = (peer: Parameters<Violations['report']>[0], code: string): void => { violations.report(peer, code) }
  const base = { logger, metrics: libp2p.metrics }
  registerDoorMetrics(base.metrics, ingest, violations)

  const reqresp = reqResp({ ...init.reqresp, onViolation: report })({ libp2p, store, ingest, logger })
  const onSynced = (o: string, seq: number): void => { if (follows.has(o)) emit<OosNodeEvents, FollowSyncedEvent>(node, 'follow:synced', () => ({ org: o, seq })) }
  const repl = replicator({ orgs, intervalMs: init.antiEntropyMs, onSynced })({ ...base, libp2p, store, api: reqresp })
  const hintsService = hints({ keysOf, report })({ ...base, libp2p, store, replicator: repl, api: reqresp })
  const router = gossipRouter({ org, orgs, onStored: onSynced })({ ...base, libp2p, store, ingest, hints: hintsService, replicator: repl, violations })
  const announcerService = announcer({ org, orgKey, signingKey, binding: async () => await currentBinding(store, org) })({ ...base, libp2p, store, ingest, gossip: router.gossip })
  const advertiserService = advertiser({ ...init.advertise, org, orgs })({ ...base, libp2p, store, announcer: announcerService })
  const reacher = followReacher(init.followRetry)({
    ...base,
    libp2p,
    store,
    follows,
    privileged,
    update: async (o, peers) => await repl.update(o, peers),
    findProviders: async (o, options) => await advertiserService.findProviders(o, options)
  })
  // the services above reach the node (its events) only once it runs, after this
  const node = new OosNode({
    home,
    config,
    orgKey,
    signingKey,
    store,
    ingest,
    follows,
    violations,
    audit,
    policy,
    libp2p,
    reqresp,
    registry,
    log: base.logger.forComponent('node'),
    services: {
      replicator: repl,
      hints: hintsService,
      router,
      reacher,
      announcer: announcerService,
      equivocation: equivocationReporter()({ ...base, store, ingest, gossip: router.gossip }),
      binder: binder({ org, orgs, orgKey, signingKey })({ ...base, libp2p, store, ingest, reacher }),
      advertiser: advertiserService,
      regossip: regossip({ org, statements: (max) => authoredStatements(store, org, max) })({ ...base, announcer: announcerService })
    }
  })
  if (registry !== undefined) prometheus?.nodeMetrics(registry, { org, store, ingest, violations, follows, libp2p, dbPath: homePaths(home).db })
  if (init.start !== false) await node.start()
  return node
}

async function prometheusParts (): Promise<typeof import('@libp2p/prometheus-metrics') & typeof import('./metrics.ts')> {
  const [libp2pPart, ours] = await Promise.all([import('@libp2p/prometheus-metrics'), import('./metrics.ts')])
  return { ...libp2pPart, ...ours }
}

function required (passphrase: string | undefined): string {
  if (passphrase === undefined) throw new InvalidArgumentError('createNode needs the node key or the passphrase that unlocks it', { path: 'passphrase' })
  return passphrase
}

/** The ingest door's decisions and the violations counted, as counters read when metrics are collected. */
function registerDoorMetrics (metrics: Metrics | undefined, ingest: Ingest, violations: Violations): void {
  statsCounters(metrics, 'oosnet_ingest', ['accepted', 'duplicate', 'equivocation', 'rejected'], () => ingest.stats(), 'records the ingest door decided')
  statsCounters(metrics, 'oosnet', ['violations'], () => ({ violations: Object.values(violations.stats().byCode).reduce((a, b) => a + b, 0) }), 'protocol violations counted against peers')
}
