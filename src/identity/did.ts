/**
 * Organization identity as a did:key (protocol/IDENTITY.md §1).
 *
 * W3C CCG, "The did:key Method v0.7", https://w3c-ccg.github.io/did-method-key/ :
 *
 *   did = "did:key:" + multibase(base58btc, multicodec(ed25519-pub) ‖ raw public key)
 *       = "did:key:z" + base58btc( 0xed 0x01 ‖ 32-byte Ed25519 public key )
 *
 * `0xed 0x01` is the unsigned-varint encoding of the multicodec code 0xed (`ed25519-pub`).
 * Every such did is 56 characters long and starts with `did:key:z6Mk`.
 *
 * Parsing is strict: exact prefix, multibase `z` (base58btc, Bitcoin alphabet), multicodec
 * 0xed01 and exactly 32 key bytes; no DID URL parts (path, query, fragment). Base58 has one
 * spelling per byte string once leading zero bytes are fixed (they cannot occur here: the
 * first byte is 0xed), so the accepted form is canonical. Pure functions; the only state is a
 * bounded memo of parsed dids (values are copied out, so callers cannot alter it).
 */
import { base58btc } from 'multiformats/bases/base58'
import { InvalidDidError } from './errors.ts'

/** `did:key:` followed by the multibase prefix of base58btc */
export const DID_KEY_PREFIX = 'did:key:z'
/** length of every Ed25519 did:key: 9 + 47 base58 characters for 34 bytes */
export const DID_KEY_LENGTH = 56
/** multicodec `ed25519-pub` (0xed) as an unsigned varint */
const ED25519_PUB = Uint8Array.of(0xed, 0x01)
/** anything much longer than a did is rejected before decoding (base58 decoding is quadratic) */
const MAX_INPUT = 128

function show (s: string): string {
  return JSON.stringify(s.length > 80 ? s.slice(0, 80) + '…' : s)
}

/** `did:key:z6Mk…` of a 32-byte Ed25519 public key. Throws TypeError on anything else. */
export function publicKeyToDid (publicKey: Uint8Array): string {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) throw new TypeError('an Ed25519 public key is a 32-byte Uint8Array')
  const b = new Uint8Array(34)
  b.set(ED25519_PUB, 0)
  b.set(publicKey, 2)
  return 'did:key:' + base58btc.encode(b)
}

const memo = new Map<string, Uint8Array>()
const MEMO_MAX = 10_000

function parse (did: string): Uint8Array {
  if (!did.startsWith(DID_KEY_PREFIX)) {
    throw new InvalidDidError(`not a base58btc did:key (must start with "${DID_KEY_PREFIX}"): ${show(did)}`)
  }
  if (did.length > MAX_INPUT) throw new InvalidDidError(`not an Ed25519 did:key (${did.length} characters, expected ${DID_KEY_LENGTH}): ${show(did)}`)
  let b: Uint8Array
  try {
    b = base58btc.decode(did.slice('did:key:'.length))
  } catch {
    throw new InvalidDidError(`not an Ed25519 did:key (bad base58btc): ${show(did)}`)
  }
  if (b.length < 2 || b[0] !== ED25519_PUB[0] || b[1] !== ED25519_PUB[1]) {
    throw new InvalidDidError(`not an Ed25519 did:key (multicodec must be ed25519-pub, 0xed 0x01): ${show(did)}`)
  }
  if (b.length !== 34) throw new InvalidDidError(`not an Ed25519 did:key (key is ${b.length - 2} bytes, expected 32): ${show(did)}`)
  return b.slice(2)
}

/** The 32-byte public key of an Ed25519 did:key. Throws InvalidDidError (`INVALID_DID`). */
export function didToPublicKey (did: string): Uint8Array {
  if (typeof did !== 'string') throw new InvalidDidError(`a did is a string, got ${did === null ? 'null' : typeof did}`)
  let key = memo.get(did)
  if (key === undefined) {
    key = parse(did)
    if (memo.size >= MEMO_MAX) memo.delete(memo.keys().next().value as string)
    memo.set(did, key)
  }
  return key.slice()
}

/** Whether `s` is a well-formed Ed25519 did:key. Never throws. */
export function isDid (s: unknown): boolean {
  if (typeof s !== 'string' || s.length !== DID_KEY_LENGTH) return false
  if (memo.has(s)) return true
  try {
    didToPublicKey(s)
    return true
  } catch {
    return false
  }
}
