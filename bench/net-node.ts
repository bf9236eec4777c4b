/**
 * One OS process of the network bench (bench/net.ts forks it): it runs one node (or a few,
 * `BENCH_NODES_PER_PROC`) made by `ephemeralNode` (src/node/ephemeral.ts: a fresh home, real
 * libp2p on 127.0.0.1, real LevelDB) and answers the parent's commands over the IPC channel.
 *
 * Times are read from `process.hrtime.bigint()`: libuv's CLOCK_MONOTONIC, one clock for every
 * process on this machine (not a per-process origin such as `performance.timeOrigin`), so a
 * publish time taken here and a receive time taken in another process subtract exactly.
 *
 * Bytes sent: every TCP socket the process opens or accepts (diagnostics channels
 * `net.client.socket` / `net.server.socket`) is summed by `bytesWritten` — what the node put on
 * the wire, noise and yamux framing included. CPU: `process.cpuUsage()` of this process.
 */
import { subscribe } from 'node:diagnostics_channel'
import type { Socket } from 'node:net'
import type { Message } from '@libp2p/gossipsub'
import { multiaddr } from '@multiformats/multiaddr'
import type { EphemeralNode } from '../src/node/ephemeral.ts'
import { readDocuments, signChainWith, type DocSet } from './docs.ts'
import { NODE_CODE, RAW_TOPIC, now } from './cluster.ts'


// bytes on the wire: sockets still open are read when asked, closed ones were added up
const sockets = new Set<Socket>()
let closedBytes = 0
const track = ({ socket }: { socket: Socket }): void => {
  sockets.add(socket)
  socket.once('close', () => { closedBytes += socket.bytesWritten; sockets.delete(socket) })
}
subscribe('net.client.socket', track as (m: unknown) => void)
subscribe('net.server.socket', track as (m: unknown) => void)
const bytesSent = (): number => closedBytes + [...sockets].reduce((s, k) => s + k.bytesWritten, 0)

// the node's modules from the tree `oos start` would run (cluster.ts NODE_CODE)
const tree = (path: string): string => NODE_CODE === 'dist' ? `../dist/src/${path}.js` : `../src/${path}.ts`
const { ephemeralNode } = await import(tree('node/ephemeral')) as typeof import('../src/node/ephemeral.ts')
const { memoryReducer } = await import(tree('node/memory-reducer')) as typeof import('../src/node/memory-reducer.ts')
const { TOPIC_PREFIX } = await import(tree('net/gossip')) as typeof import('../src/net/gossip.ts')
const { parseOosMarkdown } = await import(tree('oos/index')) as typeof import('../src/oos/index.ts')
const { signVersion } = await import(tree('records/version')) as typeof import('../src/records/version.ts')
const documents = (set: DocSet): ReturnType<typeof readDocuments> => readDocuments(parseOosMarkdown, set)

const nodes: EphemeralNode[] = []
const reducer = memoryReducer()
let report = true
let docs = documents('fixture')
/** the next document each node publishes (per node: with several nodes in a process, a shared counter gave one node the same document twice) */
const docAt: number[] = []
/** versions stored (not published here), per node, counted even when not reported */
const storedCount: number[] = []

const send = (m: unknown): void => { process.send?.(m) }

type Cmd = { id: number, cmd: string, [k: string]: any }

const handlers: Record<string, (m: Cmd) => Promise<unknown>> = {
  async start (m) {
    // as `oos start` does for its process: idle, give back what starting (or a burst) made V8 keep
    reducer.start()
    report = m.report !== false
    docs = documents(m.docs as DocSet)
    const made = await Promise.all((m.names as string[]).map(async name => await ephemeralNode(name, { ...(m.workers === undefined ? {} : { workers: m.workers }), antiEntropyMs: m.antiEntropyMs ?? 0 })))
    for (const node of made) {
      const i = nodes.length
      nodes.push(node)
      storedCount.push(0)
      node.ingest.onRecord((r, _v, o) => {
        if (r.kind !== 'oos/version' || o.source === 'local' || r.status !== 'accepted') return
        storedCount[i]++
        if (report) send({ ev: 'stored', node: i, org: r.org, seq: r.seq, t: now() })
      })
      const ps = node.libp2p.services.pubsub
      ps.subscribe(RAW_TOPIC)
      ps.addEventListener('message', (evt: CustomEvent<Message>) => {
        if (evt.detail.topic.startsWith(TOPIC_PREFIX)) { if (report) send({ ev: 'gossip', node: i, t: now() }); return }
        if (evt.detail.topic !== RAW_TOPIC) return
        const d = evt.detail.data
        send({ ev: 'raw', node: i, id: new DataView(d.buffer, d.byteOffset).getUint32(0), t: now() })
      })
    }
    return made.map(n => ({ peerId: n.peerId.toString(), addr: n.libp2p.getMultiaddrs()[0].toString(), org: n.org }))
  },
  /** dial each address in turn (a timeout is retried after a pause); the bench paces how many nodes dial at once */
  async dial (m) {
    const node = nodes[m.node]
    let failed = 0
    for (const a of m.addrs as string[]) {
      for (let attempt = 0; ; attempt++) {
        try {
          await node.libp2p.dial(multiaddr(a), { signal: AbortSignal.timeout(m.timeoutMs ?? 15_000) })
          break
        } catch (err) {
          if (attempt >= 2) { failed++; send({ ev: 'log', line: `dial ${a}: ${(err as Error).message}` }); break }
          await new Promise(resolve => setTimeout(resolve, 500 * (attempt + 1)))
        }
      }
    }
    return { failed }
  },
  /** follow `org`; with `until`, resolve when version `until` is stored (the door's event, not a poll: the time is the store's) */
  async follow (m) {
    const node = nodes[m.node]
    const t0 = now()
    const { promise: reached, resolve } = Promise.withResolvers<number | undefined>()
    const off = node.ingest.onRecord((r) => { if (r.status === 'accepted' && r.kind === 'oos/version' && r.org === m.org && (r.seq ?? 0) >= m.until) resolve(now()) })
    let timer: ReturnType<typeof setTimeout> | undefined
    try {
      const r = await node.follow(m.org, { via: m.via, signal: AbortSignal.timeout(m.timeoutMs ?? 60_000) })
      if (m.until === undefined) return { seq: (await node.store.head(m.org))?.seq ?? r.seq, ms: now() - t0 }
      // held before the follow began: no event will come
      if (((await node.store.head(m.org))?.seq ?? 0) >= m.until) resolve(now())
      timer = setTimeout(() => { resolve(undefined) }, m.timeoutMs ?? 120_000)
      const t1 = await reached
      if (t1 === undefined) throw new Error(`holds ${(await node.store.head(m.org))?.seq ?? 0} of ${String(m.until)} versions`)
      return { seq: (await node.store.head(m.org))?.seq ?? r.seq, ms: t1 - t0 }
    } finally { clearTimeout(timer); off() }
  },
  /**
   * a mesh peer in each topic (not "every neighbour seen subscribed": a node whose connection to
   * a neighbour was pruned never sees it subscribed, and waiting for it cost 60 s a size)
   */
  async mesh (m) {
    const ps = nodes[m.node].libp2p.services.pubsub as any
    return (m.topics as string[]).every(t => ps.getMeshPeers(t).length > 0)
  },
  async publish (m) {
    const node = nodes[m.node]
    const t0 = now()
    docAt[m.node] = (docAt[m.node] ?? 0) + 1
    const r = await node.publish(docs[docAt[m.node] % docs.length])
    const t1 = now()
    return { t0, publishMs: t1 - t0, seq: r.seq, bytes: (await node.store.get(r.cid))?.length ?? 0 }
  },
  async rawPublish (m) {
    const data = new Uint8Array(m.size)
    crypto.getRandomValues(data.subarray(4, 4 + 64))
    new DataView(data.buffer).setUint32(0, m.rawId)
    const t0 = now()
    await nodes[m.node].libp2p.services.pubsub.publish(RAW_TOPIC, data)
    return { t0 }
  },
  /** sign a chain of `n` versions with the node's org key and put it through its door in bulk, timed */
  async chain (m) {
    const node = nodes[m.node]
    const key = await node.orgSecret()
    const records = signChainWith(signVersion, node.org, key, m.n, docs)
    key.fill(0)
    const t0 = now()
    const results = await node.ingest.ingestMany(records, { source: 'bench' })
    const ms = now() - t0
    const refused = results.filter(r => r instanceof Error)
    if (refused.length > 0) throw new Error(`refused ${refused.length} of its own versions: ${String(refused[0])}`)
    return { ms, bytes: records.reduce((s, r) => s + r.length, 0) }
  },
  async stats (m) {
    const node = nodes[m.node]
    const v = node.violations.stats()
    return {
      violations: Object.values(v.byCode).reduce((a, b) => a + b, 0),
      byCode: v.byCode,
      // early ends and timeouts not charged, by rule (NETWORK-reqresp.md §7): cut by a closing
      // connection, timed out while this node stalled, forgiven within the peer's lenience budget
      notCharged: Object.values(node.reqresp.stats().protocols).reduce((s, p) => ({ cut: s.cut + p.cut, stalled: s.stalled + p.stalled, forgiven: s.forgiven + p.forgiven }), { cut: 0, stalled: 0, forgiven: 0 }),
      syncs: node.replicator.counts.syncs,
      syncFailures: node.replicator.counts.failures,
      reqresp: { sync: node.reqresp.stats().protocols.sync, failures: node.reqresp.stats().failures, violations: node.reqresp.stats().violations, protocols: node.reqresp.stats().protocols },
      peers: node.libp2p.getPeers().length,
      stored: storedCount[m.node],
      // follows with no connected peer on the org's topics now (NETWORK.md §8.5), and those with a retry pending
      cutOff: node.follows.list().filter(f => !node.reacher.reachable(f.org)).length,
      retrying: node.follows.list().filter(f => node.reacher.state(f.org) !== undefined).length,
      strayErrors: stray
    }
  },
  /**
   * One of the node's periodic DHT tasks, now (what its timers run at idle beyond a quiet
   * window's seconds): `provide`, the advertiser's round of every held org; `self`, kad-dht's
   * query for the node's own id as its timer runs it (query-self.js: its own peer routing's walk,
   * stopped after K = 20 query events, its `take(…, count)` of dials, requests and responses, or
   * after 5 s, QUERY_SELF_TIMEOUT); `refresh`, kad-dht's routing-table refresh (a walk to a
   * random id per common-prefix length the table holds: what its `refreshTable` runs, awaited).
   * The members used are kad-dht's own, not typed as public. (Until the eleventh session `self`
   * ran libp2p's `getClosestPeers` to the end instead: a whole walk, then a `findPeer` of each
   * closest peer without addresses; 2.45 s of CPU a run at 100 orgs, not what the timer does.)
   */
  async periodic (m) {
    const node = nodes[m.node]
    const t0 = now()
    // a walk that times out (the self query's 5 s, the refresh's 30 s, or a lock of the peer
    // store's) ends the task as the node's timer would: the CPU it took is measured all the
    // same, the failure counted
    try {
      if (m.task === 'provide') await node.services.advertiser.provideAll()
      else if (m.task === 'self') {
        let events = 0
        const dht = node.libp2p.services.dht as any
        for await (const _ of dht.peerRouting.getClosestPeers(node.libp2p.peerId.toMultihash().bytes, { signal: AbortSignal.timeout(5_000), isSelfQuery: true })) {
          if (++events >= 20) break // kad-dht's QuerySelf takes K events, then the query ends
        }
      }
      else {
        const r = (node.libp2p.services.dht as any).routingTableRefresh
        const cpls: Date[] = r._getTrackedCommonPrefixLengthsForRefresh(r._maxCommonPrefix())
        await Promise.all(cpls.map(async (at, cpl) => { await r._refreshCommonPrefixLength(cpl, at, true) }))
      }
      return { ms: now() - t0, failed: false }
    } catch (err) {
      send({ ev: 'log', line: `periodic ${String(m.task)}: ${(err as Error).message}` })
      return { ms: now() - t0, failed: true }
    }
  },
  /** this process: CPU µs, bytes sent, RSS */
  async usage () {
    const c = process.cpuUsage()
    return { cpuUs: c.user + c.system, bytesSent: bytesSent(), rss: process.memoryUsage.rss(), t: now() }
  },
  async clock () { return { t: now() } },
  async stop () {
    reducer.stop()
    await Promise.allSettled(nodes.map(async n => { await n.cleanup() }))
    setImmediate(() => process.exit(0))
    return true
  }
}

process.on('message', (m: Cmd) => {
  const h = handlers[m.cmd]
  if (h === undefined) { send({ id: m.id, error: `unknown command ${m.cmd}` }); return }
  h(m).then(result => { send({ id: m.id, result }) }, (err: Error) => { send({ id: m.id, error: err?.stack ?? String(err) }) })
})
// as `oos start` does: a stray failure of background work is logged (counted), the node keeps running
let stray = 0
process.on('unhandledRejection', (err) => { stray++; send({ ev: 'log', line: `background error (node keeps running): ${String((err as Error)?.message ?? err).split('\n')[0]}` }) })
// the parent is gone: clean up and leave (no orphan holding ports and temp homes)
process.on('disconnect', () => { void handlers.stop({ id: 0, cmd: 'stop' }) })
send({ ev: 'ready' })
