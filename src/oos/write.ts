/**
 * Write an OOS body as a `.oos.md` document (protocol/BODY.md §5.4): YAML front matter in the
 * key order of published documents, `entities:` last in the front matter, then the prose
 * sections with the claim blocks where they stood. Claims that no section places are
 * appended in a final `## Claims` section.
 *
 * For every canonical body (every body `validateBody` accepts, and every body the parser
 * returns), `parseOosMarkdown(writeOosMarkdown(b)).body` deep-equals `b` (with `sections`
 * present). Bodies the grammar cannot express exactly are refused with BodySchemaError.
 */
import { yamlLib } from './lazy.ts'
import { CID } from 'multiformats/cid'
import type { Claim, OosBody, SectionBlock } from './types.ts'
import type { Presentation } from './markdown.ts'
import { BodySchemaError } from './errors.ts'
import { extensionKeys, orderedEntities } from './shape.ts'
import {
  BODY_KEYS, FENCE_RE, TOP_LEVEL_KEY, FIELDS, FRONTMATTER_KEYS, isPlainObject, joinPath, orderedData, orderedFrontmatter, type FieldSpec,
  lineValueProblem, listItemProblem, textBlockProblem, textValueProblem
} from './grammar.ts'

const FIELD_BY_KEY = new Map<string, FieldSpec>(FIELDS.map(f => [f.key, f]))
const REQUIRED_COUNT = FIELDS.filter(f => f.required).length

function fail (path: string, must: string): never {
  throw new BodySchemaError(`${path} ${must}`, { path })
}

/** The text of a number in a claim field: JS shortest round-trip form (`0.8`, `1e-7`). */
function numberText (n: number): string {
  return Object.is(n, -0) ? '0' : String(n)
}

function fieldText (kind: string, v: unknown): string {
  switch (kind) {
    case 'number': return typeof v === 'number' ? numberText(v) : String(v)
    case 'list': return Array.isArray(v) ? v.map(String).join(', ') : String(v)
    case 'cids': return Array.isArray(v) ? v.map(x => String(CID.asCID(x) ?? x)).join(', ') : String(v)
    default: return String(v)
  }
}

/** One claim block: header line, then one `- **Label:** value` line per present field. */
export function writeClaimBlock (c: Claim): string {
  const lines = [`**[${c.claim_id}]** ${c.section}`]
  const rec = c as unknown as Record<string, unknown>
  for (const f of FIELDS) {
    const v = rec[f.key]
    if (v === undefined) continue
    const text = fieldText(f.kind, v)
    const nl = text.indexOf('\n')
    const first = nl === -1 ? text : text.slice(0, nl)
    lines.push(first === '' ? `- **${f.label}:**` : `- **${f.label}:** ${first}`)
    if (nl !== -1) for (const more of text.slice(nl + 1).split('\n')) lines.push(`  ${more}`)
  }
  return lines.join('\n')
}

/**
 * The Markdown part of the canonical document (what follows the front matter, without the
 * blank line after `---` and the final newline). Total on any structurally plausible body:
 * `word_count` is defined as the words of this text (derive.ts).
 */
export function writeMarkdownPart (body: OosBody): string {
  const claims: Claim[] = Array.isArray(body.claims) ? body.claims.filter(isPlainObject) as unknown as Claim[] : []
  const byId = new Map<string, Claim>()
  for (const c of claims) if (!byId.has(c.claim_id)) byId.set(c.claim_id, c)
  const placed = new Set<string>()
  const parts: string[] = []
  const sections = Array.isArray(body.sections) ? body.sections : []
  sections.forEach((s, i) => {
    if (!isPlainObject(s)) return
    const out: string[] = []
    if (!(i === 0 && s.heading === '')) out.push(`## ${String(s.heading)}`)
    for (const b of Array.isArray(s.blocks) ? s.blocks as SectionBlock[] : []) {
      if (!isPlainObject(b)) continue
      if ('claim' in b) {
        const c = byId.get(b.claim)
        if (c !== undefined) { out.push(writeClaimBlock(c)); placed.add(b.claim) }
      } else if (typeof b.text === 'string') {
        out.push(b.text)
      }
    }
    if (out.length > 0) parts.push(out.join('\n\n'))
  })
  const rest = claims.filter(c => !placed.has(c.claim_id))
  if (rest.length > 0) parts.push(['## Claims', ...rest.map(writeClaimBlock)].join('\n\n'))
  return parts.join('\n\n')
}

const CLAIM_ID_RE = /^C[0-9]+$/

/** [path suffix, problem] of a claim field value, or null when the writer can write it exactly */
function fieldProblem (kind: string, v: unknown): [string, string] | null {
  switch (kind) {
    case 'text': {
      if (typeof v !== 'string') return ['', 'must be a string']
      const e = textValueProblem(v)
      return e === null ? null : ['', e]
    }
    case 'number':
      return typeof v === 'number' && Number.isFinite(v) ? null : ['', 'must be a finite number']
    case 'int':
      return typeof v === 'number' && Number.isSafeInteger(v) ? null : ['', 'must be an integer']
    case 'list':
      if (!Array.isArray(v)) return ['', 'must be an array of strings']
      for (let j = 0; j < v.length; j++) {
        const x: unknown = v[j]
        if (typeof x !== 'string') return [`[${j}]`, 'must be a string']
        const e = listItemProblem(x)
        if (e !== null) return [`[${j}]`, e]
      }
      return null
    case 'cids':
      if (!Array.isArray(v)) return ['', 'must be an array of CIDs']
      for (let j = 0; j < v.length; j++) if (CID.asCID(v[j]) === null) return [`[${j}]`, 'must be a CID']
      return null
    default:
      return null
  }
}

/** BODY.md §5.5 for claims[i] (and its id unique so far): throws BodySchemaError. */
function checkClaim (claims: readonly unknown[], i: number, ids: Map<string, number>, known: ReadonlySet<unknown> | undefined): void {
  const c = claims[i]
  if (!isPlainObject(c)) fail(`claims[${i}]`, 'must be an object')
  const rec = c as unknown as Record<string, unknown>
  if (typeof c.claim_id !== 'string' || !CLAIM_ID_RE.test(c.claim_id)) fail(`claims[${i}].claim_id`, 'must be C followed by digits')
  const prev = ids.get(c.claim_id)
  if (prev !== undefined) fail(`claims[${i}].claim_id`, `repeats ${c.claim_id} (also claims[${prev}]); claim ids must be unique`)
  ids.set(c.claim_id, i)
  // a claim that passed before: its fields are as writable as they were then
  if (known?.has(c) === true) return
  if (typeof c.section !== 'string') fail(`claims[${i}].section`, 'must be a string')
  const sp = lineValueProblem(c.section)
  if (sp !== null) fail(`claims[${i}].section`, sp)
  // one pass over the keys present (faster than probing every optional field)
  let required = 0
  for (const k in rec) {
    const f = FIELD_BY_KEY.get(k)
    if (f === undefined) {
      if (k === 'claim_id' || k === 'section') continue
      fail(`claims[${i}].${k}`, 'is not a known claim field')
    }
    const v = rec[k]
    if (v === undefined) continue
    if (f.required) required++
    const e = fieldProblem(f.kind, v)
    if (e !== null) fail(`claims[${i}].${k}${e[0]}`, e[1])
  }
  if (required !== REQUIRED_COUNT) {
    const missing = FIELDS.find(f => f.required && rec[f.key] === undefined) as FieldSpec
    fail(`claims[${i}].${missing.key}`, 'is required')
  }
}

/** BODY.md §3.4, §5.5 for sections[i]; `placed`: where each claim was placed so far. */
function checkSection (body: OosBody, i: number, ids: Map<string, number>, placed: Map<string, string>, knownText: boolean): void {
  const sections = body.sections as unknown[]
  const claims = body.claims
  const s = sections[i]
  if (!isPlainObject(s)) fail(`sections[${i}]`, 'must be an object')
  if (typeof s.heading !== 'string') fail(`sections[${i}].heading`, 'must be a string')
  if (!Array.isArray(s.blocks)) fail(`sections[${i}].blocks`, 'must be an array')
  if (s.heading === '' && i === 0) {
    if (s.blocks.length === 0) fail(`sections[${i}].blocks`, 'must not be empty in the preamble (the section with heading "")')
  } else if (!knownText) {
    const e = lineValueProblem(s.heading)
    if (e !== null) fail(`sections[${i}].heading`, s.heading === '' ? 'must not be empty (only sections[0], the preamble, has heading "")' : e)
  }
  let prevText = false
  const blocks = s.blocks as unknown[]
  for (let j = 0; j < blocks.length; j++) {
    const b = blocks[j]
    const bp = (): string => `sections[${i}].blocks[${j}]`
    if (!isPlainObject(b)) fail(bp(), 'must be {text} or {claim}')
    let n = 0
    for (const k in b) { n++; if (k !== 'text' && k !== 'claim') n = 2 }
    if (n !== 1) fail(bp(), 'must be {text} or {claim}')
    if (b.text !== undefined) {
      if (typeof b.text !== 'string') fail(`${bp()}.text`, 'must be a string')
      const e = knownText ? null : textBlockProblem(b.text)
      if (e !== null) fail(`${bp()}.text`, e)
      if (prevText) fail(bp(), 'follows another text block (adjacent text blocks must be one block)')
      prevText = true
    } else {
      const id = b.claim
      if (typeof id !== 'string' || !ids.has(id)) fail(`${bp()}.claim`, `must name a claim of this body (no claim_id ${JSON.stringify(id)})`)
      const first = placed.get(id)
      if (first !== undefined) fail(`${bp()}.claim`, `places ${id} a second time (first at ${first})`)
      const at = ids.get(id) as number
      if (at !== placed.size) {
        fail(`${bp()}.claim`, `places ${id} (claims[${at}]) where claims[${placed.size}] (${claims[placed.size].claim_id}) is due: claims must be listed in the order the sections place them, unplaced claims last`)
      }
      placed.set(id, `sections[${i}].blocks[${j}]`)
      prevText = false
    }
  }
}

/**
 * Check that the writer can express a body exactly (BODY.md §5.5). Throws BodySchemaError
 * naming the first offending value. The validator runs this too, so every valid body can
 * be exported to `.oos.md` and read back unchanged.
 */
export function checkWritable (body: OosBody, options: { knownClaims?: ReadonlySet<unknown>, sink?: (e: BodySchemaError) => void } = {}): void {
  const known = options.knownClaims
  const sink = options.sink
  if (!isPlainObject(body)) fail('body', 'must be an object')
  if (!isPlainObject(body.frontmatter)) fail('frontmatter', 'must be an object')
  if ('entities' in body.frontmatter) fail('frontmatter.entities', 'is not allowed (entities belong in body.entities)')
  if (!Array.isArray(body.claims)) fail('claims', 'must be an array')
  const ids = new Map<string, number>()
  const claims = body.claims
  const each = (n: number, check: (i: number) => void): void => {
    for (let i = 0; i < n; i++) {
      if (sink === undefined) { check(i); continue }
      try { check(i) } catch (err) { if (err instanceof BodySchemaError) sink(err); else throw err }
    }
  }
  each(claims.length, i => { checkClaim(claims, i, ids, known) })
  if (body.sections === undefined) return
  if (!Array.isArray(body.sections)) fail('sections', 'must be an array')
  const placed = new Map<string, string>()
  const sections = body.sections
  // sections that passed before, byte for byte: their text is as writable as it was then;
  // where they place claims depends on this body's claims, and is checked below
  const knownText = known?.has(sections) === true
  each(sections.length, i => { checkSection(body, i, ids, placed, knownText) })
}

const YAML_OPTIONS = {
  defaultStringType: 'QUOTE_DOUBLE',
  defaultKeyType: 'PLAIN',
  lineWidth: 0,
  minContentWidth: 0,
  flowCollectionPadding: false,
  aliasDuplicateObjects: false
} as const


/**
 * The front matter YAML (without the `---` lines): the front matter keys in the published
 * order, its extension keys, `entities:` in the entities schema's order, then `top_level:`
 * with the body's top-level extension keys (BODY.md §3.5, §5.4). Lists of scalars inside
 * `entities:`, extension values and `top_level:` are written inline (`["a", "b"]`), as
 * published documents write them; other lists as block lists. `presentation` (what a reader
 * recorded of a file) overrides the style of each list it names.
 */
export function writeFrontmatter (body: OosBody, presentation?: Presentation): string {
  const fm = orderedFrontmatter(body.frontmatter)
  if (body.entities !== undefined) fm.entities = orderedEntities(body.entities)
  const rec = body as unknown as Record<string, unknown>
  const top = extensionKeys(rec, BODY_KEYS)
  if (top.length > 0) fm[TOP_LEVEL_KEY] = orderedData(Object.fromEntries(top.map(k => [k, rec[k]])))
  const doc = new (yamlLib().Document)(fm, YAML_OPTIONS)
  // each list's style, by the body path of the list (the paths a reader records, markdown.ts)
  const style = (node: unknown, path: string, inline: boolean): void => {
    if (yamlLib().isMap(node)) {
      for (const pair of node.items) {
        if (yamlLib().isScalar(pair.key)) style(pair.value, joinPath(path, String(pair.key.value)), inline)
      }
    } else if (yamlLib().isSeq(node)) {
      const canonical = inline && node.items.length > 0 && node.items.every(i => yamlLib().isScalar(i))
      node.flow = presentation?.flow[path] ?? canonical
      node.items.forEach((item, i) => { style(item, `${path}[${i}]`, inline) })
    }
  }
  if (yamlLib().isMap(doc.contents)) {
    for (const pair of doc.contents.items) {
      if (!yamlLib().isScalar(pair.key)) continue
      const key = String(pair.key.value)
      if (key === TOP_LEVEL_KEY) style(pair.value, '', true)
      else if (key === 'entities') style(pair.value, 'entities', true)
      else style(pair.value, joinPath('frontmatter', key), !(FRONTMATTER_KEYS as readonly string[]).includes(key))
    }
  }
  const yaml = doc.toString(YAML_OPTIONS)
  if (yaml.split('\n').some(l => FENCE_RE.test(l) || /^\.\.\.[ \t]*$/.test(l))) {
    throw new BodySchemaError('frontmatter: a key or value would be written as a document marker line (--- or ...)', { path: 'frontmatter' })
  }
  return yaml
}

/**
 * Write a body as a `.oos.md` document. Throws BodySchemaError if it cannot be written exactly.
 * `presentation`: the list styles a reader recorded of the file the body came from.
 */
export function writeOosMarkdown (body: OosBody, options: { presentation?: Presentation } = {}): string {
  checkWritable(body)
  const md = writeMarkdownPart(body)
  return `---\n${writeFrontmatter(body, options.presentation)}---\n${md === '' ? '' : `\n${md}\n`}`
}
