/**
 * Inputs for the fuzz scenarios: fast-check arbitraries of byte strings mutated from valid
 * ones (bit flips, truncation, insertion, deletion, duplication, splices of two valid inputs,
 * CBOR heads rewritten), beside plain random bytes; and the set of typed rejection codes a
 * node may answer with (protocol/SPEC.md §9 and protocol/NETWORK-reqresp.md §7).
 */
import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { OosError } from '../src/errors.ts'
import { ROOT } from './lib.ts'

const cut = (b: Uint8Array, at: number): [Uint8Array, Uint8Array] => [b.subarray(0, at), b.subarray(at)]
const cat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) { out.set(p, at); at += p.length }
  return out
}

/** One mutation of `b` (never the identity when b is non-empty). */
function mutation (b: Uint8Array, other: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  const n = Math.max(1, b.length)
  const pos = fc.nat(n - 1)
  return fc.oneof(
    // flip 1–4 bytes
    fc.array(fc.tuple(pos, fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }).map(ms => { const c = Uint8Array.from(b); for (const [i, x] of ms) c[i] ^= x; return c }),
    // truncate
    pos.map(i => b.slice(0, i)),
    // insert random bytes
    fc.tuple(pos, fc.uint8Array({ minLength: 1, maxLength: 16 })).map(([i, x]) => { const [h, t] = cut(b, i); return cat(h, x, t) }),
    // delete a range
    fc.tuple(pos, fc.integer({ min: 1, max: 64 })).map(([i, k]) => cat(b.subarray(0, i), b.subarray(Math.min(b.length, i + k)))),
    // duplicate a range
    fc.tuple(pos, fc.integer({ min: 1, max: 64 })).map(([i, k]) => cat(b.subarray(0, i + k), b.subarray(i))),
    // head of this, tail of another valid input
    fc.tuple(pos, other).map(([i, o]) => cat(b.subarray(0, i), o.subarray(Math.min(o.length, i)))),
    // a CBOR head byte replaced by another major type / length width
    fc.tuple(pos, fc.constantFrom(0x18, 0x19, 0x1a, 0x1b, 0x1f, 0x5f, 0x7f, 0x9f, 0xbf, 0xd8, 0xf7, 0xf9, 0xfb, 0xff)).map(([i, x]) => { const c = Uint8Array.from(b); c[i] = x; return c }),
    // trailing garbage
    fc.uint8Array({ minLength: 1, maxLength: 8 }).map(x => cat(b, x))
  )
}

/** Mutations of the valid inputs (90 %), or random bytes up to `maxRandom` long (10 %). */
export function mutatedFrom (valid: Uint8Array[], maxRandom = 2048): fc.Arbitrary<Uint8Array> {
  const pick = fc.constantFrom(...valid)
  return fc.oneof(
    { weight: 9, arbitrary: pick.chain(b => fc.array(fc.constant(null), { minLength: 1, maxLength: 3 }).chain(steps => steps.reduce<fc.Arbitrary<Uint8Array>>((acc) => acc.chain(x => mutation(x, pick)), fc.constant(b)))) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: maxRandom }) }
  )
}

/** Run `check` on `runs` inputs drawn from `arb` (never stops early: outcomes are counted by `check`). */
export async function forEachSample<T> (arb: fc.Arbitrary<T>, runs: number, seed: number, check: (x: T) => Promise<void> | void): Promise<void> {
  await fc.assert(fc.asyncProperty(arb, async (x) => { await check(x) }), { numRuns: runs, seed, endOnFailure: true })
}

function tableCodes (file: string, from: RegExp, to: RegExp): string[] {
  const text = readFileSync(`${ROOT}protocol/${file}`, 'utf8')
  const start = text.search(from)
  const rest = text.slice(start)
  const end = rest.slice(1).search(to)
  return [...(end < 0 ? rest : rest.slice(0, end + 1)).matchAll(/^\| `([A-Z_]+)` \|/gm)].map(m => m[1])
}

/** The typed rejection codes: SPEC §9 (records) and NETWORK-reqresp §7 (exchanges) with the error codes of §6 of the reference notes. */
export const SPEC_CODES = new Set(tableCodes('SPEC.md', /^## 9\. /m, /^## /m))
export const REQRESP_CODES = new Set([...tableCodes('NETWORK-reqresp.md', /^## 7\. /m, /^## /m), 'STREAM_RESET', 'TRUNCATED_FRAME', 'MALFORMED_FRAME', 'SLOW_READER', 'OVERLOADED', 'ABORTED', 'DIAL_FAILED', 'DIAL_TIMEOUT'])

/** The code of a typed error, or 'UNTYPED' (a plain Error, an INTERNAL) */
export function typedCode (err: unknown, allowed: Set<string>): string {
  return err instanceof OosError && err.code !== 'INTERNAL' && allowed.has(err.code) ? err.code : `UNTYPED(${err instanceof OosError ? err.code : (err as Error)?.name ?? typeof err}: ${String((err as Error)?.message ?? err).slice(0, 80)})`
}
