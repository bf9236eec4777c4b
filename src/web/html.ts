/**
 * HTML by tagged template: every interpolated value is escaped unless it is `Html` made by
 * this module, so text from peers (claims, notes, names) can only ever be text on a page.
 */

/** Markup made here (already escaped); anything else interpolated is text. */
export class Html {
  readonly text: string
  constructor (text: string) { this.text = text }
  toString (): string { return this.text }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Text as HTML text or a quoted attribute value. */
export const esc = (text: string): string => text.replace(/[&<>"']/g, c => ENTITIES[c])

function piece (v: unknown): string {
  if (v instanceof Html) return v.text
  if (Array.isArray(v)) return v.map(piece).join('')
  if (v === undefined || v === null || v === false) return ''
  return esc(String(v))
}

/** `html\`<p>${text}</p>\``: the values escaped, `Html` values and arrays of them kept. */
export function html (strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0]
  for (let i = 0; i < values.length; i++) out += piece(values[i]) + strings[i + 1]
  return new Html(out)
}

/** A path segment or query value in a link (the whole URL is escaped again as an attribute). */
export const seg = (value: string | number): string => encodeURIComponent(String(value))

/** The first characters of a did or CID, the whole in its title. */
export function short (id: string, keep = 16): Html {
  const shown = id.length > keep + 6 ? `${id.slice(0, keep)}…${id.slice(-4)}` : id
  return html`<code class="id" title="${id}">${shown}</code>`
}

/** A date (ISO string or ms) as `2026-02-09 14:30 UTC`, machine-readable in <time>. */
export function when (at: string | number): Html {
  const d = new Date(at)
  if (Number.isNaN(d.getTime())) return html`${String(at)}`
  const iso = d.toISOString()
  return html`<time datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>`
}
