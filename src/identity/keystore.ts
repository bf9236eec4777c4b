/**
 * The keystore: one Ed25519 seed encrypted at rest under a passphrase (protocol/IDENTITY.md §3,
 * which is the normative description of the format; this file implements it).
 *
 *   dk         = scrypt(UTF-8(NFKC(passphrase)), salt (16 B), N, r = 8, p = 1, dkLen = 32)
 *   aad        = the header fields, length-prefixed (IDENTITY.md §3.2)
 *   ciphertext = XChaCha20-Poly1305(dk, nonce (24 B), aad).encrypt(seed)   (32 + 16 B)
 *   checksum   = SHA-256(aad ‖ ciphertext)
 *
 * Every header field is in the associated data, so none can be swapped or weakened without the
 * tag failing. The unkeyed checksum tells damage (KEYSTORE_CORRUPT) apart from a wrong
 * passphrase (WRONG_PASSPHRASE), which AEAD alone cannot. scrypt is Node's (OpenSSL, off the
 * main thread: ~240 ms at N = 2^17 vs ~360 ms for @noble/hashes, same output); the AEAD is
 * @noble/ciphers.
 *
 * This module is pure (seal, open, serialize, inspect); reading and writing keystore files is
 * node/keyfile.ts.
 * Secrets appear only encrypted: not in errors, logs or the returned file object.
 */
import { createHash, randomBytes, scrypt as nodeScrypt, timingSafeEqual } from 'node:crypto'
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { keyPairFromSeed } from './keys.ts'
import { didToPublicKey, isDid, publicKeyToDid } from './did.ts'
import { KeystoreCorruptError, WrongPassphraseError } from './errors.ts'

/** scrypt cost used when none is given: 2^17 (128 MiB, ~0.25 s) */
export const DEFAULT_SCRYPT_N = 2 ** 17
/** smallest and largest scrypt cost written or read (tests use the smallest) */
export const MIN_SCRYPT_N = 2 ** 10
export const MAX_SCRYPT_N = 2 ** 20
const SCRYPT_R = 8
const SCRYPT_P = 1
const SALT_BYTES = 16
const NONCE_BYTES = 24
const SEED_BYTES = 32
const TAG_BYTES = 16
/** a keystore file is a few hundred bytes; anything over this is not one */
export const MAX_FILE_BYTES = 64 * 1024
const META_MAX_ENTRIES = 32
const META_MAX_KEY = 64
const META_MAX_VALUE = 1024
const AAD_DOMAIN = 'oosnet-keystore'

/** Clear-text labels stored with the key (authenticated, not encrypted). */
export type KeystoreMeta = Record<string, string>

/** The JSON object of a keystore file, version 1. */
export interface KeystoreFile {
  version: 1
  kdf: { name: 'scrypt', N: number, r: 8, p: 1, salt: string }
  cipher: { name: 'xchacha20poly1305', nonce: string }
  /** base64 of the encrypted 32-byte seed and the 16-byte tag */
  ciphertext: string
  /** did:key of the public key, in the clear (so `oos id` needs no passphrase) */
  publicKey: string
  meta: KeystoreMeta
  /** base64 of SHA-256(aad ‖ ciphertext) */
  checksum: string
}

/** What a keystore holds once opened. */
export interface KeystoreContents {
  /** the 32-byte Ed25519 seed; the caller should `fill(0)` it when done */
  secretKey: Uint8Array
  /** the 32-byte public key */
  publicKey: Uint8Array
  did: string
  meta: KeystoreMeta
}

/** What a keystore says about itself without its passphrase. */
export interface KeystoreInfo {
  did: string
  publicKey: Uint8Array
  meta: KeystoreMeta
  kdf: { name: 'scrypt', N: number, r: number, p: number }
}

export interface SealOptions {
  /** scrypt cost, a power of two in [2^10, 2^20] (default 2^17) */
  scryptN?: number
  /** fixed salt (16 bytes): for test vectors only */
  salt?: Uint8Array
  /** fixed nonce (24 bytes): for test vectors only */
  nonce?: Uint8Array
}

export interface WriteOptions extends SealOptions {
  /** replace an existing file at the path (default: refuse with KEYSTORE_EXISTS) */
  overwrite?: boolean
}

// ---------------------------------------------------------------------------------------------
// encoding helpers

const utf8 = new TextEncoder()

const b64 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64')

/** Strict base64 (standard alphabet, padded, canonical) of exactly `n` bytes, else null. */
function unb64 (s: unknown, n: number): Uint8Array | null {
  if (typeof s !== 'string' || s.length !== 4 * Math.ceil(n / 3)) return null
  const b = Buffer.from(s, 'base64')
  if (b.length !== n || b.toString('base64') !== s) return null
  return new Uint8Array(b)
}

const isPowerOfTwo = (n: number): boolean => Number.isSafeInteger(n) && n > 0 && (n & (n - 1)) === 0

function byUtf8 (a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
}

const LONE_SURROGATE = /\p{Cs}/u

/** The meta object as a sorted copy, or a reason it is not valid. */
function checkMeta (meta: unknown): KeystoreMeta | string {
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) return 'meta must be an object of strings'
  const entries = Object.entries(meta)
  if (entries.length > META_MAX_ENTRIES) return `meta has more than ${META_MAX_ENTRIES} entries`
  const out: KeystoreMeta = {}
  for (const [k, v] of entries.sort(([a], [b]) => byUtf8(a, b))) {
    if (k.length === 0 || k.length > META_MAX_KEY || LONE_SURROGATE.test(k)) return `meta key ${JSON.stringify(k.slice(0, 80))} must be 1 to ${META_MAX_KEY} characters of well-formed text`
    if (typeof v !== 'string' || v.length > META_MAX_VALUE || LONE_SURROGATE.test(v)) return `meta.${k} must be a string of at most ${META_MAX_VALUE} characters of well-formed text`
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true })
  }
  return out
}

/** Length-prefixed header bytes bound to the ciphertext as AEAD associated data (IDENTITY.md §3.2). */
export function keystoreAad (f: Pick<KeystoreFile, 'version' | 'kdf' | 'cipher' | 'publicKey' | 'meta'>): Uint8Array {
  const parts: Uint8Array[] = []
  const u32 = (n: number): void => {
    const b = new Uint8Array(4)
    new DataView(b.buffer).setUint32(0, n, false)
    parts.push(b)
  }
  const bytes = (b: Uint8Array): void => { u32(b.length); parts.push(b) }
  const str = (s: string): void => bytes(utf8.encode(s))
  parts.push(utf8.encode(AAD_DOMAIN), Uint8Array.of(0))
  u32(f.version)
  str(f.kdf.name)
  u32(f.kdf.N)
  u32(f.kdf.r)
  u32(f.kdf.p)
  bytes(Buffer.from(f.kdf.salt, 'base64'))
  str(f.cipher.name)
  bytes(Buffer.from(f.cipher.nonce, 'base64'))
  str(f.publicKey)
  const keys = Object.keys(f.meta).sort(byUtf8)
  u32(keys.length)
  for (const k of keys) { str(k); str(f.meta[k]) }
  return Buffer.concat(parts)
}

function checksumOf (aad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(aad).update(ciphertext).digest())
}

/** scrypt via Node (OpenSSL, libuv thread pool). The caller zeroes the result. */
async function deriveKey (passphrase: string, salt: Uint8Array, N: number): Promise<Buffer> {
  const pass = Buffer.from(passphrase.normalize('NFKC'), 'utf8')
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      nodeScrypt(pass, salt, 32, { N, r: SCRYPT_R, p: SCRYPT_P, maxmem: 256 * N * SCRYPT_R + (1 << 20) }, (err, key) => {
        if (err !== null) reject(err)
        else resolve(key)
      })
    })
  } finally {
    pass.fill(0)
  }
}

// ---------------------------------------------------------------------------------------------
// pure: seal / parse / open

/** Encrypt a seed into a keystore file object (no I/O). */
export async function sealKeystore (contents: { secretKey: Uint8Array, meta?: KeystoreMeta }, passphrase: string, options: SealOptions = {}): Promise<KeystoreFile> {
  if (typeof passphrase !== 'string' || passphrase.length === 0) throw new TypeError('the passphrase must be a non-empty string')
  const N = options.scryptN ?? DEFAULT_SCRYPT_N
  if (!isPowerOfTwo(N) || N < MIN_SCRYPT_N || N > MAX_SCRYPT_N) throw new TypeError(`scryptN must be a power of two from 2^10 to 2^20, got ${String(N)}`)
  const salt = options.salt ?? randomBytes(SALT_BYTES)
  const nonce = options.nonce ?? randomBytes(NONCE_BYTES)
  if (!(salt instanceof Uint8Array) || salt.length !== SALT_BYTES) throw new TypeError('salt must be 16 bytes')
  if (!(nonce instanceof Uint8Array) || nonce.length !== NONCE_BYTES) throw new TypeError('nonce must be 24 bytes')
  const meta = checkMeta(contents.meta ?? {})
  if (typeof meta === 'string') throw new TypeError(meta)
  const { secretKey, publicKey } = keyPairFromSeed(contents.secretKey) // checks the seed
  const header = {
    version: 1 as const,
    kdf: { name: 'scrypt' as const, N, r: SCRYPT_R as 8, p: SCRYPT_P as 1, salt: b64(salt) },
    cipher: { name: 'xchacha20poly1305' as const, nonce: b64(nonce) },
    publicKey: publicKeyToDid(publicKey),
    meta
  }
  const aad = keystoreAad(header)
  const dk = await deriveKey(passphrase, salt, N)
  let ciphertext: Uint8Array
  try {
    ciphertext = xchacha20poly1305(dk, nonce, aad).encrypt(secretKey)
  } finally {
    dk.fill(0)
    secretKey.fill(0)
  }
  return {
    version: header.version,
    kdf: header.kdf,
    cipher: header.cipher,
    ciphertext: b64(ciphertext),
    publicKey: header.publicKey,
    meta,
    checksum: b64(checksumOf(aad, ciphertext))
  }
}

/** The exact text of a keystore file: 2-space-indented JSON and a final newline. */
export function serializeKeystore (file: KeystoreFile): string {
  return JSON.stringify(file, null, 2) + '\n'
}

const TOP_KEYS = ['version', 'kdf', 'cipher', 'ciphertext', 'publicKey', 'meta', 'checksum']
const KDF_KEYS = ['name', 'N', 'r', 'p', 'salt']
const CIPHER_KEYS = ['name', 'nonce']

function sameKeys (o: object, keys: string[]): boolean {
  const k = Object.keys(o)
  return k.length === keys.length && keys.every(x => Object.hasOwn(o, x))
}

const isObject = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x)

interface Parsed {
  file: KeystoreFile
  salt: Uint8Array
  nonce: Uint8Array
  ciphertext: Uint8Array
  checksum: Uint8Array
}

/** Check a keystore object field by field (KEYSTORE_CORRUPT on anything unexpected). */
function parse (f: unknown, where: string): Parsed {
  const bad = (why: string): never => { throw new KeystoreCorruptError(`${where}: ${why}`) }
  if (!isObject(f)) return bad('not an oosnet keystore (not a JSON object)')
  if (f.version !== 1) return bad(`unsupported keystore version ${JSON.stringify(f.version ?? null)} (this implementation reads version 1)`)
  if (!sameKeys(f, TOP_KEYS)) return bad(`a version 1 keystore has exactly the fields ${TOP_KEYS.join(', ')}`)
  const { kdf, cipher } = f
  if (!isObject(kdf) || !sameKeys(kdf, KDF_KEYS) || kdf.name !== 'scrypt') return bad('kdf must be {name: "scrypt", N, r, p, salt}')
  const N = kdf.N
  if (typeof N !== 'number' || !isPowerOfTwo(N) || N < MIN_SCRYPT_N || N > MAX_SCRYPT_N) return bad('kdf.N must be a power of two from 2^10 to 2^20')
  if (kdf.r !== SCRYPT_R || kdf.p !== SCRYPT_P) return bad('kdf.r must be 8 and kdf.p 1')
  const salt = unb64(kdf.salt, SALT_BYTES) ?? bad('kdf.salt must be the base64 of 16 bytes')
  if (!isObject(cipher) || !sameKeys(cipher, CIPHER_KEYS) || cipher.name !== 'xchacha20poly1305') return bad('cipher must be {name: "xchacha20poly1305", nonce}')
  const nonce = unb64(cipher.nonce, NONCE_BYTES) ?? bad('cipher.nonce must be the base64 of 24 bytes')
  const ciphertext = unb64(f.ciphertext, SEED_BYTES + TAG_BYTES) ?? bad('ciphertext must be the base64 of 48 bytes')
  if (!isDid(f.publicKey)) return bad('publicKey must be an Ed25519 did:key')
  const meta = checkMeta(f.meta)
  if (typeof meta === 'string') return bad(meta)
  const checksum = unb64(f.checksum, 32) ?? bad('checksum must be the base64 of 32 bytes')
  const file: KeystoreFile = {
    version: 1,
    kdf: { name: 'scrypt', N, r: SCRYPT_R, p: SCRYPT_P, salt: kdf.salt as string },
    cipher: { name: 'xchacha20poly1305', nonce: cipher.nonce as string },
    ciphertext: f.ciphertext as string,
    publicKey: f.publicKey as string,
    meta,
    checksum: f.checksum as string
  }
  if (!timingSafeEqual(checksumOf(keystoreAad(file), ciphertext), checksum)) return bad('checksum mismatch: the file is damaged')
  return { file, salt, nonce, ciphertext, checksum }
}

/** Check a keystore file object without decrypting it (KEYSTORE_CORRUPT if it is not one). */
export function inspectKeystore (file: unknown, where = 'keystore'): KeystoreInfo {
  const { file: f } = parse(file, where)
  return { did: f.publicKey, publicKey: didToPublicKey(f.publicKey), meta: f.meta, kdf: { name: 'scrypt', N: f.kdf.N, r: f.kdf.r, p: f.kdf.p } }
}

/** Decrypt a keystore file object (no I/O). */
export async function openKeystore (file: unknown, passphrase: string, where = 'keystore'): Promise<KeystoreContents> {
  if (typeof passphrase !== 'string') throw new TypeError('the passphrase must be a string')
  const p = parse(file, where)
  const dk = await deriveKey(passphrase, p.salt, p.file.kdf.N)
  let secretKey: Uint8Array
  try {
    secretKey = xchacha20poly1305(dk, p.nonce, keystoreAad(p.file)).decrypt(p.ciphertext)
  } catch {
    throw new WrongPassphraseError(`${where}: wrong passphrase`)
  } finally {
    dk.fill(0)
  }
  const publicKey = keyPairFromSeed(secretKey).publicKey
  if (publicKeyToDid(publicKey) !== p.file.publicKey) {
    secretKey.fill(0)
    throw new KeystoreCorruptError(`${where}: the decrypted key does not match publicKey`)
  }
  return { secretKey, publicKey, did: p.file.publicKey, meta: p.file.meta }
}
