/**
 * Fuzzed records (issue 12, chaos suite): records mutated from the valid test vectors (and
 * random bytes, fields replaced, records signed again by a stranger) offered to a real ingest door over a real LevelDB that already holds the
 * vectors' prerequisites. Pass: no crash (nothing thrown outside a rejection, no unhandled
 * rejection), nothing stored (the store is byte-for-byte what it was), every rejection a
 * typed error with a code of SPEC §9.
 */
import { readFileSync } from 'node:fs'
import { ms, ROOT, scoped, storeIn, dumpStore } from './lib.ts'
import { forEachSample, mutatedFrom, SPEC_CODES, typedCode } from './mutate.ts'
import fc from 'fast-check'
import { CID } from 'multiformats/cid'
import * as dagCbor from '@ipld/dag-cbor'
import { dagValueArb } from '../tests/records/arbitraries.ts'
import { testKey } from '../protocol/vectors/generate.ts'
import { sign } from '../src/identity/keys.ts'
import { signingBytes } from '../src/records/codec.ts'
import type { Kind } from '../src/records/constants.ts'
import { cidOf } from '../src/records/cid.ts'

const stranger = testKey('chaos-stranger')

/**
 * Mutations below the byte level: one field of the record replaced by any DAG value (the
 * old signature kept), or the record (changed or not) signed again by a stranger's key that
 * it names as its `key` — the authority rules must refuse both.
 */
function structural (valid: Uint8Array[]): fc.Arbitrary<Uint8Array> {
  return fc.tuple(fc.constantFrom(...valid), fc.nat(), fc.option(dagValueArb([cidOf(new Uint8Array([1]))]), { nil: undefined }), fc.boolean()).map(([bytes, at, value, resign]) => {
    const { rec, sig } = dagCbor.decode<{ rec: Record<string, unknown>, sig: Uint8Array }>(bytes)
    const keys = Object.keys(rec)
    if (value !== undefined) rec[keys[at % keys.length]] = value
    if (!resign) return dagCbor.encode({ rec, sig })
    rec.key = stranger.did
    try {
      return dagCbor.encode({ rec, sig: sign(stranger.secretKey, signingBytes(rec.type as Kind, dagCbor.encode(rec))) })
    } catch {
      return dagCbor.encode({ rec, sig })
    }
  })
}

export interface FuzzRecordsFigures {
  ok: boolean
  records: number
  seed: number
  rejected: number
  /** rejections by code */
  codes: Record<string, number>
  untyped: number
  /** offered inputs identical to a valid record already held (duplicates, not stored again) */
  identical: number
  stored: number
  crashes: number
  perSec: number
  ms: number
}

/** The valid vectors as bytes, in an order that ingests (each after its prerequisites). */
export function validVectors (): Array<{ name: string, kind: string, bytes: Uint8Array, cid: CID }> {
  const v = JSON.parse(readFileSync(`${ROOT}protocol/vectors/valid.json`, 'utf8')) as Array<{ name: string, kind: string, bytesHex: string, cid: string }>
  return v.map(x => ({ name: x.name, kind: x.kind, bytes: new Uint8Array(Buffer.from(x.bytesHex, 'hex')), cid: CID.parse(x.cid) }))
}

/** Count crashes: an unhandled rejection or exception while `fn` runs. */
export async function countingCrashes<T> (fn: (crash: () => number) => Promise<T>): Promise<T> {
  let crashes = 0
  const on = (): void => { crashes++ }
  process.on('unhandledRejection', on)
  process.on('uncaughtException', on)
  try { return await fn(() => crashes) } finally {
    process.off('unhandledRejection', on)
    process.off('uncaughtException', on)
  }
}

export async function fuzzRecords (options: { records?: number, seed?: number } = {}): Promise<FuzzRecordsFigures> {
  const runs = options.records ?? 100_000
  const seed = options.seed ?? Date.now() % 2 ** 31
  const t0 = performance.now()
  return await scoped(async (scope) => await countingCrashes(async (crashes) => {
    const { store, ingest } = await storeIn(scope)
    const valid = validVectors()
    // the prerequisites of every vector, so that mutations reach the chain and authority rules
    for (const r of await ingest.ingestMany(valid.map(v => v.bytes), { source: 'chaos' })) {
      if (r instanceof Error) throw new Error(`a valid vector was rejected: ${r.code}`)
    }
    const before = await dumpStore(store)
    const held = new Set(valid.map(v => Buffer.from(v.bytes).toString('hex')))
    const codes: Record<string, number> = {}
    let rejected = 0
    let untyped = 0
    let identical = 0
    let stored = 0
    let thrown = 0
    await forEachSample(fc.oneof({ weight: 3, arbitrary: mutatedFrom(valid.map(v => v.bytes)) }, { weight: 1, arbitrary: structural(valid.map(v => v.bytes)) }), runs, seed, async (bytes) => {
      try {
        const r = await ingest.ingest(bytes, { source: 'chaos' })
        if (r.status === 'duplicate' && held.has(Buffer.from(bytes).toString('hex'))) identical++
        else { stored++; if (process.env.CHAOS_DEBUG === '1') console.error('stored', r.status, r.kind, bytes.length, Buffer.from(bytes).toString('hex').slice(0, 4000)) }
      } catch (err) {
        rejected++
        const code = typedCode(err, SPEC_CODES)
        if (code.startsWith('UNTYPED')) untyped++
        codes[code] = (codes[code] ?? 0) + 1
      }
    }).catch(() => { thrown++ })
    const changed = (await dumpStore(store)) !== before
    const elapsed = ms(t0)
    const crashCount = crashes() + thrown
    return {
      ok: crashCount === 0 && stored === 0 && !changed && untyped === 0,
      records: runs,
      seed,
      rejected,
      codes,
      untyped,
      identical,
      stored: stored + (changed && stored === 0 ? 1 : 0),
      crashes: crashCount,
      perSec: Math.round(runs / (elapsed / 1000)),
      ms: elapsed
    }
  }))
}
