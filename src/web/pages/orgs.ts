/** Organizations: every org known here (`App.orgs`), with how we stand towards it. */
import type { OrgRow } from '../../app/types.ts'
import { html, seg, short, type Html } from '../html.ts'
import type { Page } from '../layout.ts'

/** How an org is named on a page: its alias, else its pseudonym, else its did's start. */
export function orgName (row: { alias?: string, pseudonym?: string, org: string }): string {
  return row.alias ?? row.pseudonym ?? row.org.slice(0, 20)
}

export const orgLink = (org: string, name: string): Html => html`<a href="/ui/org/${seg(org)}">${name}</a>`

const yes = (b: boolean): Html => b ? html`<span class="yes">yes</span>` : html`<span class="no">no</span>`

/** What the feed says of an org (app/feed.ts events): it signed two versions at one seq, it rotated its key. */
export type OrgFlag = 'equivocation' | 'rotation'

/** The flags of an org worth a reader's attention. */
function flags (r: OrgRow, seen: ReadonlySet<OrgFlag>): Html[] {
  const out: Html[] = []
  if (seen.has('equivocation')) out.push(html`<span class="flag bad" title="two different versions signed at one seq are held: its claims are compromised">equivocation</span>`)
  if (seen.has('rotation')) out.push(html`<span class="flag" title="it rotated its org key">key rotated</span>`)
  if (r.self) out.push(html`<span class="flag us">ours</span>`)
  if (r.nameShared) out.push(html`<span class="flag warn" title="another org known here has the same pseudonym: tell them apart by did">name shared</span>`)
  if (r.trust === 'untrusted') out.push(html`<span class="flag warn">set untrusted</span>`)
  if (r.head === null) out.push(html`<span class="flag">no version held</span>`)
  return out
}

export function orgsPage (rows: OrgRow[], flagged: ReadonlyMap<string, ReadonlySet<OrgFlag>> = new Map()): Page {
  return {
    title: 'Organizations',
    name: 'orgs',
    body: html`<h1>Organizations</h1>
<p>${rows.length} organization(s) known here: ours, followed, or held.</p>
<div class="scroll"><table class="orgs">
<thead><tr><th scope="col">Name</th><th scope="col">did</th><th scope="col">Followed</th><th scope="col">Trusted</th><th scope="col">Head</th><th scope="col">Flags</th></tr></thead>
<tbody>${rows.map(r => html`<tr>
<td data-label="Name">${orgLink(r.org, orgName(r))}${r.alias !== undefined && r.pseudonym !== undefined && r.alias !== r.pseudonym ? html` <span class="muted">(${r.pseudonym})</span>` : ''}</td>
<td data-label="did">${short(r.org, 20)}</td>
<td data-label="Followed">${yes(r.followed)}</td>
<td data-label="Trusted">${yes(r.trusted)} <span class="muted">${r.trust}</span></td>
<td data-label="Head">${r.head === null ? '—' : html`<a href="/ui/org/${seg(r.org)}?seq=${r.head.seq}">v${r.head.seq}</a>`}</td>
<td data-label="Flags">${flags(r, flagged.get(r.org) ?? new Set())}</td>
</tr>`)}</tbody>
</table></div>`
  }
}
