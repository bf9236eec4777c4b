import { describe, it, expect, afterAll } from 'vitest'
import { readFile } from 'node:fs/promises'
import * as dagCbor from '@ipld/dag-cbor'
import * as lp from 'it-length-prefixed'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { randomBytes } from 'node:crypto'
import { parseOosMarkdown } from '../../src/oos/index.ts'
import { createNet } from '../../src/net/libp2p.ts'
import { topicOf } from '../../src/net/gossip.ts'
import { encodeAnnouncement } from '../../src/net/announce.ts'
import { testKey } from '../../protocol/vectors/generate.ts'
import { makeNode, until } from './nodes.ts'

describe('a peer sending garbage', () => {
  const cleanups: Array<() => Promise<void>> = []
  afterAll(async () => { for (const c of cleanups) await c() })

  it('is rejected and counted, then disconnected and refused; the node keeps serving honest peers', async () => {
    const a = await makeNode('Ledgerline')
    cleanups.push(a.cleanup)
    await a.publish(parseOosMarkdown(await readFile(new URL('../../examples/orgs/ledgerline/v1.oos.md', import.meta.url), 'utf8')).body)
    const rogue = await createNet({ privateKey: await generateKeyPairFromSeed('Ed25519', randomBytes(32)), listen: ['/ip4/127.0.0.1/tcp/0'] })
    cleanups.push(async () => { await rogue.stop() })
    await rogue.dial(a.libp2p.getMultiaddrs()[0])
    const topic = topicOf(a.org)
    rogue.services.pubsub.subscribe(topic)
    await until(() => rogue.services.pubsub.getSubscribers(topic).some(p => p.equals(a.peerId)), 10_000, 'rogue sees A subscribed')
    await until(() => a.libp2p.services.pubsub.getSubscribers(topic).some(p => p.equals(rogue.peerId)), 10_000, 'A sees rogue subscribed')

    // 1. malformed requests on the sync protocol: answered with nothing, counted
    for (let i = 0; i < 2; i++) {
      const s = await rogue.dialProtocol(a.peerId, '/oos/sync/1.0.0')
      s.send(lp.encode.single(randomBytes(200)))
      // the responder answers nothing: it resets the stream
      const got = await (async () => { await s.close(); for await (const _ of s) return 'data'; return 'eof' })().catch((e: Error) => e.name)
      expect(got).not.toBe('data')
    }
    await until(() => ((a.reqresp.stats() as any).violations.BAD_REQUEST ?? 0) >= 2, 5_000, 'BAD_REQUEST counted')

    // 2. gossip: random bytes, a forged announcement (signed by another key), an oversized message
    const mallory = testKey('mallory')
    const forged = encodeAnnouncement({ org: a.org, seq: 99, cid: (await a.store.head(a.org))!.cid, createdAt: Date.now() }, mallory.secretKey)
    const bad = [randomBytes(64), dagCbor.encode({ announce: forged }), dagCbor.encode({ record: randomBytes(30_000) })]
    for (const m of bad) await rogue.services.pubsub.publish(topic, m).catch(() => {})
    await until(() => a.gossip.stats().rejected >= 3, 10_000, 'gossip rejections counted')
    expect(a.ingest.stats().accepted).toBe(2) // its own version and node binding: nothing from the rogue
    expect((await a.store.head(a.org))?.seq).toBe(1)

    // 3. past the threshold the rogue is disconnected and refused
    await until(() => a.violations.stats().blockedNow.includes(rogue.peerId.toString()), 10_000, 'rogue blocked')
    await until(() => !a.libp2p.getPeers().some(p => p.equals(rogue.peerId)), 10_000, 'rogue disconnected')
    await expect(rogue.dial(a.libp2p.getMultiaddrs()[0]).then(async c => { await new Promise(resolve => setTimeout(resolve, 300)); return c.status })).resolves.not.toBe('open')

    // 4. an honest node still follows A and gets its chain
    const b = await makeNode('Carepath')
    cleanups.push(b.cleanup)
    expect(await b.follow(a.org, { via: [a.libp2p.getMultiaddrs()[0].toString()] })).toEqual({ org: a.org, seq: 1 })
    const s = (await a.status()) as any
    expect(s.violations.byCode.BAD_GOSSIP).toBeGreaterThanOrEqual(3)
    expect(s.violations.byCode.BAD_REQUEST).toBeGreaterThanOrEqual(2)
  })
})
