/**
 * Small, fast shape checks for decoded record fields. Each failure throws RecordSchemaError
 * with the JSON path of the offending field, so a person can act on it.
 */
import { CID } from 'multiformats/cid'
import { base58btc } from 'multiformats/bases/base58'
import { RecordSchemaError } from './errors.ts'
import { LIMITS } from './constants.ts'

export type Obj = Record<string, unknown>

export function fail (path: string, must: string): never {
  throw new RecordSchemaError(`${path} ${must}`, { path })
}

export function isObj (v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && CID.asCID(v) === null
}

export function obj (v: unknown, path: string): Obj {
  if (!isObj(v)) fail(path, 'must be a map')
  return v
}

/** Reject keys outside `allowed`: every record has exactly one meaning (SPEC §4.1). */
export function onlyKeys (o: Obj, allowed: ReadonlySet<string>, path: string): void {
  for (const k in o) {
    if (!allowed.has(k)) fail(path === '' ? k : `${path}.${k}`, 'is not a known field')
  }
}

export function str (v: unknown, path: string, max: number = LIMITS.maxNoteChars, min = 1): string {
  if (typeof v !== 'string') fail(path, 'must be a string')
  if (v.length < min) fail(path, 'must not be empty')
  if (v.length > max) fail(path, `must be at most ${max} characters`)
  return v
}

export function int (v: unknown, path: string, min = 0): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) fail(path, 'must be an integer')
  if (v < min) fail(path, `must be at least ${min}`)
  return v
}

export function cid (v: unknown, path: string): CID {
  const c = CID.asCID(v)
  if (c === null) fail(path, 'must be a CID')
  return c
}

/**
 * a CID inside a record (`prev`, `target`, `version`) names a record or a claim, so
 * it is what SPEC §3.3 makes: CIDv1, dag-cbor (0x71), sha2-256 (0x12) with a 32-byte digest.
 */
export function recordCid (v: unknown, path: string): CID {
  const c = cid(v, path)
  if (c.version !== 1 || c.code !== 0x71 || c.multihash.code !== 0x12 || c.multihash.size !== 32) fail(path, 'must be a CIDv1 dag-cbor sha2-256 (bafyrei…)')
  return c
}

const BASE58 = /^[1-9A-HJ-NP-Za-km-z]+$/

/**
 * a libp2p peer id in its text form: base58btc (no multibase prefix) of a multihash
 * that is sha2-256 (0x12 0x20 + 32 bytes) or identity (0x00, length 1..42, + that many bytes).
 */
export function peerId (v: unknown, path: string): string {
  const s = str(v, path, 128)
  const must = 'must be a libp2p peer id (base58btc of an identity or sha2-256 multihash, e.g. 12D3KooW…)'
  if (!BASE58.test(s)) fail(path, must)
  const b = base58btc.baseDecode(s)
  const ok = b.length >= 2 && ((b[0] === 0x12 && b[1] === 0x20 && b.length === 34) || (b[0] === 0x00 && b[1] >= 1 && b[1] <= 42 && b.length === 2 + b[1]))
  if (!ok) fail(path, must)
  return s
}

export function oneOf<T extends string> (v: unknown, values: readonly T[], path: string): T {
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) fail(path, `must be one of ${values.join(', ')}`)
  return v as T
}

export function optional<T> (o: Obj, key: string, check: (v: unknown, path: string) => T, path: string): T | undefined {
  if (!(key in o)) return undefined
  return check(o[key], path === '' ? key : `${path}.${key}`)
}
