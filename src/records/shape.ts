/**
 * Small, fast shape checks for decoded record fields. Each failure throws RecordSchemaError
 * with the JSON path of the offending field, so a person can act on it.
 */
import { CID } from 'multiformats/cid'
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

export function oneOf<T extends string> (v: unknown, values: readonly T[], path: string): T {
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) fail(path, `must be one of ${values.join(', ')}`)
  return v as T
}

export function optional<T> (o: Obj, key: string, check: (v: unknown, path: string) => T, path: string): T | undefined {
  if (!(key in o)) return undefined
  return check(o[key], path === '' ? key : `${path}.${key}`)
}
