import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import * as dagCbor from '@ipld/dag-cbor'
import { testKey } from '../protocol/vectors/generate.ts'
import { smallBody } from '../protocol/vectors/bodies.ts'
import { signVersion } from '../src/records/version.ts'
import { decodeRecord } from '../src/records/codec.ts'
import { OosError } from '../src/errors.ts'
import { dump, openNode } from './helpers.ts'

const alice = testKey('alice')
const v1 = signVersion(smallBody('Alice', 1), { org: alice.did, seq: 1, prev: null, createdAt: Date.UTC(2026, 10, 1) }, alice.secretKey)

describe('bad input never crashes the decoder or changes the store', () => {
  it('decodeRecord throws only typed errors on random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
      try { decodeRecord(bytes) } catch (e) { expect(e).toBeInstanceOf(OosError) }
    }), { numRuns: 3000 })
  })

  it('a record kind that is a map whose toString or valueOf is not a function: UNKNOWN_KIND, not a TypeError (found by chaos/fuzz.ts)', () => {
    const { rec, sig } = dagCbor.decode<{ rec: Record<string, unknown>, sig: Uint8Array }>(v1.bytes)
    for (const type of [{ toString: 1 }, { valueOf: 'x', toString: null }, [{ toString: 2 }], 7, null]) {
      const bytes = dagCbor.encode({ rec: { ...rec, type }, sig })
      let err: unknown
      try { decodeRecord(bytes) } catch (e) { err = e }
      expect(err).toBeInstanceOf(OosError)
      expect((err as OosError).code).toBe('UNKNOWN_KIND')
    }
  })

  it('decodeRecord throws only typed errors on mutations of a valid record, and never accepts a changed one', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(v1.bytes.length - 1), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), (muts) => {
      const b = Uint8Array.from(v1.bytes)
      for (const [i, x] of muts) b[i] ^= x
      try {
        decodeRecord(b)
        throw new Error('a mutated record was accepted')
      } catch (e) { expect(e).toBeInstanceOf(OosError) }
    }), { numRuns: 2000 })
  })

  it('the ingest pipeline rejects mutated and truncated records without touching the store', async () => {
    const node = await openNode()
    try {
      await node.ingest.ingest(v1.bytes)
      const before = await dump(node.store)
      await fc.assert(fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 512 }),
          fc.nat(v1.bytes.length - 1).map(n => v1.bytes.subarray(0, n)),
          fc.tuple(fc.nat(v1.bytes.length - 1), fc.integer({ min: 1, max: 255 })).map(([i, x]) => { const b = Uint8Array.from(v1.bytes); b[i] ^= x; return b })
        ),
        async (bytes) => {
          const err = await node.ingest.ingest(bytes).then(() => undefined, e => e)
          // a mutation can only ever be rejected (or be the identical record: a duplicate)
          if (err !== undefined) expect(err).toBeInstanceOf(OosError)
        }), { numRuns: 500 })
      expect(await dump(node.store)).toEqual(before)
      expect(node.ingest.stats().accepted).toBe(1)
    } finally { await node.close() }
  })
})
