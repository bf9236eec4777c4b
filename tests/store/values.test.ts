import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { encodeHead, encodeRun } from '../../src/store/values.ts'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const cidArb = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(d => CID.createV1(0x71, Digest.create(0x12, d)))
const intArb = fc.oneof(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 70_000 }), fc.integer({ min: 0, max: 2 ** 32 + 5 }), fc.maxSafeNat())

describe('the store\'s hand-encoded values', () => {
  it('encodeHead gives the bytes of @ipld/dag-cbor, and decodes back', () => {
    fc.assert(fc.property(cidArb, intArb, intArb, (cid, seq, createdAt) => {
      const bytes = encodeHead({ cid, seq, createdAt })
      expect(hex(bytes)).toBe(hex(dagCbor.encode({ seq, cid, createdAt })))
      const back = dagCbor.decode<{ cid: CID, seq: number, createdAt: number }>(bytes)
      expect(back.cid.equals(cid) && back.seq === seq && back.createdAt === createdAt).toBe(true)
    }), { numRuns: 2000 })
  })

  it('encodeRun gives the bytes of @ipld/dag-cbor, with and without until', () => {
    fc.assert(fc.property(intArb, fc.option(intArb, { nil: undefined }), (from, until) => {
      expect(hex(encodeRun(from, until))).toBe(hex(dagCbor.encode(until === undefined ? { from } : { from, until })))
    }), { numRuns: 2000 })
  })

  it('refuses what it cannot encode', () => {
    expect(() => encodeRun(-1)).toThrow(TypeError)
    expect(() => encodeRun(1.5)).toThrow(TypeError)
  })
})
