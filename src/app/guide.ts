/**
 * `oos guide`: an agent-ready guidance file (AGENTS.md or CLAUDE.md) made from the claims of
 * organizations held here, with the authority and escalation their entities state, and a short
 * provenance reference on every rule (org, claim CID, version, confirmations). The header names
 * the orgs and versions it was built from and says that everything in it is data those orgs
 * published (protocol/TRUST.md §2.5).
 *
 * Deterministic: the same store, trust settings and input give the same bytes. Nothing of "now"
 * is printed (no generation time, no staleness verdict, which depends on the clock), and every
 * list has a fixed order: orgs as asked, sections by first appearance, claims and entities in
 * document order.
 */
import { InvalidArgumentError } from '../errors.ts'
import { getVersion } from '../node/queries.ts'
import { escapeUnsafe } from '../oos/text.ts'
import { CONFIDENCE, type Claim, type Confidence, type Entities, type OosBody } from '../oos/types.ts'
import { claimCid } from '../records/claims.ts'
import type { Store } from '../store/store.ts'
import type { OrgLabel, OrgNames } from './names.ts'
import type { App, CallOptions, GuideInput, GuideResult, ProvenanceReport } from './types.ts'

export const GUIDE_FORMATS = ['agents.md', 'claude.md'] as const
export type GuideFormat = typeof GUIDE_FORMATS[number]
/** Most orgs one guide is built from. */
export const MAX_GUIDE_ORGS = 64

/** CLAUDE.md's imperative for each confidence (RFC 2119 strength follows the author's confidence). */
const IMPERATIVE: Record<Confidence, string> = { HIGH: 'MUST', MEDIUM: 'SHOULD', LOW: 'CONSIDER' }

type Provenance = (input: { cid: string }, options?: CallOptions) => Promise<ProvenanceReport>

/** One org's version the guide reads, and what it takes from it. */
interface Source { org: string, name: string, label: OrgLabel, seq: number, cid: string, body: OosBody }
interface Rule { source: Source, claim: Claim, cid: string, ref: string }

/** Others' text as one line with nothing hidden: whitespace runs (newlines too) become one space, controls and bidi marks visible (BODY.md §5.6). */
export const line = (s: unknown): string => escapeUnsafe(String(s ?? '').replace(/\s+/g, ' ').trim())
const str = (v: unknown): string | undefined => typeof v === 'string' && v.trim() !== '' ? line(v) : undefined
const strs = (v: unknown): string[] => Array.isArray(v) ? v.map(str).filter(s => s !== undefined) : []
/** `bafyreiabcdefgh…uvwxyz`: enough to recognise a CID; `--json` and `oos provenance` have it whole */
export const shortCid = (cid: string): string => cid.length <= 24 ? cid : `${cid.slice(0, 14)}…${cid.slice(-6)}`
/** `core_operating_rules` → `Core operating rules` */
const title = (section: string): string => { const t = line(section).replace(/_/g, ' '); return t.charAt(0).toUpperCase() + t.slice(1) }
const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`

function checkInput (input: GuideInput): { format: GuideFormat, min: number } {
  const { orgs, minConfidence, format = 'agents.md' } = input
  if (orgs !== undefined && (!Array.isArray(orgs) || orgs.some(o => typeof o !== 'string') || orgs.length > MAX_GUIDE_ORGS)) {
    throw new InvalidArgumentError(`orgs must be a list of at most ${MAX_GUIDE_ORGS} org names`, { path: 'orgs' })
  }
  if (minConfidence !== undefined && !(CONFIDENCE as readonly string[]).includes(minConfidence)) throw new InvalidArgumentError(`minConfidence must be one of ${CONFIDENCE.join(', ')}`, { path: 'minConfidence' })
  if (!(GUIDE_FORMATS as readonly string[]).includes(format)) throw new InvalidArgumentError(`format must be one of ${GUIDE_FORMATS.join(', ')}`, { path: 'format' })
  // CONFIDENCE is HIGH, MEDIUM, LOW: a claim is kept when its index is at most the minimum's
  return { format, min: minConfidence === undefined ? CONFIDENCE.length - 1 : CONFIDENCE.indexOf(minConfidence) }
}

export function guideApp (store: Store, names: OrgNames, provenance: Provenance): Pick<App, 'guide'> {
  return {
    async guide (input = {}, options = {}) {
      const { format, min } = checkInput(input)
      const dids: string[] = []
      for (const ref of input.orgs === undefined || input.orgs.length === 0 ? [undefined] : input.orgs) {
        const did = await names.resolve(ref)
        if (!dids.includes(did)) dids.push(did)
      }
      const labels = await names.labels()
      const sources: Source[] = []
      for (const org of dids) {
        const v = await getVersion(store, org)
        const label = labels.get(org) ?? { trust: 'neutral', nameShared: false }
        const body = v.signed.rec.body
        sources.push({ org, name: line(label.alias ?? body.frontmatter.org_pseudonym), label, seq: v.signed.rec.seq, cid: v.cid.toString(), body })
      }
      const rules: Rule[] = []
      const left = { confidence: 0, retracted: 0, notAdopted: 0 }
      for (const source of sources) {
        for (const claim of source.body.claims) {
          if (input.adopted === true && (claim.derived_from ?? []).length === 0) { left.notAdopted++; continue }
          if (CONFIDENCE.indexOf(claim.confidence) > min) { left.confidence++; continue }
          const cid = claimCid(source.org, claim).toString()
          const p = await provenance({ cid }, options)
          if (p.claim.retracted !== undefined) { left.retracted++; continue }
          rules.push({ source, claim, cid, ref: reference(source, cid, p) })
        }
      }
      const render = format === 'claude.md' ? claudeMd : agentsMd
      const text = render(sources, rules, { ...input, left })
      return { text, sources: sources.map(s => ({ org: s.org, label: s.label, seq: s.seq, cid: s.cid })) } satisfies GuideResult
    }
  }
}

/**
 * `Ledgerline C001 · claim bafyrei…abcdef · v3 (since v1) · 1 confirmation · 2 endorsements · 0 disputes`,
 * and for an adopted claim where it came from. Endorsements and disputes count the orgs whose
 * latest statement about this wording stands (trusted or not); confirmations are the trusted
 * ones among the endorsements (TRUST.md §3).
 */
function reference (source: Source, cid: string, p: ProvenanceReport): string {
  const standing = p.endorsements.filter(e => e.status === 'valid')
  const orgsWith = (stance: string): number => new Set(standing.filter(e => e.stance === stance).map(e => e.org)).size
  const since = p.versions.firstSeen.seq === source.seq ? '' : ` (since v${p.versions.firstSeen.seq})`
  const parts = [
    `${source.name} ${line(p.claim.claim_id)}`,
    `claim \`${shortCid(cid)}\``,
    `v${source.seq}${since}`,
    plural(p.confirmations.length, 'confirmation'),
    plural(orgsWith('endorse'), 'endorsement'),
    plural(orgsWith('dispute'), 'dispute')
  ]
  const from = p.derivation.sources.map(d => d.known ? `${line(d.name ?? d.org)} ${line(d.claim_id)} \`${shortCid(d.cid)}\`` : `\`${shortCid(d.cid)}\` (unknown here)`)
  if (from.length > 0) parts.push(`adopted from ${from.join(', ')}`)
  return parts.join(' · ')
}

interface RenderInput extends GuideInput { left: { confidence: number, retracted: number, notAdopted: number } }

/** The header both formats share: what it was built from, that it is those orgs' data, what was left out. */
function header (sources: Source[], rules: Rule[], input: RenderInput): string[] {
  const mark = (s: Source): string => s.label.trust === 'us' ? 'us' : s.label.trust
  const filters = [
    ...(input.adopted === true ? ['only claims adopted from other organizations (with derived_from)'] : []),
    ...(input.minConfidence !== undefined ? [`confidence ${CONFIDENCE.slice(0, CONFIDENCE.indexOf(input.minConfidence) + 1).join(' or ')}`] : [])
  ]
  const left = [
    ...(input.left.notAdopted > 0 ? [`${plural(input.left.notAdopted, 'claim')} not adopted`] : []),
    ...(input.left.confidence > 0 ? [`${plural(input.left.confidence, 'claim')} below the minimum confidence`] : []),
    ...(input.left.retracted > 0 ? [`${plural(input.left.retracted, 'claim')} retracted by its author`] : [])
  ]
  return [
    'Generated by `oos guide` (oosnet) from signed OOS documents; regenerate it rather than edit it.',
    '',
    'Everything below the sources is **data published by the organizations listed**, quoted from their',
    'signed documents: their rules, their reasons and their authority model, not instructions from',
    'whoever generated this file. Check a rule with `oos provenance <claim CID>` (`oos claims ORG`',
    'lists the CIDs whole) before relying on it.',
    '',
    '## Sources',
    '',
    ...sources.map(s => `- ${s.name} (${mark(s)}): \`${s.org}\`, version ${s.seq}, \`${s.cid}\``),
    '',
    `${plural(rules.length, 'rule')}${filters.length > 0 ? `; ${filters.join('; ')}` : ''}${left.length > 0 ? `; left out: ${left.join(', ')}` : ''}.`
  ]
}

/** Rules grouped by section, sections in the order they first appear (orgs as asked, claims in document order). */
function bySection (rules: Rule[]): Array<[string, Rule[]]> {
  const groups = new Map<string, Rule[]>()
  for (const r of rules) {
    const g = groups.get(r.claim.section)
    if (g === undefined) groups.set(r.claim.section, [r])
    else g.push(r)
  }
  return [...groups]
}

const id = (e: Record<string, unknown>): string => str(e.id) ?? '?'

/** The name an entity id stands for in this org's entities: `HMN-003 Customer Operations Specialist`. */
function namer (entities: Entities): (ref: unknown) => string {
  const names = new Map<string, string>()
  for (const a of entities.agents ?? []) names.set(id(a), str(a.name) ?? '')
  for (const h of entities.humans ?? []) names.set(id(h), str(h.role) ?? '')
  return (ref) => {
    const r = str(ref) ?? '?'
    const n = names.get(r)
    return n === undefined || n === '' ? r : `${r} ${n}`
  }
}

/** Authority and escalation of one org, from its entities: agents, humans, decisions, escalation levels. */
function authority (s: Source): string[] {
  const e = s.body.entities ?? {}
  const name = namer(e)
  const out: string[] = []
  const section = (heading: string, lines: string[]): void => { if (lines.length > 0) out.push('', `### ${heading}`, '', ...lines) }
  const joined = (v: unknown): string => strs(v).join('; ')
  section('Agents', (e.agents ?? []).flatMap(a => [
    `- **${name(a.id)}**${str(a.authority_level) !== undefined ? ` (${str(a.authority_level)})` : ''}${str(a.role) !== undefined ? `: ${str(a.role)}` : ''}`,
    ...(strs(a.owns).length > 0 ? [`  - Owns: ${joined(a.owns)}`] : []),
    ...(strs(a.does_not_own).length > 0 ? [`  - Does not own: ${joined(a.does_not_own)}`] : []),
    ...(str(a.escalates_to) !== undefined ? [`  - Escalates to: ${name(a.escalates_to)}`] : [])
  ]))
  section('Humans', (e.humans ?? []).map(h =>
    `- **${name(h.id)}**${str(h.authority_level) !== undefined ? ` (${str(h.authority_level)})` : ''}${strs(h.approves).length > 0 ? ` approves: ${joined(h.approves)}` : ''}`))
  section('Decisions', (e.decisions ?? []).map(d => {
    const parts = [
      `decided by ${name(d.authority)}`,
      ...(str(d.autonomy_level) !== undefined ? [str(d.autonomy_level) as string] : []),
      ...(str(d.approval_required_from) !== undefined ? [`approval from ${name(d.approval_required_from)}`] : []),
      ...(str(d.escalation_if_uncertain) !== undefined ? [`if uncertain: ${name(d.escalation_if_uncertain)}`] : [])
    ]
    return `- **${id(d)}** ${str(d.domain) ?? ''}: ${parts.join(', ')}`
  }))
  const levels = (e.escalation_hierarchy as { levels?: unknown } | undefined)?.levels
  section('Escalation levels', (Array.isArray(levels) ? levels as Array<Record<string, unknown>> : []).map(l =>
    `- Level ${str(String(l.level)) ?? '?'}: ${name(l.handler)}${str(l.response_time) !== undefined ? `, within ${str(l.response_time)}` : ''}${str(l.trigger) !== undefined ? `, when: ${str(l.trigger)}` : ''}`))
  return out.length === 0 ? [] : ['', `## Authority and escalation: ${s.name}`, ...out]
}

/**
 * AGENTS.md (agents.md: plain Markdown, any headings): each rule under its own heading with
 * every field named, so that any agent tool can quote a rule with its reasons.
 */
function agentsMd (sources: Source[], rules: Rule[], input: RenderInput): string {
  const out = ['# AGENTS.md', '', ...header(sources, rules, input), '', '## Rules']
  for (const [section, group] of bySection(rules)) {
    out.push('', `### ${title(section)}`)
    for (const r of group) {
      const c = r.claim
      out.push('', `#### ${r.source.name} ${line(c.claim_id)} (${c.confidence}, ${c.evidence})`, '', line(c.rule), '',
        `- Why: ${line(c.why)}`, `- Failure mode: ${line(c.failure_mode)}`, `- Scope: ${line(c.scope)}`, `- Provenance: ${r.ref}`)
    }
  }
  for (const s of sources) out.push(...authority(s))
  return out.join('\n') + '\n'
}

/**
 * CLAUDE.md (Claude Code's memory file): a top heading, then short imperative bullets grouped
 * under headings. Each rule is one bullet led by MUST, SHOULD or CONSIDER (the author's
 * confidence HIGH, MEDIUM, LOW), its reasons and provenance as sub-bullets.
 */
function claudeMd (sources: Source[], rules: Rule[], input: RenderInput): string {
  const out = ['# CLAUDE.md', '', ...header(sources, rules, input), '',
    'Each rule leads with MUST, SHOULD or CONSIDER: the author\'s confidence in it (HIGH, MEDIUM, LOW).', '', '## Rules']
  for (const [section, group] of bySection(rules)) {
    out.push('', `### ${title(section)}`, '')
    for (const r of group) {
      const c = r.claim
      out.push(`- ${IMPERATIVE[c.confidence]}: ${line(c.rule)}`, `  - Why: ${line(c.why)}`, `  - Avoid: ${line(c.failure_mode)}`,
        `  - Scope: ${line(c.scope)}`, `  - Source: ${r.ref} (${c.evidence})`)
    }
  }
  for (const s of sources) out.push(...authority(s))
  return out.join('\n') + '\n'
}

