import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import * as ed from '@noble/ed25519'
import { clearVerifyCache, generateKeyPair, keyPairFromSeed, sign, signNoble, verify, VERIFY_CACHE_SIZE, verifyCacheSize, verifyNoble } from '../../src/identity/index.ts'

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'))
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

/** both verifiers must agree; returns their common answer */
function both (pub: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
  const a = verify(pub, msg, sig)
  const b = verifyNoble(pub, msg, sig)
  expect(a).toBe(b)
  return a
}

// RFC 8032 §7.1, tests 1–3 (Ed25519)
const RFC8032 = [
  {
    secret: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    public: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b'
  },
  {
    secret: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    public: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00'
  },
  {
    secret: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    public: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature: '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a'
  }
]

describe('Ed25519 keys and signatures', () => {
  it('reproduces the RFC 8032 test vectors with both signers and both verifiers', () => {
    for (const v of RFC8032) {
      const kp = keyPairFromSeed(hex(v.secret))
      expect(toHex(kp.publicKey)).toBe(v.public)
      expect(toHex(sign(kp.secretKey, hex(v.message)))).toBe(v.signature)
      expect(toHex(signNoble(kp.secretKey, hex(v.message)))).toBe(v.signature)
      expect(verify(kp.publicKey, hex(v.message), hex(v.signature))).toBe(true)
      expect(verifyNoble(kp.publicKey, hex(v.message), hex(v.signature))).toBe(true)
      expect(both(kp.publicKey, Uint8Array.of(1), hex(v.signature))).toBe(false)
    }
  })

  it('generates distinct 32-byte key pairs that sign and verify', () => {
    const a = generateKeyPair()
    const b = generateKeyPair()
    expect(a.secretKey).toHaveLength(32)
    expect(a.publicKey).toHaveLength(32)
    expect(a.secretKey).not.toEqual(b.secretKey)
    expect(keyPairFromSeed(a.secretKey).publicKey).toEqual(a.publicKey)
    const msg = new TextEncoder().encode('hello')
    expect(both(a.publicKey, msg, sign(a.secretKey, msg))).toBe(true)
    expect(both(b.publicKey, msg, sign(a.secretKey, msg))).toBe(false)
  })

  it('the public key of any seed (derived by Node\'s crypto) is noble\'s getPublicKey of it', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (seed) => {
      expect(toHex(keyPairFromSeed(seed).publicKey)).toBe(toHex(ed.getPublicKey(seed)))
    }), { numRuns: 200 })
    const kp = generateKeyPair()
    expect(toHex(kp.publicKey)).toBe(toHex(ed.getPublicKey(kp.secretKey)))
  })

  it('keyPairFromSeed copies the seed', () => {
    const seed = new Uint8Array(32).fill(3)
    const kp = keyPairFromSeed(seed)
    seed.fill(0)
    expect(kp.secretKey).toEqual(new Uint8Array(32).fill(3))
  })

  it('Node and noble signatures are byte-identical (deterministic, RFC 8032), also for 10 KB', () => {
    fc.assert(fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ minLength: 10_240, maxLength: 10_240 })),
      (seed, msg) => {
        const s = sign(seed, msg)
        expect(s).toBeInstanceOf(Uint8Array)
        expect(s).toHaveLength(64)
        expect(toHex(s)).toBe(toHex(signNoble(seed, msg)))
        expect(toHex(sign(seed, msg))).toBe(toHex(s))
      }), { numRuns: 60 })
  })

  it('fast verify agrees with noble on valid, tampered and random inputs', () => {
    fc.assert(fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ maxLength: 200 }),
      fc.nat(),
      fc.integer({ min: 1, max: 255 }),
      (seed, msg, where, flip) => {
        const { publicKey } = keyPairFromSeed(seed)
        const sig = sign(seed, msg)
        expect(both(publicKey, msg, sig)).toBe(true)
        const s2 = sig.slice(); s2[where % 64] ^= flip
        expect(both(publicKey, msg, s2)).toBe(false)
        const k2 = publicKey.slice(); k2[where % 32] ^= flip
        expect(both(k2, msg, sig)).toBe(false)
        if (msg.length > 0) {
          const m2 = msg.slice(); m2[where % msg.length] ^= flip
          expect(both(publicKey, m2, sig)).toBe(false)
        }
        expect(both(publicKey, Uint8Array.from([...msg, 0]), sig)).toBe(false)
      }), { numRuns: 150 })
    fc.assert(fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ maxLength: 64 }),
      fc.uint8Array({ minLength: 64, maxLength: 64 }),
      (pub, msg, sig) => { expect(both(pub, msg, sig)).toBe(false) }
    ), { numRuns: 300 })
  })

  it('returns false, never throws, on malformed input', () => {
    const kp = keyPairFromSeed(new Uint8Array(32).fill(1))
    const msg = Uint8Array.of(1, 2, 3)
    const sig = sign(kp.secretKey, msg)
    const cases: Array<[unknown, unknown, unknown]> = [
      [kp.publicKey.subarray(0, 31), msg, sig],
      [Uint8Array.from([...kp.publicKey, 0]), msg, sig],
      [new Uint8Array(0), msg, sig],
      [kp.publicKey, msg, sig.subarray(0, 63)],
      [kp.publicKey, msg, Uint8Array.from([...sig, 0])],
      [kp.publicKey, msg, new Uint8Array(0)],
      [kp.publicKey, 'abc', sig],
      [kp.publicKey, null, sig],
      [null, msg, sig],
      [kp.publicKey, msg, undefined],
      ['x'.repeat(32), msg, sig],
      [kp.publicKey, msg, 'y'.repeat(64)],
      [new Uint8Array(32).fill(0xff), msg, sig] // not a canonical point encoding
    ]
    for (const [p, m, s] of cases) {
      expect(verify(p as Uint8Array, m as Uint8Array, s as Uint8Array)).toBe(false)
      expect(verifyNoble(p as Uint8Array, m as Uint8Array, s as Uint8Array)).toBe(false)
    }
    // a subarray view with an offset works like a copy
    const buf = new Uint8Array(200)
    buf.set(kp.publicKey, 7); buf.set(sig, 100)
    expect(verify(buf.subarray(7, 39), msg, buf.subarray(100, 164))).toBe(true)
  })

  it('rejects a non-canonical S (S + L) in both verifiers', () => {
    const L = (1n << 252n) + 27742317777372353535851937790883648493n
    const kp = keyPairFromSeed(new Uint8Array(32).fill(7))
    const msg = Uint8Array.of(9)
    const sig = sign(kp.secretKey, msg)
    let S = 0n
    for (let i = 31; i >= 0; i--) S = (S << 8n) | BigInt(sig[32 + i])
    const S2 = S + L
    expect(S2 < (1n << 256n)).toBe(true)
    const bad = sig.slice()
    for (let i = 0; i < 32; i++) bad[32 + i] = Number((S2 >> BigInt(8 * i)) & 0xffn)
    expect(both(kp.publicKey, msg, sig)).toBe(true)
    expect(both(kp.publicKey, msg, bad)).toBe(false)
  })

  it('rejects forgeries under a small-order public key (which ZIP-215 would accept)', () => {
    const identity = new Uint8Array(32); identity[0] = 1 // the neutral point
    const R = ed.Point.BASE.multiply(12345n).toBytes()
    const sig = new Uint8Array(64); sig.set(R); sig[32] = 0x39; sig[33] = 0x30 // S = 12345
    const msg = new TextEncoder().encode('any message at all')
    expect(ed.verify(sig, msg, identity)).toBe(true) // noble's default (ZIP-215)
    expect(verify(identity, msg, sig)).toBe(false)
    expect(verifyNoble(identity, msg, sig)).toBe(false)
    // all-zero signature under the neutral point
    const zero = new Uint8Array(64); zero[0] = 1
    expect(both(identity, msg, zero)).toBe(false)
  })

  it('sign checks its input', () => {
    expect(() => sign(new Uint8Array(31), Uint8Array.of(1))).toThrow(TypeError)
    expect(() => sign(new Uint8Array(64), Uint8Array.of(1))).toThrow(TypeError)
    expect(() => sign(new Uint8Array(32), 'x' as unknown as Uint8Array)).toThrow(TypeError)
    expect(() => keyPairFromSeed(new Uint8Array(16))).toThrow(TypeError)
  })

  it('keeps the key cache bounded', () => {
    clearVerifyCache()
    const msg = Uint8Array.of(1)
    const sig = new Uint8Array(64)
    for (let i = 0; i < VERIFY_CACHE_SIZE + 50; i++) {
      const k = new Uint8Array(32)
      new DataView(k.buffer).setUint32(0, i)
      verify(k, msg, sig)
    }
    expect(verifyCacheSize()).toBe(VERIFY_CACHE_SIZE)
    const kp = keyPairFromSeed(new Uint8Array(32).fill(2))
    expect(verify(kp.publicKey, msg, sign(kp.secretKey, msg))).toBe(true)
    expect(verifyCacheSize()).toBe(VERIFY_CACHE_SIZE)
    clearVerifyCache()
    expect(verifyCacheSize()).toBe(0)
  })
})
