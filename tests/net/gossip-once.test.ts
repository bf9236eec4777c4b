/**
 * Gossip verified once, off the main thread (issue 13; protocol/NETWORK.md §2.1, §2.4): the
 * topic validator hands a record to the ingest door's verify workers and the door takes the
 * verified result without checking it again; what is valid but not wanted (a record held, a
 * copy relayed by a second peer, a stale announcement, a topic no longer followed) is ignored,
 * charged to no one, and costs no signature check where the content tells it is held.
 */
import { describe, it, expect, afterAll, beforeAll } from 'vitest'
import { readFile } from 'node:fs/promises'
import * as dagCbor from '@ipld/dag-cbor'
import { parseOosMarkdown } from '../../src/oos/index.ts'
import { encodeSigned } from '../../src/records/codec.ts'
import { cidOf } from '../../src/records/cid.ts'
import { generateKeyPair, publicKeyToDid } from '../../src/identity/index.ts'
import { verifyBytesCalls } from '../../src/records/verified.ts'
import { createHash } from 'node:crypto'
import { topicOf } from '../../src/net/gossip.ts'
import { msgIdOf } from '../../src/net/libp2p.ts'
import { encodeAnnouncement } from '../../src/net/announce.ts'
import type { NodeBindingRecord } from '../../src/records/types.ts'
import type { EphemeralNode } from '../../src/node/ephemeral.ts'
import { makeNode, rogue, until } from './nodes.ts'

const doc = async (v: number) => parseOosMarkdown(await readFile(new URL(`../../examples/orgs/ledgerline/v${v}.oos.md`, import.meta.url), 'utf8')).body

describe('gossip verified once', () => {
  const cleanups: Array<() => Promise<void>> = []
  let a: EphemeralNode
  let b: EphemeralNode
  let secret: Uint8Array
  /** a new node binding of A (a gossiped record B does not hold), signed by A's key */
  let last = 0
  const binding = (): Uint8Array => {
    last = Math.max(Date.now(), last + 1) // each newer than the last (the door keeps the newest binding)
    return encodeSigned<NodeBindingRecord>({ type: 'oos/node-binding', org: a.org, createdAt: last, peers: [a.peerId.toString()] }, [secret]).bytes
  }
  const held = async (bytes: Uint8Array): Promise<boolean> => await b.store.has(cidOf(bytes))

  beforeAll(async () => {
    // both verify what they receive on workers (what they make themselves, 'local', on the calling thread)
    ;[a, b] = await Promise.all([makeNode('Ledgerline', { workers: 1 }), makeNode('Carepath', { workers: 2 })])
    cleanups.push(a.cleanup, b.cleanup)
    secret = await a.orgSecret()
    await a.publish(await doc(1))
    const taken = new Set<string>()
    b.ingest.onRecord((r) => { taken.add(r.cid.toString()) })
    await b.follow(a.org, { via: [a.libp2p.getMultiaddrs()[0].toString()] })
    await until(() => b.libp2p.services.pubsub.getSubscribers(topicOf(a.org)).some(p => p.equals(a.peerId)), 10_000, 'B sees A on its topic')
    // A welcomes B on its topic with its node binding: in before the counts are taken
    // (taken by B's door: its counts are past it, not only its store)
    await until(async () => taken.has(String(await a.store.bindingCid(a.org))), 10_000, 'B took A\'s binding')
  })
  afterAll(async () => { for (const c of cleanups.reverse()) await c() })

  it('a record gossiped by A is verified once on B (on a worker while they run, else on its main thread); the door takes the result', async () => {
    const before = { v: b.ingest.verifications(), main: verifyBytesCalls(), accepted: b.ingest.stats().accepted }
    const bytes = binding()
    expect((await a.ingest.ingest(bytes, { source: 'local' })).status).toBe('accepted') // A gossips it
    await until(async () => await held(bytes), 10_000, 'B holds the binding')
    await until(() => b.ingest.stats().accepted === before.accepted + 1, 10_000, 'accepted by B\'s door')
    const v = b.ingest.verifications()
    expect(v.workers + v.main).toBe(before.v.workers + before.v.main + 1)
    // on this process's main thread: A's check of the record it made ('local'), and B's if it
    // was not on a worker; B's door did not check it again
    expect(verifyBytesCalls()).toBe(before.main + 1 + v.main - before.v.main)
  })

  it('the same record relayed by two peers is one message; a record held already is ignored before any signature check; neither is a violation', async () => {
    // C follows an org that no node gossips for, and knows no one else: what its validator sees is ours only
    const c = await makeNode('Parcelworks', { workers: 2 })
    cleanups.push(c.cleanup)
    const e = generateKeyPair()
    const org = publicKeyToDid(e.publicKey)
    await c.follow(org)
    const topic = topicOf(org)
    let t = 0
    const statement = (): Uint8Array => encodeSigned<NodeBindingRecord>({ type: 'oos/node-binding', org, createdAt: Date.now() + t++, peers: [c.peerId.toString()] }, [e.secretKey]).bytes
    const holds = async (bytes: Uint8Array): Promise<boolean> => await c.store.has(cidOf(bytes))
    const [r1, r2] = await Promise.all([rogue(c, topic), rogue(c, topic)])
    cleanups.push(async () => { await r1.net.stop() }, async () => { await r2.net.stop() })
    const x = statement()
    const y = statement()
    const before = { g: c.gossip.stats(), v: c.ingest.verifications() }
    // r1 and r2 both send x (each its own signed gossipsub message), then r2 sends y: by the time
    // y is in, the second copy of x was dropped unread
    const sent = await Promise.all([r1, r2].map(async r => await r.net.services.pubsub.publish(topic, dagCbor.encode({ record: x }))))
    for (const s of sent) expect(s.recipients.map(String)).toContain(c.peerId.toString())
    await until(async () => await holds(x), 10_000, 'C holds x')
    await r2.net.services.pubsub.publish(topic, dagCbor.encode({ record: y }))
    await until(async () => await holds(y), 10_000, 'C holds y')
    expect(c.gossip.stats().received).toBe(before.g.received + 2)
    const v = c.ingest.verifications()
    expect(v.workers + v.main).toBe(before.v.workers + before.v.main + 2)

    // z reaches C by another way (a sync) first; then a peer gossips it: ignored, no signature checked
    const z = statement()
    expect((await c.ingest.ingest(z, { source: 'sync' })).status).toBe('accepted')
    const mid = { g: c.gossip.stats(), v: c.ingest.verifications(), duplicate: c.ingest.stats().duplicate }
    await r1.net.services.pubsub.publish(topic, dagCbor.encode({ record: z }))
    await until(() => c.gossip.stats().ignored > mid.g.ignored || c.ingest.stats().duplicate > mid.duplicate, 10_000, 'z judged at C')
    expect(c.ingest.verifications()).toEqual(mid.v)
    expect(c.ingest.stats().duplicate).toBe(mid.duplicate) // it never reached the door
    expect(c.gossip.stats()).toMatchObject({ received: mid.g.received + 1, ignored: mid.g.ignored + 1 })
    expect(c.gossip.stats().ignoredBy.held).toBe(mid.g.ignoredBy.held + 1)
    expect(c.gossip.stats().rejected).toBe(0)
    expect(c.violations.stats().byCode).toEqual({})
  })

  it('an announcement at or below B\'s head is not wanted: ignored (not forwarded) before its signature is checked, nobody charged', async () => {
    const topic = topicOf(a.org)
    const r = await rogue(b, topic, [a])
    cleanups.push(async () => { await r.net.stop() })
    const head = (await b.store.head(a.org))!
    const before = { g: b.gossip.stats(), v: b.ingest.verifications() }
    const stale = encodeAnnouncement({ org: a.org, seq: head.seq, cid: head.cid, createdAt: head.createdAt + 1 }, secret)
    await r.net.services.pubsub.publish(topic, dagCbor.encode({ announce: stale }))
    // (A's own messages may arrive meanwhile: it re-gossips its statements, which B holds)
    await until(() => b.gossip.stats().ignoredBy?.stale > before.g.ignoredBy?.stale || b.gossip.stats().accepted > before.g.accepted, 10_000, 'judged at B')
    expect(b.gossip.stats()).toMatchObject({ accepted: before.g.accepted, rejected: before.g.rejected })
    expect(b.gossip.stats().ignoredBy.stale).toBe(before.g.ignoredBy.stale + 1)
    // NETWORK.md §2.1: the seq is compared with the head held first: no signature checked
    expect(b.ingest.verifications()).toEqual(before.v)
    // so one with a bad signature is ignored alike, and its sender not charged: nothing rests on it
    const forged = encodeAnnouncement({ org: a.org, seq: head.seq, cid: head.cid, createdAt: head.createdAt + 2 }, secret)
    forged[forged.length - 1] ^= 1
    await r.net.services.pubsub.publish(topic, dagCbor.encode({ announce: forged }))
    await until(() => b.gossip.stats().ignoredBy?.stale > before.g.ignoredBy?.stale + 1 || b.gossip.stats().rejected > before.g.rejected, 10_000, 'the forged one judged at B')
    expect(b.gossip.stats()).toMatchObject({ accepted: before.g.accepted, rejected: before.g.rejected })
    expect(b.ingest.verifications()).toEqual(before.v)
    expect(b.violations.stats().byCode).toEqual({})
    // a newer one is taken (B syncs version 2 from A)
    await a.publish(await doc(2))
    await until(async () => (await b.store.head(a.org))?.seq === 2, 10_000, 'B at version 2')
  })

  it('a message on a topic B no longer follows is ignored, not rejected', async () => {
    const d = await makeNode('Parcelworks', { workers: 1 })
    cleanups.push(d.cleanup)
    await d.publish(await doc(1))
    await b.follow(d.org, { via: [d.libp2p.getMultiaddrs()[0].toString()] })
    await b.unfollow(d.org)
    const topic = topicOf(d.org)
    const validator = b.libp2p.services.pubsub.topicValidators.get(topic)
    expect(validator).toBeDefined()
    const record = encodeSigned<NodeBindingRecord>({ type: 'oos/node-binding', org: d.org, createdAt: Date.now(), peers: [d.peerId.toString()] }, [await d.orgSecret()]).bytes
    const before = { g: b.gossip.stats(), v: b.ingest.verifications() }
    const msg = { type: 'signed', from: d.peerId, topic, data: dagCbor.encode({ record }), sequenceNumber: 1n, signature: new Uint8Array(64), key: d.peerId.publicKey } as unknown as Parameters<NonNullable<typeof validator>>[1]
    expect(await validator!(d.peerId, msg)).toBe('ignore')
    expect(b.gossip.stats().ignoredBy.unfollowed).toBe(before.g.ignoredBy.unfollowed + 1)
    expect(b.gossip.stats().rejected).toBe(before.g.rejected)
    expect(b.ingest.verifications()).toEqual(before.v)
    expect(b.violations.stats().byCode).toEqual({})
  })
})

describe('message ids (NETWORK.md §2.4)', () => {
  it('are SHA-256 of the topic, a zero byte and the data: the same bytes on another topic are another message', () => {
    const data = dagCbor.encode({ record: new Uint8Array([1, 2, 3]) })
    const topic = topicOf('did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK')
    const expected = createHash('sha256').update(Buffer.concat([Buffer.from(topic, 'utf8'), Buffer.from([0]), data])).digest()
    expect(Buffer.from(msgIdOf(topic, data))).toEqual(expected)
    expect(Buffer.from(msgIdOf(topic + 'x', data))).not.toEqual(expected)
  })
})
