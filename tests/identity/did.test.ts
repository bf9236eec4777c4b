import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { DID_KEY_LENGTH, didToPublicKey, generateKeyPair, InvalidDidError, isDid, keyPairFromSeed, publicKeyToDid } from '../../src/identity/index.ts'

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'))

/** an independent base58btc encoder (Bitcoin alphabet), to cross-check multiformats */
const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
function base58 (b: Uint8Array): string {
  let n = 0n
  for (const x of b) n = (n << 8n) | BigInt(x)
  let s = ''
  while (n > 0n) { s = ALPHABET[Number(n % 58n)] + s; n /= 58n }
  for (const x of b) { if (x !== 0) break; s = '1' + s }
  return s
}
const didOfBytes = (b: Uint8Array): string => 'did:key:z' + base58(b)
const withCodec = (codec: number[], key: Uint8Array): Uint8Array => Uint8Array.from([...codec, ...key])

function invalid (did: unknown): void {
  expect(isDid(did)).toBe(false)
  let err: unknown
  try { didToPublicKey(did as string) } catch (e) { err = e }
  expect(err).toBeInstanceOf(InvalidDidError)
  expect((err as InvalidDidError).code).toBe('INVALID_DID')
}

describe('did:key', () => {
  // W3C CCG did:key test vectors, test-vectors/ed25519-x25519.json
  // (https://github.com/w3c-ccg/did-method-key): seed → did
  it('matches the W3C did:key Ed25519 test vectors', () => {
    const vectors = [
      ['0000000000000000000000000000000000000000000000000000000000000000', 'did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp', '4zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS'],
      ['0000000000000000000000000000000000000000000000000000000000000001', 'did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG', '6ASf5EcmmEHTgDJ4X4ZT5vT6iHVJBXPg5AN5YoTCpGWt']
    ]
    for (const [seed, did, publicKeyBase58] of vectors) {
      const { publicKey } = keyPairFromSeed(hex(seed))
      expect(base58(publicKey)).toBe(publicKeyBase58)
      expect(publicKeyToDid(publicKey)).toBe(did)
      expect(didToPublicKey(did)).toEqual(publicKey)
      expect(isDid(did)).toBe(true)
    }
  })

  it('gives the did of the RFC 8032 test 1 key', () => {
    const pub = hex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a')
    expect(publicKeyToDid(pub)).toBe('did:key:z6MktwupdmLXVVqTzCw4i46r4uGyosGXRnR3XjN4Zq7oMMsw')
    expect(publicKeyToDid(pub)).toBe(didOfBytes(withCodec([0xed, 0x01], pub)))
  })

  it('round-trips any 32-byte key, agreeing with an independent encoder', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (key) => {
      const did = publicKeyToDid(key)
      expect(did).toBe(didOfBytes(withCodec([0xed, 0x01], key)))
      expect(did).toHaveLength(DID_KEY_LENGTH)
      expect(did.startsWith('did:key:z6Mk')).toBe(true)
      expect(didToPublicKey(did)).toEqual(key)
      expect(isDid(did)).toBe(true)
    }), { numRuns: 300 })
    const { publicKey } = generateKeyPair()
    expect(didToPublicKey(publicKeyToDid(publicKey))).toEqual(publicKey)
  })

  it('returns a fresh copy each time (the memo cannot be altered)', () => {
    const did = 'did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp'
    const a = didToPublicKey(did)
    a.fill(0)
    expect(didToPublicKey(did)).not.toEqual(a)
  })

  it('rejects a wrong prefix', () => {
    const good = 'did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp'
    for (const d of [
      good.replace('did:key:', 'did:web:'),
      good.replace('did:key:', 'DID:key:'),
      good.replace('did:key:', 'did:KEY:'),
      good.slice('did:key:'.length),
      good.replace('did:key:z', 'did:key:'),
      good.replace('did:key:z', 'did:key:Z'), // base58flickr
      good.replace('did:key:z', 'did:key:f'), // base16
      ' ' + good,
      'did:key:',
      ''
    ]) invalid(d)
  })

  it('rejects a wrong multicodec', () => {
    const key = new Uint8Array(32).fill(9)
    invalid(didOfBytes(withCodec([0xec, 0x01], key))) // x25519-pub
    invalid(didOfBytes(withCodec([0xe7, 0x01], key))) // secp256k1-pub
    invalid(didOfBytes(withCodec([0xed, 0x02], key)))
    invalid(didOfBytes(withCodec([0xed], key)))
    invalid(didOfBytes(key))
    invalid('did:key:z6LShs9GGnqk85isEBzzshkuVWrVKsRp24GnDuHk8QWkARMW') // W3C vector's X25519 key
  })

  it('rejects a wrong key length', () => {
    for (const n of [0, 1, 31, 33, 64]) invalid(didOfBytes(withCodec([0xed, 0x01], new Uint8Array(n).fill(5))))
    invalid('did:key:zTjsVPtY') // from the W3C did-key test suite: too short for Ed25519
  })

  it('rejects bad base58 and anything around the did', () => {
    const good = 'did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp'
    for (const c of ['0', 'O', 'I', 'l', '+', '/', '=', ' ', 'é']) invalid(good.slice(0, 20) + c + good.slice(21))
    invalid(good + ' ')
    invalid(good + '\n')
    invalid(good + '#' + good.slice(8)) // DID URL with a fragment
    invalid(good + '?x=1')
    invalid(good + '/path')
    invalid(good.slice(0, -1))
    invalid(good + '1')
    invalid('did:key:z' + '1'.repeat(10_000))
  })

  it('rejects non-strings without throwing from isDid', () => {
    for (const v of [undefined, null, 42, {}, [], new Uint8Array(34)]) invalid(v)
  })

  it('checks publicKeyToDid input', () => {
    expect(() => publicKeyToDid(new Uint8Array(31))).toThrow(TypeError)
    expect(() => publicKeyToDid(new Uint8Array(33))).toThrow(TypeError)
    expect(() => publicKeyToDid('x' as unknown as Uint8Array)).toThrow(TypeError)
  })
})
