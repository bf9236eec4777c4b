import { describe, it, expect, afterAll } from 'vitest'
import { readFile } from 'node:fs/promises'
import { parseOosMarkdown } from '../../src/oos/index.ts'
import { generateKeyPair, publicKeyToDid } from '../../src/identity/index.ts'
import { signVersion } from '../../src/records/version.ts'
import { makeRotation, keyDigest } from '../../src/trust/keys.ts'
import { encodeAnnouncement } from '../../src/net/announce.ts'
import { makeNode, until } from './nodes.ts'

const doc = async (v: number) => parseOosMarkdown(await readFile(new URL(`../../examples/orgs/ledgerline/v${v}.oos.md`, import.meta.url), 'utf8')).body

describe('key rotation across the network', () => {
  const nodes: Array<Awaited<ReturnType<typeof makeNode>>> = []
  afterAll(async () => { await Promise.all(nodes.map(async n => await n.cleanup())) })

  it('A rotates and publishes with the new key: B accepts; a later version signed by the old key is rejected', async () => {
    const [a, b] = await Promise.all([makeNode('Ledgerline'), makeNode('Carepath')])
    nodes.push(a, b)
    await a.publish(await doc(1))
    await b.follow(a.org, { via: [a.libp2p.getMultiaddrs()[0].toString()] })
    const old = await a.orgSecret()
    const next = generateKeyPair()
    const after = generateKeyPair()
    const rot = await makeRotation({ org: a.org, oldSecret: old, newSecret: next.secretKey, nextKeyDigest: keyDigest(after.publicKey), reason: 'scheduled' }, a.store)
    expect((await a.ingest.ingest(rot, { source: 'local' })).status).toBe('accepted')
    const head = (await a.store.head(a.org))!
    const v2 = signVersion(await doc(2), { org: a.org, seq: 2, prev: head.cid, createdAt: Date.now(), key: publicKeyToDid(next.publicKey) }, next.secretKey)
    expect((await a.ingest.ingest(v2.bytes, { source: 'local' })).status).toBe('accepted')
    // A's node holds the rotated-out key, so it does not announce version 2 (receivers would
    // reject that: NETWORK.md §2.2); restarted with the new key it would, as here
    await a.gossip.announce(a.org, encodeAnnouncement({ org: a.org, seq: 2, cid: v2.cid, createdAt: Date.now(), key: publicKeyToDid(next.publicKey) }, next.secretKey))
    // B learns of the rotation (gossip, or sync which sends rotations first) and accepts version 2
    await until(async () => (await b.store.head(a.org))?.seq === 2, 15_000, 'B at seq 2')
    expect((await b.store.head(a.org))?.cid.toString()).toBe(v2.cid.toString())
    expect(b.violations.stats().byCode).toEqual({})
    // a thief with the old key signs version 3: refused at B with its code, nothing stored
    const forged = signVersion(await doc(3), { org: a.org, seq: 3, prev: v2.cid, createdAt: Date.now() }, old)
    const err = await b.ingest.ingest(forged.bytes, { source: 'gossip' }).catch(e => e)
    expect(err.code).toBe('UNAUTHORIZED_KEY')
    expect(await b.store.has(forged.cid)).toBe(false)
  })
})
