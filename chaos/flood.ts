/**
 * Gossip flood (issue 12, chaos suite): the propagation benchmark (bench/propagation.ts: an
 * org publishes on node 1, time until every follower stored the version) run twice on the
 * same number of real nodes — once quiet, once while one extra peer, connected to every
 * node and subscribed to the org's topic, publishes invalid messages on it as fast as the
 * flood rate says. Figures: honest p50 / p99 both ways and their ratio (the issue asks ≤ 2),
 * the flooder's gossipsub score as every honest node sees it (graylisted: below the
 * graylist threshold), how many nodes blocked it, and how much of the flood got through.
 */
import { gossipsub, type GossipSub } from '@libp2p/gossipsub'
import { benchPropagation, type BenchNode, type DocSet } from '../bench/propagation.ts'
import { topicOf } from '../src/net/gossip.ts'
import { bareLibp2p, ms, round1, scoped, sleep, until } from './lib.ts'

export interface FloodOptions {
  /** nodes (default 10) */
  nodes?: number
  /** measured rounds per run (default 10) */
  rounds?: number
  /** flood messages per second (default 1000) */
  rate?: number
  /** bytes per flood message (default 1024) */
  bytes?: number
  docs?: DocSet
  log?: (line: string) => void
}

export interface FloodFigures {
  ok: boolean
  nodes: number
  rounds: number
  quiet: { p50: number, p99: number, missed: number }
  flooded: { p50: number, p99: number, missed: number }
  /** flooded p99 / quiet p99 (the issue: ≤ 2) */
  ratioP99: number
  floodSent: number
  /** flood messages the honest nodes' validators rejected, in all */
  floodRejected: number
  /** the flooder's score on each honest node at the end of the flood (0: neutral) */
  flooderScores: number[]
  graylistThreshold: number
  /** honest nodes on which the flooder's score is below the graylist threshold */
  graylistedBy: number
  /** honest nodes that blocked the flooder (violations) */
  blockedBy: number
  ms: number
}

export async function floodScenario (options: FloodOptions = {}): Promise<FloodFigures> {
  const N = options.nodes ?? 10
  const rounds = options.rounds ?? 10
  const rate = options.rate ?? 1000
  const size = options.bytes ?? 1024
  const docs = options.docs ?? 'fixture'
  const log = options.log ?? (() => {})
  const t0 = performance.now()
  const [quiet] = await benchPropagation({ sizes: [N], rounds, docs, log })
  return await scoped(async (scope) => {
    let sent = 0
    let rejected = 0
    let scores: number[] = []
    let threshold = -80
    let blockedBy = 0
    const during = async (nodes: BenchNode[], org: string): Promise<() => Promise<void>> => {
      const flooder = await bareLibp2p(scope, { pubsub: gossipsub({ allowPublishToZeroTopicPeers: true, emitSelf: false, heartbeatInterval: 700 }) })
      const ps = flooder.services.pubsub as GossipSub
      const topic = topicOf(org)
      ps.subscribe(topic)
      for (const n of nodes) await flooder.dial(n.libp2p.getMultiaddrs()[0], { signal: AbortSignal.timeout(10_000) }).catch(() => {})
      await until(() => ps.getSubscribers(topic).length >= Math.min(nodes.length, 3), 10_000)
      const before = nodes.reduce((s, n) => s + n.gossip.stats().rejected, 0)
      let stop = false
      const flood = (async () => {
        const perTick = Math.max(1, Math.round(rate / 100))
        while (!stop) {
          for (let i = 0; i < perTick; i++) {
            const junk = new Uint8Array(size)
            crypto.getRandomValues(junk.subarray(0, 64))
            sent++
            await ps.publish(topic, junk).catch(() => {})
          }
          await sleep(10)
        }
      })()
      log(`flood: ${rate} msg/s of ${size} bytes from ${flooder.peerId.toString()} to ${ps.getPeers().length} peers`)
      return async () => {
        const id = flooder.peerId.toString()
        scores = nodes.map(n => round1((n.libp2p.services.pubsub as unknown as { getScore: (id: string) => number }).getScore(id)))
        threshold = (nodes[0].libp2p.services.pubsub as unknown as { opts: { scoreThresholds: { graylistThreshold: number } } }).opts.scoreThresholds.graylistThreshold
        blockedBy = nodes.filter(n => n.violations.stats().blockedNow.includes(id)).length
        rejected = nodes.reduce((s, n) => s + n.gossip.stats().rejected, 0) - before
        stop = true
        await flood
        await flooder.stop()
      }
    }
    const [flooded] = await benchPropagation({ sizes: [N], rounds, docs, log, during })
    const ratioP99 = Math.round(flooded.p99 / quiet.p99 * 100) / 100
    const graylistedBy = scores.filter(s => s < threshold).length
    return {
      ok: ratioP99 <= 2 && flooded.missed === 0 && graylistedBy === N,
      nodes: N,
      rounds,
      quiet: { p50: quiet.p50, p99: quiet.p99, missed: quiet.missed },
      flooded: { p50: flooded.p50, p99: flooded.p99, missed: flooded.missed },
      ratioP99,
      floodSent: sent,
      floodRejected: rejected,
      flooderScores: scores,
      graylistThreshold: threshold,
      graylistedBy,
      blockedBy,
      ms: ms(t0)
    }
  })
}
