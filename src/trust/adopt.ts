/**
 * Adopting another org's claim into our draft: the format's Merge Protocol, signed
 * (protocol/TRUST.md §4). The copy gets our next free claim_id, `derived_from: [source]`,
 * confidence LOW (until validated here) and an `evidence_reference` that keeps the source
 * org (did and name), the date and the original evidence type. Contradictions and
 * duplicates are never merged: they are reported for a person to decide.
 */
import type { CID } from 'multiformats/cid'
import { InvalidArgumentError, UnknownTargetError } from '../errors.ts'
import { deriveFields } from '../oos/derive.ts'
import type { Claim, OosBody } from '../oos/types.ts'
import { TERMINAL_UNSAFE } from '../oos/text.ts'
import type { Store } from '../store/store.ts'
import { Reader } from './reader.ts'

export type ConflictKind = 'already-adopted' | 'other-wording-adopted' | 'disputed-by-us' | 'duplicate'

export interface AdoptConflict {
  kind: ConflictKind
  /** our draft's claim involved, if any */
  claim_id?: string
  /** the CID involved (a source already adopted, or our dispute statement) */
  cid?: string
  message: string
}

export interface AdoptResult {
  /** the updated draft (the draft unchanged when there are conflicts) */
  body: OosBody
  added?: Claim
  conflicts: AdoptConflict[]
}

export interface AdoptOptions {
  /** our org's did */
  self: string
  /** the clock (ms), for the adoption date */
  now?: number
}

/** The heading of the section adopted claims are placed in (when the draft has sections). */
export const ADOPTED_SECTION = 'Adopted claims'
const ADOPTED_INTRO = 'Claims adopted from other organizations with oos adopt. They stay at LOW confidence until validated in our own operation.'

const MAX_CLAIM_NUMBER = 9999

/** The next free claim id: one above the highest C-number in the draft, at least three digits. */
export function nextClaimId (claims: readonly Claim[]): string {
  let max = 0
  for (const c of claims) {
    const m = /^C(\d+)$/.exec(c.claim_id)
    if (m !== null) max = Math.max(max, Number(m[1]))
  }
  if (max + 1 > MAX_CLAIM_NUMBER) throw new InvalidArgumentError(`the draft has no free claim id (C${MAX_CLAIM_NUMBER} is taken)`)
  return `C${String(max + 1).padStart(3, '0')}`
}

/** One line of plain text from untrusted text: no control characters, whitespace collapsed. */
function oneLine (s: string, max = 200): string {
  return s.replace(TERMINAL_UNSAFE, ' ').replace(/\s+/g, ' ').trim().slice(0, max).trim()
}

const normalize = (s: string): string => s.toLowerCase().replace(/\s+/g, ' ').trim()

export async function adopt (store: Store, claimCid: CID, draftBody: OosBody, options: AdoptOptions): Promise<AdoptResult> {
  const reader = new Reader(store)
  const src = await reader.claim(claimCid)
  if (src === undefined) throw new UnknownTargetError(`claim ${claimCid.toString()} is not known here (follow its author first)`, { path: 'claim' })
  if (src.org === options.self) throw new InvalidArgumentError(`claim ${claimCid.toString()} is our own; nothing to adopt`)
  const conflicts: AdoptConflict[] = []
  const lineage = await reader.lineage(src.org, src.claim.claim_id)
  if (!lineage.some(c => c.equals(claimCid))) lineage.push(claimCid)
  const inLineage = (c: CID): boolean => lineage.some(l => l.equals(c))

  // 1. the same lineage is already derived into the draft
  for (const c of draftBody.claims) {
    for (const d of c.derived_from ?? []) {
      if (d.equals(claimCid)) {
        conflicts.push({ kind: 'already-adopted', claim_id: c.claim_id, cid: d.toString(), message: `${c.claim_id} is already adopted from this claim` })
      } else if (inLineage(d)) {
        conflicts.push({ kind: 'other-wording-adopted', claim_id: c.claim_id, cid: d.toString(), message: `${c.claim_id} is adopted from another wording of ${src.claim.claim_id} of the same org: update it by hand, or remove it and adopt again` })
      }
    }
  }
  // 2. we dispute this claim (any wording of its lineage), and have not retracted the dispute
  for (const s of await reader.authored(options.self)) {
    if (s.rec.type !== 'oos/endorsement' || s.rec.stance !== 'dispute' || !inLineage(s.rec.target)) continue
    if (await reader.retractionOf(s.cid, options.self) !== undefined) continue
    conflicts.push({ kind: 'disputed-by-us', cid: s.cid.toString(), message: `we disputed this claim${s.rec.note !== undefined ? `: ${oneLine(s.rec.note, 400)}` : ''} (retract the dispute first to adopt it)` })
  }
  // 3. an equivalent claim (same rule) is in the draft already
  const rule = normalize(src.claim.rule)
  for (const c of draftBody.claims) {
    if (normalize(c.rule) === rule) conflicts.push({ kind: 'duplicate', claim_id: c.claim_id, message: `${c.claim_id} states the same rule` })
  }
  if (conflicts.length > 0) return { body: draftBody, conflicts }

  const name = oneLine((await reader.orgName(src.org)) ?? 'unnamed org')
  const seen = new Date(src.createdAt).toISOString().slice(0, 10)
  const today = new Date(options.now ?? Date.now()).toISOString().slice(0, 10)
  const claimId = nextClaimId(draftBody.claims)
  const added: Claim = {
    claim_id: claimId,
    section: src.claim.section,
    rule: src.claim.rule,
    why: src.claim.why,
    failure_mode: src.claim.failure_mode,
    confidence: 'LOW',
    evidence: src.claim.evidence,
    scope: src.claim.scope,
    evidence_reference: `adopted ${today} from ${name} (${src.org}), claim ${src.claim.claim_id} as published in version ${src.seq} on ${seen}; original evidence ${src.claim.evidence}, original confidence ${src.claim.confidence}`,
    derived_from: [claimCid]
  }
  const claims = [...draftBody.claims, added]
  let sections = draftBody.sections
  if (sections !== undefined) {
    // place it only when every claim is placed (placed claims come first, in section order)
    const placed = new Set<string>()
    for (const s of sections) for (const b of s.blocks) if ('claim' in b) placed.add(b.claim)
    if (draftBody.claims.every(c => placed.has(c.claim_id))) {
      const last = sections[sections.length - 1]
      sections = last !== undefined && last.heading === ADOPTED_SECTION
        ? [...sections.slice(0, -1), { heading: last.heading, blocks: [...last.blocks, { claim: claimId }] }]
        : [...sections, { heading: ADOPTED_SECTION, blocks: [{ text: ADOPTED_INTRO }, { claim: claimId }] }]
    }
  }
  const derived = deriveFields(claims)
  const body: OosBody = {
    ...draftBody,
    frontmatter: {
      ...draftBody.frontmatter,
      claim_count: derived.claim_count,
      confidence_distribution: derived.confidence_distribution,
      evidence_distribution: derived.evidence_distribution
    },
    claims,
    ...(sections !== undefined ? { sections } : {})
  }
  return { body, added, conflicts: [] }
}
