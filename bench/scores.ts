/**
 * Honest federations are not penalized by gossipsub's peer scoring (protocol/NETWORK.md §2.3):
 * N real nodes on 127.0.0.1 (default 20), each following node 1's org through a random earlier
 * node; node 1 publishes 5 versions; then every score any node holds of any connected peer.
 * Prints one JSON line (minScore must stay ≥ the graylist threshold; 0 below 0 expected).
 *   node_modules/.bin/node bench/scores.ts [N]
 */
import { ephemeralNode, type EphemeralNode } from '../src/node/ephemeral.ts'
import { peerScore, SCORE_THRESHOLDS } from '../src/net/libp2p.ts'
import { documents } from './propagation.ts'

const N = Number(process.argv[2] ?? 20)
const nodes: EphemeralNode[] = []
for (let i = 0; i < N; i += 8) nodes.push(...await Promise.all(Array.from({ length: Math.min(8, N - i) }, async (_, j) => await ephemeralNode(`n${i + j}`))))
const a = nodes[0]
const docs = documents()
await a.publish(docs[0])
for (let i = 1; i < N; i++) {
  const via = nodes[Math.floor(Math.random() * i)]
  await nodes[i].follow(a.org, { via: [via.libp2p.getMultiaddrs()[0].toString()] }).catch((e: Error) => { console.error(`node ${i + 1}: follow failed: ${e.message}`) })
}
const t0 = Date.now()
const rounds: number[] = []
for (let r = 1; r < 6; r++) {
  const tr = Date.now()
  const res = await a.publish(docs[r % docs.length])
  const end = Date.now() + 30_000
  while (Date.now() < end) {
    const heads = await Promise.all(nodes.map(async n => (await n.store.head(a.org))?.seq ?? 0))
    if (heads.every(h => h === res.seq)) break
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  rounds.push(Date.now() - tr)
}
await new Promise(resolve => setTimeout(resolve, 3000))
let min = Infinity; let below0 = 0; let pairs = 0
for (const n of nodes) for (const p of n.libp2p.getPeers()) { const s = peerScore(n.libp2p.services.pubsub, p); pairs++; min = Math.min(min, s); if (s < 0) below0++ }
const heads = await Promise.all(nodes.map(async n => (await n.store.head(a.org))?.seq ?? 0))
const violations: Record<string, number> = {}
for (const n of nodes) for (const [k, v] of Object.entries(n.violations.stats().byCode)) violations[k] = (violations[k] ?? 0) + v
const ignored = nodes.reduce((s, n) => s + n.gossip.stats().ignored, 0)
const rejected = nodes.reduce((s, n) => s + n.gossip.stats().rejected, 0)
console.log(JSON.stringify({ nodes: N, pairs, minScore: min, below0, graylistThreshold: SCORE_THRESHOLDS.graylistThreshold, allAtHead: heads.every(h => h === 6), violations, rejected, ignored, roundsMs: rounds, ms: Date.now() - t0 }))
await Promise.allSettled(nodes.map(async n => await n.cleanup()))
process.exit(0)
