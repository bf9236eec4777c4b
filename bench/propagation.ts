/**
 * Propagation benchmark: N real OosNodes in one process on 127.0.0.1, in a random connected
 * graph (each node dials a few random earlier ones). Nodes 2..N follow node 1's org, each
 * through a connected peer (its parent in a breadth-first tree from node 1). Then, per
 * round, node 1 publishes the next version of a realistic document and we time, per
 * follower, publish start → the version is in its store (the ingest door's `onRecord`,
 * fired after the batch is committed). The path measured is the real one: local ingest →
 * signed announcement on the org's gossip topic (validated at every hop) → the follower
 * syncs from a peer (`/oos/sync/1.0.0`) → ingest door → LevelDB.
 *
 * Baseline, same run, same node graph: raw gossipsub — node 1 publishes a message of the
 * record's byte size on a separate topic every node subscribes to (no validator), timed
 * until each node's 'message' event. Figures: p50 / p99 over followers × rounds, and the
 * ratios oosnet / raw.
 */
import type { Message } from '@libp2p/gossipsub'
import { ephemeralNode, type EphemeralNode } from '../src/node/ephemeral.ts'
import type { NodeConfig } from '../src/node/create.ts'
import { topicOf } from '../src/net/gossip.ts'
import { parseOosMarkdown } from '../src/oos/index.ts'
import type { OosBody } from '../src/oos/types.ts'
import { readDocuments, type DocSet } from './docs.ts'

const RAW_TOPIC = '/oosnet-bench/raw/1'

export type BenchNode = EphemeralNode

/** A real node (createNode, through ephemeralNode) with a temp home on 127.0.0.1 (low scrypt cost, no anti-entropy timer). */
export async function startNode (name: string, options: Partial<NodeConfig> = {}): Promise<BenchNode> {
  return await ephemeralNode(name, options)
}

/** Stop nodes and remove their homes; never throws. */
export async function stopNodes (nodes: BenchNode[]): Promise<void> {
  await Promise.allSettled(nodes.map(async n => { await n.cleanup() }))
}

export const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

/** Poll until `fn` is true; false if `ms` passed first. */
export async function until (fn: () => Promise<boolean> | boolean, ms: number, every = 5): Promise<boolean> {
  const end = performance.now() + ms
  while (performance.now() < end) {
    if (await fn()) return true
    await sleep(every)
  }
  return await fn()
}

/** Nearest-rank percentile of ascending `sorted`. */
export function percentile (sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]
}

const round1 = (x: number): number => Math.round(x * 10) / 10
const round2 = (x: number): number => Math.round(x * 100) / 100

export type { DocSet }

/**
 * Realistic documents to publish in turn (each differs from the one before it).
 * 'examples': examples/orgs/<org>/v1..v3 (signed versions of 29–37 KB);
 * 'fixture': the ~10 KB published example document (tests/fixtures/example.oos.md, as the
 * ingest benchmark) alternating with the same document with its last claim's rule revised.
 */
export function documents (set: DocSet = 'examples'): OosBody[] {
  return readDocuments(parseOosMarkdown, set)
}

export interface PropagationFigure {
  nodes: number
  rounds: number
  /** mean degree of the random graph the bench dialled */
  graphDegree: number
  /** mean connections per node when measuring starts (the graph plus what the DHT dialled) */
  degree: number
  /** mean connections per node at the end (syncs dial the announcement's origin) */
  degreeAfter: number
  /** the publisher's connections at the end */
  publisherConnections: number
  recordBytes: number
  /** ms, publish start → stored, over followers × rounds */
  p50: number
  p99: number
  /** ms, raw gossipsub publish → 'message', over nodes × rounds */
  rawP50: number
  rawP99: number
  ratioP50: number
  ratioP99: number
  /** ms, publish start → the announcement delivered to a follower's gossip (validated) */
  announceP50: number
  announceP99: number
  /** ms, node 1's publish() call: sign, local ingest, commit (the announcement leaves from its ingest listener) */
  publishP50: number
  /** followers that did not have a round's version within the round timeout */
  missed: number
  rawMissed: number
  /** sync requests made by all nodes (setup included), failed ones, and peers found at fault (reqresp + gossip) */
  syncs: number
  syncFailures: number
  violations: number
  /** ms to start the nodes, connect, follow and form the mesh */
  setupMs: number
}

export interface PropagationOptions {
  sizes?: number[]
  /** measured rounds per size (default 10), after `warmup` unmeasured ones (default 1) */
  rounds?: number
  warmup?: number
  /** random earlier nodes each node dials (default 3: mean degree ≈ 5–6) */
  dials?: number
  docs?: DocSet
  /** per round and kind (default 20 s) */
  roundTimeoutMs?: number
  log?: (line: string) => void
  /**
   * Called once the mesh has formed, before the rounds, with the nodes and the org (e.g. the
   * chaos suite starts a gossip flood here); what it returns is awaited after the rounds.
   */
  during?: (nodes: BenchNode[], org: string) => Promise<() => Promise<void>>
}

export async function benchPropagation (options: PropagationOptions = {}): Promise<PropagationFigure[]> {
  const out: PropagationFigure[] = []
  for (const n of options.sizes ?? [10, 30, 50]) out.push(await once(n, options))
  return out
}

async function once (N: number, options: PropagationOptions): Promise<PropagationFigure> {
  if (N < 2) throw new RangeError('propagation needs at least 2 nodes')
  const rounds = options.rounds ?? 10
  const warmup = options.warmup ?? 1
  const dials = options.dials ?? 3
  const timeout = options.roundTimeoutMs ?? 20_000
  const log = options.log ?? (() => {})
  const docs = documents(options.docs)
  const nodes: BenchNode[] = []
  const t0 = performance.now()
  try {
    // start in small groups (each start does a little key and DHT work)
    for (let i = 0; i < N; i += 10) {
      const group = await Promise.allSettled(Array.from({ length: Math.min(10, N - i) }, async (_, j) => await startNode(`n${i + j + 1}`)))
      for (const g of group) if (g.status === 'fulfilled') nodes.push(g.value)
      const failed = group.find(g => g.status === 'rejected')
      if (failed !== undefined) throw (failed as PromiseRejectedResult).reason
    }
    const addr = (i: number): string => nodes[i].libp2p.getMultiaddrs()[0].toString()
    // a random connected graph: node i dials `dials` random distinct earlier nodes
    const adj: Array<Set<number>> = nodes.map(() => new Set())
    for (let i = 1; i < N; i++) {
      const earlier = Array.from({ length: i }, (_, j) => j).sort(() => Math.random() - 0.5).slice(0, dials)
      for (const j of earlier) { adj[i].add(j); adj[j].add(i) }
    }
    await Promise.all(nodes.map(async (node, i) => {
      for (const j of adj[i]) if (j < i) await node.libp2p.dial(nodes[j].libp2p.getMultiaddrs()[0], { signal: AbortSignal.timeout(10_000) })
    }))
    // node 1 has a chain; the others follow it level by level of a BFS tree, each through its parent
    const pub = nodes[0]
    const org = pub.org
    let docAt = 0
    await pub.publish(docs[docAt++ % docs.length])
    const level: number[][] = [[0]]
    const seen = new Set([0])
    const parent = new Map<number, number>()
    while (true) {
      const next: number[] = []
      for (const i of level[level.length - 1]) for (const j of adj[i]) if (!seen.has(j)) { seen.add(j); parent.set(j, i); next.push(j) }
      if (next.length === 0) break
      level.push(next)
    }
    if (seen.size !== N) throw new Error('graph not connected')
    for (const lv of level.slice(1)) {
      await Promise.all(lv.map(async i => {
        const r = await nodes[i].follow(org, { via: [addr(parent.get(i) as number)], signal: AbortSignal.timeout(20_000) })
        if (r.seq < 1) throw new Error(`node ${i + 1} did not fetch the chain through node ${(parent.get(i) as number) + 1}`)
      }))
    }
    // arrival times: oosnet (version stored) and raw (gossipsub 'message')
    const stored = new Map<number, Map<number, number>>() // seq → node → time
    const raw = new Map<number, Map<number, number>>() // raw round → node → time
    const announced = new Map<number, number>() // node → time the current round's announcement was delivered
    const topic = topicOf(org)
    nodes.forEach((node, i) => {
      if (i > 0) {
        node.ingest.onRecord(r => {
          if (r.kind === 'oos/version' && r.org === org && r.seq !== undefined) stored.get(r.seq)?.set(i, performance.now())
        })
      }
      const ps = node.libp2p.services.pubsub
      ps.addEventListener('message', (evt: CustomEvent<Message>) => {
        if (evt.detail.topic === topic && !announced.has(i)) announced.set(i, performance.now())
        if (evt.detail.topic !== RAW_TOPIC) return
        const id = new DataView(evt.detail.data.buffer, evt.detail.data.byteOffset).getUint32(0)
        raw.get(id)?.set(i, performance.now())
      })
      ps.subscribe(RAW_TOPIC)
    })
    // the mesh: every node sees each of its neighbours subscribed to both topics, and has mesh peers
    const formed = await until(() => nodes.every((node, i) => {
      const ps = node.libp2p.services.pubsub
      return [topic, RAW_TOPIC].every(t => {
        const subs = new Set(ps.getSubscribers(t).map(String))
        return [...adj[i]].every(j => subs.has(nodes[j].peerId.toString())) && (ps as unknown as { getMeshPeers: (t: string) => string[] }).getMeshPeers(t).length > 0
      })
    }), 30_000, 25)
    if (!formed) log(`  propagation N=${N}: the mesh did not fully form in 30 s; measuring anyway`)
    await sleep(1500) // two heartbeats: meshes grafted on both sides
    const degree = nodes.reduce((s, n) => s + n.libp2p.getPeers().length, 0) / N
    const setupMs = performance.now() - t0
    const after = await options.during?.(nodes, org)

    const oosTimes: number[] = []
    const rawTimes: number[] = []
    const annTimes: number[] = []
    const publishTimes: number[] = []
    let missed = 0
    let rawMissed = 0
    let recordBytes = 0
    for (let r = 0; r < warmup + rounds; r++) {
      const measured = r >= warmup
      // oosnet: publish the next version on node 1, wait until every follower stored it
      const seq = ((await pub.store.head(org))?.seq ?? 0) + 1
      const arrivals = new Map<number, number>()
      stored.set(seq, arrivals)
      announced.clear()
      const start = performance.now()
      const res = await pub.publish(docs[docAt++ % docs.length])
      const published = performance.now()
      if (res.seq !== seq) throw new Error(`published seq ${String(res.seq)}, expected ${seq}`)
      await until(() => arrivals.size === N - 1, timeout)
      stored.delete(seq)
      const bytes = (await pub.store.get(res.cid))?.length ?? 0
      recordBytes = Math.max(recordBytes, bytes)
      if (measured) {
        for (const t of arrivals.values()) oosTimes.push(t - start)
        for (const t of announced.values()) annTimes.push(t - start)
        publishTimes.push(published - start)
        missed += N - 1 - arrivals.size
      }
      await sleep(100)
      // raw gossipsub: a message of the record's size on the raw topic
      const data = new Uint8Array(bytes)
      crypto.getRandomValues(data.subarray(4, 4 + 64))
      new DataView(data.buffer).setUint32(0, r)
      const got = new Map<number, number>()
      raw.set(r, got)
      const rawStart = performance.now()
      await pub.libp2p.services.pubsub.publish(RAW_TOPIC, data)
      await until(() => got.size === N - 1, timeout)
      raw.delete(r)
      if (measured) {
        for (const t of got.values()) rawTimes.push(t - rawStart)
        rawMissed += N - 1 - got.size
      }
      const last = (m: Map<number, number>, from: number): string => m.size === 0 ? '-' : `${round1(Math.max(...m.values()) - from)} ms`
      log(`  propagation N=${N} round ${r + 1 - warmup}${measured ? '' : ' (warm-up)'}: oosnet ${arrivals.size}/${N - 1}, last ${last(arrivals, start)}; raw ${got.size}/${N - 1}, last ${last(got, rawStart)}`)
      await sleep(100)
    }
    await after?.()
    const syncs = nodes.reduce((s, n) => s + n.replicator.counts.syncs, 0)
    const syncFailures = nodes.reduce((s, n) => s + n.replicator.counts.failures, 0)
    const violations = nodes.reduce((s, n) => s + Object.values(n.reqresp.stats().violations).reduce((a, b) => a + b, 0) + n.gossip.stats().rejected, 0)
    oosTimes.sort((a, b) => a - b)
    rawTimes.sort((a, b) => a - b)
    annTimes.sort((a, b) => a - b)
    publishTimes.sort((a, b) => a - b)
    const p50 = percentile(oosTimes, 0.5)
    const p99 = percentile(oosTimes, 0.99)
    const rawP50 = percentile(rawTimes, 0.5)
    const rawP99 = percentile(rawTimes, 0.99)
    return {
      nodes: N,
      p50: round1(p50),
      p99: round1(p99),
      rawP50: round1(rawP50),
      rawP99: round1(rawP99),
      ratioP50: round2(p50 / rawP50),
      ratioP99: round2(p99 / rawP99),
      rounds,
      recordBytes,
      graphDegree: round1(adj.reduce((s, a) => s + a.size, 0) / N),
      degree: round1(degree),
      degreeAfter: round1(nodes.reduce((s, n) => s + n.libp2p.getPeers().length, 0) / N),
      publisherConnections: pub.libp2p.getPeers().length,
      announceP50: round1(percentile(annTimes, 0.5)),
      announceP99: round1(percentile(annTimes, 0.99)),
      publishP50: round1(percentile(publishTimes, 0.5)),
      missed,
      rawMissed,
      syncs,
      syncFailures,
      violations,
      setupMs: Math.round(setupMs)
    }
  } finally {
    await stopNodes(nodes)
  }
}
