/**
 * Whether a claim of another org says the same as ours, the opposite, or only something
 * related: a heuristic over the two rules, documented in protocol/SEARCH.md §3. It is not
 * understanding: it reads polarity cues, and can be fooled by a rule that turns a statement
 * around without a negation word ("approval is optional") or negates a side remark.
 *
 * 1. Each rule is cut into clauses (sentences, and parts split by `;` or `:`), and each
 *    clause gets a polarity: the parity of its negation words (no, not, never, without, none,
 *    cannot, nor, neither), so "No message is sent without approval" (two) is a positive
 *    requirement and "sent without approval" (one) its opposite.
 * 2. The two clauses that share the most topic, one from each rule (the summed TF-IDF weight
 *    of the terms and term pairs they share), are the ones that speak about the same thing.
 * 3. If they share too little (`ALIGN_MIN`), the claims are only `related`. If their
 *    polarities differ, the claims `contradict`; if they agree and the claims are similar
 *    enough overall (`AGREE_MIN`, the scorer's 0..1), they `agree`; otherwise `related`.
 * 4. A contradiction is only `related` when either claim's scope states an exception (a
 *    scope sentence with a negation, "not covered") about the other's aligned clause: the
 *    rule does not reach what the other rule is about (SEARCH.md §3 step 5).
 */
import { NEGATIONS, clauses, stem, words } from './tokens.ts'
import { features, shared, type TfIdf } from './lexical.ts'

export type Relation = 'agrees' | 'contradicts' | 'related'

/**
 * Shared weights are counted in units of one distinctive word (the weight of a word found in
 * a single claim of the corpus, lexical.ts `unit`), so that the thresholds mean the same in a
 * store of fifty claims and in one of thousands.
 * Least shared weight of the aligned clauses: about one distinctive word.
 */
export const ALIGN_MIN = 1.05
/** Least shared weight of aligned clauses of opposite polarity for `contradicts`: saying the opposite is the stronger claim, it needs more shared topic. */
export const CONTRADICT_MIN = 2.35
/** Least overall similarity for `agrees` (the scorer's 0..1). */
export const AGREE_MIN = 0.055

export interface RelationBasis {
  relation: Relation
  /** the aligned clauses, ours first, and what they share */
  clauses?: [string, string]
  shared: string[]
  weight: number
  /** the scope exception that made a contradiction `related` */
  exception?: string
}

/** The weight a restriction both aligned clauses make ("only the booking agent writes" / "only the allocation agent writes"). */
const ONLY_WEIGHT = 0.45

/** Words that open a condition: a negation after one is part of the condition ("retry only if no posting exists"), not of the directive. */
const CONDITIONS: ReadonlySet<string> = new Set(['if', 'unless', 'until', 'when', 'whenever', 'once'])

/**
 * The polarity of a clause about the terms it shares with the other: the parity of the
 * negations before the last shared term (a negation after it, "… on the case, never as free
 * text", is about something else), those inside a condition left out.
 */
function polarity (ws: string[], topic: ReadonlySet<string>): 1 | -1 {
  let last = -1
  ws.forEach((w, i) => { if (topic.has(stem(w))) last = i })
  const end = last < 0 ? ws.length : last
  const cond = ws.findIndex(w => CONDITIONS.has(w))
  const scope = ws.slice(0, cond >= 0 && cond < end ? cond : end)
  return scope.filter(w => NEGATIONS.has(w)).length % 2 === 0 ? 1 : -1
}

/** The sentences of a scope that carve something out: those with a negation ("… are not covered"). */
export function exceptions (scope: string): string[] {
  return clauses(scope).filter(c => words(c).some(w => NEGATIONS.has(w)))
}

/** The exception of one scope that is about `clause` (shares at least `ALIGN_MIN` distinctive words with it), if any. */
function carvedOut (scope: string, clause: Map<string, number>, model: TfIdf): string | undefined {
  return exceptions(scope).find(e => shared(model.vector(features(e)), clause).weight / model.unit() >= ALIGN_MIN)
}

/**
 * `scopes`: the two claims' scopes, ours first; an exception stated there about the other
 * rule's aligned clause turns a contradiction into `related` (the rules do not meet).
 */
export function relate (ruleA: string, ruleB: string, model: TfIdf, similarity: number, scopes?: readonly [string, string]): RelationBasis {
  const side = (rule: string): Array<{ text: string, words: string[], only: boolean, v: Map<string, number> }> =>
    clauses(rule).map(text => { const ws = words(text); return { text, words: ws, only: ws.includes('only'), v: model.vector(features(text)) } })
  const unit = model.unit()
  const as = side(ruleA)
  const bs = side(ruleB)
  let best: { a: typeof as[number], b: typeof bs[number], features: string[], weight: number } | undefined
  for (const a of as) {
    for (const b of bs) {
      const s = shared(a.v, b.v)
      s.weight = s.weight / unit + (a.only && b.only ? ONLY_WEIGHT : 0)
      if (best === undefined || s.weight > best.weight) best = { a, b, ...s }
    }
  }
  if (best === undefined || best.weight < ALIGN_MIN) return { relation: 'related', shared: best?.features ?? [], weight: best?.weight ?? 0 }
  const topic = new Set(best.features.filter(f => !f.includes('_')))
  const opposite = polarity(best.a.words, topic) !== polarity(best.b.words, topic)
  const exception = opposite && scopes !== undefined ? carvedOut(scopes[0], best.b.v, model) ?? carvedOut(scopes[1], best.a.v, model) : undefined
  const relation: Relation = opposite
    ? best.weight >= CONTRADICT_MIN && exception === undefined ? 'contradicts' : 'related'
    : similarity >= AGREE_MIN ? 'agrees' : 'related'
  return { relation, clauses: [best.a.text, best.b.text], shared: best.features, weight: best.weight, ...(exception !== undefined ? { exception } : {}) }
}
