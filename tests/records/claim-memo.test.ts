import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import * as dagCbor from '@ipld/dag-cbor'
import { testKey } from '../../protocol/vectors/generate.ts'
import { smallBody } from '../../protocol/vectors/bodies.ts'
import { sign } from '../../src/identity/index.ts'
import { ClaimMemo } from '../../src/records/claim-memo.ts'
import { decodeRecord, signingBytes } from '../../src/records/codec.ts'
import { claimCid } from '../../src/records/claims.ts'
import { signVersion } from '../../src/records/version.ts'
import { verifyBytes } from '../../src/records/verified.ts'
import type { OosBody } from '../../src/oos/types.ts'

const alice = testKey('alice')
const bob = testKey('bob')
const T0 = Date.UTC(2026, 0, 1)
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

/** Sign a version record as given, without the shape check (to make invalid ones). */
function raw (key: typeof alice, body: unknown, seq = 1): Uint8Array {
  const rec = { type: 'oos/version', org: key.did, seq, prev: null, createdAt: T0, body }
  return dagCbor.encode({ rec, sig: sign(key.secretKey, signingBytes('oos/version', dagCbor.encode(rec))) })
}

function edited (body: OosBody, i: number, rule: string): OosBody {
  return { ...body, claims: body.claims.map((c, j) => j === i ? { ...c, rule } : c) }
}

describe('the ingest door\'s claim memo', () => {
  it('gives the same claim CIDs and the same record as decoding without it, across orgs and edits', () => {
    fc.assert(fc.property(fc.array(fc.record({ org: fc.constantFrom(alice, bob), claim: fc.integer({ min: -1, max: 2 }), word: fc.constantFrom('one', 'two', 'three') }), { minLength: 1, maxLength: 12 }), (steps) => {
      const memo = new ClaimMemo(8)
      for (const s of steps) {
        const body = s.claim < 0 ? smallBody('Org', 1) : edited(smallBody('Org', 1), s.claim, `Rule ${s.word}.`)
        const bytes = signVersion(body, { org: s.org.did, seq: 1, prev: null, createdAt: T0 }, s.org.secretKey).bytes
        const plain = decodeRecord(bytes)
        const memoed = decodeRecord(bytes, { memo })
        expect((memoed.claimCidBytes ?? []).map(hex)).toEqual((plain.claimCidBytes ?? []).map(hex))
        expect((plain.claimCidBytes ?? []).map(hex)).toEqual(body.claims.map(c => hex(claimCid(s.org.did, c).bytes)))
        expect(dagCbor.encode(memoed.signed)).toEqual(dagCbor.encode(plain.signed))
      }
    }), { numRuns: 200 })
  })

  it('still rejects a body around a known claims array (derived counts, front matter)', () => {
    const memo = new ClaimMemo()
    const body = smallBody('Org', 1)
    decodeRecord(signVersion(body, { org: alice.did, seq: 1, prev: null, createdAt: T0 }, alice.secretKey).bytes, { memo })
    const wrongCount = { ...body, frontmatter: { ...body.frontmatter, claim_count: 4 } }
    expect(() => decodeRecord(raw(alice, wrongCount), { memo })).toThrow(expect.objectContaining({ code: 'DERIVED_MISMATCH' }))
    const badFront = { ...body, frontmatter: { ...body.frontmatter, industry: 7 } }
    expect(() => decodeRecord(raw(alice, badFront), { memo })).toThrow(expect.objectContaining({ code: 'SCHEMA_INVALID' }))
    const duplicateIds = { ...body, sections: [{ heading: 'Purpose', blocks: [{ claim: 'C009' }] }] }
    expect(() => decodeRecord(raw(alice, duplicateIds), { memo })).toThrow(expect.objectContaining({ code: 'SCHEMA_INVALID' }))
  })

  it('still rejects an invalid claim beside known ones', () => {
    const memo = new ClaimMemo()
    const body = smallBody('Org', 1)
    decodeRecord(signVersion(body, { org: alice.did, seq: 1, prev: null, createdAt: T0 }, alice.secretKey).bytes, { memo })
    const bad = { ...body, claims: body.claims.map((c, i) => i === 2 ? { ...c, confidence: 'SURE' } : c) }
    expect(() => decodeRecord(raw(alice, bad), { memo })).toThrow(expect.objectContaining({ code: 'SCHEMA_INVALID', path: 'claims[2].confidence' }))
    // the same claims array, now known, under a valid body is accepted again
    expect(decodeRecord(signVersion(body, { org: alice.did, seq: 1, prev: null, createdAt: T0 + 1 }, alice.secretKey).bytes, { memo }).kind).toBe('oos/version')
  })

  it('remembers nothing from a record that fails (bad signature)', () => {
    const memo = new ClaimMemo()
    const body = edited(smallBody('Org', 1), 0, 'Never accepted.')
    const bytes = signVersion(body, { org: alice.did, seq: 1, prev: null, createdAt: T0 }, alice.secretKey).bytes.slice()
    bytes[bytes.length - 1] ^= 1
    expect(() => decodeRecord(bytes, { memo })).toThrow(expect.objectContaining({ code: 'BAD_SIGNATURE' }))
    expect(memo.size).toBe(0)
  })

  it('shares frozen claims only inside the door: bodies decoded elsewhere stay plain and mutable', () => {
    const bytes = signVersion(smallBody('Org', 1), { org: alice.did, seq: 1, prev: null, createdAt: T0 }, alice.secretKey).bytes
    verifyBytes(bytes)
    const v = verifyBytes(bytes)
    expect('body' in v.rec).toBe(false)
    const d = decodeRecord(bytes)
    expect(Object.isFrozen(d.signed.rec.type === 'oos/version' ? d.signed.rec.body.claims[0] : null)).toBe(false)
  })

  it('skips only known claims in the canonical pass: a non-canonical byte beside them is still rejected', () => {
    const memo = new ClaimMemo()
    const body = smallBody('Org', 1)
    const good = signVersion(body, { org: alice.did, seq: 1, prev: null, createdAt: T0 }, alice.secretKey).bytes
    decodeRecord(good, { memo })
    // agent_count: 2 written in two bytes (0x18 0x02) instead of one: well-formed, not canonical
    const key = Buffer.from('agent_count')
    const at = Buffer.from(good).indexOf(key) + key.length
    expect(good[at]).toBe(0x02)
    const bad = new Uint8Array([...good.subarray(0, at), 0x18, 0x02, ...good.subarray(at + 1)])
    expect(() => decodeRecord(bad, { memo })).toThrow(expect.objectContaining({ code: 'NON_CANONICAL' }))
    // and a known claim's bytes, changed by one byte, are scanned (and rejected) as new
    const claim = dagCbor.encode(body.claims[0])
    const c = Buffer.from(good).indexOf(Buffer.from(claim))
    const flipped = good.slice()
    flipped[c] = 0xbf // the claim's map head, now indefinite-length
    expect(() => decodeRecord(flipped, { memo })).toThrow(expect.objectContaining({ code: 'NON_CANONICAL' }))
    // past the bytes the memo is indexed by: found by its first bytes, confirmed on all of them
    const late = good.slice()
    late[c + claim.length - 2] = 0xff // inside the claim's last text: not UTF-8
    expect(() => decodeRecord(late, { memo })).toThrow(expect.objectContaining({ code: 'DECODE_FAILED' }))
  })
})
