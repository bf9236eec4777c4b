/**
 * A claim: its text and every field, and its provenance (`App.provenance`): the author and
 * the check of its chain, the versions that carry it, endorsements and disputes with their
 * status, the derivation tree, and the claims of other orgs that say the same or the
 * opposite. The endorsements are also a fragment of their own, which the page's script
 * fetches again when the event stream says a statement about this claim arrived.
 */
import type { DerivationNode, ProvenanceReport, ShowResult } from '../../app/types.ts'
import type { SimilarHit } from '../../app/similar.ts'
import { EVIDENCE } from '../../oos/types.ts'
import { html, seg, short, when, type Html } from '../html.ts'
import type { Page, PageContext } from '../layout.ts'
import { orgLink } from './orgs.ts'

const text = (v: unknown): string => Array.isArray(v) ? v.map(String).join(', ') : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)

/** The endorsements and disputes of the claim, with the counts (the live part of the page). */
export function endorsementsView (p: ProvenanceReport): Html {
  const rows = p.endorsements
  return html`<p class="counts"><span class="count" data-count="confirmations">${p.confirmations.length}</span> trusted confirmation(s), <span class="count" data-count="disputes">${p.disputes.length}</span> trusted dispute(s) · verdict <strong class="verdict ${p.verdict}">${p.verdict}</strong></p>
<ul class="reasons">${p.reasons.map(r => html`<li>${r}</li>`)}</ul>
${rows.length === 0
    ? html`<p class="muted">No endorsement or dispute held.</p>`
    : html`<ul class="statements">${rows.map(e => html`<li class="statement ${e.stance}" data-cid="${e.cid}">
<span class="badge ${e.stance}">${e.stance}</span> by ${orgLink(e.org, e.name ?? e.org.slice(0, 20))} ${when(e.createdAt)}
<span class="status ${e.status}">${e.status}</span>${e.trusted ? html` <span class="flag">trusted</span>` : ''}${e.counted ? '' : html` <span class="muted">not counted${e.notCounted !== undefined ? html`: ${e.notCounted}` : ''}</span>`}
${e.note !== undefined ? html`<blockquote class="note">${e.note}</blockquote>` : ''}
${e.evidence !== undefined ? html`<p class="evidence"><span class="badge">${e.evidence.type}</span> ${e.evidence.text}</p>` : ''}
${e.retraction !== undefined ? html`<p class="muted">retracted ${when(e.retraction.createdAt)}: ${e.retraction.reason}</p>` : ''}
</li>`)}</ul>`}`
}

function derivation (nodes: DerivationNode[]): Html {
  if (nodes.length === 0) return html``
  return html`<ul class="tree">${nodes.map(n => html`<li>${n.known
    ? html`<a href="/ui/claim/${seg(n.cid)}">${n.claim_id ?? ''} ${n.rule ?? n.cid}</a> by ${n.name ?? n.org ?? ''}`
    : html`${short(n.cid)} <span class="muted">not held here</span>`} ${n.verified ? html`<span class="yes">verified</span>` : html`<span class="no">not verified</span>`}${n.cycle === true ? ' (cycle)' : ''}${n.truncated === true ? ' (not followed further)' : ''}
${derivation(n.derived_from)}</li>`)}</ul>`
}

/** The form to endorse or dispute (under `--ui-write`): the script posts it with the CSRF token. */
function endorseForm (cid: string): Html {
  return html`<form id="endorse-form" class="endorse" data-target="${cid}">
<fieldset><legend>Your statement</legend>
<p><label><input type="radio" name="stance" value="endorse" checked> Endorse</label> <label><input type="radio" name="stance" value="dispute"> Dispute</label></p>
<p><label for="endorse-note">Note</label><textarea id="endorse-note" name="note" rows="2" maxlength="2000"></textarea></p>
<p><label for="endorse-evidence">Evidence</label><select id="endorse-evidence" name="evidence"><option value="">none</option>${EVIDENCE.map(e => html`<option value="${e}">${e}</option>`)}</select>
<label for="endorse-evidence-text" class="sr">Evidence text</label><input id="endorse-evidence-text" name="evidenceText" placeholder="what shows it" maxlength="2000"></p>
<p><button type="submit">Sign and publish</button></p>
</fieldset>
<p id="endorse-status" class="status-line" role="status" aria-live="polite"></p>
</form>`
}

/** Claims of other orgs that say the same (agrees), the opposite (contradicts), or are near (related), with their standing. */
export function similarView (rows: SimilarHit[]): Html {
  if (rows.length === 0) return html`<p class="muted">No claim of another org says the same or the opposite.</p>`
  return html`<ul class="similar">${rows.map(r => html`<li class="${r.relation}" data-cid="${r.cid}"><span class="badge ${r.relation}">${r.relation}</span> <a href="/ui/claim/${seg(r.cid)}"><span class="cid-id">${r.claim_id}</span> ${r.rule}</a>
<p class="meta">by ${orgLink(r.org, r.label.alias ?? r.name)} <span class="muted">${r.label.trust}</span> · similarity ${r.similarity.toFixed(2)} · verdict ${r.provenance.verdict} · in ${r.provenance.versions} version(s) · ${r.provenance.endorsements} trusted confirmation(s), ${r.provenance.disputes} trusted dispute(s)</p></li>`)}</ul>`
}

export function claimPage (p: ProvenanceReport, shown: ShowResult, similar: SimilarHit[], ctx: PageContext): Page {
  const c = p.claim
  const claim = shown.rec.body.claims.find(x => x.claim_id === c.claim_id) as Record<string, unknown> | undefined
  const a = p.author
  const name = a.name ?? a.org.slice(0, 20)
  return {
    title: `${c.claim_id} of ${name}`,
    name: 'claim',
    data: { cid: c.cid },
    body: html`<h1><span class="cid-id">${c.claim_id}</span> ${c.rule}</h1>
<p class="sub">by ${orgLink(a.org, name)} · ${short(c.cid, 24)}${c.retracted !== undefined ? html` · <strong>retracted</strong>: ${c.retracted.reason}` : ''}</p>
<div class="two">
<div>
<section aria-labelledby="fields-h"><h2 id="fields-h">The claim</h2>
<dl class="fields">${Object.entries(claim ?? c).filter(([k]) => k !== 'claim_id').map(([k, v]) => html`<dt>${k}</dt><dd>${text(v)}</dd>`)}</dl></section>
<section aria-labelledby="st-h"><h2 id="st-h">Endorsements and disputes</h2>
<p class="live" role="status">connecting…</p>
<div id="endorsements" aria-live="polite">${endorsementsView(p)}</div>
${ctx.write ? endorseForm(c.cid) : html`<p class="muted">Read-only: start the node with <kbd>oos start --ui-write</kbd> to endorse or dispute from here.</p>`}
</section>
<section aria-labelledby="sim-h"><h2 id="sim-h">Similar claims of other orgs</h2>${similarView(similar)}</section>
</div>
<aside>
<section aria-labelledby="author-h"><h2 id="author-h">Author</h2>
<dl class="facts"><dt>Org</dt><dd>${orgLink(a.org, name)}</dd><dt>did</dt><dd>${short(a.org, 24)}</dd>
<dt>Chain</dt><dd>${a.chain.valid ? html`<span class="yes">verifies</span>` : html`<span class="no">does not verify</span>`} from v1 to v${a.chain.head} (${a.chain.versions} versions, ${a.chain.rotations} rotations; by ${a.chain.checkedBy})</dd>
${a.chain.errors.map(e => html`<dt>error</dt><dd><code>${e.code}</code> ${e.message}</dd>`)}
<dt>Trusted</dt><dd>${a.self ? 'ours' : a.trusted ? 'yes' : 'no'}</dd>
<dt>Key</dt><dd>${short(a.keys.current, 20)}${a.keys.rotations.length > 0 ? html` (${a.keys.rotations.length} rotation(s))` : ''}</dd>
<dt>Node binding</dt><dd>${a.binding.present ? (a.binding.signed ? 'signed' : 'present, not signed') : 'none'}</dd>
${p.equivocation.flagged ? html`<dt>Flag</dt><dd class="no">equivocation at ${p.equivocation.proofs.map(x => `v${x.seq}`).join(', ')}</dd>` : ''}
</dl></section>
<section aria-labelledby="ver-h"><h2 id="ver-h">Versions</h2>
<p>First in <a href="/ui/org/${seg(a.org)}?seq=${p.versions.firstSeen.seq}">v${p.versions.firstSeen.seq}</a> (${when(p.versions.firstSeen.createdAt)}), last in <a href="/ui/org/${seg(a.org)}?seq=${p.versions.lastSeen.seq}">v${p.versions.lastSeen.seq}</a>; ${p.versions.current ? 'in the latest version' : p.versions.retired ? `retired at v${p.versions.retiredAt ?? '?'}` : 'not in the latest version'}.</p>
<p>Held in ${p.versions.runs.map((r, i) => html`${i > 0 ? ', ' : ''}v${r.from}${r.until === undefined ? ' onwards' : r.until - 1 > r.from ? `–v${r.until - 1}` : ''}`)}.</p>
${p.versions.supersededBy !== undefined ? html`<p>Reworded as <a href="/ui/claim/${seg(String(p.versions.supersededBy.cid))}">its new wording</a>.</p>` : ''}
</section>
<section aria-labelledby="der-h"><h2 id="der-h">Derivation</h2>
${p.derivation.sources.length === 0 ? html`<p class="muted">Written by its author, not adopted.</p>` : derivation(p.derivation.sources)}
</section>
</aside>
</div>`
  }
}
