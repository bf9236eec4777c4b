/**
 * Ed25519 keys and signatures (RFC 8032, "pure" Ed25519: no prehash, no context; 32-byte
 * seeds, 32-byte public keys, 64-byte signatures). protocol/IDENTITY.md §2.
 *
 * - Seeds come from the platform CSPRNG (via @noble/ed25519); the public key of a seed is derived
 *   by Node's crypto (OpenSSL): noble's first `getPublicKey` builds a table of base-point
 *   multiples (~1 MB of bigints) that a node would then hold for good (issue 15, a lean idle
 *   node; tests/identity check both agree).
 * - `sign` uses Node's crypto (OpenSSL): measured ~5x faster than noble for a 10 KB message
 *   (≈ 80 µs including the KeyObject import, vs ≈ 420 µs). Ed25519 signatures are deterministic,
 *   so both give the same bytes; `signNoble` exists for the cross-check in the tests.
 * - `verify` is the hot path (every record received): Node's crypto with a bounded cache of
 *   public KeyObjects. Before a key enters the cache it is checked once with noble: it must be
 *   the canonical encoding of a curve point that is not of small order, otherwise every
 *   signature under it is rejected. (OpenSSL 3.5 rejects the classic forgeries under such keys
 *   too; the check makes the rule ours rather than a property of the linked OpenSSL.)
 *   `verifyNoble` is noble's strict verifier (`zip215: false`; noble's default, ZIP-215, would
 *   accept forgeries under small-order keys), used to cross-check.
 *
 * `verify`/`verifyNoble` never throw; `sign`/`keyPairFromSeed` throw TypeError on bad input.
 */
import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto'
import * as ed from '@noble/ed25519'
import { sha512 } from '@noble/hashes/sha2.js'
import { equals } from 'uint8arrays/equals'

// noble v3's synchronous API needs a synchronous SHA-512
ed.hashes.sha512 = sha512

export interface KeyPair {
  /** the 32-byte seed: the RFC 8032 private key */
  secretKey: Uint8Array
  /** the 32-byte public key */
  publicKey: Uint8Array
}

function checkSeed (seed: unknown): asserts seed is Uint8Array {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) throw new TypeError('an Ed25519 secret key (seed) is a 32-byte Uint8Array')
}

/** A fresh key pair from the platform CSPRNG (crypto.getRandomValues, via noble). */
export function generateKeyPair (): KeyPair {
  const secretKey = ed.utils.randomSecretKey()
  return { secretKey, publicKey: publicKeyOf(secretKey) }
}

/** The key pair of a 32-byte seed. The returned `secretKey` is a copy of `seed`. */
export function keyPairFromSeed (seed: Uint8Array): KeyPair {
  checkSeed(seed)
  return { secretKey: Uint8Array.from(seed), publicKey: publicKeyOf(seed) }
}

// DER prefixes (RFC 8410) of an Ed25519 PKCS#8 private key and SPKI public key; the raw
// 32 bytes follow.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')

/** The seed as Node's private KeyObject (the DER copy of the seed is wiped). */
function privateKey (seed: Uint8Array): KeyObject {
  const der = Buffer.alloc(PKCS8_PREFIX.length + 32)
  PKCS8_PREFIX.copy(der, 0)
  der.set(seed, PKCS8_PREFIX.length)
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
  } finally {
    der.fill(0)
  }
}

/** The 32-byte public key of a seed (RFC 8032 §5.1.5), by Node's crypto. */
function publicKeyOf (seed: Uint8Array): Uint8Array {
  const spki = createPublicKey(privateKey(seed)).export({ format: 'der', type: 'spki' })
  return new Uint8Array(spki.subarray(SPKI_PREFIX.length))
}

/** Ed25519 signature (64 bytes) of `message` under the 32-byte seed, via Node's crypto. */
export function sign (secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  checkSeed(secretKey)
  if (!(message instanceof Uint8Array)) throw new TypeError('message must be a Uint8Array')
  return new Uint8Array(nodeSign(null, message, privateKey(secretKey)))
}

/** The same signature as `sign`, computed by @noble/ed25519 (pure JS). */
export function signNoble (secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  checkSeed(secretKey)
  if (!(message instanceof Uint8Array)) throw new TypeError('message must be a Uint8Array')
  return ed.sign(message, secretKey)
}

/** Whether noble accepts `publicKey` as a strict (canonical, not small-order) Ed25519 key. */
function isAcceptableKey (publicKey: Uint8Array): boolean {
  try {
    return !ed.Point.fromBytes(publicKey, false).isSmallOrder()
  } catch {
    return false
  }
}

/** How many public keys `verify` keeps imported (oldest used first out). */
export const VERIFY_CACHE_SIZE = 10_000
// base64 of the raw key → KeyObject, or null for a key that is rejected outright.
// Map iteration order is insertion order; a hit is moved to the end, so eviction is LRU.
const keyCache = new Map<string, KeyObject | null>()
// the key used last, compared byte for byte: a run of one org's records (a sync) then costs
// neither a string nor a map update per signature
let lastBytes = new Uint8Array(32)
let lastKey: KeyObject | null | undefined

function publicKeyObject (publicKey: Uint8Array): KeyObject | null {
  if (lastKey !== undefined && equals(lastBytes, publicKey)) return lastKey
  const key = cachedKeyObject(publicKey)
  lastBytes = publicKey.slice(0, 32)
  lastKey = key
  return key
}

function cachedKeyObject (publicKey: Uint8Array): KeyObject | null {
  const id = Buffer.from(publicKey.buffer, publicKey.byteOffset, 32).toString('base64')
  const hit = keyCache.get(id)
  if (hit !== undefined) {
    keyCache.delete(id)
    keyCache.set(id, hit)
    return hit
  }
  let k: KeyObject | null = null
  if (isAcceptableKey(publicKey)) {
    try {
      k = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' })
    } catch {
      k = null
    }
  }
  if (keyCache.size >= VERIFY_CACHE_SIZE) keyCache.delete(keyCache.keys().next().value as string)
  keyCache.set(id, k)
  return k
}

/**
 * Whether `signature` is a valid Ed25519 signature of `message` under `publicKey` (Node's
 * crypto, cached key import). Never throws: wrong types or lengths, a non-canonical or
 * small-order key, a non-canonical `S` or `R` all give `false`.
 */
export function verify (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) return false
  if (!(signature instanceof Uint8Array) || signature.length !== 64) return false
  if (!(message instanceof Uint8Array)) return false
  const key = publicKeyObject(publicKey)
  if (key === null) return false
  try {
    return nodeVerify(null, message, key, signature)
  } catch {
    return false
  }
}

/** `verify` computed by @noble/ed25519 in its strict mode (`zip215: false`). Never throws. */
export function verifyNoble (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) return false
  if (!(signature instanceof Uint8Array) || signature.length !== 64) return false
  if (!(message instanceof Uint8Array)) return false
  try {
    return ed.verify(signature, message, publicKey, { zip215: false })
  } catch {
    return false
  }
}

/** Number of public keys currently imported by `verify` (for tests and metrics). */
export function verifyCacheSize (): number {
  return keyCache.size
}

/** Drop every cached public KeyObject. */
export function clearVerifyCache (): void {
  keyCache.clear()
  lastKey = undefined
}
