import fc from 'fast-check'
import { base32 } from 'multiformats/bases/base32'
import { describe, expect, it } from 'vitest'
import { cidOf } from '../../src/records/cid.ts'
import { base32Multibase, cidBytesText, cidText } from '../../src/store/keys.ts'

describe('store keys', () => {
  it('spell bytes in base32 exactly as multiformats does, at every length', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 200 }), (bytes) => {
      expect(base32Multibase(bytes)).toBe(base32.encode(bytes))
    }), { numRuns: 2000 })
  })

  it('spell a CID as its string form', () => {
    for (let i = 0; i < 50; i++) {
      const cid = cidOf(Uint8Array.from({ length: i * 7 }, (_, j) => (j * 31 + i) & 0xff))
      expect(cidText(cid)).toBe(cid.toString())
      expect(cidBytesText(cid.bytes)).toBe(cid.toString())
    }
  })
})
