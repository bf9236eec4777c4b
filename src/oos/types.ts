/**
 * The OOS body: an OOS document in the published OOS format
 * (`frontmatter` + optional `entities` + `claims`, see protocol/schema/oos-schema.v1.1.json,
 * CC BY 4.0, orgtp) plus oosnet's extension fields (`sections`, `derived_from`),
 * which other readers of the format can ignore. See protocol/SPEC.md §4.
 *
 * Every value here is plain data (strings, integers, null, arrays, maps, CIDs) so that the
 * body has exactly one DAG-CBOR encoding. Optional fields are omitted, never `undefined`.
 */
import type { CID } from 'multiformats/cid'

export const CONFIDENCE = ['HIGH', 'MEDIUM', 'LOW'] as const
export type Confidence = typeof CONFIDENCE[number]

export const EVIDENCE = [
  'HUMAN_DEFINED_RULE', 'OBSERVED_ONCE', 'OBSERVED_REPEATEDLY',
  'MEASURED_RESULT', 'INFERENCE', 'SPECULATION'
] as const
export type Evidence = typeof EVIDENCE[number]

export const TEMPLATES = ['agent_army', 'value_chain', 'org_chart'] as const
export type Template = typeof TEMPLATES[number]

export interface ConfidenceDistribution { high: number, medium: number, low: number }
/** Keys are the lower-cased evidence names; all six are always present in a canonical body. */
export type EvidenceDistribution = Record<string, number>

export interface Frontmatter {
  oos_version: string
  org_id?: string
  org_pseudonym: string
  industry: string
  org_size: 'solo' | 'small' | 'medium' | 'large' | 'enterprise'
  template: Template
  agent_count: number
  platforms: string[]
  generated_at: string
  /** equals the record's seq (set by publishing) */
  version: number
  /** equals seq - 1, or null for seq 1 (set by publishing) */
  parent_version: number | null
  word_count: number
  /** derived: claims.length */
  claim_count: number
  /** derived from claims[].confidence */
  confidence_distribution: ConfidenceDistribution
  /** derived from claims[].evidence */
  evidence_distribution: EvidenceDistribution
}

export interface Claim {
  claim_id: string
  section: string
  rule: string
  why: string
  failure_mode: string
  confidence: Confidence
  evidence: Evidence
  scope: string
  display_order?: number
  visibility?: 'free' | 'paid' | 'premium'
  /** float 0..1 (extended claim form of the entities schema) */
  confidence_score?: number
  evidence_reference?: string
  related_entities?: string[]
  supersedes?: string
  /** oosnet extension: CIDs of the claims (of other orgs) this claim was adopted from */
  derived_from?: CID[]
}

/** A block of a prose section: Markdown text, or the place where a claim block stands. */
export type SectionBlock = { text: string } | { claim: string }

/**
 * oosnet extension: the document's prose sections in order, so nothing of a `.oos.md`
 * file is lost. `heading` is the text of the `## ` line; the empty string is the
 * preamble before the first `## ` heading. `{ claim: 'C001' }` marks where a claim block
 * stood (the claim itself lives in `claims`).
 */
export interface Section {
  heading: string
  blocks: SectionBlock[]
}

/** The entities of the format's entities schema v1.0 (kept as decoded plain data). */
export interface Entities {
  agents?: Array<Record<string, unknown>>
  humans?: Array<Record<string, unknown>>
  systems?: Array<Record<string, unknown>>
  workflows?: Array<Record<string, unknown>>
  escalation_hierarchy?: Record<string, unknown>
  conflict_protocols?: Array<Record<string, unknown>>
  override_rules?: Array<Record<string, unknown>>
  decisions?: Array<Record<string, unknown>>
  dependencies?: Array<Record<string, unknown>>
}

export interface OosBody {
  frontmatter: Frontmatter
  /** in `.oos.md`, the front matter's `entities:` key */
  entities?: Entities
  /**
   * In document order: the claims `sections` places, in the order it places them, then the
   * claims it does not place (BODY.md §7.2). `claim_id`s are unique.
   */
  claims: Claim[]
  /** absent in a body read from `.oos.json` without sections; each claim is placed at most once */
  sections?: Section[]
}
