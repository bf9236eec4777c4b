/**
 * Human-readable renderings for the terminal. Document text is untrusted data from other
 * organizations: terminal and bidi controls are spelled out (`\u{1B}`) before printing.
 */
import { claimCid } from '../records/claims.ts'
import type { VersionRecord } from '../records/types.ts'
import { escapeUnsafe } from '../oos/text.ts'
import { shortDid, type OrgLabel } from '../app/names.ts'
import type { ClaimRef } from '../app/claimref.ts'
import type { Claim } from '../oos/types.ts'
import { isoSecond, type Colorize } from './style.ts'

/**
 * A value of peer text as a string with terminal and bidi controls spelled `\u{…}` (newline and
 * tab kept), so it cannot drive the terminal or hide what it says. Io.out escapes everything
 * it prints the same way; this keeps renderings safe wherever else they end up.
 */
export function clean (s: unknown): string {
  return escapeUnsafe(String(s ?? ''))
}

const list = (v: unknown): string => Array.isArray(v) && v.length > 0 ? v.map(clean).join(', ') : '—'

const MARKS: Record<OrgLabel['trust'], string> = { us: '[us]', trusted: '[trusted]', untrusted: '[UNTRUSTED]', neutral: '[not trusted]' }

/** Our trust in an org as `orgLabel` shows it, with its short did when its pseudonym is shared. */
export function trustMark (org: string, label: OrgLabel): string {
  return `${MARKS[label.trust]}${label.nameShared ? ` (${shortDid(org)})` : ''}`
}

/**
 * An org's name as shown beside what it wrote: its pseudonym, its short did when another org
 * known here has the same pseudonym (an impostor is told apart), and our trust in it (SPEC §9.2).
 */
export function orgLabel (name: string, org: string, label: OrgLabel): string {
  return `${clean(name)}${label.nameShared ? ` (${shortDid(org)})` : ''} ${MARKS[label.trust]}`
}

export function renderVersion (rec: VersionRecord, cid: string, label?: OrgLabel): string {
  const b = rec.body
  const fm = b.frontmatter
  const lines: string[] = []
  const name = label === undefined ? clean(fm.org_pseudonym) : orgLabel(fm.org_pseudonym, rec.org, label)
  lines.push(`${name} — version ${rec.seq}  (${fm.template}, ${fm.org_size}, ${clean(fm.industry)})`)
  lines.push(`  org      ${rec.org}${label?.alias !== undefined ? `  (alias ${clean(label.alias)})` : ''}`)
  lines.push(`  cid      ${cid}`)
  lines.push(`  prev     ${rec.prev?.toString() ?? '—'}`)
  lines.push(`  created  ${isoSecond(rec.createdAt)}`)
  lines.push(`  claims   ${fm.claim_count} (high ${fm.confidence_distribution.high}, medium ${fm.confidence_distribution.medium}, low ${fm.confidence_distribution.low})`)
  const agents = b.entities?.agents ?? []
  if (agents.length > 0) {
    lines.push('', 'Agents')
    for (const a of agents) {
      lines.push(`  ${clean(a.id)}  ${clean(a.name)} — ${clean(a.role)}  [${clean(a.authority_level)}]`)
      lines.push(`      owns: ${list(a.owns)}`)
      lines.push(`      must not: ${list(a.does_not_own)}`)
      if (a.escalates_to !== undefined) lines.push(`      escalates to: ${clean(a.escalates_to)}`)
    }
  }
  const humans = b.entities?.humans ?? []
  if (humans.length > 0) {
    lines.push('', 'Humans')
    for (const h of humans) {
      lines.push(`  ${clean(h.id)}  ${clean(h.role)}  [${clean(h.authority_level)}]  approves: ${list(h.approves)}`)
    }
  }
  const levels = (b.entities?.escalation_hierarchy as { levels?: Array<Record<string, unknown>> } | undefined)?.levels ?? []
  if (levels.length > 0) {
    lines.push('', 'Escalation')
    for (const l of levels) lines.push(`  ${clean(l.level)}. ${clean(l.handler)} — when ${clean(l.trigger)}${l.response_time !== undefined ? ` (${clean(l.response_time)})` : ''}`)
  }
  lines.push('', 'Claims')
  for (const c of b.claims) lines.push(...claimLines(rec.org, c))
  return lines.join('\n')
}

function claimLines (org: string, c: Claim): string[] {
  return [
    `  [${c.claim_id}] ${clean(c.section)}  ${c.confidence} / ${c.evidence}`,
    `      ${claimCid(org, c).toString()}`,
    `      rule:         ${clean(c.rule)}`,
    `      why:          ${clean(c.why)}`,
    `      failure mode: ${clean(c.failure_mode)}`,
    `      scope:        ${clean(c.scope)}`,
    ...(c.derived_from !== undefined ? [`      derived from: ${c.derived_from.map(String).join(', ')}`] : [])
  ]
}

/** `oos show CLAIM_CID`: the claim, where it stands, and its new wording when it was reworded. */
export function renderClaim (rec: VersionRecord, cid: string, ref: ClaimRef, label?: OrgLabel): string {
  const claim = rec.body.claims.find(c => claimCid(rec.org, c).toString() === ref.cid)
  const name = label === undefined ? clean(rec.body.frontmatter.org_pseudonym) : orgLabel(rec.body.frontmatter.org_pseudonym, rec.org, label)
  const lines = [`${name} — claim ${clean(ref.claim_id)}${ref.current ? ' (current)' : ''}`, `  org      ${rec.org}`, `  version  ${ref.seq} ${cid}  (${isoSecond(rec.createdAt)})${ref.current ? '' : ', the last holding it'}`]
  const s = ref.supersededBy
  if (s !== undefined) lines.push(`  REWORDED ${s.current ? 'now' : `in version ${s.seq}`}: ${s.cid}`, `           ${clean(s.rule)}`)
  else if (!ref.current) lines.push('  DROPPED  no longer in the author\'s latest version')
  if (claim !== undefined) lines.push('', ...claimLines(rec.org, claim))
  return lines.join('\n')
}

/** Colour for a version or a claim: the heading bold, claim heads and CIDs picked out, warnings red. */
export const versionColors: Colorize = (lines, paint) => lines.map((l, k) => k === 0 || /^[A-Z][a-z]+$/.test(l)
  ? paint.bold(l)
  : /^ {2}\[[^\]]+\] /.test(l) ? paint.yellow(l) : /^ {6}baf[a-z0-9]+$/.test(l) ? paint.dim(l) : /^ {2}(REWORDED|DROPPED) /.test(l) ? paint.red(l) : l)

/** Colour for claim rows: the CID yellow (git's commit ids), the org line bold. */
export const claimsColors: Colorize = (lines, paint) => lines.map(l => /^baf[a-z0-9]+$/.test(l) ? paint.yellow(l) : /^ {2}\S.* v[0-9]+ {2}[A-Z]+ \/ [A-Z_]+ {2}\[/.test(l) ? paint.bold(l) : l)
