/** fast-check arbitraries of IPLD data-model values (CIDs, floats, bigints, unicode, bytes), shared by the codec tests. */
import fc from 'fast-check'
import type { CID } from 'multiformats/cid'

/** Any DAG value up to depth 5; `keys` adds map keys to the random ones (e.g. "__proto__"). */
export function dagValueArb (cids: readonly CID[], options: { longText?: number, keys?: string[] } = {}): fc.Arbitrary<unknown> {
  const leaf = fc.oneof(
    fc.constant(null), fc.boolean(),
    fc.integer(), fc.maxSafeInteger(), fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n - 1n }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.string({ unit: 'binary' }), fc.string(), fc.string({ unit: 'grapheme', minLength: options.longText ?? 90, maxLength: 200 }),
    fc.uint8Array({ maxLength: 40 }),
    fc.constantFrom(...cids)
  )
  const key = fc.oneof(fc.string(), fc.string({ unit: 'binary', maxLength: 30 }), ...(options.keys !== undefined ? [fc.constantFrom(...options.keys)] : []))
  const { value } = fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof({ depthSize: 'small', maxDepth: 5 },
      leaf,
      fc.array(tie('value'), { maxLength: 5 }),
      fc.dictionary(key, tie('value'), { maxKeys: 6 }))
  }))
  return value
}
