/**
 * `App.similar` (`oos similar CLAIM_CID`, `GET /v1/claims/{cid}/similar`): the claims of
 * OTHER orgs that say the same as a claim, or the opposite (protocol/SEARCH.md §2, §3).
 * Candidates are the current claims of every other org held (search.ts's index); a `Scorer`
 * gives each a similarity in 0..1, and relation.ts classifies the best ones as `agrees`,
 * `contradicts` or `related`. Each hit carries its provenance summary (the provenance
 * report's verdict and trusted counts).
 */
import { InvalidArgumentError, NotFoundError } from '../errors.ts'
import { tryParseCid } from '../records/cid.ts'
import type { Store } from '../store/store.ts'
import type { ProvenanceReport } from '../trust/provenance.ts'
import { Reader } from '../trust/reader.ts'
import { add, cosine, features, shared, TfIdf, type Vector } from './lexical.ts'
import type { OrgNames } from './names.ts'
import { relate, type Relation } from './relation.ts'
import { checkLimit, hitOf, orgContext, type ClaimIndex, type IndexedClaim, type SearchHit } from './search.ts'

/** The text of a claim a scorer compares. */
export interface ClaimText { cid: string, rule: string, why: string, failure_mode: string }

/**
 * How alike two claims are: the pluggable part of `similar`. `fit` sees the whole corpus
 * (every claim that may be compared, the asked one included) and returns the similarity of
 * any two of its claims, in 0..1 (1: the same text). The default is lexical (`lexicalScorer`);
 * an embedding model fits the same shape: embed the corpus in `fit`, answer cosines.
 */
export interface Scorer {
  readonly name: string
  fit: (corpus: readonly ClaimText[], options?: { signal?: AbortSignal }) => Promise<(a: ClaimText, b: ClaimText) => number>
  /** the model's term weights, when it has them: relation.ts aligns clauses with them (else a TF-IDF of the corpus rules is made) */
  model?: (corpus: readonly ClaimText[]) => TfIdf
}

/** The fields compared, and their weight: the rule says what the claim is; why and failure mode say what it is about. */
const FIELD_WEIGHTS = { rule: 2, why: 1, failure_mode: 1 } as const
type Field = keyof typeof FIELD_WEIGHTS
const FIELDS = Object.keys(FIELD_WEIGHTS) as Field[]

/** TF-IDF cosine over the rule (twice the weight), why and failure mode, with term pairs (lexical.ts). */
export function lexicalScorer (): Scorer {
  const modelOf = (corpus: readonly ClaimText[]): TfIdf => new TfIdf(corpus.map(c => FIELDS.flatMap(f => features(c[f]))))
  return {
    name: 'lexical',
    model: modelOf,
    async fit (corpus) {
      const model = modelOf(corpus)
      const vectors = new Map<string, Vector>()
      const vectorOf = (c: ClaimText): Vector => {
        let v = vectors.get(c.cid)
        if (v === undefined) { v = add(...FIELDS.map(f => model.vector(features(c[f]), FIELD_WEIGHTS[f]))); vectors.set(c.cid, v) }
        return v
      }
      return (a, b) => cosine(vectorOf(a), vectorOf(b))
    }
  }
}

export interface SimilarHit extends SearchHit {
  relation: Relation
  /** 0..1 from the scorer */
  similarity: number
  /** the provenance report's verdict, the versions holding the claim, trusted confirmations and disputes, the author trusted */
  provenance: { verdict: string, versions: number, endorsements: number, disputes: number, trusted: boolean }
}

export interface SimilarInput { cid: string, limit?: number }

export const SIMILAR_LIMIT = { default: 10, max: 100 }
/** Below this similarity a claim is not listed at all: it shares only common words. */
export const MIN_SIMILARITY = 0.05

/** A scorer's answer held to 0..1 (an embedding's cosine can be negative; NaN is no similarity). */
const clamp = (x: number): number => Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0

const textOf = (c: IndexedClaim): ClaimText => ({ cid: c.cid, rule: c.claim.rule, why: c.claim.why, failure_mode: c.claim.failure_mode })

export interface SimilarContext {
  index: ClaimIndex
  store: Store
  names: OrgNames
  /** the provenance report of a claim (app/trust.ts) */
  provenance: (cid: string, options: { signal?: AbortSignal }) => Promise<ProvenanceReport>
  scorer?: Scorer
}

export async function similar (ctx: SimilarContext, input: SimilarInput, options: { signal?: AbortSignal } = {}): Promise<SimilarHit[]> {
  const { index, store, names } = ctx
  const scorer = ctx.scorer ?? lexicalScorer()
  if (typeof input.cid !== 'string' || tryParseCid(input.cid) === undefined) throw new InvalidArgumentError(`${JSON.stringify(input.cid)} is not a claim CID`, { path: 'cid' })
  const limit = checkLimit(input.limit, SIMILAR_LIMIT)
  const { labels, aliases } = await orgContext(names)
  await index.ready(aliases)
  const asked = index.get(tryParseCid(input.cid)?.toString() ?? input.cid)
  if (asked === undefined) throw new NotFoundError(`claim ${input.cid} is not known here (oos claims lists the claims held)`)
  const current = [...index.all()].filter(c => c.current)
  const corpus = [...current, ...(asked.current ? [] : [asked])].map(textOf)
  const score = await scorer.fit(corpus, options)
  const model = scorer.model?.(corpus) ?? new TfIdf(corpus.map(c => features(c.rule)))
  const a = textOf(asked)
  const ranked = current.filter(c => c.org !== asked.org)
    .map(c => ({ c, similarity: clamp(score(a, textOf(c))) }))
    .filter(r => r.similarity >= MIN_SIMILARITY)
    .sort((x, y) => y.similarity - x.similarity || x.c.cid.localeCompare(y.c.cid))
    .slice(0, limit)
  const reader = new Reader(store)
  const out: SimilarHit[] = []
  for (const { c, similarity } of ranked) {
    options.signal?.throwIfAborted()
    const matched = FIELDS.filter(f => shared(model.vector(features(c.claim[f])), model.vector(FIELDS.flatMap(g => features(asked.claim[g])))).features.length > 0)
    const hit = await hitOf(reader, c, labels, similarity, matched)
    const p = await ctx.provenance(c.cid, options)
    out.push({
      ...hit,
      relation: relate(asked.claim.rule, c.claim.rule, model, similarity, [asked.claim.scope, c.claim.scope]).relation,
      similarity,
      provenance: { verdict: p.verdict, versions: p.versions.runs.reduce((n, r) => n + (r.until ?? p.versions.lastSeen.seq + 1) - r.from, 0), endorsements: p.confirmations.length, disputes: p.disputes.length, trusted: p.author.trusted }
    })
  }
  return out
}
