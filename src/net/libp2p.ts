/**
 * The libp2p stack of an oosnet node: TCP, Noise, Yamux, identify, ping, gossipsub, a
 * Kademlia DHT of our own (`/oos/kad/1.0.0`, so it never mixes with the IPFS DHT), bootstrap
 * and optional mDNS. Connection limits, and a gater that runs the connection policy
 * (per-address caps, rate, reserve, eviction: policy.ts) and blocks misbehaving peers.
 */
import { createLibp2p, type Libp2pOptions } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
// window updates once half a stream's window is used, as go-yamux (yamux-window.ts says why)
import './yamux-window.ts'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { bootstrap } from '@libp2p/bootstrap'
import { mdns } from '@libp2p/mdns'
import { createHash } from 'node:crypto'
import { gossipsub, type GossipSub, type Message } from '@libp2p/gossipsub'
import { createTopicScoreParams, type PeerScore, type PeerScoreThresholds, type TopicScoreParams } from '@libp2p/gossipsub/score'
import { kadDHT, passthroughMapper, type KadDHT } from '@libp2p/kad-dht'
import type { Libp2p, PeerId, PrivateKey } from '@libp2p/interface'
import { HEAD_NAMESPACE, headSelector, headValidator, type KeysOf } from './dht.ts'
import { ConnectionPolicy } from './policy.ts'

export const DHT_PROTOCOL = '/oos/kad/1.0.0'
export const DEFAULT_LISTEN = ['/ip4/0.0.0.0/tcp/4710']

export type NetServices = {
  identify: ReturnType<ReturnType<typeof identify>>
  ping: ReturnType<ReturnType<typeof ping>>
  pubsub: GossipSub
  dht: KadDHT
}

export type OosLibp2p = Libp2p<NetServices>

/**
 * Gossipsub peer scoring (v1.1; protocol/NETWORK.md §2.3). The thresholds are gossipsub's
 * defaults, stated here because the topic parameters below are weighed against them: a peer
 * below `graylistThreshold` has everything it sends dropped unread.
 */
export const SCORE_THRESHOLDS: PeerScoreThresholds = {
  gossipThreshold: -10,
  publishThreshold: -50,
  graylistThreshold: -80,
  acceptPXThreshold: 10,
  opportunisticGraftThreshold: 20
}

/**
 * Score parameters of an org topic. The one penalty is P4, invalid messages (our validator's
 * `reject`): weight -10, squared, so 3 rejected messages (-90) graylist the sender while one
 * (-10) — an honest peer whose knowledge of the org's keys differs from ours — does not even
 * cost it gossip. Its memory decays by 1% a second (half-life ~70 s). Mesh-delivery quotas
 * (P3, P3b) are off: an org publishes a few times a day, and a quota on a quiet topic would
 * push every honest mesh peer below zero. Time in mesh (P1, at most +3) and first deliveries
 * (P2, at most +10) give honest peers a little credit.
 */
export const ORG_TOPIC_SCORE: TopicScoreParams = createTopicScoreParams({
  topicWeight: 1,
  timeInMeshWeight: 0.01,
  timeInMeshQuantum: 1000,
  timeInMeshCap: 300,
  firstMessageDeliveriesWeight: 1,
  firstMessageDeliveriesDecay: 0.9,
  firstMessageDeliveriesCap: 10,
  meshMessageDeliveriesWeight: 0,
  meshFailurePenaltyWeight: 0,
  invalidMessageDeliveriesWeight: -10,
  invalidMessageDeliveriesDecay: 0.99
})

/**
 * Score a topic with ORG_TOPIC_SCORE (or stop scoring it). Org topics come and go with
 * follows, and gossipsub reads `score.params.topics` live (peer-score.js `getPtopicStats`),
 * so a topic subscribed after start is scored from then on.
 */
export function scoreTopic (pubsub: GossipSub, topic: string, on: boolean): void {
  const { topics } = scoreOf(pubsub).params
  if (on) topics[topic] = ORG_TOPIC_SCORE
  else delete topics[topic]
}

/** A peer's gossipsub score (the service's interface type does not show the scorer it has). */
export function peerScore (pubsub: GossipSub, peer: PeerId): number {
  return scoreOf(pubsub).score(peer.toString())
}

const scoreOf = (pubsub: GossipSub): PeerScore => (pubsub as unknown as { score: PeerScore }).score

/**
 * The message id (NETWORK.md §2.4): SHA-256 of the topic (UTF-8), a zero byte and the data. So
 * the same record relayed by two peers, or published by two nodes of one org, is one message:
 * gossipsub drops the second copy unread (its seen cache), before its own signature check
 * (`fastMsgId`) and before our validator. The topic is in it so that bytes refused on a wrong
 * topic do not shadow the same bytes on the right one.
 */
export function msgIdOf (topic: string, data: Uint8Array): Uint8Array {
  const h = createHash('sha256').update(topic).update(ZERO).update(data).digest()
  return new Uint8Array(h.buffer, h.byteOffset, h.byteLength)
}
const ZERO = new Uint8Array(1)

/** gossipsub's `msgIdFn`; reuses the digest `fastMsgId` just took of the same bytes. */
const msgIdFn = (msg: Message): Uint8Array => {
  if (last !== undefined && last.data === msg.data && last.topic === msg.topic) return last.id
  return msgIdOf(msg.topic, msg.data)
}
let last: { topic: string, data: Uint8Array, id: Uint8Array } | undefined

/** gossipsub's `fastMsgIdFn`, run on each message received before anything else: the same id, as a string (a hash, so no crafted collision can shadow a message) */
const fastMsgIdFn = (msg: { topic: string, data?: Uint8Array }): string => {
  const data = msg.data ?? new Uint8Array(0)
  last = { topic: msg.topic, data, id: msgIdOf(msg.topic, data) }
  return msgIdToStr(last.id)
}
const msgIdToStr = (id: Uint8Array): string => Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('base64')

/**
 * Let gossipsub forget that it has seen this message, so that we can send it again (a welcome
 * to a new subscriber re-sends the node binding and head; gossipsub would refuse it as a
 * duplicate of what we sent before). Peers that saw it drop it as a duplicate.
 * The seen cache is gossipsub's own (a time-ordered Map: deleting keeps its order).
 */
export function forgetSeen (pubsub: GossipSub, topic: string, data: Uint8Array): void {
  const seen = (pubsub as unknown as { seenCache?: { entries?: Map<string, unknown> } }).seenCache?.entries
  seen?.delete(msgIdToStr(msgIdOf(topic, data)))
}

/**
 * How often libp2p's connection monitor pings each connection (its default is 10 s). Each ping
 * opens a stream (multistream-select, a peer-store write on both sides, ~10 frames each
 * encrypted and written) from both ends of every connection; at 10 s that was most of an idle
 * node's CPU: 20.7 → 4.7 ms per s per node, 1.6 → 0.3 KB sent per s, in the 30-org simulation's
 * quiet minute (bench/README.md, "Eighth session"). A connection whose ping fails is still
 * aborted, within a minute; yamux's keepalive (a ping frame on the muxer every 30 s) is
 * untouched. Nothing here reads the RTT the monitor measures.
 */
export const PING_INTERVAL_MS = 60_000
/**
 * How long a ping may take before its connection is closed. libp2p's default is adaptive,
 * from 5 s; a ping is a new stream answered by the peer's event loop, so 5 s closes connections
 * to live peers whose host is busy: a peer stopped for 15 s across a ping lost its connection.
 * In the 100-org simulation (load 100 on two cores) connections fell from 56 per node to 15
 * during the hour; with 30 s they held, 81 per node late in the run (bench/README.md, "Tenth
 * session"). A peer gone for good (its host lost, no FIN) is still found within a ping interval
 * and this, one that closed its socket at once. Fixed, and under the interval: the monitor
 * starts a ping every interval whether or not the last one ended, and libp2p's ping allows few
 * outbound streams per connection (two here, the monitor's and the DHT's: `services` below),
 * so one more fails and closes the connection. (rust-libp2p's ping waits 20 s.)
 */
export const PING_TIMEOUT_MS = 30_000

export interface NetInit {
  privateKey: PrivateKey
  /** multiaddrs to listen on (default /ip4/0.0.0.0/tcp/4710) */
  listen?: string[]
  /** the multiaddrs peers are told to dial instead of the listen addresses (a node behind NAT or in a container); default: the listen addresses */
  announce?: string[]
  /** multiaddrs (with /p2p/<id>) to connect to at start */
  bootstrap?: string[]
  /** LAN discovery (default false) */
  mdns?: boolean
  /** peers refused at the gater (ids as strings); the set is live */
  blocked?: Set<string>
  /** most connections (default 200; ignored when `policy` is given) */
  maxConnections?: number
  /** who may connect (policy.ts); default: its documented defaults with `blocked` and `maxConnections` */
  policy?: ConnectionPolicy
  /**
   * libp2p's connection monitor: how often each connection is pinged (default
   * `PING_INTERVAL_MS`), and how long a ping may take before the connection is closed, from
   * opening its stream to its echo (default `PING_TIMEOUT_MS`, or half the interval if that is
   * less; it must be less than the interval)
   */
  ping?: { intervalMs?: number, timeoutMs?: number }
  /** gossipsub heartbeat in ms (default 700) */
  heartbeatInterval?: number
  /** the key history of an org as the node's store knows it: DHT head records must agree with it */
  keysOf?: KeysOf
  /** start the node once built (default true); false leaves it to `start()` */
  start?: boolean
  /** libp2p's metrics (e.g. Prometheus); the node's services register theirs on it too */
  metrics?: Libp2pOptions['metrics']
}

export async function createNet (init: NetInit): Promise<OosLibp2p> {
  const policy = init.policy ?? new ConnectionPolicy({ maxConnections: init.maxConnections }, { blocked: init.blocked })
  const pingInterval = init.ping?.intervalMs ?? PING_INTERVAL_MS
  // a timer of more than 2^31 - 1 ms fires at once (Node)
  if (!(pingInterval > 0 && pingInterval <= 2 ** 31 - 1)) throw new RangeError(`the ping interval must be from 1 to ${2 ** 31 - 1} ms, not ${pingInterval}`)
  const pingTimeout = init.ping?.timeoutMs ?? Math.min(PING_TIMEOUT_MS, pingInterval / 2)
  if (!(pingTimeout > 0 && pingTimeout < pingInterval)) throw new RangeError(`the ping timeout must be more than 0 and less than the ping interval (${pingInterval} ms), not ${pingTimeout}`)
  const peerDiscovery = []
  if ((init.bootstrap ?? []).length > 0) peerDiscovery.push(bootstrap({ list: init.bootstrap as string[] }))
  if (init.mdns === true) peerDiscovery.push(mdns())
  const node = await createLibp2p({
    privateKey: init.privateKey,
    start: init.start,
    metrics: init.metrics,
    addresses: { listen: init.listen ?? DEFAULT_LISTEN, ...(init.announce !== undefined && init.announce.length > 0 ? { announce: init.announce } : {}) },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux({ maxInboundStreams: 256 })],
    peerDiscovery,
    connectionGater: policy.gater(),
    connectionManager: {
      maxConnections: policy.init.maxConnections,
      maxIncomingPendingConnections: policy.init.maxPending,
      // the per-address rate is the policy's (with its exemptions); this is only a backstop,
      // high because many peers on one host (a federation on one machine, tests) share 127.0.0.1
      inboundConnectionThreshold: 100,
      // dials are paced: 16 handshakes at once (libp2p's default is 100), so a node started
      // with many peers to dial (bootstrap, a federation's list) does not open them all at
      // once — 100 nodes doing so on one host timed their Noise handshakes out. A queued dial's
      // timer runs from when it is queued (libp2p's dial queue), so the whole dial may take
      // 30 s (default 10 s); each address attempt keeps libp2p's 6 s (`addressDialTimeout`)
      maxParallelDials: 16,
      dialTimeout: 30_000
    },
    connectionMonitor: { pingInterval, pingTimeout: { minTimeout: pingTimeout, maxTimeout: pingTimeout } },
    services: {
      identify: identify(),
      // two outbound pings per connection (libp2p's default is one): the connection monitor's
      // and kad-dht's (it pings a new contact before adding it to its table, and an old one
      // before evicting it); a second one past the limit fails, and when it is the monitor's,
      // that closes the connection (tests/net/ping-stall.test.ts). A peer takes two inbound
      // (libp2p's default), one from each.
      ping: ping({ maxOutboundStreams: 2 }),
      pubsub: gossipsub({
        emitSelf: false,
        // StrictSign (gossipsub's default, NETWORK.md §2) with ids from the content (§2.4)
        globalSignaturePolicy: 'StrictSign',
        msgIdFn,
        fastMsgIdFn,
        msgIdToStrFn: msgIdToStr,
        allowPublishToZeroTopicPeers: true,
        heartbeatInterval: init.heartbeatInterval ?? 700,
        // a frame carries one or more messages; ours are ≤ 16 KiB, the cap leaves room
        maxInboundDataLength: 1024 * 1024,
        // the IP-colocation penalty (P6) would graylist peers of a federation that shares one
        // host (all 127.0.0.1): at ~15 such peers nothing propagates. Loopback is exempt;
        // distinct hosts keep the Sybil protection.
        scoreParams: { IPColocationFactorWhitelist: new Set(['127.0.0.1', '::1']) },
        scoreThresholds: SCORE_THRESHOLDS
      }),
      dht: kadDHT({
        protocol: DHT_PROTOCOL,
        clientMode: false,
        // our DHT is our own network: federations on a LAN or one host are first-class
        peerInfoMapper: passthroughMapper,
        initialQuerySelfInterval: 0,
        validators: { [HEAD_NAMESPACE]: headValidator(init.keysOf) },
        selectors: { [HEAD_NAMESPACE]: headSelector }
      })
    }
  })
  policy.attach(node)
  return node
}
