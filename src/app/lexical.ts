/**
 * A TF-IDF model of claim text: each text is a bag of stemmed content words (tokens.ts) and
 * of the pairs of adjacent ones (so "self-reported confidence" or "single writer" weigh as
 * a phrase, not only as two common words), weighted by term frequency × inverse document
 * frequency over a corpus, and compared by cosine. Used by the default similarity scorer
 * (similar.ts) and to align the clauses of two rules (relation.ts).
 */
import { terms } from './tokens.ts'

export type Vector = Map<string, number>

/** Stems of units of time: "within 48 hours" and "after 24 hours" are not one topic. */
const UNITS: ReadonlySet<string> = new Set(['second', 'minut', 'hour', 'day', 'week', 'month', 'year'])

/** The features of a text: its terms (numbers and units of time left out), and each pair of adjacent ones as `a_b`. */
export function features (text: string): string[] {
  const t = terms(text).filter(w => !/^\d/.test(w) && !UNITS.has(w))
  const out = [...t]
  for (let i = 1; i < t.length; i++) out.push(`${t[i - 1]}_${t[i]}`)
  return out
}

export class TfIdf {
  private readonly df = new Map<string, number>()
  private readonly n: number

  /** `docs`: the features of each document of the corpus. */
  constructor (docs: ReadonlyArray<readonly string[]>) {
    this.n = docs.length
    for (const d of docs) for (const f of new Set(d)) this.df.set(f, (this.df.get(f) ?? 0) + 1)
  }

  /** Smoothed inverse document frequency: a feature unseen in the corpus weighs most. */
  idf (feature: string): number {
    return Math.log((1 + this.n) / (1 + (this.df.get(feature) ?? 0))) + 1
  }

  /** The weight of a feature found in one document of the corpus: the unit of "one distinctive word" (relation.ts). */
  unit (): number {
    return Math.log((1 + this.n) / 2) + 1
  }

  /** The weighted vector of some features (sub-linear term frequency: 1 + ln tf). */
  vector (fs: readonly string[], weight = 1): Vector {
    const tf = new Map<string, number>()
    for (const f of fs) tf.set(f, (tf.get(f) ?? 0) + 1)
    const v: Vector = new Map()
    for (const [f, n] of tf) v.set(f, weight * (1 + Math.log(n)) * this.idf(f))
    return v
  }
}

/** The sum of vectors (fields of one claim weighed together). */
export function add (...vs: Vector[]): Vector {
  const out: Vector = new Map()
  for (const v of vs) for (const [k, x] of v) out.set(k, (out.get(k) ?? 0) + x)
  return out
}

const norm = (v: Vector): number => Math.sqrt([...v.values()].reduce((s, x) => s + x * x, 0))

export function cosine (a: Vector, b: Vector): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a]
  let dot = 0
  for (const [k, x] of small) dot += x * (large.get(k) ?? 0)
  const d = norm(a) * norm(b)
  return d === 0 ? 0 : dot / d
}

/** The features two vectors share, and the weight they share (the smaller weight of each). */
export function shared (a: Vector, b: Vector): { features: string[], weight: number } {
  const features: string[] = []
  let weight = 0
  for (const [k, x] of a) {
    const y = b.get(k)
    if (y === undefined) continue
    features.push(k)
    weight += Math.min(x, y)
  }
  return { features, weight }
}
