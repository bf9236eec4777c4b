import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import * as dagCbor from '@ipld/dag-cbor'
// cborg is @ipld/dag-cbor's own CBOR engine; used here only to build a faithful reference decoder
import * as cborg from 'cborg'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { equals } from 'uint8arrays/equals'
import { OosError } from '../../src/errors.ts'
import { dagValueArb } from './arbitraries.ts'
import { checkCanonical, canonicalSpans, NonCanonicalError, DecodeError, DecodeFailedError, type Span } from '../../src/records/canonical.ts'

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'))
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

/** the error checkCanonical throws, or undefined if it passes */
function errorOf (bytes: Uint8Array, options?: { maxDepth?: number }): unknown {
  try {
    checkCanonical(bytes, options)
    return undefined
  } catch (err) {
    return err
  }
}

function expectCode (bytes: Uint8Array, code: 'NON_CANONICAL' | 'DECODE_FAILED', options?: { maxDepth?: number }): OosError {
  const err = errorOf(bytes, options)
  expect(err, `expected ${code} for ${toHex(bytes)}`).toBeInstanceOf(OosError)
  expect((err as OosError).code).toBe(code)
  expect(err).toBeInstanceOf(code === 'NON_CANONICAL' ? NonCanonicalError : DecodeError)
  expect((err as Error).message).toMatch(/at byte \d+/)
  return err as OosError
}

const CID1 = CID.parse('bafyreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku')
const CID0 = CID.parse('QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n')
const CID_RAW_IDENTITY = CID.create(1, 0x55, Digest.create(0x00, Uint8Array.of(1, 2, 3)))
const CIDS = [CID1, CID0, CID_RAW_IDENTITY]

describe('checkCanonical: encodings from @ipld/dag-cbor pass', () => {
  const values: Array<[string, unknown]> = [
    ['small int', 0],
    ['ints at every width boundary', [23, 24, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER]],
    ['negative ints', [-1, -24, -25, -256, -257, -65536, -65537, -(2 ** 32), -(2 ** 32) - 1, Number.MIN_SAFE_INTEGER]],
    ['bigints at the 64-bit edges', [2n ** 64n - 1n, -(2n ** 64n), 2n ** 63n, -(2n ** 63n) - 1n]],
    ['floats', [1.5, -0.1, 1e300, -1e-300, Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53, 2 ** 60]],
    ['unicode strings', ['', 'a', 'héllo', '✓ — ünïcödé', '😀👍🏽', 'x'.repeat(200), 'é'.repeat(300), '\u{10FFFF}', '\uFEFFbom']],
    ['bytes', [new Uint8Array(0), new Uint8Array(23), new Uint8Array(24), new Uint8Array(300).fill(0xff)]],
    ['empty containers', { a: [], b: {}, c: [[]], d: [{}] }],
    ['simple values', [true, false, null]],
    ['CIDs', { v1: CID1, v0: CID0, raw: CID_RAW_IDENTITY, list: CIDS }],
    ['nested', { rec: { type: 'oos/version', body: { claims: [{ id: 'c1', w: 0.5 }, { id: 'c2', w: -3 }], m: { z: 1, aa: 2, b: 3 } }, prev: CID1 }, sig: new Uint8Array(64) }],
    ['keys needing length-first order', { bb: 1, a: 2, ccc: 3, '': 4, ab: 5, ba: 6, [('k').repeat(30)]: 7, é: 8 }],
    ['a 64-deep nest', JSON.parse('['.repeat(64) + ']'.repeat(64))]
  ]
  for (const [name, value] of values) {
    it(name, () => {
      const bytes = dagCbor.encode(value)
      expect(errorOf(bytes)).toBeUndefined()
      expect(canonicalSpans(bytes, [[]])).toEqual([[{ start: 0, end: bytes.length }]])
    })
  }

  it('accepts a float64 with an integral value (a valid Float, though the JS encoder writes ints)', () => {
    checkCanonical(hex('fb 3ff0000000000000')) // 1.0
    checkCanonical(hex('fb 8000000000000000')) // -0.0
    checkCanonical(hex('fb 0000000000000000')) // 0.0
    checkCanonical(hex('fb 0000000000000001')) // smallest subnormal
  })

  it('accepts hand-made CIDs: v1 sha2-256, v0, v1 with an empty identity digest', () => {
    checkCanonical(hex('d8 2a 58 25 00 01711220' + '00'.repeat(32)))
    checkCanonical(hex('d8 2a 58 23 00 1220' + '00'.repeat(32)))
    checkCanonical(hex('d8 2a 45 00 01 55 00 00'))
  })

  it('accepts a Buffer as well as a Uint8Array', () => {
    checkCanonical(Buffer.from(dagCbor.encode({ a: [1, 'x'] })))
  })
})

describe('checkCanonical: hand-made non-canonical bytes', () => {
  const nonCanonical: Array<[string, string]> = [
    ['non-minimal int (0x18 0x05)', '18 05'],
    ['non-minimal int, 2 bytes', '19 00ff'],
    ['non-minimal int, 4 bytes', '1a 0000ffff'],
    ['non-minimal int, 8 bytes', '1b 00000000ffffffff'],
    ['non-minimal negative int', '38 00'],
    ['non-minimal byte-string length', '58 01 ff'],
    ['non-minimal text length', '78 01 61'],
    ['non-minimal array length', '98 01 01'],
    ['non-minimal map length', 'b8 01 61 61 01'],
    ['unsorted keys (b before a)', 'a2 61 62 01 61 61 02'],
    ['unsorted keys (longer before shorter)', 'a2 62 61 61 01 61 62 02'],
    ['duplicate keys', 'a2 61 61 01 61 61 02'],
    ['non-text key (int)', 'a1 01 02'],
    ['non-text key (bytes)', 'a1 41 61 02'],
    ['non-text key (array)', 'a1 80 02'],
    ['indefinite array', '9f 01 02 ff'],
    ['indefinite map', 'bf 61 61 01 ff'],
    ['indefinite byte string', '5f 41 00 ff'],
    ['indefinite text string', '7f 61 61 ff'],
    ['lone break', 'ff'],
    ['half float', 'f9 3c00'],
    ['single float', 'fa 3f800000'],
    ['undefined', 'f7'],
    ['simple value 0', 'e0'],
    ['simple value 19', 'f3'],
    ['simple value 32 (two bytes)', 'f8 20'],
    ['tag 1 (epoch date)', 'c1 00'],
    ['tag 0', 'c0 60'],
    ['tag 2 (bignum)', 'c2 41 01'],
    ['tag 42 encoded non-minimally', 'd9 002a 58 25 00 01711220' + '00'.repeat(32)],
    ['CID tag without the 0x00 prefix', 'd8 2a 58 24 01711220' + '00'.repeat(32)],
    ['CID tag without the 0x00 prefix (CIDv0)', 'd8 2a 58 22 1220' + '00'.repeat(32)],
    ['CID tag with empty bytes', 'd8 2a 40'],
    ['CID tag with text content', 'd8 2a 61 00'],
    ['CID tag with a truncated multihash', 'd8 2a 45 00 01 71 12 20'],
    ['CID tag with trailing bytes', 'd8 2a 48 00 01 55 00 02 01 02 03'],
    ['CID tag with bytes missing', 'd8 2a 46 00 01 55 00 02 01'],
    ['CID tag with a non-minimal varint', 'd8 2a 47 00 81 00 55 00 01 07'],
    ['CID tag, version 2', 'd8 2a 45 00 02 55 00 00'],
    ['CID tag, explicit version 0', 'd8 2a 45 00 00 55 00 00'],
    ['CIDv0 of the wrong size', 'd8 2a 44 00 12 01 07'],
    ['NaN float64', 'fb 7ff8000000000000'],
    ['signalling NaN float64', 'fb fff0000000000001'],
    ['+Infinity float64', 'fb 7ff0000000000000'],
    ['-Infinity float64', 'fb fff0000000000000'],
    ['problem nested deep in a map value', 'a1 61 61 82 01 a2 61 62 01 61 61 02']
  ]
  for (const [name, h] of nonCanonical) {
    it(`${name} → NON_CANONICAL`, () => { expectCode(hex(h), 'NON_CANONICAL') })
  }

  const undecodable: Array<[string, string]> = [
    ['empty input', ''],
    ['trailing byte', '00 00'],
    ['two top-level items', 'a0 a0'],
    ['truncated text', '62 61'],
    ['truncated head', '19 01'],
    ['truncated float64', 'fb 3ff00000'],
    ['truncated array', '82 01'],
    ['truncated map (key without value)', 'a1 61 61'],
    ['truncated CID tag', 'd8 2a'],
    ['reserved additional info 28', '1c'],
    ['reserved additional info 30 on a string', '7e'],
    ['reserved major-7 info 28', 'fc'],
    ['additional info 31 on an int', '1f'],
    ['additional info 31 on a tag', 'df'],
    ['invalid UTF-8 (lone continuation)', '62 c3 28'],
    ['invalid UTF-8 (overlong NUL)', '62 c0 80'],
    ['invalid UTF-8 (surrogate)', '63 ed a0 80'],
    ['invalid UTF-8 (above U+10FFFF)', '64 f4 90 80 80'],
    ['invalid UTF-8 (cut sequence)', '62 e2 82'],
    ['invalid UTF-8 in a key', 'a1 61 ff 01'],
    ['invalid UTF-8 in a long string', '78 80' + '61'.repeat(127) + 'ff']
  ]
  for (const [name, h] of undecodable) {
    it(`${name} → DECODE_FAILED`, () => { expectCode(hex(h), 'DECODE_FAILED') })
  }

  it('names the offset of the offending item', () => {
    expect(expectCode(hex('a2 61 62 01 61 61 02'), 'NON_CANONICAL').message).toMatch(/at byte 4\b/)
    expect(expectCode(hex('82 01 18 05'), 'NON_CANONICAL').message).toMatch(/at byte 2\b/)
    expect(expectCode(hex('82 01 63 61 ff 61'), 'DECODE_FAILED').message).toMatch(/at byte 4\b/)
    expect(expectCode(hex('82 01 02 03'), 'DECODE_FAILED').message).toMatch(/at byte 3\b/)
  })

  it('the two classes are the record layer\'s own', () => {
    expect(DecodeError).toBe(DecodeFailedError)
    expect(new NonCanonicalError('x').code).toBe('NON_CANONICAL')
    expect(new DecodeError('x').code).toBe('DECODE_FAILED')
  })

  it('fails fast on lengths and counts claiming far more than the input holds', () => {
    const t0 = performance.now()
    for (const h of ['5b 1000000000000000', '7b 1000000000000000', '9b 1000000000000000', 'bb 1000000000000000',
      '5b ffffffffffffffff', '9b ffffffffffffffff', 'bb 7fffffffffffffff', '5a ffffffff', '9a ffffffff', 'ba 80000000',
      '82 5b 0000000100000000 00', 'd8 2a 5b ffffffffffffffff']) {
      expectCode(hex(h), 'DECODE_FAILED')
    }
    expect(performance.now() - t0).toBeLessThan(2000) // no allocation of the claimed sizes
  })
})

describe('nesting depth', () => {
  const nested = (depth: number): Uint8Array => hex('81'.repeat(depth) + '00')
  it('allows exactly maxDepth (default 64) nested containers', () => {
    checkCanonical(nested(64))
    expectCode(nested(65), 'DECODE_FAILED')
    expectCode(hex('81'.repeat(64) + 'a0'), 'DECODE_FAILED') // an empty map still counts
    checkCanonical(nested(2), { maxDepth: 2 })
    expectCode(nested(3), 'DECODE_FAILED', { maxDepth: 2 })
    checkCanonical(hex('00'), { maxDepth: 0 })
    expectCode(hex('80'), 'DECODE_FAILED', { maxDepth: 0 })
  })
  it('is iterative: 200 000 levels under a large maxDepth do not overflow the stack', () => {
    checkCanonical(nested(200_000), { maxDepth: Infinity })
    expectCode(hex('81'.repeat(200_000)), 'DECODE_FAILED', { maxDepth: Infinity })
  })
  it('rejects a malformed maxDepth as a programming error', () => {
    expect(() => checkCanonical(hex('00'), { maxDepth: -1 })).toThrow(TypeError)
    expect(() => checkCanonical(hex('00'), { maxDepth: 1.5 })).toThrow(TypeError)
  })
})

describe('canonicalSpans', () => {
  const a = { id: 'c1', text: 'first ✓', link: CID1, w: 0.25 }
  const b = { id: 'c2', text: 'second', tags: ['x', 'y'], n: -40 }
  const sig = new Uint8Array(64).fill(9)
  const value = { rec: { body: { claims: [a, b] }, type: 'oos/version' }, sig }
  const bytes = dagCbor.encode(value)
  const slice = (s: Span): Uint8Array => bytes.subarray(s.start, s.end)

  it('slices out exactly the encoding of each sub-value', () => {
    const [rec, claims, sigSpan, links, tags] = canonicalSpans(bytes, [['rec'], ['rec', 'body', 'claims', '*'], ['sig'], ['rec', 'body', 'claims', '*', 'link'], ['rec', 'body', 'claims', '*', 'tags', '*']])
    expect(rec).toHaveLength(1)
    expect(toHex(slice(rec[0]))).toBe(toHex(dagCbor.encode(value.rec)))
    expect(rec[0].start).toBe(5) // right after a2 63 'rec' (SPEC §3.2)
    expect(claims.map((s) => toHex(slice(s)))).toEqual([toHex(dagCbor.encode(a)), toHex(dagCbor.encode(b))])
    expect(toHex(slice(sigSpan[0]))).toBe(toHex(dagCbor.encode(sig)))
    expect(links.map((s) => toHex(slice(s)))).toEqual([toHex(dagCbor.encode(CID1))])
    expect(tags.map((s) => toHex(slice(s)))).toEqual([toHex(dagCbor.encode('x')), toHex(dagCbor.encode('y'))])
  })

  it('yields [] for a path that does not exist', () => {
    expect(canonicalSpans(bytes, [['nope'], ['rec', 'body', 'claims', '0'], ['sig', '*'], ['rec', 'type', 'x'], ['rec', '*'], ['rec', 'body', 'claims', '*', 'zzz']]))
      .toEqual([[], [], [], [], [], []])
    expect(canonicalSpans(bytes, [])).toEqual([])
  })

  it('treats * against a map as the literal key "*"', () => {
    const m = dagCbor.encode({ '*': 1, a: 2 })
    expect(canonicalSpans(m, [['*']])).toEqual([[{ start: 3, end: 4 }]])
  })

  it('spans empty containers, scalars and the same path twice', () => {
    const v = { a: [], b: {}, c: [[], {}, 0, null] }
    const enc = dagCbor.encode(v)
    const [sa, sb, sc, sc2] = canonicalSpans(enc, [['a'], ['b'], ['c', '*'], ['c', '*']])
    expect(toHex(enc.subarray(sa[0].start, sa[0].end))).toBe('80')
    expect(toHex(enc.subarray(sb[0].start, sb[0].end))).toBe('a0')
    expect(sc.map((s) => toHex(enc.subarray(s.start, s.end)))).toEqual(['80', 'a0', '00', 'f6'])
    expect(sc2).toEqual(sc)
  })

  it('checks canonical form while it looks', () => {
    expectCode(hex('a2 61 62 01 61 61 02'), 'NON_CANONICAL')
    expect(() => canonicalSpans(hex('a2 61 62 01 61 61 02'), [['a']])).toThrow(NonCanonicalError)
    expect(() => canonicalSpans(hex('a1 61 61 01 00'), [['a']])).toThrow(DecodeError)
  })

  it('keeps a leading U+FEFF that the JS decoder would drop', () => {
    // @ipld/dag-cbor (cborg) decodes text with a default TextDecoder, which strips a leading
    // BOM, so encode(decode(b)) !== b for this perfectly canonical input.
    const enc = dagCbor.encode({ s: '\uFEFFx' })
    checkCanonical(enc)
    expect(toHex(dagCbor.encode(dagCbor.decode(enc)))).not.toBe(toHex(enc))
  })
})

// ---------------------------------------------------------------------------------------------
// Property tests

const valueArb = dagValueArb(CIDS)
/** fc.jsonValue plus byte arrays, as the brief asks; dag-cbor cannot encode undefined, and jsonValue never yields it */
const jsonPlusBytesArb = fc.oneof(fc.jsonValue(), fc.dictionary(fc.string(), fc.oneof(fc.jsonValue(), fc.uint8Array({ maxLength: 20 }))))

/**
 * Reference oracle: @ipld/dag-cbor's decoder + encoder, made faithful where the JS
 * data model loses information that canonical DAG-CBOR keeps:
 *   - a float64 with an integral value decodes to a JS number the encoder writes as an int,
 *     so such floats are carried through as floats;
 *   - text is decoded without stripping a leading U+FEFF (cborg's default TextDecoder strips it);
 *   - CIDv0 must be the 34-byte sha2-256 multihash (multiformats accepts any 0x12 multihash).
 * Apart from that it is exactly `encode(decode(b))`; invalid UTF-8 is still replaced (so the
 * round trip differs), as in the real decoder.
 */
class IntegralFloat {
  readonly value: number
  constructor (value: number) { this.value = value }
}
const lossyFree = new TextDecoder('utf-8', { ignoreBOM: true })
class FaithfulTokenizer extends cborg.Tokenizer {
  override next (): cborg.Token {
    const at = this.pos()
    const tok = super.next()
    if (tok.type === cborg.Type.float && typeof tok.value === 'number' && Number.isInteger(tok.value)) {
      return new cborg.Token(cborg.Type.float, new IntegralFloat(tok.value), tok.encodedLength)
    }
    if (tok.type === cborg.Type.string) {
      const ai = this.data[at] & 31
      const head = ai < 24 ? 1 : ai === 24 ? 2 : ai === 25 ? 3 : ai === 26 ? 5 : 9
      return new cborg.Token(cborg.Type.string, lossyFree.decode(this.data.subarray(at + head, at + (tok.encodedLength ?? 0))), tok.encodedLength)
    }
    return tok
  }
}
const refDecodeOptions = {
  ...dagCbor.decodeOptions,
  tags: {
    42: (decode: () => unknown) => {
      const bytes = decode()
      if (!(bytes instanceof Uint8Array) || bytes[0] !== 0) throw new Error('bad CID tag content')
      if (bytes[1] === 0x12 && !(bytes.length === 35 && bytes[2] === 0x20)) throw new Error('not a sha2-256 CIDv0')
      return CID.decode(bytes.subarray(1))
    }
  }
}
const dagObjectEncoder = dagCbor.encodeOptions.typeEncoders.Object
const refEncodeOptions = {
  ...dagCbor.encodeOptions,
  typeEncoders: {
    ...dagCbor.encodeOptions.typeEncoders,
    Object: (obj: any) => obj instanceof IntegralFloat
      ? [new cborg.Token(cborg.Type.float, obj.value)]
      : dagObjectEncoder(obj)
  }
}
function referenceIsCanonical (bytes: Uint8Array): boolean {
  let value: unknown
  try {
    value = cborg.decode(bytes, { ...refDecodeOptions, tokenizer: new FaithfulTokenizer(bytes, refDecodeOptions) } as cborg.DecodeOptions)
  } catch {
    return false
  }
  return equals(cborg.encode(value, refEncodeOptions as cborg.EncodeOptions), bytes)
}

function checkAgainstReference (bytes: Uint8Array): void {
  const err = errorOf(bytes)
  if (err !== undefined) {
    // never anything but the two typed errors
    if (!(err instanceof NonCanonicalError || err instanceof DecodeError)) throw err
  }
  const ours = err === undefined
  const ref = referenceIsCanonical(bytes)
  if (ours !== ref) {
    throw new Error(`checkCanonical ${ours ? 'passed' : `threw ${(err as Error).message}`} but the reference says ${ref ? 'canonical' : 'not canonical'}: ${toHex(bytes)}`)
  }
  // the plain decoder: when it throws, we must have thrown too
  let decodes = true
  try { dagCbor.decode(bytes) } catch { decodes = false }
  if (!decodes && ours) throw new Error(`@ipld/dag-cbor cannot decode ${toHex(bytes)} but checkCanonical passed`)
}

const interestingByte = fc.oneof(
  fc.integer({ min: 0, max: 255 }),
  fc.constantFrom(0x00, 0x01, 0x12, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1f, 0x20, 0x2a, 0x40, 0x58, 0x5f, 0x60, 0x61, 0x78, 0x7f,
    0x80, 0x81, 0x98, 0x9f, 0xa0, 0xa1, 0xb8, 0xbf, 0xc0, 0xd8, 0xe0, 0xef, 0xbb, 0xbf, 0xed, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9,
    0xfa, 0xfb, 0xff, 0x7f, 0xf0)
)
const mutationArb = fc.record({ op: fc.constantFrom('set', 'set', 'set', 'insert', 'delete', 'truncate', 'swap'), at: fc.nat(), byte: interestingByte })
type Mutation = { op: string, at: number, byte: number }
function mutate (bytes: Uint8Array, mutations: Mutation[]): Uint8Array {
  let b = Array.from(bytes)
  for (const { op, at, byte } of mutations) {
    const i = b.length === 0 ? 0 : at % (b.length + (op === 'insert' ? 1 : 0))
    if (op === 'set' && b.length > 0) b[i] = byte
    else if (op === 'insert') b.splice(i, 0, byte)
    else if (op === 'delete') b.splice(i, 1)
    else if (op === 'truncate') b = b.slice(0, i)
    else if (op === 'swap' && b.length > 1) { const j = (i + 1) % b.length; [b[i], b[j]] = [b[j], b[i]] }
  }
  return Uint8Array.from(b)
}

describe('property tests', () => {
  it('checkCanonical(encode(v)) passes for random JSON-like values with bytes', () => {
    fc.assert(fc.property(jsonPlusBytesArb, (v) => { checkCanonical(dagCbor.encode(v)) }), { numRuns: 1000 })
  })

  it('checkCanonical(encode(v)) passes for random DAG values (CIDs, floats, bigints, unicode)', () => {
    fc.assert(fc.property(valueArb, (v) => {
      const bytes = dagCbor.encode(v)
      checkCanonical(bytes)
      expect(canonicalSpans(bytes, [[]])).toEqual([[{ start: 0, end: bytes.length }]])
    }), { numRuns: 1000 })
  })

  it('spans of random sub-values slice to their own encoding', () => {
    fc.assert(fc.property(fc.array(valueArb, { maxLength: 6 }), valueArb, (claims, other) => {
      const rec = { body: { claims }, other }
      const bytes = dagCbor.encode({ rec, sig: new Uint8Array(64) })
      const [recSpans, claimSpans, otherSpans] = canonicalSpans(bytes, [['rec'], ['rec', 'body', 'claims', '*'], ['rec', 'other']])
      expect(recSpans.map((s) => toHex(bytes.subarray(s.start, s.end)))).toEqual([toHex(dagCbor.encode(rec))])
      expect(claimSpans.map((s) => toHex(bytes.subarray(s.start, s.end)))).toEqual(claims.map((c) => toHex(dagCbor.encode(c))))
      expect(otherSpans.map((s) => toHex(bytes.subarray(s.start, s.end)))).toEqual([toHex(dagCbor.encode(other))])
    }), { numRuns: 500 })
  })

  it('on mutated encodings, passes iff the bytes round-trip through the reference decoder/encoder', () => {
    fc.assert(fc.property(fc.oneof(valueArb, jsonPlusBytesArb), fc.array(mutationArb, { minLength: 1, maxLength: 3 }), (v, ms) => {
      checkAgainstReference(mutate(dagCbor.encode(v), ms))
    }), { numRuns: 5000 })
  })

  it('on random bytes, agrees with the reference and throws only typed errors', () => {
    fc.assert(fc.property(fc.array(interestingByte, { maxLength: 24 }), (arr) => {
      checkAgainstReference(Uint8Array.from(arr))
    }), { numRuns: 5000 })
  })

  it('map keys: a hand-built map passes iff its keys are distinct and in canonical order', () => {
    fc.assert(fc.property(fc.array(fc.oneof(fc.string({ maxLength: 4 }), fc.string({ unit: 'binary', maxLength: 3 }), fc.constantFrom('a', 'b', 'aa', 'ab', 'ba', 'é')), { maxLength: 6 }), (keys) => {
      const parts = keys.map((k, i) => [...dagCbor.encode(k), ...dagCbor.encode(i)])
      const bytes = Uint8Array.from([0xa0 | keys.length, ...parts.flat()])
      const distinct = new Set(keys).size === keys.length
      const canonical = distinct && equals(dagCbor.encode(Object.fromEntries(keys.map((k, i) => [k, i]))), bytes)
      if (canonical) checkCanonical(bytes)
      else expectCode(bytes, 'NON_CANONICAL')
    }), { numRuns: 2000 })
  })

  it('text strings: accepts exactly what a fatal TextDecoder accepts (short and long strings)', () => {
    const fatal = new TextDecoder('utf-8', { fatal: true })
    const lead = fc.oneof(fc.integer({ min: 0xc0, max: 0xff }), fc.constantFrom(0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5))
    const cont = fc.oneof(fc.integer({ min: 0x80, max: 0xbf }), fc.constantFrom(0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0))
    const chunk = fc.oneof(
      fc.integer({ min: 0x20, max: 0x7e }).map((x) => [x]),
      fc.tuple(lead, fc.array(cont, { maxLength: 3 })).map(([l, c]) => [l, ...c]))
    fc.assert(fc.property(fc.boolean(), fc.array(chunk, { maxLength: 6 }), (long, chunks) => {
      const content = Uint8Array.from([...(long ? new Array<number>(100).fill(0x61) : []), ...chunks.flat()])
      let ok = true
      try { fatal.decode(content) } catch { ok = false }
      const head = content.length < 24 ? [0x60 | content.length] : [0x78, content.length]
      const bytes = Uint8Array.from([...head, ...content])
      if (ok) checkCanonical(bytes)
      else expectCode(bytes, 'DECODE_FAILED')
    }), { numRuns: 3000 })
  })
})
