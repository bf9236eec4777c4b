/**
 * Read a `.oos.md` document (protocol/BODY.md §5): YAML front matter between `---` lines,
 * then Markdown prose sections (`## Heading`) with claim blocks (`**[C001]** section` and
 * `- **Field:** value` lines).
 *
 * The parser reads structure, not meaning: it does not check enums, patterns or limits
 * (that is `validateBody`). It recomputes the derived front matter fields and reports what
 * it corrected. Every failure is an OosParseError whose message starts with `line N:`.
 */
import type * as YAML from 'yaml'
import { yamlLib } from './lazy.ts'
import { CID } from 'multiformats/cid'
import type { Claim, Entities, Frontmatter, OosBody, Section, SectionBlock } from './types.ts'
import { OosParseError } from './errors.ts'
import { applyDerived, type Correction } from './derive.ts'
import {
  BLANK_RE, CLAIM_HEADER_RE, CONTINUATION_RE, FENCE_RE, FIELD_RE, FIELDS, HEADING_RE, LABELS,
  BODY_KEYS, TOP_LEVEL_KEY, claimLikeProblem, isPlainObject, joinPath, normLabel, shown, trimST, type FieldSpec
} from './grammar.ts'
import { dropOptionalNulls } from './shape.ts'
import { checkDocumentText } from './text.ts'

export interface ParseResult {
  body: OosBody
  /**
   * derived front matter fields whose declared value was replaced by the recomputed one, and
   * nulls in optional fields, removed (`actual` undefined)
   */
  corrections: Correction[]
  /** `.oos.md` only: the file line of each value read, by path (`frontmatter.org_size`, `claims[2].rule`, `sections[1]`) */
  lines?: Map<string, number>
  /** `.oos.md` only: how the file wrote what the body does not hold (BODY.md §5.4), for a writer to keep */
  presentation?: Presentation
}

/**
 * Presentation of a `.oos.md` file, outside the signed body: the list style of each front
 * matter list, by body path (`true`: inline `[a, b]`; `false`: a block list). Plain JSON.
 */
export interface Presentation { flow: Record<string, boolean> }

/** The file line of every key and item of the front matter, by body path. */
function yamlLines (doc: YAML.Document.Parsed, src: string, firstLine: number, out: Map<string, number>, flow: Record<string, boolean>): void {
  const lineOf = (node: unknown): number | undefined => {
    const r = (node as { range?: [number] } | null)?.range
    return r === undefined ? undefined : firstLine + lineAt(src, r[0]) - 1
  }
  const walk = (node: unknown, base: string, depth: number): void => {
    if (yamlLib().isMap(node)) {
      for (const pair of node.items) {
        const key = yamlLib().isScalar(pair.key) ? String(pair.key.value) : ''
        const path = depth === 0
          ? (key === 'entities' ? 'entities' : key === TOP_LEVEL_KEY ? '' : joinPath('frontmatter', key))
          : joinPath(base, key)
        const line = lineOf(pair.key)
        if (line !== undefined) out.set(path === '' ? `frontmatter.${TOP_LEVEL_KEY}` : path, line)
        walk(pair.value, path, depth + 1)
      }
    } else if (yamlLib().isSeq(node)) {
      flow[base] = node.flow === true
      node.items.forEach((item, i) => {
        const line = lineOf(item)
        if (line !== undefined) out.set(`${base}[${i}]`, line)
        walk(item, `${base}[${i}]`, depth + 1)
      })
    }
  }
  walk(doc.contents, '', 0)
}

function fail (line: number, message: string): never {
  throw new OosParseError(`line ${line}: ${message}`, { path: `line ${line}` })
}

/** 1-based line of `offset` in `text`. */
function lineAt (text: string, offset: number): number {
  let n = 1
  const end = Math.min(offset, text.length)
  for (let i = 0; i < end; i++) if (text.charCodeAt(i) === 10) n++
  return n
}

const CORE_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map(t => `tag:yaml.org,2002:${t}`))
const TIMESTAMP_TAG = 'tag:yaml.org,2002:timestamp'

function parseFrontmatter (src: string, firstLine: number, lines: Map<string, number>, flow: Record<string, boolean>): Record<string, unknown> {
  let doc: YAML.Document.Parsed
  try {
    // YAML 1.2 core schema: timestamps stay strings exactly as written; explicit 1.1 tags
    // (!!binary, !!set, …) are refused below.
    doc = yamlLib().parseDocument(src, { schema: 'core', uniqueKeys: true, prettyErrors: true, strict: true })
  } catch (err) {
    fail(firstLine, `invalid YAML front matter: ${(err as Error).message}`)
  }
  const problem = doc.errors[0] ?? doc.warnings[0]
  if (problem !== undefined) {
    const line = problem.linePos?.[0]?.line ?? lineAt(src, problem.pos[0])
    const msg = problem.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')
    fail(firstLine + line - 1, `invalid YAML front matter: ${msg}`)
  }
  let value: unknown
  try {
    yamlLib().visit(doc, {
      Node (_key, node) {
        const tag = (node as { tag?: string }).tag
        if (tag === undefined || CORE_TAGS.has(tag)) return
        if (tag === TIMESTAMP_TAG && yamlLib().isScalar(node)) {
          // an explicit !!timestamp would become a Date: keep the string as written
          node.value = node.source ?? String(node.value)
          return
        }
        fail(firstLine + lineAt(src, node.range?.[0] ?? 0) - 1, `the YAML tag ${tag.replace('tag:yaml.org,2002:', '!!')} is not supported`)
      },
      Alias (_key, node) {
        fail(firstLine + lineAt(src, node.range?.[0] ?? 0) - 1, 'YAML aliases (*name) are not allowed in the front matter')
      },
      Pair (_key, pair) {
        if (!yamlLib().isScalar(pair.key)) {
          const at = (pair.key as { range?: [number] } | null)?.range?.[0] ?? (pair.value as { range?: [number] } | null)?.range?.[0] ?? 0
          fail(firstLine + lineAt(src, at) - 1, 'YAML keys must be plain scalars')
        }
      }
    })
    value = doc.toJS({ maxAliasCount: 0 })
  } catch (err) {
    if (err instanceof OosParseError) throw err
    fail(firstLine, `invalid YAML front matter: ${(err as Error).message}`)
  }
  if (!isPlainObject(value)) fail(firstLine, 'the front matter must be a YAML mapping (key: value lines)')
  yamlLines(doc, src, firstLine, lines, flow)
  return value
}

interface RawField { spec: FieldSpec, line: number, parts: string[] }

/** a field line stepped over (unknown or repeated label): its continuation lines go with it */
const SKIPPED: RawField = { spec: FIELDS[0], line: 0, parts: [] }

export interface ParseOptions {
  /**
   * Collect the problems of claim blocks that reading can step over (an unknown or repeated
   * field label, a missing field line, a value that is not a number) instead of throwing the
   * first; `path` is the body path of the value concerned, when there is one. Structural
   * problems (front matter, a line that belongs nowhere, claim-like prose) still throw.
   */
  problems?: Array<{ error: OosParseError, path?: string }>
}

const NUMBER_RE = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/
const INT_RE = /^[+-]?[0-9]+$/

function splitList (s: string): string[] {
  const out: string[] = []
  for (const item of s.split(/[,\n]/)) {
    const t = trimST(item)
    if (t !== '') out.push(t)
  }
  return out
}

function fieldValue (id: string, f: RawField): unknown {
  const text = f.parts.filter(p => p !== '').join('\n')
  const label = `**${f.spec.label}:**`
  switch (f.spec.kind) {
    case 'text': return text
    case 'number': {
      if (!NUMBER_RE.test(text)) fail(f.line, `claim ${id}: ${label} must be a number, not ${JSON.stringify(text.slice(0, 40))}`)
      const n = Number(text)
      if (!Number.isFinite(n)) fail(f.line, `claim ${id}: ${label} is out of range`)
      return n === 0 ? 0 : n
    }
    case 'int': {
      if (!INT_RE.test(text)) fail(f.line, `claim ${id}: ${label} must be an integer, not ${JSON.stringify(text.slice(0, 40))}`)
      const n = Number(text)
      if (!Number.isSafeInteger(n)) fail(f.line, `claim ${id}: ${label} is out of range`)
      return n === 0 ? 0 : n
    }
    case 'list': return splitList(text)
    case 'cids': return splitList(text).map(s => {
      try {
        return CID.parse(s)
      } catch {
        fail(f.line, `claim ${id}: ${label} ${JSON.stringify(s.slice(0, 80))} is not a CID`)
      }
    })
  }
}

/**
 * Parse a `.oos.md` document. Accepts CRLF (and lone CR) line endings and a leading UTF-8 BOM;
 * refuses lone surrogates (INVALID_UTF8), C0 controls other than TAB/LF/CR and claim-like
 * prose (BODY.md §5.1, §5.3).
 * Returns the body (front matter, entities from the front matter's `entities:` key, claims in
 * document order, prose sections) and the corrections made to derived fields.
 */
export function parseOosMarkdown (text: string, options: ParseOptions = {}): ParseResult {
  /** a problem the reader can step over: collected when the caller asks for every problem, else thrown */
  const soft = (line: number, message: string, path?: string): void => {
    if (options.problems === undefined) fail(line, message)
    options.problems.push({ error: new OosParseError(`line ${line}: ${message}`, { path: `line ${line}` }), path })
  }
  if (typeof text !== 'string') throw new OosParseError('a .oos.md document must be text', { path: 'line 1' })
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
  checkDocumentText(text, 'md')
  const lines = text.replace(/\r\n?/g, '\n').split('\n')

  // front matter
  if (!FENCE_RE.test(lines[0])) fail(1, 'a .oos.md document starts with a --- line opening the YAML front matter')
  let close = -1
  for (let i = 1; i < lines.length; i++) if (FENCE_RE.test(lines[i])) { close = i; break }
  if (close === -1) fail(1, 'the front matter opened here is never closed by a --- line')
  const where = new Map<string, number>()
  const presentation: Presentation = { flow: {} }
  const fm = parseFrontmatter(lines.slice(1, close).join('\n'), 2, where, presentation.flow)
  let entities: unknown
  const hasEntities = 'entities' in fm
  if (hasEntities) {
    entities = fm.entities
    delete fm.entities
  }
  // the document's top-level extension keys (BODY.md §3.5)
  const top: Record<string, unknown> = {}
  if (Object.hasOwn(fm, TOP_LEVEL_KEY)) {
    const t = fm[TOP_LEVEL_KEY]
    const at = where.get(`frontmatter.${TOP_LEVEL_KEY}`) ?? 2
    if (!isPlainObject(t)) fail(at, `${TOP_LEVEL_KEY}: must be a mapping of the document's top-level extension keys`)
    for (const k of Object.keys(t)) {
      if ((BODY_KEYS as readonly string[]).includes(k)) fail(where.get(k) ?? at, `${TOP_LEVEL_KEY}: must not hold ${k} (it is a part of every document, not an extension key)`)
      Object.defineProperty(top, k, { value: t[k], enumerable: true, writable: true, configurable: true })
    }
    delete fm[TOP_LEVEL_KEY]
  }

  // Markdown: sections, text blocks, claim blocks
  const claims: Claim[] = []
  const claimLine = new Map<string, number>()
  const sections: Section[] = []
  let current: Section = { heading: '', blocks: [] }
  let pending: string[] = []
  /** 0-based line index of pending[0] */
  let pendingAt = 0

  const flushText = (): void => {
    const like = claimLikeProblem(pending)
    if (like !== null) fail(pendingAt + like.index + 1, `${like.what}; a claim block starts with a line **[C<digits>]** <section>`)
    let a = 0
    let b = pending.length
    while (a < b && BLANK_RE.test(pending[a])) a++
    while (b > a && BLANK_RE.test(pending[b - 1])) b--
    if (b > a) {
      where.set(`sections[${sections.length}].blocks[${current.blocks.length}]`, pendingAt + a + 1)
      current.blocks.push({ text: pending.slice(a, b).join('\n') } satisfies SectionBlock)
    }
    pending = []
  }
  const closeSection = (): void => {
    flushText()
    if (current.heading !== '' || sections.length > 0 || current.blocks.length > 0) sections.push(current)
  }

  let i = close + 1
  while (i < lines.length) {
    const line = lines[i]
    const heading = HEADING_RE.exec(line)
    if (heading !== null) {
      closeSection()
      current = { heading: heading[1], blocks: [] }
      where.set(`sections[${sections.length}]`, i + 1)
      i++
      continue
    }
    const header = CLAIM_HEADER_RE.exec(line)
    if (header === null) {
      if (pending.length === 0) pendingAt = i
      pending.push(line)
      i++
      continue
    }
    // a claim block (the prose before it is checked first, so errors come in line order)
    flushText()
    const lineNo = i + 1
    const id = header[1]
    const section = trimST(header[2])
    if (section === '') fail(lineNo, `claim ${id} has no section name after **[${id}]**`)
    const first = claimLine.get(id)
    if (first !== undefined) fail(lineNo, `claim ${id} appears twice (first at line ${first})`)
    claimLine.set(id, lineNo)
    const fields = new Map<string, RawField>()
    let last: RawField | undefined
    i++
    for (; i < lines.length; i++) {
      const l = lines[i]
      if (BLANK_RE.test(l) || HEADING_RE.test(l) || CLAIM_HEADER_RE.test(l)) break
      const m = FIELD_RE.exec(l)
      if (m !== null) {
        const spec = LABELS.get(normLabel(m[1]))
        if (spec === undefined) { soft(i + 1, `claim ${id} has an unknown field **${shown(trimST(m[1]))}:**`); last = SKIPPED; continue }
        const prev = fields.get(spec.key)
        if (prev !== undefined) { soft(i + 1, `claim ${id} has a second **${spec.label}:** line (first at line ${prev.line})`); last = SKIPPED; continue }
        last = { spec, line: i + 1, parts: [trimST(m[2])] }
        fields.set(spec.key, last)
      } else if (CONTINUATION_RE.test(l)) {
        if (last === undefined) fail(i + 1, `claim ${id}: an indented line must continue a - **Field:** line`)
        if (last !== SKIPPED) last.parts.push(trimST(l))
      } else {
        fail(i + 1, `claim ${id}: expected a "- **Field:** value" line, an indented continuation line or a blank line ending the claim`)
      }
    }
    const claim: Record<string, unknown> = { claim_id: id, section }
    const at = `claims[${claims.length}]`
    where.set(at, lineNo)
    for (const [key, f] of fields) where.set(`${at}.${key}`, f.line)
    for (const spec of FIELDS) {
      if (spec.required && !fields.has(spec.key)) soft(lineNo, `claim ${id} has no **${spec.label}:** line`, `${at}.${spec.key}`)
    }
    for (const spec of FIELDS) {
      const f = fields.get(spec.key)
      if (f === undefined) continue
      try {
        claim[spec.key] = fieldValue(id, f)
      } catch (err) {
        if (options.problems === undefined || !(err instanceof OosParseError)) throw err
        options.problems.push({ error: err, path: `${at}.${spec.key}` })
      }
    }
    where.set(`sections[${sections.length}].blocks[${current.blocks.length}]`, lineNo)
    current.blocks.push({ claim: id })
    claims.push(claim as unknown as Claim)
  }
  closeSection()

  const body: OosBody = { ...top, frontmatter: fm as unknown as Frontmatter, claims, sections }
  if (hasEntities) body.entities = entities as Entities
  const corrections = [...dropOptionalNulls(body as unknown as Record<string, unknown>), ...applyDerived(body)]
  return { body, corrections, lines: where, presentation }
}
