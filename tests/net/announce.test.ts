import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import * as dagCbor from '@ipld/dag-cbor'
import { testKey } from '../../protocol/vectors/generate.ts'
import { smallBody } from '../../protocol/vectors/bodies.ts'
import { signVersion } from '../../src/records/version.ts'
import { decodeAnnouncement, encodeAnnouncement, newer } from '../../src/net/announce.ts'
import { headKey, headSelector, headValidator } from '../../src/net/dht.ts'
import { checkGossip, topicOf } from '../../src/net/gossip.ts'
import { encodeSigned } from '../../src/records/codec.ts'

const alice = testKey('alice')
const bob = testKey('bob')
const v1 = signVersion(smallBody('Alice', 1), { org: alice.did, seq: 1, prev: null, createdAt: Date.UTC(2026, 10, 1) }, alice.secretKey)
const ann = (seq: number, key = alice): Uint8Array => encodeAnnouncement({ org: alice.did, seq, cid: v1.cid, createdAt: 1000 + seq }, key.secretKey)

describe('signed announcements, DHT head records, gossip messages', () => {
  it('round-trip and order by seq', () => {
    const a = decodeAnnouncement(ann(3))
    expect(a).toMatchObject({ type: 'oos/announce', org: alice.did, seq: 3 })
    expect(a.cid.equals(v1.cid)).toBe(true)
    expect(newer(decodeAnnouncement(ann(4)), a)).toBe(true)
    expect(newer(a, decodeAnnouncement(ann(4)))).toBe(false)
  })

  it('reject a wrong signer, a tampered byte, oversize and junk', () => {
    expect(() => decodeAnnouncement(ann(1, bob))).toThrow(/bad signature/)
    const t = ann(1)
    t[t.length - 70] ^= 1
    expect(() => decodeAnnouncement(t)).toThrow()
    expect(() => decodeAnnouncement(new Uint8Array(2000))).toThrow(/at most/)
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
      expect(() => decodeAnnouncement(b)).toThrow()
    }), { numRuns: 500 })
  })

  it('the DHT validator accepts only the key\'s own org; the selector picks the highest seq', async () => {
    await headValidator()(headKey(alice.did), ann(2))
    await expect(headValidator()(headKey(bob.did), ann(2))).rejects.toThrow()
    await expect(headValidator()(headKey(alice.did), ann(2, bob))).rejects.toThrow()
    expect(headSelector(headKey(alice.did), [ann(2), ann(5), new Uint8Array(3), ann(4)])).toBe(1)
  })

  it('gossip messages: announcements and statements on the right topic only', () => {
    const msg = dagCbor.encode({ announce: ann(1) })
    expect(checkGossip(topicOf(alice.did), msg).type).toBe('announce')
    expect(() => checkGossip(topicOf(bob.did), msg)).toThrow(/another org/)
    expect(() => checkGossip(topicOf(alice.did), dagCbor.encode({ record: v1.bytes }))).toThrow(/not gossiped/)
    const binding = encodeSigned({ type: 'oos/node-binding', org: alice.did, createdAt: Date.now() - 1000, peers: ['12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf'] }, [alice.secretKey])
    expect(checkGossip(topicOf(alice.did), dagCbor.encode({ record: binding.bytes })).type).toBe('record')
    expect(() => checkGossip(topicOf(alice.did), dagCbor.encode({ other: new Uint8Array(1) }))).toThrow()
    expect(() => checkGossip(topicOf(alice.did), new Uint8Array(20_000))).toThrow()
    const hint = (org: string, cids: unknown[]) => dagCbor.encode({ equivocation: dagCbor.encode({ org, seq: 1, cids }) })
    expect(checkGossip(topicOf(alice.did), hint(alice.did, [v1.cid, binding.cid])).type).toBe('equivocation')
    expect(() => checkGossip(topicOf(alice.did), hint(alice.did, [v1.cid, v1.cid]))).toThrow(/malformed/)
    expect(() => checkGossip(topicOf(alice.did), hint(bob.did, [v1.cid, binding.cid]))).toThrow(/malformed/)
  })
})
