/**
 * `oos diff` and `oos log -p / --stat` for people: every changed field of a claim with its
 * text before and after (`-` / `+` lines, as git shows them), and on a terminal the changed
 * words marked (`diffColors`). Peer text goes through `clean()`; colour is added after the
 * whole text is escaped (style.ts).
 */
import type { BodyDiff } from '../oos/diff.ts'
import type { Claim } from '../oos/types.ts'
import { clean } from './render.ts'
import type { Colorize, Paint } from './style.ts'

/** The value of a claim field for a `-` / `+` line: text as it is, anything else as JSON. */
function value (v: unknown): string {
  if (v === undefined) return '(absent)'
  return typeof v === 'string' ? clean(v) : clean(JSON.stringify(v, (_k, x) => x?.['/'] !== undefined ? x['/'] : x))
}

/** The before / after of one claim's changed fields, JSON-ready (CIDs as strings). */
export function changedValues (c: Claim, fields: string[]): Record<string, unknown> {
  const rec = c as unknown as Record<string, unknown>
  return Object.fromEntries(fields.filter(f => rec[f] !== undefined).map(f => [f, Array.isArray(rec[f]) ? (rec[f] as unknown[]).map(String) : rec[f]]))
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
    const others = c.fields.filter(f => !(c.reworded as string[]).includes(f) && f !== 'confidence' && f !== 'evidence')
    if (others.length > 0) parts.push(`changed (${others.join(', ')})`)
    lines.push(`  ~ ${c.claim_id}  ${parts.join('; ')}`)
    const before = c.before as unknown as Record<string, unknown>
    const after = c.after as unknown as Record<string, unknown>
    for (const f of c.fields) {
      if (f === 'confidence' || f === 'evidence') continue // said on the line above
      lines.push(`      ${f}`)
      lines.push(`      - ${value(before[f])}`)
      lines.push(`      + ${value(after[f])}`)
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

/** `log --stat`: one line of counts for a version against the one before it. */
export function renderStat (d: BodyDiff): string {
  const n = (k: number, what: string): string => `${k} ${what}`
  const e = d.entities
  const ents = e.added.length + e.removed.length + e.changed.length
  return `        ${[n(d.claims.added.length, 'added'), n(d.claims.changed.length, 'changed'), n(d.claims.removed.length, 'removed'), n(d.claims.unchanged, 'unchanged')].join(', ')} claims${ents > 0 ? `; ${n(e.added.length, 'added')}, ${n(e.changed.length, 'changed')}, ${n(e.removed.length, 'removed')} agents/humans` : ''}`
}

const MAX_CELLS = 250_000

/**
 * The words of `a` and `b` that are not in their longest common subsequence (tokens: runs of
 * spaces and of non-spaces); everything, when the texts are too long to compare cheaply.
 */
export function wordDiff (a: string, b: string): { a: boolean[], b: boolean[], at: string[], bt: string[] } {
  const at = a.split(/(\s+)/).filter(t => t !== '')
  const bt = b.split(/(\s+)/).filter(t => t !== '')
  if (at.length * bt.length > MAX_CELLS) return { a: at.map(() => true), b: bt.map(() => true), at, bt }
  const w = bt.length + 1
  const l = new Uint32Array((at.length + 1) * w)
  for (let i = at.length - 1; i >= 0; i--) {
    for (let j = bt.length - 1; j >= 0; j--) {
      l[i * w + j] = at[i] === bt[j] ? l[(i + 1) * w + j + 1] + 1 : Math.max(l[(i + 1) * w + j], l[i * w + j + 1])
    }
  }
  const ma = at.map(() => true)
  const mb = bt.map(() => true)
  let i = 0
  let j = 0
  while (i < at.length && j < bt.length) {
    if (at[i] === bt[j]) { ma[i++] = false; mb[j++] = false } else if (l[(i + 1) * w + j] >= l[i * w + j + 1]) i++
    else j++
  }
  return { a: ma, b: mb, at, bt }
}

const marked = (tokens: string[], changed: boolean[], paint: Paint): string => tokens.map((t, k) => changed[k] && t.trim() !== '' ? paint.mark(t) : t).join('')

const REMOVED = /^(\s+- )(.*)$/
const ADDED = /^(\s+\+ )(.*)$/

/** Colour for a diff: added green, removed red, changed yellow; in a `-`/`+` pair, the changed words marked. */
export const diffColors: Colorize = (lines, paint) => {
  const out: string[] = []
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k]
    const minus = REMOVED.exec(line)
    const plus = minus !== null ? ADDED.exec(lines[k + 1] ?? '') : null
    if (minus !== null && plus !== null && minus[1].length === plus[1].length && minus[1].length > 4) {
      const d = wordDiff(minus[2], plus[2])
      out.push(paint.red(minus[1] + marked(d.at, d.a, paint)))
      out.push(paint.green(plus[1] + marked(d.bt, d.b, paint)))
      k++
    } else if (k === 0 || /^\S/.test(line)) out.push(paint.bold(line))
    else if (/^ {2}\+ /.test(line)) out.push(paint.green(line))
    else if (/^ {2}- /.test(line)) out.push(paint.red(line))
    else if (/^ {2}~ /.test(line)) out.push(paint.yellow(line))
    else if (/^ {6}[a-z_]+$/.test(line)) out.push(paint.cyan(line))
    else out.push(line)
  }
  return out
}
