/** Search: the claims of every org held here, ranked (`App.search`), with each hit's org and standing. */
import type { SearchHit } from '../../app/search.ts'
import { CONFIDENCE } from '../../oos/types.ts'
import { html, seg } from '../html.ts'
import type { Page } from '../layout.ts'
import { orgLink } from './orgs.ts'

export interface SearchQuery { text: string, section?: string, confidence?: string, trusted?: boolean }

export function searchPage (q: SearchQuery, hits: SearchHit[] | undefined): Page {
  const name = (h: SearchHit): string => h.label.alias ?? h.name
  return {
    title: q.text === '' ? 'Search' : `Search: ${q.text}`,
    name: 'search',
    body: html`<h1>Search claims</h1>
<form class="search" action="/ui/search" method="get">
<p><label for="s-q">Words</label> <input id="s-q" name="q" type="search" value="${q.text}" required></p>
<p><label for="s-section">Section</label> <input id="s-section" name="section" value="${q.section ?? ''}">
<label for="s-conf">Confidence</label> <select id="s-conf" name="confidence"><option value="">any</option>${CONFIDENCE.map(c => html`<option${q.confidence === c ? html` selected` : ''}>${c}</option>`)}</select>
<label><input type="checkbox" name="trusted" value="1"${q.trusted === true ? html` checked` : ''}> trusted orgs only</label>
<button type="submit">Search</button></p>
</form>
${hits === undefined
    ? ''
    : hits.length === 0
      ? html`<p>No claim matches.</p>`
      : html`<p>${hits.length} claim(s).</p><ul class="hits">${hits.map(h => html`<li>
<a href="/ui/claim/${seg(h.cid)}"><span class="cid-id">${h.claim_id}</span> ${h.rule}</a>
<p class="meta">${orgLink(h.org, name(h))} <span class="muted">${h.label.trust}</span> · v${h.seq}${h.current ? '' : ' (not in the latest version)'} · ${h.section} · <span class="badge">${h.confidence}</span> <span class="badge">${h.evidence}</span> · ${h.endorsements} endorsed, ${h.disputes} disputed · matched ${h.matched.join(', ')}</p>
</li>`)}</ul>`}`
  }
}
