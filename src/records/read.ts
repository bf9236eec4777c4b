/**
 * A checked decoder for record bytes that need no signature check here: bytes the ingest door
 * verified before (a version being planned), or whose signature a later step checks (a CAR
 * block replayed through the door, a DHT head record checked against the org's keys). The
 * envelope must be `{rec, sig}` and `rec` must pass its kind's schema (kinds.ts), so no caller
 * holds a record typed by a cast. Throws DECODE_FAILED or SCHEMA_INVALID (SPEC §9).
 */
import * as dagCbor from '@ipld/dag-cbor'
import { DecodeFailedError, RecordSchemaError } from './errors.ts'
import { checkRecord } from './kinds.ts'
import type { SignedRecord, UnsignedRecord } from './types.ts'

export function readRecord (bytes: Uint8Array): SignedRecord {
  let env: unknown
  try {
    env = dagCbor.decode(bytes)
  } catch (err) {
    throw new DecodeFailedError(`not DAG-CBOR: ${(err as Error).message}`.slice(0, 200), { cause: err })
  }
  if (typeof env !== 'object' || env === null || Array.isArray(env) || Object.keys(env).length !== 2 || !('rec' in env) || !('sig' in env)) {
    throw new RecordSchemaError('a record must be the map {rec, sig}', { path: '' })
  }
  if (!(env.sig instanceof Uint8Array)) throw new RecordSchemaError('sig must be bytes', { path: 'sig' })
  // createdAt is not checked against a clock here: these records were (or will be) placed by their chain
  return { rec: checkRecord(env.rec, Number.MAX_SAFE_INTEGER), sig: env.sig }
}

/** The unsigned record of `bytes`, checked as `readRecord` checks it. */
export const readRec = (bytes: Uint8Array): UnsignedRecord => readRecord(bytes).rec
