/**
 * Human-readable renderings for the terminal. Document text is untrusted data from other
 * organizations: terminal and bidi controls are spelled out (`\u{1B}`) before printing.
 */
import { claimCid } from '../records/claims.ts'
import type { VersionRecord } from '../records/types.ts'
import type { BodyDiff } from '../oos/diff.ts'
import { escapeUnsafe } from '../oos/text.ts'
import { shortDid, type OrgLabel } from '../app/names.ts'

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
  lines.push(`  created  ${new Date(rec.createdAt).toISOString()}`)
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
  for (const c of b.claims) {
    lines.push(`  [${c.claim_id}] ${clean(c.section)}  ${c.confidence} / ${c.evidence}`)
    lines.push(`      ${claimCid(rec.org, c).toString()}`)
    lines.push(`      rule:         ${clean(c.rule)}`)
    lines.push(`      why:          ${clean(c.why)}`)
    lines.push(`      failure mode: ${clean(c.failure_mode)}`)
    lines.push(`      scope:        ${clean(c.scope)}`)
    if (c.derived_from !== undefined) lines.push(`      derived from: ${c.derived_from.map(String).join(', ')}`)
  }
  return lines.join('\n')
}

export function renderDiff (d: BodyDiff, a: number, b: number): string {
  const lines = [`changes from version ${a} to ${b}:`]
  for (const c of d.claims.added) lines.push(`  + ${c.claim_id}  added: ${clean(c.rule)}  (${c.confidence} / ${c.evidence})`)
  for (const c of d.claims.removed) lines.push(`  - ${c.claim_id}  removed: ${clean(c.rule)}`)
  for (const c of d.claims.changed) {
    const parts: string[] = []
    if (c.reworded.length > 0) parts.push(`reworded (${c.reworded.join(', ')})`)
    if (c.confidence !== undefined) parts.push(`confidence ${c.confidence.from} → ${c.confidence.to}`)
    if (c.evidence !== undefined) parts.push(`evidence ${c.evidence.from} → ${c.evidence.to}`)
    if (parts.length === 0) parts.push('other fields changed')
    lines.push(`  ~ ${c.claim_id}  ${parts.join('; ')}`)
    if (c.reworded.includes('rule')) {
      lines.push(`      was: ${clean(c.before.rule)}`)
      lines.push(`      now: ${clean(c.after.rule)}`)
    }
  }
  for (const e of d.entities.added) lines.push(`  + ${e.id}  ${e.kind} added: ${clean(e.name)}`)
  for (const e of d.entities.removed) lines.push(`  - ${e.id}  ${e.kind} removed: ${clean(e.name)}`)
  for (const e of d.entities.changed) {
    for (const ch of e.changes) {
      if (ch.added !== undefined || ch.removed !== undefined) {
        lines.push(`  ~ ${e.id}  ${ch.field}${(ch.added ?? []).map(x => ` +${clean(x)}`).join('')}${(ch.removed ?? []).map(x => ` -${clean(x)}`).join('')}`)
      } else {
        lines.push(`  ~ ${e.id}  ${ch.field}: ${clean(ch.from)} → ${clean(ch.to)}`)
      }
    }
  }
  lines.push(`  (${d.claims.unchanged} claims unchanged)`)
  return lines.join('\n')
}
