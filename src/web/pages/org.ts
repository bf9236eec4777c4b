/**
 * An organization: its versions (`App.log`), one version's document (front matter, agents
 * and humans, the authority and escalation graph, the claims by section with their prose),
 * and the form to compare two versions (diff.ts).
 */
import { CID } from 'multiformats/cid'
import type { LogEntry, ShowResult } from '../../app/types.ts'
import type { Claim, OosBody } from '../../oos/types.ts'
import { claimCid } from '../../records/claims.ts'
import { graphSvg } from '../graph.ts'
import { html, seg, short, when, type Html } from '../html.ts'
import type { Page } from '../layout.ts'

type JsonClaim = ShowResult['rec']['body']['claims'][number]
type Entity = Record<string, unknown>

/** A claim's CID (SPEC §5) from its JSON form: the same claim with its CIDs parsed again. */
export function jsonClaimCid (org: string, c: JsonClaim): string {
  const claim = { ...c, ...(c.derived_from !== undefined ? { derived_from: c.derived_from.map(s => CID.parse(s)) } : {}) } as Claim
  return claimCid(org, claim).toString()
}

export const claimLink = (cid: string, text: Html | string): Html => html`<a href="/ui/claim/${seg(cid)}">${text}</a>`

const text = (v: unknown): string => Array.isArray(v) ? v.map(String).join(', ') : v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v)

function entityTable (title: string, rows: Entity[], cols: Array<[string, string]>): Html {
  if (rows.length === 0) return html``
  return html`<h3>${title}</h3><div class="scroll"><table class="entities">
<thead><tr>${cols.map(([, label]) => html`<th scope="col">${label}</th>`)}</tr></thead>
<tbody>${rows.map(r => html`<tr>${cols.map(([k, label]) => html`<td data-label="${label}">${text(r[k])}</td>`)}</tr>`)}</tbody></table></div>`
}

/** One claim as a card: its rule, why and failure mode, the rest in a line. */
export function claimCard (org: string, c: JsonClaim): Html {
  const cid = jsonClaimCid(org, c)
  return html`<article class="claim" id="claim-${c.claim_id}">
<h4>${claimLink(cid, html`<span class="cid-id">${c.claim_id}</span> ${c.rule}`)}</h4>
<dl class="fields"><dt>Why</dt><dd>${c.why}</dd><dt>Failure mode</dt><dd>${c.failure_mode}</dd><dt>Scope</dt><dd>${c.scope}</dd></dl>
<p class="meta"><span class="badge">${c.confidence}</span> <span class="badge">${c.evidence}</span>${c.derived_from !== undefined ? html` <span class="badge">adopted</span>` : ''}</p>
</article>`
}

/** The document: its front matter (beside the versions), then agents and humans, then the claims. */
function documentView (org: string, body: ShowResult['rec']['body']): { facts: Html, rest: Html } {
  const fm = body.frontmatter
  const agents = (body.entities?.agents ?? []) as Entity[]
  const humans = (body.entities?.humans ?? []) as Entity[]
  const levels = ((body.entities?.escalation_hierarchy as Entity | undefined)?.levels ?? []) as Entity[]
  const placed = new Set<string>()
  const claims = new Map(body.claims.map(c => [c.claim_id, c]))
  const sections = (body.sections ?? []).map(s => {
    const blocks = s.blocks.map(b => {
      if ('claim' in b) {
        const c = claims.get(b.claim)
        if (c === undefined) return html``
        placed.add(c.claim_id)
        return claimCard(org, c)
      }
      return html`${b.text.split(/\n{2,}/).filter(p => p.trim() !== '').map(p => html`<p class="prose">${p}</p>`)}`
    })
    return html`<section class="doc-section">${s.heading !== '' ? html`<h3>${s.heading}</h3>` : ''}${blocks}</section>`
  })
  const unplaced = body.claims.filter(c => !placed.has(c.claim_id))
  const bySection = new Map<string, JsonClaim[]>()
  for (const c of unplaced) bySection.set(c.section, [...(bySection.get(c.section) ?? []), c])
  const facts = html`<section aria-labelledby="fm-h"><h2 id="fm-h">${fm.org_pseudonym}, version ${fm.version}</h2>
<dl class="facts"><dt>Industry</dt><dd>${fm.industry}</dd><dt>Size</dt><dd>${fm.org_size}</dd><dt>Template</dt><dd>${fm.template}</dd>
<dt>Agents</dt><dd>${fm.agent_count}</dd><dt>Claims</dt><dd>${fm.claim_count}</dd><dt>Platforms</dt><dd>${fm.platforms.join(', ')}</dd><dt>Generated</dt><dd>${fm.generated_at}</dd></dl></section>`
  const rest = html`<section aria-labelledby="people-h"><h2 id="people-h">Agents and humans</h2>
${graphSvg(body.entities as OosBody['entities'])}
${entityTable('Agents', agents, [['id', 'id'], ['name', 'Name'], ['role', 'Role'], ['authority_level', 'Authority'], ['escalates_to', 'Escalates to'], ['owns', 'Owns'], ['does_not_own', 'Does not own']])}
${entityTable('Humans', humans, [['id', 'id'], ['role', 'Role'], ['authority_level', 'Authority'], ['override_authority', 'Can override'], ['approves', 'Approves']])}
${entityTable('Escalation', levels, [['level', 'Level'], ['handler', 'Handler'], ['trigger', 'Trigger'], ['response_time', 'Response time'], ['authority', 'Authority']])}
</section>
<section aria-labelledby="claims-h"><h2 id="claims-h">Document and claims</h2>
${sections}
${[...bySection].map(([section, cs]) => html`<section class="doc-section"><h3>${section}</h3>${cs.map(c => claimCard(org, c))}</section>`)}
</section>`
  return { facts, rest }
}

function versionsView (org: string, log: LogEntry[], seq: number): Html {
  const seqs = log.map(e => e.seq)
  const options = (selected: number): Html[] => seqs.map(s => html`<option value="${s}"${s === selected ? html` selected` : ''}>v${s}</option>`)
  return html`<section aria-labelledby="versions-h"><h2 id="versions-h">Versions</h2>
<ol class="versions" reversed>${log.map(e => html`<li>${e.seq === seq ? html`<strong aria-current="true">v${e.seq}</strong>` : html`<a href="/ui/org/${seg(org)}?seq=${e.seq}">v${e.seq}</a>`} ${when(e.createdAt)} · ${e.claims} claims · ${short(e.cid, 12)}</li>`)}</ol>
${seqs.length > 1
    ? html`<form class="diff-form" action="/ui/org/${seg(org)}/diff" method="get"><label for="diff-a">Compare</label> <select id="diff-a" name="a">${options(Math.max(1, seq - 1) === seq ? seqs[seqs.length - 1] : seq - 1)}</select> <label for="diff-b">with</label> <select id="diff-b" name="b">${options(seq)}</select> <button type="submit">Show changes</button></form>`
    : ''}
</section>`
}

export function orgPage (org: string, name: string, log: LogEntry[], shown: ShowResult): Page {
  const seq = shown.rec.seq
  const doc = documentView(org, shown.rec.body)
  return {
    title: `${name} v${seq}`,
    name: 'org',
    body: html`<h1>${name}</h1>
<p class="sub">${short(org, 40)} · <span class="trust ${shown.label.trust}">${shown.label.trust}</span></p>
<div class="two">
<div class="doc">${doc.facts}</div>
<aside>${versionsView(org, log, seq)}</aside>
</div>
${doc.rest}`
  }
}
