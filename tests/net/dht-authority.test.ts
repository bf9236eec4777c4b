/**
 * Authority in the DHT (protocol/NETWORK.md §4): a head record is accepted only when signed by
 * the key its rotation chain (and the store) authorizes for its seq, and the selector cannot be
 * won by a stranger or by a rotated-out key, whatever seq it claims.
 */
import { describe, it, expect, afterAll } from 'vitest'
import { readFile } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import type { CID } from 'multiformats/cid'
import { parseOosMarkdown } from '../../src/oos/index.ts'
import { encodeSigned } from '../../src/records/codec.ts'
import type { KeyRotationRecord } from '../../src/records/types.ts'
import { encodeAnnouncement } from '../../src/net/announce.ts'
import { decodeHeadRecord, encodeHeadRecord, headKey, headSelector, headValidator } from '../../src/net/dht.ts'
import { createNet } from '../../src/net/libp2p.ts'
import { inception, keyHistory, rotate, type KeyEpoch } from '../../src/ingest/authority.ts'
import { testKey } from '../../protocol/vectors/generate.ts'
import { generateKeyPair, publicKeyToDid } from '../../src/identity/index.ts'
import { signVersion } from '../../src/records/version.ts'
import { keyDigest, makeRotation } from '../../src/trust/keys.ts'
import type { EphemeralNode } from '../../src/node/ephemeral.ts'
import { makeNode, until } from './nodes.ts'

const org = testKey('dht-org')
const k1 = testKey('dht-k1')
const k2 = testKey('dht-k2')
const thief = testKey('dht-thief')
const stranger = testKey('dht-stranger')
type Key = ReturnType<typeof testKey>

const someCid = encodeSigned({ type: 'oos/node-binding', org: org.did, createdAt: 1, peers: ['12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf'] }, [org.secretKey]).cid

function rotation (seq: number, prev: CID | null, from: Key, to: Key, effectiveSeq: number, next?: Key) {
  const rec: KeyRotationRecord = { type: 'oos/key-rotation', org: org.did, createdAt: 1000 * seq, seq, prev, oldKey: from.did, newKey: to.did, effectiveSeq, ...(next !== undefined ? { nextKeyDigest: keyDigest(next.publicKey) } : {}), reason: 'test' }
  return encodeSigned(rec, [from.secretKey, to.secretKey], 10_000)
}

const ann = (seq: number, by: Key): Uint8Array => encodeAnnouncement({ org: org.did, seq, cid: someCid, createdAt: 5000 + seq, key: by.did }, by.secretKey)

// the org's real history: inception key, then k1 from version 3 on, committing to k2
const r1 = rotation(1, null, org, k1, 3, k2)
const known: KeyEpoch[] = rotate(inception(org.did), r1.signed.rec)
const key = headKey(org.did)

describe('DHT head records: validator and selector', () => {
  const honest = encodeHeadRecord(ann(4, k1), [r1.bytes])
  const strangers = encodeHeadRecord(ann(999999, stranger), [])
  const rotatedOut = encodeHeadRecord(ann(999999, org), [])

  it('a stranger\'s head record is refused, in either form, by any node', async () => {
    await expect(headValidator()(key, strangers)).rejects.toMatchObject({ code: 'UNAUTHORIZED_KEY' })
    await expect(headValidator()(key, ann(999999, stranger))).rejects.toMatchObject({ code: 'UNAUTHORIZED_KEY' })
    await expect(headValidator(async () => known)(key, strangers)).rejects.toMatchObject({ code: 'UNAUTHORIZED_KEY' })
    // a bare announcement by the inception key (the record's first form) is still read
    await headValidator()(key, ann(2, org))
    await headValidator()(key, honest)
    await headValidator(async () => known)(key, honest)
    // the current key may announce a version its predecessor signed (a node restarted with it, before its next version)
    await headValidator(async () => known)(key, encodeHeadRecord(ann(2, k1), [r1.bytes]))
    await expect(headValidator()(headKey(stranger.did), honest)).rejects.toMatchObject({ code: 'BAD_HEAD_RECORD' })
  })

  it('a rotated-out key: refused where the rotation is known, and it never outbids the chain that rotated it out', async () => {
    await expect(headValidator(async () => known)(key, rotatedOut)).rejects.toMatchObject({ code: 'UNAUTHORIZED_KEY' })
    await headValidator(async () => inception(org.did))(key, rotatedOut) // a node that knows no rotation cannot tell…
    expect(headSelector(key, [rotatedOut, honest])).toBe(1) // …but its selector prefers the longer chain
    expect(headSelector(key, [honest, rotatedOut, strangers])).toBe(0)
    // claiming the org's chain does not help the old key: it is not the chain's key for that seq
    await expect(headValidator()(key, encodeHeadRecord(ann(999999, org), [r1.bytes]))).rejects.toMatchObject({ code: 'UNAUTHORIZED_KEY' })
    // a fork of the chain made with the old key is refused where the real rotation is known
    const fork = rotation(1, null, org, thief, 3)
    await expect(headValidator(async () => known)(key, encodeHeadRecord(ann(999999, thief), [fork.bytes]))).rejects.toMatchObject({ code: 'UNAUTHORIZED_KEY' })
    // past a committed rotation no fork can be made: the next key must be the committed one
    const r2thief = rotation(2, r1.cid, k1, thief, 6, thief)
    await expect(headValidator()(key, encodeHeadRecord(ann(999999, thief), [r1.bytes, r2thief.bytes]))).rejects.toMatchObject({ code: 'UNAUTHORIZED_KEY' })
    // and the real next rotation extends the chain, so it wins over everything before it
    const r2 = rotation(2, r1.cid, k1, k2, 6, thief)
    const next = encodeHeadRecord(ann(6, k2), [r1.bytes, r2.bytes])
    await headValidator(async () => known)(key, next)
    expect(headSelector(key, [honest, rotatedOut, next, encodeHeadRecord(ann(5, k1), [r1.bytes])])).toBe(2)
    expect(decodeHeadRecord(org.did, next).epochs.map(e => e.key)).toEqual([org.did, k1.did, k2.did])
  })

  it('on one chain the newer announcement wins; malformed chains are refused', async () => {
    expect(headSelector(key, [honest, encodeHeadRecord(ann(7, k1), [r1.bytes]), encodeHeadRecord(ann(5, k1), [r1.bytes])])).toBe(1)
    expect(headSelector(key, [ann(1, org), ann(2, org)])).toBe(1)
    await expect(headValidator()(key, encodeHeadRecord(ann(4, k1), [r1.bytes, r1.bytes]))).rejects.toMatchObject({ code: 'BAD_HEAD_RECORD' })
    await expect(headValidator()(key, encodeHeadRecord(ann(4, k1), [rotation(2, r1.cid, k1, k2, 6).bytes]))).rejects.toMatchObject({ code: 'BAD_HEAD_RECORD' })
    await expect(headValidator()(key, encodeHeadRecord(ann(4, k1), [someCid.bytes]))).rejects.toThrow()
    await expect(headValidator()(key, new Uint8Array(70_000))).rejects.toMatchObject({ code: 'BAD_HEAD_RECORD' })
  })
})

describe('DHT head records on the network', () => {
  const cleanups: Array<() => Promise<void>> = []
  afterAll(async () => { for (const c of cleanups.reverse()) await c() })
  const doc = async (v: number) => parseOosMarkdown(await readFile(new URL(`../../examples/orgs/ledgerline/v${v}.oos.md`, import.meta.url), 'utf8')).body

  /** A at version 1, and B, which bootstrapped from A. */
  async function pair (): Promise<{ a: EphemeralNode, b: EphemeralNode }> {
    const a = await makeNode('Ledgerline')
    cleanups.push(a.cleanup)
    const b = await makeNode('Bootstrap', { bootstrap: [a.libp2p.getMultiaddrs()[0].toString()] })
    cleanups.push(b.cleanup)
    await until(() => b.libp2p.getPeers().some(p => p.equals(a.peerId)), 10_000, 'B connected to A')
    await a.publish(await doc(1))
    return { a, b }
  }

  it('a stranger\'s put of A\'s head at seq 999999 is refused; a GET from another node returns A\'s real head', async () => {
    const { a, b } = await pair()
    const c = await makeNode('Parcelworks', { bootstrap: [b.libp2p.getMultiaddrs()[0].toString()] })
    cleanups.push(c.cleanup)
    await until(async () => (await c.findHead(a.org, { signal: AbortSignal.timeout(2000) }))?.seq === 1, 20_000, 'A\'s head in the DHT')

    const rogue = await createNet({ privateKey: await generateKeyPairFromSeed('Ed25519', randomBytes(32)), listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [b.libp2p.getMultiaddrs()[0].toString()] })
    cleanups.push(async () => { await rogue.stop() })
    await until(() => rogue.getPeers().length > 0, 10_000, 'rogue connected')
    const forged = encodeAnnouncement({ org: a.org, seq: 999999, cid: (await a.store.head(a.org))!.cid, createdAt: Date.now(), key: stranger.did }, stranger.secretKey)
    for (const value of [encodeHeadRecord(forged, []), forged]) {
      // (libp2p's put does not say that every peer refused it: the GETs below show it)
      await rogue.contentRouting.put(headKey(a.org), value, { signal: AbortSignal.timeout(10_000) }).catch(() => {})
    }
    for (const n of [b, c, a]) {
      const head = await n.findHead(a.org, { signal: AbortSignal.timeout(5000) })
      expect(head).toMatchObject({ org: a.org, seq: 1 })
      expect(head?.key).toBeUndefined()
    }
  })

  it('A rotated its key: a put by the rotated-out key at seq 999999 loses to A\'s real head, also at nodes that know no rotation of A', async () => {
    const { a, b } = await pair()
    const old = await a.orgSecret()
    const next = generateKeyPair()
    const rot = await makeRotation({ org: a.org, oldSecret: old, newSecret: next.secretKey, reason: 'scheduled' }, a.store)
    expect((await a.ingest.ingest(rot, { source: 'local' })).status).toBe('accepted')
    const v1 = (await a.store.head(a.org))!
    const v2 = signVersion(await doc(2), { org: a.org, seq: 2, prev: v1.cid, createdAt: Date.now(), key: publicKeyToDid(next.publicKey) }, next.secretKey)
    expect((await a.ingest.ingest(v2.bytes, { source: 'local' })).status).toBe('accepted')
    // A's node, restarted with the new key, puts this head (here by hand: it holds the old key)
    const real = encodeAnnouncement({ org: a.org, seq: 2, cid: v2.cid, createdAt: Date.now(), key: publicKeyToDid(next.publicKey) }, next.secretKey)
    await a.libp2p.contentRouting.put(headKey(a.org), encodeHeadRecord(real, [rot]), { signal: AbortSignal.timeout(10_000) })
    // the thief of the old key, which knows the rotation happened, leaves it out
    const c = await makeNode('Parcelworks', { bootstrap: [b.libp2p.getMultiaddrs()[0].toString()] })
    cleanups.push(c.cleanup)
    await until(() => c.libp2p.getPeers().length > 0, 10_000, 'C connected')
    const thiefs = encodeAnnouncement({ org: a.org, seq: 999999, cid: v2.cid, createdAt: Date.now() }, old)
    await c.libp2p.contentRouting.put(headKey(a.org), encodeHeadRecord(thiefs, []), { signal: AbortSignal.timeout(10_000) }).catch(() => {})
    expect((await keyHistory(c.store, a.org)).length).toBe(1) // C knows no rotation of A
    for (const n of [c, b]) {
      const head = await n.findHead(a.org, { signal: AbortSignal.timeout(5000) })
      expect(head).toMatchObject({ org: a.org, seq: 2, key: publicKeyToDid(next.publicKey) })
    }
    // A goes away: the thief puts again; B keeps its better copy (kad-dht stores a PUT without
    // comparing it with the record it holds, so the validator refuses what ranks below it)
    await a.stop()
    await until(() => !b.libp2p.getPeers().some(p => p.equals(a.peerId)), 10_000, 'A gone')
    await c.libp2p.contentRouting.put(headKey(a.org), encodeHeadRecord(thiefs, []), { signal: AbortSignal.timeout(10_000) }).catch(() => {})
    for (const n of [c, b]) {
      const head = await n.findHead(a.org, { signal: AbortSignal.timeout(5000) })
      expect(head).toMatchObject({ org: a.org, seq: 2, key: publicKeyToDid(next.publicKey) })
    }
  })
})
