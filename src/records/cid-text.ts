/**
 * A CID's string form, fast: the text of CIDs in store keys and in the audit log.
 */
import type { CID } from 'multiformats/cid'

/**
 * The text of a CID in keys: its string form (base32 for CIDv1). Built from the bytes for v1
 * CIDs: `CID#toString` also remembers every string in a WeakMap, which the garbage collector
 * then walks for each of the thousands of CIDs a sync creates and drops.
 */
export const cidText = (cid: CID): string => cid.version === 1 ? base32Multibase(cid.bytes) : cid.toString()
/** `cidText` of a binary CIDv1 (a claim CID). */
export const cidBytesText = (bytes: Uint8Array): string => base32Multibase(bytes)

const BASE32 = Uint8Array.from('abcdefghijklmnopqrstuvwxyz234567', c => c.charCodeAt(0))
const scratch = Buffer.allocUnsafe(128)

/**
 * Multibase base32 (RFC 4648 §6, lower case, no padding, prefix `b`): what `multiformats`'
 * `base32.encode` gives, but written into a scratch buffer and read out as one string. Its
 * encoder appends a character at a time, and the 60 intermediate strings of each of the few
 * keys an accepted version writes were a fifth of what the main thread allocated.
 */
export function base32Multibase (bytes: Uint8Array): string {
  const n = 1 + Math.ceil(bytes.length * 8 / 5)
  const out = n <= scratch.length ? scratch : Buffer.allocUnsafe(n)
  out[0] = 0x62 // 'b'
  let p = 1
  let bits = 0
  let acc = 0
  for (let i = 0; i < bytes.length; i++) {
    acc = ((acc << 8) | bytes[i]) & 0xfff // at most 12 bits are ever pending
    bits += 8
    while (bits >= 5) {
      bits -= 5
      out[p++] = BASE32[(acc >> bits) & 31]
    }
  }
  if (bits > 0) out[p++] = BASE32[(acc << (5 - bits)) & 31]
  return out.toString('latin1', 0, p)
}
