import { describe, it, expect } from 'vitest'
import { readFileSync } from 'node:fs'
import * as dagCbor from '@ipld/dag-cbor'
import { parseOosMarkdown } from '../../src/oos/index.ts'
import { signVersion } from '../../src/records/version.ts'
import { encodeSigned } from '../../src/records/codec.ts'
import { generateKeyPair, publicKeyToDid } from '../../src/identity/index.ts'
import { claimIdsOf, glance, place } from '../../src/records/peek.ts'

// records/peek.ts reads a record's type, org, seq, createdAt and claim ids without decoding it
// (the sync requester glances at every frame; its walker no longer allocates per CBOR item)
describe('peek', () => {
  const key = generateKeyPair()
  const org = publicKeyToDid(key.publicKey)
  const body = parseOosMarkdown(readFileSync(new URL('../fixtures/example.oos.md', import.meta.url), 'utf8')).body
  const v1 = signVersion(body, { org, seq: 1, prev: null, createdAt: 1_700_000_000_000 }, key.secretKey)
  const v2 = signVersion(body, { org, seq: 2, prev: v1.cid, createdAt: 1_700_000_001_000 }, key.secretKey)
  const claim = v1.signed.rec.body.claims[0]
  const e = encodeSigned({ type: 'oos/endorsement', org, createdAt: 1_700_000_002_000, target: v1.cid, targetOrg: org, version: v1.cid, stance: 'endorse' }, [key.secretKey])

  it('reads what decoding reads, for versions and statements', () => {
    for (const v of [v1, v2]) {
      const rec = (dagCbor.decode(v.bytes) as { rec: { type: string, org: string, seq: number, createdAt: number } }).rec
      expect(glance(v.bytes)).toEqual({ type: rec.type, org: rec.org, seq: rec.seq })
      expect(place(v.bytes)).toEqual({ type: rec.type, org: rec.org, seq: rec.seq, createdAt: rec.createdAt })
      expect(claimIdsOf(v.bytes)).toEqual(v.signed.rec.body.claims.map(c => c.claim_id))
    }
    expect(claim.claim_id.length).toBeGreaterThan(0)
    expect(glance(e.bytes)).toEqual({ type: 'oos/endorsement', org })
    expect(claimIdsOf(e.bytes)).toBeUndefined()
  })

  it('says undefined for anything cut short or not a record', () => {
    for (const n of [0, 1, 7, 100, Math.floor(v1.bytes.length / 2)]) expect(glance(v1.bytes.subarray(0, n))).toBeUndefined()
    expect(glance(dagCbor.encode({ rec: 1, sig: 2 }))).toBeUndefined()
    expect(glance(dagCbor.encode([1, 2, 3]))).toBeUndefined()
  })
})
