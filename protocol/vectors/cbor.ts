/**
 * Raw CBOR pieces for hand-made hostile vectors: what no DAG-CBOR encoder will write
 * (duplicate keys, other tags, floats where integers belong, indefinite lengths …).
 */
export const cat = (...parts: Array<Uint8Array | number[]>): Uint8Array => Uint8Array.from(Buffer.concat(parts.map(p => Uint8Array.from(p))))

/** A minimal CBOR head of `major` with argument `n`. */
export function head (major: number, n: number): Uint8Array {
  const m = major << 5
  if (n < 24) return Uint8Array.of(m | n)
  if (n < 0x100) return Uint8Array.of(m | 24, n)
  if (n < 0x10000) return Uint8Array.of(m | 25, n >> 8, n & 0xff)
  return Uint8Array.of(m | 26, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff)
}

export const tstr = (s: string): Uint8Array => { const b = new TextEncoder().encode(s); return cat(head(3, b.length), b) }
export const bstr = (b: Uint8Array): Uint8Array => cat(head(2, b.length), b)

/** `{rec, sig}` from the raw bytes of `rec` and a signature, keys in the order given. */
export const envelope = (rec: Uint8Array, sig: Uint8Array): Uint8Array => cat(head(5, 2), tstr('rec'), rec, tstr('sig'), bstr(sig))

/** `bytes` with the first occurrence of `find` replaced by `replace` (throws if absent: a generator bug). */
export function splice (bytes: Uint8Array, find: Uint8Array | number[] | string, replace: Uint8Array | number[] | string): Uint8Array {
  const f = typeof find === 'string' ? Buffer.from(find) : Buffer.from(Uint8Array.from(find))
  const r = typeof replace === 'string' ? Buffer.from(replace) : Buffer.from(Uint8Array.from(replace))
  const at = Buffer.from(bytes).indexOf(f)
  if (at < 0) throw new Error(`splice: pattern ${f.toString('hex')} not found`)
  return cat(bytes.subarray(0, at), r, bytes.subarray(at + f.length))
}

/** A float64 item (0xfb + 8 bytes big-endian). */
export function f64 (v: number): Uint8Array {
  const b = new Uint8Array(9)
  b[0] = 0xfb
  new DataView(b.buffer).setFloat64(1, v)
  return b
}
