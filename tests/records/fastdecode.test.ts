import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { readFile } from 'node:fs/promises'
import { checkCanonical } from '../../src/records/canonical.ts'
import { decodeChecked } from '../../src/records/fastdecode.ts'
import { dagValueArb } from './arbitraries.ts'

/** A value with every type made explicit (number vs bigint, -0, bytes, CIDs), for exact comparison. */
function typed (v: unknown): string {
  if (v === null || typeof v === 'boolean') return String(v)
  if (typeof v === 'number') return `n:${Object.is(v, -0) ? '-0' : String(v)}`
  if (typeof v === 'bigint') return `b:${v}`
  if (typeof v === 'string') return JSON.stringify(v)
  if (v instanceof Uint8Array) return `u:${Buffer.from(v).toString('hex')}`
  const cid = CID.asCID(v)
  if (cid !== null) return `c:${cid.toString()}`
  if (Array.isArray(v)) return `[${v.map(typed).join(',')}]`
  const o = v as Record<string, unknown>
  return `{${Object.keys(o).map(k => `${JSON.stringify(k)}:${typed(o[k])}`).join(',')}}`
}

const CIDS = [
  CID.parse('bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'),
  CID.parse('QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n')
]
const valueArb = dagValueArb(CIDS, { longText: 10, keys: ['__proto__'] })

/** @ipld/dag-cbor's decoder strips a leading U+FEFF of a text string (its TextDecoder); ours keeps it (the strict profile rejects it before). */
const hasBom = (bytes: Uint8Array): boolean => Buffer.from(bytes).includes(Buffer.from([0xef, 0xbb, 0xbf]))

describe('decodeChecked (the ingest door\'s decoder of canonical bytes)', () => {
  it('gives exactly what @ipld/dag-cbor gives, for random canonical values', () => {
    fc.assert(fc.property(valueArb, (v) => {
      const bytes = dagCbor.encode(v)
      checkCanonical(bytes)
      fc.pre(!hasBom(bytes))
      expect(typed(decodeChecked(bytes))).toBe(typed(dagCbor.decode(bytes)))
    }), { numRuns: 3000 })
  })

  it('gives exactly what @ipld/dag-cbor gives, for every valid vector', async () => {
    const valid = JSON.parse(await readFile(new URL('../../protocol/vectors/valid.json', import.meta.url), 'utf8'))
    const all = valid as Array<{ bytesHex: string }>
    expect(all.length).toBeGreaterThan(5)
    for (const v of all) {
      const bytes = Buffer.from(v.bytesHex, 'hex')
      expect(typed(decodeChecked(bytes))).toBe(typed(dagCbor.decode(bytes)))
    }
  })

  it('keeps a key named __proto__ as data, never as the prototype', () => {
    const bytes = Uint8Array.from([0xa1, 0x69, ...Buffer.from('__proto__'), 0xa1, 0x61, 0x78, 0x01])
    checkCanonical(bytes)
    const v = decodeChecked<Record<string, unknown>>(bytes)
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype)
    expect(Object.keys(v)).toEqual(['__proto__'])
    expect((v as any).x).toBeUndefined()
  })

  it('keeps a leading U+FEFF (the strict profile rejects such text before decoding)', () => {
    expect(decodeChecked(dagCbor.encode({ s: '\uFEFFx' }))).toEqual({ s: '\uFEFFx' })
  })
})
