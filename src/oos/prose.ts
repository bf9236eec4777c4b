/**
 * Counts stated in prose (protocol/BODY.md §6.2): a document's own text often restates its
 * distributions, e.g. a "Confidence Map" table (`| HIGH | 5 | 36% |`) or a line `- LOW: 3`.
 * When a reader corrects the front matter, such text goes stale and nothing else would say
 * so. These are warnings: prose is the author's, never rewritten.
 */
import { CONFIDENCE, EVIDENCE, type OosBody } from './types.ts'

export interface ProseWarning {
  code: 'PROSE_COUNTS'
  /** `sections[i].blocks[j]` */
  path: string
  line?: number
  message: string
}

const LABELS = new Set<string>([...CONFIDENCE, ...EVIDENCE])

/** `| LABEL | N | …` (a table row) or `LABEL: N` (a line, optionally a list item, bold or code). */
function statedCount (line: string): [string, number] | null {
  const t = line.trim()
  let label: string
  let count: string
  if (t.startsWith('|')) {
    const cells = t.split('|').slice(1).map(c => c.trim())
    if (cells.length < 2) return null
    label = cells[0]
    count = cells[1]
  } else {
    const m = /^(?:[-*+]\s+)?([*_`]*[A-Za-z][A-Za-z _-]*[*_`]*)\s*[:=]\s*([*_`]*\d+[*_`]*)(?:\s|$|[.,;(])/.exec(t)
    if (m === null) return null
    label = m[1]
    count = m[2]
  }
  const key = label.replace(/[*_`]+$|^[*_`]+/g, '').trim().toUpperCase().replace(/[ -]+/g, '_')
  const n = /^[*_`]*(\d+)[*_`]*$/.exec(count)
  if (!LABELS.has(key) || n === null) return null
  return [key, Number(n[1])]
}

/** Lines of the body's text blocks that state a confidence or evidence count the claims do not give. */
export function proseCountWarnings (body: OosBody, lines?: Map<string, number>): ProseWarning[] {
  const fm = body.frontmatter as unknown as Record<string, Record<string, unknown> | undefined>
  const out: ProseWarning[] = []
  const sections = Array.isArray(body.sections) ? body.sections : []
  sections.forEach((s, i) => {
    (Array.isArray(s?.blocks) ? s.blocks : []).forEach((b, j) => {
      if (typeof (b as { text?: unknown }).text !== 'string') return
      const path = `sections[${i}].blocks[${j}]`
      const first = lines?.get(path)
      ;(b as { text: string }).text.split('\n').forEach((l, k) => {
        const stated = statedCount(l)
        if (stated === null) return
        const [label, n] = stated
        const dist = (CONFIDENCE as readonly string[]).includes(label) ? 'confidence_distribution' : 'evidence_distribution'
        const actual = fm[dist]?.[label.toLowerCase()]
        if (typeof actual !== 'number' || actual === n) return
        const w: ProseWarning = { code: 'PROSE_COUNTS', path, message: `the prose says ${label} ${n}, the claims give ${actual} (frontmatter.${dist}.${label.toLowerCase()}); update the text` }
        if (first !== undefined) w.line = first + k
        out.push(w)
      })
    })
  })
  return out
}
