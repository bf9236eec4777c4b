/**
 * The node's metrics for Prometheus (issue 17; README "Metrics"), on one prom-client
 * `Registry` that libp2p's own (@libp2p/prometheus-metrics, given the same registry where
 * create.ts builds libp2p) and the services' counters (services/service.ts) share. What is
 * measured here comes from what the node already reports, not from calls spread through it:
 * the ingest door's decisions (with their timings) and accepted records, the violation
 * counter's events, and, read at each scrape, the peers, the bans, the store's size on disk
 * and the heads held of our org and the orgs we follow.
 *
 * Labels are bounded: kinds, codes (SPEC §9) and sources are fixed sets; `org` takes only our
 * org and the orgs we follow. Peer ids never become labels.
 */
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { Ingest } from '../ingest/ingest.ts'
import type { OosLibp2p } from '../net/libp2p.ts'
import { escapeUnsafe } from '../oos/text.ts'
import type { Store } from '../store/store.ts'
import type { Follows } from './follows.ts'
import type { Violations } from './violations.ts'

export { Registry }

/** What the metrics read, of a node being built (create.ts). */
export interface MetricsParts {
  org: string
  store: Store
  ingest: Ingest
  violations: Violations
  follows: Follows
  libp2p: OosLibp2p
  /** the store's directory (its size on disk); absent for a store in memory */
  dbPath?: string
}

/** Seconds: from a tenth of a millisecond (a verification) to seconds (a large batch behind others). */
const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]
/** Seconds from a record's createdAt to its arrival here: gossip takes well under a second, a catch-up days. */
const DELAY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600, 86_400, 604_800]

const label = (v: string | undefined): string => v ?? 'unknown'
/** How records come from other nodes (ingest sources); `local` and `car` are not propagation */
const FROM_NETWORK = new Set(['gossip', 'sync', 'fetch'])

/**
 * Register the node's metrics on `registry` and start counting (until the ingest door stops,
 * which drops its listeners). A registry serves one node: the names are fixed.
 */
export function nodeMetrics (registry: Registry, parts: MetricsParts): void {
  const registers = [registry]
  const accepted = new Counter({ name: 'oosnet_records_accepted_total', help: 'records the ingest door accepted (new), by kind and how they came', labelNames: ['kind', 'source'], registers })
  const duplicates = new Counter({ name: 'oosnet_records_duplicate_total', help: 'records offered again that were already held, by kind and how they came', labelNames: ['kind', 'source'], registers })
  const rejected = new Counter({ name: 'oosnet_records_rejected_total', help: 'records the ingest door rejected, by what they claim to be, code (SPEC §9) and how they came', labelNames: ['kind', 'code', 'source'], registers })
  const equivocations = new Counter({ name: 'oosnet_equivocations_total', help: 'versions kept as equivocation proofs (two signed versions at one seq)', registers })
  const verify = new Histogram({ name: 'oosnet_verify_seconds', help: 'time to verify a record (size, canonical form, schema, signatures), a worker\'s queue included', buckets: LATENCY_BUCKETS, registers })
  const ingest = new Histogram({ name: 'oosnet_ingest_seconds', help: 'time from a record offered to the ingest door to its decision on disk, by how it came', labelNames: ['source'], buckets: LATENCY_BUCKETS, registers })
  const delay = new Histogram({ name: 'oosnet_propagation_delay_seconds', help: 'receive time minus the record\'s createdAt, for records accepted from the network, by kind', labelNames: ['kind'], buckets: DELAY_BUCKETS, registers })
  const violations = new Counter({ name: 'oosnet_peer_violations_total', help: 'protocol violations counted against peers, by code', labelNames: ['code'], registers })
  const bans = new Counter({ name: 'oosnet_peer_bans_total', help: 'peers blocked after too many violations', registers })
  const { libp2p, store, follows, org } = parts
  new Gauge({ name: 'oosnet_peers', help: 'peers connected now', registers, collect () { this.set(libp2p.getPeers().length) } })
  new Gauge({ name: 'oosnet_peers_banned', help: 'peers blocked now', registers, collect () { this.set(parts.violations.stats().blockedNow.length) } })
  new Gauge({ name: 'oosnet_followed_orgs', help: 'orgs this node follows', registers, collect () { this.set(follows.list().length) } })
  new Gauge({
    name: 'oosnet_head_seq',
    help: 'the latest version held (0: none) of our org (self="true") and of each org we follow, with its pseudonym',
    labelNames: ['org', 'name', 'self'],
    registers,
    async collect () {
      this.reset() // an org unfollowed is no longer reported
      for (const o of [org, ...follows.list().map(f => f.org).filter(f => f !== org)]) {
        const head = await store.head(o)
        const name = head === undefined ? undefined : (await store.version(head.cid))?.body.frontmatter.org_pseudonym
        this.set({ org: o, name: escapeUnsafe(name ?? '').slice(0, 64), self: String(o === org) }, head?.seq ?? 0)
      }
    }
  })
  if (parts.dbPath !== undefined) {
    const dir = parts.dbPath
    new Gauge({ name: 'oosnet_store_bytes', help: 'size of the store (LevelDB) on disk', registers, async collect () { this.set(await dirBytes(dir)) } })
  }

  parts.ingest.onDecision((d) => {
    const kind = label(d.kind)
    const source = label(d.source)
    if (d.status === 'accepted') accepted.inc({ kind, source })
    else if (d.status === 'duplicate') duplicates.inc({ kind, source })
    else if (d.status === 'equivocation') equivocations.inc()
    else rejected.inc({ kind, code: label(d.code), source })
    if (d.verifyMs !== undefined) verify.observe(d.verifyMs / 1000)
    if (d.ms !== undefined) ingest.observe({ source }, d.ms / 1000)
  })
  parts.ingest.onRecord((result, record, options) => {
    if (result.status !== 'accepted' || !FROM_NETWORK.has(options.source ?? '')) return
    delay.observe({ kind: result.kind }, Math.max(0, Date.now() - record.rec.createdAt) / 1000)
  })
  parts.violations.onEvent((e) => {
    if (e.event === 'violation') violations.inc({ code: label(e.code) })
    else if (e.event === 'ban') bans.inc()
  })
}

/** Bytes of the files in `dir` (LevelDB keeps one flat directory); 0 when it cannot be read. */
async function dirBytes (dir: string): Promise<number> {
  let total = 0
  const names = await readdir(dir).catch(() => [] as string[])
  for (const n of names) total += (await stat(join(dir, n)).catch(() => undefined))?.size ?? 0
  return total
}
