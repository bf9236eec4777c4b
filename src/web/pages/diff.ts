/** What changed between two versions of an org (oos/diff.ts, as `oos diff` shows it). */
import type { ShowResult } from '../../app/types.ts'
import { diffBodies } from '../../oos/diff.ts'
import type { OosBody } from '../../oos/types.ts'
import { html, seg, type Html } from '../html.ts'
import type { Page } from '../layout.ts'
import { claimLink, jsonClaimCid } from './org.ts'

const value = (v: unknown): string => v === undefined ? '(absent)' : typeof v === 'string' ? v : JSON.stringify(v)

export function diffPage (org: string, name: string, a: ShowResult, b: ShowResult): Page {
  // the JSON forms: CIDs (derived_from) are strings on both sides, which compares the same
  const d = diffBodies(a.rec.body as unknown as OosBody, b.rec.body as unknown as OosBody)
  const link = (c: Parameters<typeof jsonClaimCid>[1], t: Html | string): Html => claimLink(jsonClaimCid(org, c), t)
  const rows: Html[] = [
    ...d.claims.added.map(c => html`<li class="added"><span class="mark" aria-hidden="true">+</span> <strong>${c.claim_id}</strong> added: ${link(c as never, c.rule)} <span class="badge">${c.confidence}</span> <span class="badge">${c.evidence}</span></li>`),
    ...d.claims.removed.map(c => html`<li class="removed"><span class="mark" aria-hidden="true">−</span> <strong>${c.claim_id}</strong> retired: ${link(c as never, c.rule)}</li>`),
    ...d.claims.changed.map(c => {
      const before = c.before as unknown as Record<string, unknown>
      const after = c.after as unknown as Record<string, unknown>
      const what = [
        ...(c.reworded.length > 0 ? [`reworded (${c.reworded.join(', ')})`] : []),
        ...(c.confidence !== undefined ? [`confidence ${c.confidence.from} → ${c.confidence.to}`] : []),
        ...(c.evidence !== undefined ? [`evidence ${c.evidence.from} → ${c.evidence.to}`] : [])
      ]
      return html`<li class="changed"><span class="mark" aria-hidden="true">~</span> <strong>${c.claim_id}</strong> ${what.join('; ') || 'changed'}: ${link(c.after as never, 'new wording')}
<dl class="fields">${c.fields.map(f => html`<dt>${f}</dt><dd><del>${value(before[f])}</del><ins>${value(after[f])}</ins></dd>`)}</dl></li>`
    }),
    ...d.entities.added.map(e => html`<li class="added"><span class="mark" aria-hidden="true">+</span> <strong>${e.id}</strong> ${e.kind} added: ${e.name}</li>`),
    ...d.entities.removed.map(e => html`<li class="removed"><span class="mark" aria-hidden="true">−</span> <strong>${e.id}</strong> ${e.kind} removed: ${e.name}</li>`),
    ...d.entities.changed.flatMap(e => e.changes.map(ch => html`<li class="changed"><span class="mark" aria-hidden="true">~</span> <strong>${e.id}</strong> ${ch.field}: ${ch.added !== undefined || ch.removed !== undefined
      ? html`${(ch.added ?? []).map(x => html` <ins>${x}</ins>`)}${(ch.removed ?? []).map(x => html` <del>${x}</del>`)}`
      : html`<del>${value(ch.from)}</del> → <ins>${value(ch.to)}</ins>`}</li>`))
  ]
  const sa = a.rec.seq
  const sb = b.rec.seq
  return {
    title: `${name}: v${sa} → v${sb}`,
    name: 'diff',
    body: html`<h1>${name}: changes from v${sa} to v${sb}</h1>
<p><a href="/ui/org/${seg(org)}?seq=${sb}">Back to v${sb}</a></p>
<p class="summary">${d.claims.added.length} added, ${d.claims.changed.length} changed, ${d.claims.removed.length} retired, ${d.claims.unchanged} unchanged; ${d.entities.added.length + d.entities.removed.length + d.entities.changed.length} agent/human change(s).</p>
${rows.length === 0 ? html`<p>No changes.</p>` : html`<ul class="diff">${rows}</ul>`}`
  }
}
