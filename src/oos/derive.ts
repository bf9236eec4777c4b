/**
 * Derived front matter fields (protocol/BODY.md §6).
 *
 * - `claim_count`, `confidence_distribution`, `evidence_distribution` are functions of
 *   `claims`; ingest rejects a body whose declared values differ (`checkDerived`).
 * - `word_count` is the number of words of the Markdown part (everything after the front
 *   matter) of the body's canonical `.oos.md` form. Parsers recompute it; ingest does not
 *   check it (a second implementation would need our exact writer to agree).
 */
import { CONFIDENCE, EVIDENCE } from './types.ts'
import type { Claim, ConfidenceDistribution, EvidenceDistribution, OosBody } from './types.ts'
import { writeMarkdownPart } from './write.ts'

export interface DerivedFields {
  claim_count: number
  confidence_distribution: ConfidenceDistribution
  evidence_distribution: EvidenceDistribution
}

/** A declared derived field that disagrees with what the body gives. */
export interface Mismatch {
  /** e.g. `frontmatter.claim_count` */
  field: string
  /** what the document said (`undefined` if it said nothing) */
  declared: unknown
  /** what the claims (or the text) give */
  actual: unknown
}

/** What a parser corrected: same shape as a mismatch. */
export type Correction = Mismatch

const EVIDENCE_KEYS = EVIDENCE.map(e => e.toLowerCase())
/** evidence value → its key in the distribution; a Map, so only the six values themselves are found */
const EVIDENCE_KEY = new Map<unknown, string>(EVIDENCE.map(e => [e, e.toLowerCase()]))

/**
 * Count claims by confidence and evidence. Values outside the enums are not counted (the
 * validator rejects them anyway). The evidence distribution always has all six keys.
 * (Runs for every version ingested: no strings built per claim.)
 */
export function deriveFields (claims: readonly Claim[]): DerivedFields {
  const conf: ConfidenceDistribution = { high: 0, medium: 0, low: 0 }
  const ev: EvidenceDistribution = {}
  for (const k of EVIDENCE_KEYS) ev[k] = 0
  for (const c of claims) {
    const cv = (c as { confidence?: unknown } | null)?.confidence
    if (cv === 'HIGH') conf.high++
    else if (cv === 'MEDIUM') conf.medium++
    else if (cv === 'LOW') conf.low++
    const k = EVIDENCE_KEY.get((c as { evidence?: unknown } | null)?.evidence)
    if (k !== undefined) ev[k]++
  }
  return { claim_count: claims.length, confidence_distribution: conf, evidence_distribution: ev }
}

/**
 * Words of a Markdown text: maximal runs of characters other than the ASCII whitespace
 * characters space, tab, LF, VT, FF and CR.
 */
export function wordCount (markdown: string): number {
  let n = 0
  let inWord = false
  for (let i = 0; i < markdown.length; i++) {
    const c = markdown.charCodeAt(i)
    const ws = c === 32 || (c >= 9 && c <= 13)
    if (ws) inWord = false
    else if (!inWord) { inWord = true; n++ }
  }
  return n
}

/** `word_count` of a body: the words of its canonical Markdown part (see writeMarkdownPart). */
export function deriveWordCount (body: OosBody): number {
  return wordCount(writeMarkdownPart(body))
}

function sameConfidence (a: unknown, b: ConfidenceDistribution): boolean {
  if (typeof a !== 'object' || a === null || Array.isArray(a)) return false
  const o = a as Record<string, unknown>
  const keys = Object.keys(o)
  return keys.length === 3 && CONFIDENCE.every(k => o[k.toLowerCase()] === b[k.toLowerCase() as keyof ConfidenceDistribution])
}

function sameEvidence (a: unknown, b: EvidenceDistribution): boolean {
  if (typeof a !== 'object' || a === null || Array.isArray(a)) return false
  const o = a as Record<string, unknown>
  return Object.keys(o).length === EVIDENCE_KEYS.length && EVIDENCE_KEYS.every(k => o[k] === b[k])
}

/**
 * Compare the body's declared `claim_count`, `confidence_distribution` and
 * `evidence_distribution` with its claims. Returns one mismatch per disagreeing field
 * (empty when consistent). `word_count` is not checked here (see module comment).
 */
export function checkDerived (body: OosBody): Mismatch[] {
  const fm = (body.frontmatter ?? {}) as unknown as Record<string, unknown>
  const d = deriveFields(Array.isArray(body.claims) ? body.claims : [])
  const out: Mismatch[] = []
  if (fm.claim_count !== d.claim_count) out.push({ field: 'frontmatter.claim_count', declared: fm.claim_count, actual: d.claim_count })
  if (!sameConfidence(fm.confidence_distribution, d.confidence_distribution)) {
    out.push({ field: 'frontmatter.confidence_distribution', declared: fm.confidence_distribution, actual: d.confidence_distribution })
  }
  if (!sameEvidence(fm.evidence_distribution, d.evidence_distribution)) {
    out.push({ field: 'frontmatter.evidence_distribution', declared: fm.evidence_distribution, actual: d.evidence_distribution })
  }
  return out
}

/**
 * Recompute every derived field (the three above and `word_count`) in place and return what
 * changed. Used by the parsers: real documents are not always self-consistent, so a reader
 * corrects rather than refuses.
 */
export function applyDerived (body: OosBody): Correction[] {
  const corrections = checkDerived(body)
  const fm = body.frontmatter as unknown as Record<string, unknown>
  const words = deriveWordCount(body)
  if (fm.word_count !== words) corrections.push({ field: 'frontmatter.word_count', declared: fm.word_count, actual: words })
  for (const c of corrections) fm[c.field.slice('frontmatter.'.length)] = c.actual
  return corrections
}
