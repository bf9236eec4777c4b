/**
 * Path tracking for `canonicalSpans` (canonical.ts): which values of a DAG-CBOR item lie at
 * given paths, followed while the canonical scan walks the bytes once. The scan calls these
 * at each item's head (`openTracked` for a container, `leafTracked` for anything else,
 * `knownItem` to ask whether the bytes there are a known item), at each map key
 * (`keyTracked`) and when a container closes (`closeTracked`).
 */
import type { Span } from './canonical.ts'

/** See `canonicalSpans`: the end of the known item at `at` (a value at `paths[path]`), or -1. */
export type KnownItem = (bytes: Uint8Array, at: number, path: number) => number

// UTF-8 of path steps: TextEncoder costs ~1 µs a call here, and callers reuse a few fixed keys
const utf8 = new TextEncoder()
const stepCache = new Map<string, Uint8Array>()
function stepBytes (step: string): Uint8Array {
  let k = stepCache.get(step)
  if (k === undefined) {
    if (stepCache.size >= 1024) stepCache.clear()
    k = utf8.encode(step)
    stepCache.set(step, k)
  }
  return k
}

/** Path-matching state of `canonicalSpans`; per open container level `f` (0 = top level). */
export interface Tracker {
  readonly paths: ReadonlyArray<ReadonlyArray<string>>
  /** UTF-8 of each step, to compare with key bytes in place */
  readonly keys: Uint8Array[][]
  readonly out: Span[][]
  /** every path index (the candidates of the top-level item) */
  readonly all: number[]
  /** paths running through the container at level f, to be continued inside it */
  match: Array<number[] | null>
  /** paths ending at the container at level f: emit its span when it closes */
  targets: Array<number[] | null>
  starts: number[]
  /** in a map at level f: paths matched by the key just read, for the value that follows */
  valueCands: Array<number[] | null>
  readonly known: KnownItem | null
}

/** The tracker of one `canonicalSpans` call. */
export function tracker (paths: ReadonlyArray<ReadonlyArray<string>>, known: KnownItem | null): Tracker {
  if (!Array.isArray(paths)) throw new TypeError('paths must be an array of arrays of strings')
  const keys: Uint8Array[][] = []
  const out: Span[][] = []
  const all: number[] = []
  for (let i = 0; i < paths.length; i++) {
    const p = paths[i]
    if (!Array.isArray(p) || !p.every((s) => typeof s === 'string')) throw new TypeError(`paths[${i}] must be an array of strings`)
    keys.push(p.map(stepBytes))
    out.push([])
    all.push(i)
  }
  return { paths, keys, out, all, match: [], targets: [], starts: [], valueCands: [], known }
}

// An item at depth d (d containers open when its head is read) has a path of d steps. The
// candidates of an item are the paths whose first d steps lead to it; those of length d end
// there (emit its span), longer ones continue inside it if it is a container.

/** candidate paths of the item whose head is being read with `sp` containers open */
function candidates (tr: Tracker, sp: number, isKey: boolean, inMap: boolean): number[] | null {
  if (sp === 0) return tr.all
  if (isKey) return null
  const f = sp - 1
  if (inMap) return tr.valueCands[f]
  const m = tr.match[f]
  if (m === null) return null
  let out: number[] | null = null
  for (const i of m) {
    if (tr.paths[i][f] === '*') (out ??= []).push(i)
  }
  return out
}

export function openTracked (tr: Tracker, f: number, start: number, isKey: boolean, inMap: boolean): void {
  const c = f > 0 && tr.match[f - 1] === null ? null : candidates(tr, f, isKey, inMap)
  let targets: number[] | null = null
  let through: number[] | null = null
  if (c !== null) {
    for (const i of c) {
      if (tr.paths[i].length === f) (targets ??= []).push(i)
      else (through ??= []).push(i)
    }
  }
  tr.match[f] = through
  tr.targets[f] = targets
  tr.starts[f] = start
  tr.valueCands[f] = null
}

export function leafTracked (tr: Tracker, sp: number, start: number, end: number, isKey: boolean, inMap: boolean): void {
  const c = candidates(tr, sp, isKey, inMap)
  if (c === null) return
  for (const i of c) {
    if (tr.paths[i].length === sp) tr.out[i].push({ start, end })
  }
}

export function keyTracked (tr: Tracker, b: Uint8Array, f: number, ks: number, ke: number): void {
  const m = tr.match[f]
  let out: number[] | null = null
  if (m !== null) {
    const len = ke - ks
    for (const i of m) {
      const k = tr.keys[i][f]
      if (k.length !== len) continue
      let j = 0
      while (j < len && k[j] === b[ks + j]) j++
      if (j === len) (out ??= []).push(i)
    }
  }
  tr.valueCands[f] = out
}

/** The end of a known item at `start` (a value at a path that ends here), or -1. */
export function knownItem (tr: Tracker, b: Uint8Array, sp: number, start: number, inMap: boolean): number {
  const c = candidates(tr, sp, false, inMap)
  if (c === null || tr.known === null) return -1
  for (const i of c) {
    if (tr.paths[i].length !== sp) continue
    const end = tr.known(b, start, i)
    if (end > start && end <= b.length) return end
  }
  return -1
}

export function closeTracked (tr: Tracker, f: number, end: number): void {
  const t = tr.targets[f]
  if (t === null) return
  const start = tr.starts[f]
  for (const i of t) tr.out[i].push({ start, end })
}
