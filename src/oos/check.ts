/**
 * Checking a document as a person edits it (protocol/BODY.md §7.6): every problem at once, each
 * with its line (`.oos.md`) or JSON path (`.oos.json`), every correction a reader makes, and
 * warnings about prose that states counts the corrected front matter contradicts. What
 * `oos validate` and `oos publish --dry-run` report. Pure: no I/O, no key, no node.
 *
 * Ingest does not use this: it stops at the first problem (validate.ts).
 */
import type { OosBody } from './types.ts'
import { OosError } from '../errors.ts'
import { parseOosMarkdown, type ParseResult, type Presentation } from './markdown.ts'
import { parseOosJson } from './json.ts'
import { checkExtensions, checkPlainData, reportingValidator, toError } from './validate.ts'
import { checkWritable } from './write.ts'
import type { Correction } from './derive.ts'
import { proseCountWarnings } from './prose.ts'

export interface Problem {
  /** PARSE_ERROR, INVALID_UTF8, SCHEMA_INVALID, LIMIT_EXCEEDED; a warning: PROSE_COUNTS */
  code: string
  /** JSON path (`claims[3].confidence`) or `line N` */
  path: string
  /** the file line, for `.oos.md` */
  line?: number
  message: string
}

export interface DocumentReport {
  /** the body read (corrections applied), when the text could be read at all */
  body?: OosBody
  /** what a reader corrected: derived fields, nulls in optional fields */
  corrections: Correction[]
  /** every problem that keeps the document from being published; empty when valid */
  errors: Problem[]
  /** things to look at that do not stop publishing */
  warnings: Problem[]
  /** `.oos.md`: the file line of each value read, by path (for problems found by the caller) */
  lines?: Map<string, number>
  /** `.oos.md`: the file's list styles (BODY.md §5.4), for writing it back as it was */
  presentation?: Presentation
}

/** The line of `path` or of its nearest ancestor that has one. */
export function lineOf (lines: Map<string, number> | undefined, path: string): number | undefined {
  if (lines === undefined) return undefined
  let p = path
  while (p !== '') {
    const l = lines.get(p)
    if (l !== undefined) return l
    const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['))
    p = cut <= 0 ? '' : p.slice(0, cut)
  }
  return undefined
}

function problem (e: OosError, lines?: Map<string, number>): Problem {
  const path = e.path ?? ''
  const m = /^line (\d+)$/.exec(path)
  const line = m !== null ? Number(m[1]) : lineOf(lines, path)
  const message = line === undefined || m !== null ? e.message : `line ${line}: ${e.message}`
  return line === undefined ? { code: e.code, path, message } : { code: e.code, path, line, message }
}

/**
 * Every problem of a body: all the schema errors (not only the first), then, per claim and
 * per section, the line-grammar rules, then the plain-data rules. An error under a path that
 * already has one is not repeated.
 */
export function reportBody (body: OosBody, lines?: Map<string, number>, reported: Iterable<string> = []): Problem[] {
  const found: OosError[] = []
  const validate = reportingValidator()
  // a `propertyNames` error follows the error of the name it names (reported already)
  if (!validate(body)) for (const e of validate.errors ?? []) if (e.keyword !== 'propertyNames') found.push(toError(e, body))
  const sink = (e: OosError): void => { found.push(e) }
  const guard = (check: () => void): void => {
    try { check() } catch (err) { if (err instanceof OosError) sink(err); else throw err }
  }
  guard(() => { checkWritable(body, { sink: e => { sink(e) } }) })
  if (body.entities !== undefined) guard(() => { checkPlainData(body.entities, 'entities', 0) })
  guard(() => { checkExtensions(body) })
  const out: Problem[] = []
  const seen = new Set<string>(reported)
  for (const e of found) {
    const path = e.path ?? ''
    // one error per path: the schema's (first) wins over the code rules' restatement
    if (seen.has(path)) continue
    seen.add(path)
    out.push(problem(e, lines))
  }
  return out
}

/** Where a path stands in a document: extension keys, front matter, entities, claims, sections; then its indexes. */
function pathRank (path: string): number[] {
  const top = BODY_ORDER.indexOf(/^[^.[]*/.exec(path)?.[0] ?? '')
  return [top, ...[...path.matchAll(/\[(\d+)\]/g)].map(m => Number(m[1]))]
}
const BODY_ORDER = ['frontmatter', 'entities', 'claims', 'sections']

/** In document order: by line in `.oos.md`, by path in `.oos.json` (sorting is stable). */
export function byLine (a: Problem, b: Problem): number {
  const la = a.line ?? lineNo(a.path)
  const lb = b.line ?? lineNo(b.path)
  if (la !== lb) return la - lb
  const ra = pathRank(a.path)
  const rb = pathRank(b.path)
  for (let i = 0; i < Math.min(ra.length, rb.length); i++) if (ra[i] !== rb[i]) return ra[i] - rb[i]
  return 0
}
const lineNo = (path: string): number => Number(/^line (\d+)$/.exec(path)?.[1] ?? 0)

/** Read and check a document text: `format` is `md` (`.oos.md`) or `json` (`.oos.json`). */
export function checkDocument (text: string, format: 'md' | 'json'): DocumentReport {
  let parsed: ParseResult
  const stepped: Array<{ error: OosError, path?: string }> = []
  try {
    parsed = format === 'json' ? parseOosJson(text) : parseOosMarkdown(text, { problems: stepped })
  } catch (err) {
    if (!(err instanceof OosError)) throw err
    return { corrections: [], errors: [...stepped.map(s => problem(s.error)), problem(err)].sort(byLine), warnings: [] }
  }
  const { body, corrections, lines, presentation } = parsed
  const reported = stepped.flatMap(s => s.path === undefined ? [] : [s.path])
  const errors = [...stepped.map(s => problem(s.error)), ...reportBody(body, lines, reported)].sort(byLine)
  const warnings = proseCountWarnings(body, lines).map(w => ({ ...w, message: w.line === undefined ? w.message : `line ${w.line}: ${w.message}` }))
  const report: DocumentReport = { body, corrections, errors, warnings }
  if (lines !== undefined) report.lines = lines
  if (presentation !== undefined) report.presentation = presentation
  return report
}
