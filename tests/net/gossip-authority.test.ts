/**
 * The gossip door's authority verdicts (protocol/NETWORK.md §2.2), message by message, against
 * a fixed key history: the org's inception key, then k1 from version 3 on (committing to k2).
 */
import { describe, it, expect } from 'vitest'
import * as dagCbor from '@ipld/dag-cbor'
import type { CID } from 'multiformats/cid'
import { encodeSigned } from '../../src/records/codec.ts'
import type { KeyRotationRecord, NodeBindingRecord, EndorsementRecord } from '../../src/records/types.ts'
import { encodeAnnouncement } from '../../src/net/announce.ts'
import { checkGossip, topicOf } from '../../src/net/gossip.ts'
import { authorize, type OrgKnowledge } from '../../src/net/gossip-authority.ts'
import { inception, rotate } from '../../src/ingest/authority.ts'
import { keyDigest } from '../../src/trust/keys.ts'
import { testKey } from '../../protocol/vectors/generate.ts'

type Key = ReturnType<typeof testKey>
const [org, k1, k2, k3, stranger, other] = ['org', 'k1', 'k2', 'k3', 'stranger', 'other-org'].map(n => testKey(`ga-${n}`))
const PEER = '12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf'
const T1 = 1_700_000_000_000 // the rotation's time

function rotation (seq: number, prev: CID | null, from: Key, to: Key, next?: Key, createdAt = T1) {
  const rec: KeyRotationRecord = { type: 'oos/key-rotation', org: org.did, createdAt, seq, prev, oldKey: from.did, newKey: to.did, effectiveSeq: 3, ...(next !== undefined ? { nextKeyDigest: keyDigest(next.publicKey) } : {}), reason: 'test' }
  return encodeSigned(rec, [from.secretKey, to.secretKey], T1 + 10_000)
}
const r1 = rotation(1, null, org, k1, k2)
const epochs = rotate(inception(org.did), r1.signed.rec)
const kept: OrgKnowledge = { epochs, kept: true, head: 4 }
const know = (k: Partial<OrgKnowledge> = {}) => async (o: string): Promise<OrgKnowledge> => o === org.did ? { ...kept, ...k } : { epochs: inception(o), kept: false, head: 0 }

const announce = (seq: number, by: Key) => checkGossip(topicOf(org.did), dagCbor.encode({ announce: encodeAnnouncement({ org: org.did, seq, cid: r1.cid, createdAt: T1, key: by.did }, by.secretKey) }))
const record = (bytes: Uint8Array, topicOrg = org.did) => checkGossip(topicOf(topicOrg), dagCbor.encode({ record: bytes }))
const binding = (by: Key, createdAt: number) => record(encodeSigned<NodeBindingRecord>({ type: 'oos/node-binding', org: org.did, createdAt, peers: [PEER], ...(by.did !== org.did ? { key: by.did } : {}) }, [by.secretKey], T1 + 10_000).bytes)

describe('authority at the gossip door', () => {
  it('announcements: the key for the seq or the current key pass; a known key outside its seqs is rejected; an unknown key is for later, or rejected for a version held', async () => {
    expect(await authorize(announce(5, k1), know())).toEqual({ result: 'accept' })
    expect(await authorize(announce(2, org), know())).toEqual({ result: 'accept' })
    expect(await authorize(announce(2, k1), know())).toEqual({ result: 'accept' }) // the current key
    expect(await authorize(announce(5, org), know())).toMatchObject({ result: 'reject', code: 'UNAUTHORIZED_KEY' }) // rotated out
    expect(await authorize(announce(5, stranger), know())).toEqual({ result: 'unknown-key', org: org.did, key: stranger.did })
    expect(await authorize(announce(4, stranger), know())).toMatchObject({ result: 'reject' }) // version 4 is held here
    expect(await authorize(announce(4 + 64, k1), know())).toEqual({ result: 'accept' })
    expect(await authorize(announce(4 + 65, k1), know())).toEqual({ result: 'ahead' })
    expect(await authorize(announce(10, k1), know(), 5)).toEqual({ result: 'ahead' })
  })

  it('statements: signed by a key of their own org in its period; the endorser\'s keys count, not the topic org\'s', async () => {
    expect(await authorize(binding(k1, T1 + 1), know())).toEqual({ result: 'accept' })
    expect(await authorize(binding(org, T1 - 1), know())).toEqual({ result: 'accept' }) // the inception key, before the rotation
    expect(await authorize(binding(org, T1 + 1), know())).toMatchObject({ result: 'reject', code: 'UNAUTHORIZED_KEY' }) // after it
    expect(await authorize(binding(stranger, T1 + 1), know())).toEqual({ result: 'unknown-key', org: org.did, key: stranger.did })
    const endorse = (by: Key, key?: string) => record(encodeSigned<EndorsementRecord>({ type: 'oos/endorsement', org: other.did, createdAt: T1, target: r1.cid, targetOrg: org.did, version: r1.cid, stance: 'endorse', ...(key !== undefined ? { key } : {}) }, [by.secretKey], T1 + 10_000).bytes)
    expect(await authorize(endorse(other), know())).toEqual({ result: 'accept' })
    // an endorser whose rotations this node does not keep, signing with a key it does not know: not judged here
    expect(await authorize(endorse(stranger, stranger.did), know())).toMatchObject({ result: 'ignore' })
  })

  it('rotations: the next one must keep the key rules; a known one is a duplicate; a fork by the key of the time is evidence, by another key a fault', async () => {
    const none = know({ epochs: inception(org.did) })
    expect(await authorize(record(r1.bytes), none)).toEqual({ result: 'accept' })
    expect(await authorize(record(r1.bytes), know())).toMatchObject({ result: 'ignore' })
    expect(await authorize(record(rotation(1, null, org, stranger).bytes), know())).toMatchObject({ result: 'ignore' }) // a fork by the inception key
    expect(await authorize(record(rotation(1, null, stranger, k3).bytes), know())).toMatchObject({ result: 'reject' })
    expect(await authorize(record(rotation(1, null, k1, k3).bytes), none)).toMatchObject({ result: 'reject' }) // oldKey not current
    expect(await authorize(record(rotation(2, r1.cid, k1, k2, k3).bytes), know())).toEqual({ result: 'accept' })
    expect(await authorize(record(rotation(2, r1.cid, k1, stranger, k3).bytes), know())).toMatchObject({ result: 'reject' }) // not the committed key
    expect(await authorize(record(rotation(2, r1.cid, k1, k2).bytes), know())).toMatchObject({ result: 'reject' }) // drops pre-rotation
    expect(await authorize(record(rotation(3, r1.cid, k2, k3).bytes), know())).toEqual({ result: 'unknown-key', org: org.did, key: k2.did })
    expect(await authorize(record(rotation(3, r1.cid, org, k3).bytes), know())).toMatchObject({ result: 'reject' })
  })

  it('equivocation hints are never forwarded', async () => {
    const r2 = rotation(2, r1.cid, k1, k2, k3)
    const hint = checkGossip(topicOf(org.did), dagCbor.encode({ equivocation: dagCbor.encode({ org: org.did, seq: 1, cids: [r1.cid, r2.cid] }) }))
    expect(await authorize(hint, know())).toMatchObject({ result: 'ignore' })
  })
})
