/**
 * Forged gossip and forged DHT heads from strangers (issue 12, chaos suite, items 1–2).
 * Three `oos start` processes: A publishes; B and C follow A; C is connected to B only (and
 * A). A stranger connected to B alone gossips on A's topic, with its own valid signatures:
 * node bindings "for" A signed by a key A never authorized (and naming it), an announcement
 * of A at seq 2^53−1 likewise, equivocation hints about A — then a few bindings that name no
 * key and carry the stranger's signature (invalid under A's key: `BAD_GOSSIP`). Under
 * NETWORK.md §2.2 a key unknown to B is first ignored (never forwarded), then charged
 * `UNAUTHORIZED_KEY` to the sender once A's bound peer answered without it; hints are never
 * forwarded. Another stranger, in the DHT of all three, puts a head of A at seq 999999 signed
 * by its key, as a head record `{ announce, rotations }` (NETWORK.md §4) and as a bare
 * announcement. Pass (the issue): nothing accepted by B, nothing forwarded to C, the
 * gossiping stranger banned by B, no node returns the forged head, a DHT GET of A's head
 * (through the attacker's own DHT, which keeps the forged value) still gives A's own.
 */
import { gossipsub, type GossipSub } from '@libp2p/gossipsub'
import { kadDHT, passthroughMapper, type KadDHT } from '@libp2p/kad-dht'
import { ping } from '@libp2p/ping'
import * as dagCbor from '@ipld/dag-cbor'
import { multiaddr } from '@multiformats/multiaddr'
import { testKey } from '../protocol/vectors/generate.ts'
import type { ApiStatus } from '../src/api/types.ts'
import { DHT_PROTOCOL } from '../src/net/libp2p.ts'
import { decodeHeadRecord, encodeHeadRecord, HEAD_NAMESPACE, headKey, headSelector } from '../src/net/dht.ts'
import { decodeAnnouncement, encodeAnnouncement } from '../src/net/announce.ts'
import { topicOf } from '../src/net/gossip.ts'
import { encodeSigned } from '../src/records/codec.ts'
import { cidOf } from '../src/records/cid.ts'
import type { UnsignedRecord } from '../src/records/types.ts'
import { bareLibp2p, ms, publishMany, scoped, sleep, until } from './lib.ts'

export interface ForgedFigures {
  ok: boolean
  /** dhtPuts: forged head values put, and the PEER_RESPONSE events of those puts (a node that refuses a value still answers) */
  sent: { bindings: number, badSignatures: number, announcements: number, hints: number, dhtPuts: { values: number, peerResponses: number } }
  /** on B, the node the stranger gossiped to */
  b: { accepted: number, rejected: number, ignored: number, unauthorizedAtIngest: number, violations: number, bannedStranger: boolean, strangerStillConnected: boolean, headOfA: number }
  /** messages of the stranger that reached C (through B) */
  forwardedToC: number
  dht: { nodesReturningForged: number, getResult: { seq: number, signedByA: boolean } | null }
  ms: number
}

const stranger = testKey('chaos-stranger')
/** versions A publishes: its real head */
const V = 2
const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i])

/**
 * A DHT value of `org`'s head as a reader sees it: the announcement it carries (a head record
 * `{ announce, rotations }`, NETWORK.md §4, or the bare announcement of the first form), its
 * seq and signer, and whether it is valid for the org (decodeHeadRecord: the signer is the key
 * the record's own rotation chain, from the org's inception key, gives for that seq).
 */
function readHead (org: string, value: Uint8Array): { seq: number, signer: string, valid: boolean } {
  const v = dagCbor.decode<Record<string, unknown>>(value)
  const a = decodeAnnouncement(v !== null && typeof v === 'object' && v.announce instanceof Uint8Array ? v.announce : value)
  let valid = true
  try { decodeHeadRecord(org, value) } catch { valid = false }
  return { seq: a.seq, signer: a.key ?? a.org, valid }
}
const gossipCount = (s: ApiStatus, k: 'received' | 'accepted' | 'rejected' | 'ignored'): number => s.gossip?.[k] ?? 0

export async function forgedScenario (options: { bindings?: number, log?: (line: string) => void } = {}): Promise<ForgedFigures> {
  const F = options.bindings ?? 1000
  const log = options.log ?? (() => {})
  const t0 = performance.now()
  return await scoped(async (scope) => {
    const [ha, hb, hc] = [await scope.home('Ledgerline'), await scope.home('Carepath'), await scope.home('Parcelworks')]
    const org = ha.config.org
    const a = await scope.start(ha.home, ['--sync-interval', '0'])
    const b = await scope.start(hb.home, ['--sync-interval', '0', '--bootstrap', a.addr])
    const c = await scope.start(hc.home, ['--sync-interval', '0', '--bootstrap', a.addr, '--bootstrap', b.addr])
    await publishMany(a.api, V)
    for (const n of [b, c]) await n.api.follow({ org, via: [a.addr] })
    await until(async () => (await c.api.status()).following[0]?.seq === V && (await b.api.status()).following[0]?.seq === V, 20_000)

    // the gossiping stranger: connected to B only, subscribed to A's topic
    const g = await bareLibp2p(scope, { pubsub: gossipsub({ allowPublishToZeroTopicPeers: true, emitSelf: false }) })
    const ps = g.services.pubsub as GossipSub
    ps.subscribe(topicOf(org))
    await g.dial(multiaddr(b.addr))
    await until(() => ps.getSubscribers(topicOf(org)).length > 0, 10_000)
    await sleep(1500) // heartbeats: the stranger is in B's mesh
    const [b0, c0] = [await b.api.status(), await c.api.status()]
    const publish = async (msg: Record<string, Uint8Array>): Promise<void> => { await ps.publish(topicOf(org), dagCbor.encode(msg)).catch(() => {}) }
    const now = Date.now()
    let bindings = 0
    for (let i = 0; i < F; i++) {
      const rec = { type: 'oos/node-binding', org, createdAt: now + i, peers: [g.peerId.toString()], key: stranger.did } as unknown as UnsignedRecord
      await publish({ record: encodeSigned(rec, [stranger.secretKey]).bytes })
      bindings++
      if (i % 50 === 49) await sleep(20)
    }
    const fakeCid = cidOf(new TextEncoder().encode('not a version'))
    await publish({ announce: encodeAnnouncement({ org, seq: Number.MAX_SAFE_INTEGER, cid: fakeCid, createdAt: now, key: stranger.did }, stranger.secretKey) })
    const hints = 3
    for (let i = 0; i < hints; i++) await publish({ equivocation: dagCbor.encode({ org, seq: 1 + i, cids: [fakeCid, cidOf(new Uint8Array([i]))] }) })
    // bindings that name no key but are signed by the stranger: a bad signature under A's own key (rejected today already)
    const badSig = 10
    for (let i = 0; i < badSig; i++) {
      const rec = { type: 'oos/node-binding', org, createdAt: now + F + i, peers: [g.peerId.toString()] } as unknown as UnsignedRecord
      await publish({ record: encodeSigned(rec, [stranger.secretKey]).bytes })
    }
    await sleep(3000) // let B validate, forward (or not) and ban (or not)
    const [b1, c1] = [await b.api.status(), await c.api.status()]
    const strangerId = g.peerId.toString()
    const unauthorized = (s: ApiStatus): number => (s.ingest as { rejections: Record<string, number> }).rejections.UNAUTHORIZED_KEY ?? 0
    const violations = (s: ApiStatus): number => Object.values((s.violations as { byCode: Record<string, number> }).byCode).reduce((x, y) => x + y, 0)
    log(`forged: B accepted ${gossipCount(b1, 'accepted') - gossipCount(b0, 'accepted')}, C received ${gossipCount(c1, 'received') - gossipCount(c0, 'received')}`)

    // the DHT stranger: a peer of the oos DHT, connected to all three
    const d = await bareLibp2p(scope, { ping: ping(), dht: kadDHT({ protocol: DHT_PROTOCOL, clientMode: false, peerInfoMapper: passthroughMapper, validators: { [HEAD_NAMESPACE]: async () => {} }, selectors: { [HEAD_NAMESPACE]: headSelector } }) }) // an attacker's DHT keeps whatever it is given
    const dht = d.services.dht as KadDHT
    for (const n of [a, b, c]) await d.dial(multiaddr(n.addr))
    await until(async () => (await d.peerStore.all()).length >= 3, 10_000)
    await sleep(1000)
    // the forged head in both forms a node reads: a head record { announce, rotations } and a bare announcement
    const forgedAnn = encodeAnnouncement({ org, seq: 999_999, cid: fakeCid, createdAt: now, key: stranger.did }, stranger.secretKey)
    const forged = [encodeHeadRecord(forgedAnn, []), forgedAnn]
    let dhtPuts = 0
    for (const value of forged) {
      try {
        for await (const e of dht.put(headKey(org), value, { signal: AbortSignal.timeout(15_000) })) if (e.name === 'PEER_RESPONSE') dhtPuts++
      } catch {}
    }
    // every node's answer to a GET of A's head: which of them hold the forged record
    const holders = new Set<string>()
    const ids = new Set([a, b, c].map(n => n.info.peerId))
    try {
      for await (const e of dht.get(headKey(org), { signal: AbortSignal.timeout(10_000) })) {
        // a peer's answer carries the record it holds
        if (e.name !== 'PEER_RESPONSE' || e.record === undefined || !ids.has(e.from.toString())) continue
        const value = e.record.value
        if (forged.some(f => sameBytes(f, value))) holders.add(e.from.toString())
      }
    } catch {}
    const returning = holders.size
    let getResult: ForgedFigures['dht']['getResult'] = null
    try {
      // the attacker's own DHT holds the forged value; its selector (the nodes' own) must still pick A's
      const h = readHead(org, await d.contentRouting.get(headKey(org), { signal: AbortSignal.timeout(10_000) }))
      getResult = { seq: h.seq, signedByA: h.valid && h.signer === org }
    } catch {}
    const bFig = {
      accepted: gossipCount(b1, 'accepted') - gossipCount(b0, 'accepted'),
      rejected: gossipCount(b1, 'rejected') - gossipCount(b0, 'rejected'),
      ignored: gossipCount(b1, 'ignored') - gossipCount(b0, 'ignored'),
      unauthorizedAtIngest: unauthorized(b1) - unauthorized(b0),
      violations: violations(b1) - violations(b0),
      bannedStranger: (b1.violations as { blockedNow: string[] }).blockedNow.includes(strangerId),
      strangerStillConnected: b1.peers.includes(strangerId),
      headOfA: b1.following.find(f => f.org === org)?.seq ?? 0
    }
    const forwardedToC = gossipCount(c1, 'received') - gossipCount(c0, 'received')
    return {
      ok: bFig.accepted === 0 && forwardedToC === 0 && bFig.bannedStranger && !bFig.strangerStillConnected && returning === 0 && getResult?.signedByA === true && getResult.seq === V,
      sent: { bindings, badSignatures: badSig, announcements: 1, hints, dhtPuts: { values: forged.length, peerResponses: dhtPuts } },
      b: bFig,
      forwardedToC,
      dht: { nodesReturningForged: returning, getResult },
      ms: ms(t0)
    }
  })
}
