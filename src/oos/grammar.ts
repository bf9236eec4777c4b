/**
 * The line grammar of `.oos.md` (protocol/BODY.md §5), shared by the parser, the writer and
 * the validator, so that what one accepts the other two agree on.
 *
 * "Canonical" values are the values the parser can produce; the writer can write exactly
 * those, and the validator accepts only those, so every valid body survives
 * body → .oos.md → body unchanged.
 */
import { CID } from 'multiformats/cid'
import { EVIDENCE } from './types.ts'
import type { Claim } from './types.ts'
import { escapeUnsafe } from './text.ts'

/** The front matter keys of the format's schema v1.1, in the order a published document writes them. */
export const FRONTMATTER_KEYS = [
  'oos_version', 'org_id', 'org_pseudonym', 'industry', 'org_size', 'template', 'agent_count',
  'platforms', 'generated_at', 'version', 'parent_version', 'word_count', 'claim_count',
  'confidence_distribution', 'evidence_distribution'
] as const

export type FieldKind = 'text' | 'number' | 'int' | 'list' | 'cids'

export interface FieldSpec {
  key: keyof Claim
  /** the label the writer uses: `- **Failure mode:** …` */
  label: string
  kind: FieldKind
  required: boolean
}

/** Claim fields in the order the writer emits them (format fields, then extension lines). */
export const FIELDS: readonly FieldSpec[] = [
  { key: 'rule', label: 'Rule', kind: 'text', required: true },
  { key: 'why', label: 'Why', kind: 'text', required: true },
  { key: 'failure_mode', label: 'Failure mode', kind: 'text', required: true },
  { key: 'confidence', label: 'Confidence', kind: 'text', required: true },
  { key: 'evidence', label: 'Evidence', kind: 'text', required: true },
  { key: 'scope', label: 'Scope', kind: 'text', required: true },
  { key: 'confidence_score', label: 'Confidence score', kind: 'number', required: false },
  { key: 'evidence_reference', label: 'Evidence reference', kind: 'text', required: false },
  { key: 'related_entities', label: 'Related entities', kind: 'list', required: false },
  { key: 'supersedes', label: 'Supersedes', kind: 'text', required: false },
  { key: 'display_order', label: 'Display order', kind: 'int', required: false },
  { key: 'visibility', label: 'Visibility', kind: 'text', required: false },
  { key: 'derived_from', label: 'Derived from', kind: 'cids', required: false }
]

/** Every key a claim may have, in the writer's order. */
export const CLAIM_KEYS: readonly string[] = ['claim_id', 'section', ...FIELDS.map(f => f.key)]

/** Labels the parser accepts (lower-cased, inner whitespace collapsed) → field. */
export const LABELS: ReadonlyMap<string, FieldSpec> = new Map([
  ...FIELDS.map(f => [f.label.toLowerCase(), f] as const),
  // the format's README calls the evidence line "Evidence type"
  ['evidence type', FIELDS.find(f => f.key === 'evidence') as FieldSpec]
])

export function normLabel (label: string): string {
  return label.trim().replace(/[ \t]+/g, ' ').toLowerCase()
}

// The regexes below run on single lines (split at LF only). They use the `s` flag so that `.`
// also matches U+2028/U+2029/CR, which are content here, not line ends.

/** `---` (front matter delimiter) */
export const FENCE_RE = /^---[ \t]*$/
/** `## Heading` (a prose section starts); group 1 is the heading */
export const HEADING_RE = /^##[ \t]+([^ \t].*?)[ \t]*$/s
/** `**[C001]** section` (a claim block starts); group 1 the id, group 2 the rest */
export const CLAIM_HEADER_RE = /^\*\*\[(C[0-9]+)\]\*\*(.*)$/s
/** `- **Label:** value` or `- **Label**: value` inside a claim block */
export const FIELD_RE = /^-[ \t]+\*\*([^*:\n]+?)(?::\*\*|\*\*:)(.*)$/s
/** a blank line: only spaces and tabs */
export const BLANK_RE = /^[ \t]*$/
/** a continuation line of a claim field: indented, not blank */
export const CONTINUATION_RE = /^[ \t]+[^ \t]/

/** trim spaces and tabs (only those: other Unicode spaces are content) */
export function trimST (s: string): string {
  let a = 0
  let b = s.length
  while (a < b && (s.charCodeAt(a) === 32 || s.charCodeAt(a) === 9)) a++
  while (b > a && (s.charCodeAt(b - 1) === 32 || s.charCodeAt(b - 1) === 9)) b--
  return a === 0 && b === s.length ? s : s.slice(a, b)
}

// ---- claim-like lines (BODY.md §5.3, rule 3) -----------------------------------------------

/** The six field labels every claim has; three of them in one prose paragraph are a claim gone wrong. */
const CORE_KEYS = new Set(FIELDS.filter(f => f.required).map(f => f.key))
/** How many different core field lines make a prose paragraph claim-like. */
export const CLAIM_LIKE_FIELDS = 3
/**
 * A claim header gone wrong, matched on a line with every Cf (format) character removed and
 * then NFKC-normalized: optional leading whitespace, `**`, `[`, a C (Latin either case, or its
 * Cyrillic/Greek look-alikes), optional separators, a decimal digit of any script.
 */
const CLAIM_LIKE_RE = /^\s*\*\*\s*\[\s*[CcСсϹϲ][\s._-]*\p{Nd}/u
const FORMAT_CHARS = /\p{Cf}/gu
/** characters shown as `\u{…}` when a line is quoted in a message */
const HIDDEN = /[\p{Cc}\p{Cf}]/gu
/** only text with an asterisk (ASCII, fullwidth or small: NFKC makes them `*`) can be claim-like */
const hasAsterisk = (s: string): boolean => s.includes('*') || s.includes('\uff0a') || s.includes('\ufe61')
/**
 * Cheap test before normalizing a line: a claim-like line starts (after whitespace and Cf
 * characters) with `**` or `- `, and has an asterisk and a bracket or colon.
 */
function mayBeClaimLike (line: string): boolean {
  const c = line.charCodeAt(0)
  // an ASCII first character other than *, - and whitespace rules it out
  if (c < 128 && c !== 42 && c !== 45 && c !== 32 && c !== 9 && c !== 11 && c !== 12) return false
  return hasAsterisk(line) && /[[:\uff3b\uff1a\ufe55\ufe5d]/.test(line)
}

const normalized = (line: string): string => line.replace(FORMAT_CHARS, '').normalize('NFKC')

/** `line` (at most 48 characters of it) with control and invisible characters spelled `\u{…}`, for messages. */
export function shown (line: string): string {
  const chars = [...line]
  return escapeUnsafe(chars.length > 48 ? `${chars.slice(0, 48).join('')}…` : line, HIDDEN)
}

const quoteLine = (line: string): string => `"${shown(line)}"`

/** What is wrong with a line that looks like a claim header and is not one. */
function claimLikeHeader (line: string): string {
  const invisible = [...new Set(line.match(FORMAT_CHARS) ?? [])]
  const why = invisible.length > 0
    ? `it holds the invisible character${invisible.length > 1 ? 's' : ''} ${invisible.map(c => `U+${(c.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')}`).join(', ')}`
    : 'the id must be a Latin capital C and ASCII digits, with **[ at the very start of the line'
  return `a line that looks like a claim header but is not one (${quoteLine(line)}: ${why})`
}

/**
 * The first claim-like line among prose lines (a text block, or the prose between blocks of
 * a document), or null: a line that looks like a claim header and is not one, or the first
 * line of a paragraph (lines between blank lines) holding field lines of at least
 * CLAIM_LIKE_FIELDS different core fields. `what` is a noun phrase for messages.
 */
export function claimLikeProblem (lines: readonly string[]): { index: number, what: string } | null {
  let start = 0
  const core = new Set<string>()
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]
    if (BLANK_RE.test(line)) { start = i + 1; core.clear(); continue }
    if (!mayBeClaimLike(line)) continue
    const norm = normalized(line)
    if (CLAIM_LIKE_RE.test(norm) && !CLAIM_HEADER_RE.test(line)) return { index: i, what: claimLikeHeader(line) }
    const field = FIELD_RE.exec(norm)
    const spec = field === null ? undefined : LABELS.get(normLabel(field[1]))
    if (spec !== undefined && CORE_KEYS.has(spec.key)) {
      core.add(spec.label)
      if (core.size === CLAIM_LIKE_FIELDS) {
        return { index: start, what: `a paragraph with claim fields (${[...core].map(l => `**${l}:**`).join(', ')}) but no claim header` }
      }
    }
  }
  return null
}

// A claim field value: lines joined by LF, each line non-empty without leading/trailing space
// or tab, no CR. The empty string is allowed.
const BAD_TEXT_VALUE = /\r|^[ \t]|[ \t]$|[ \t]\n|\n[ \t]|\n\n|^\n|\n$/
// One line without leading/trailing space or tab (claim section names, headings).
const BAD_LINE_VALUE = /[\u0000-\u0008\u000a-\u001f]|^[ \t]|[ \t]$/
// A text block line that would be read as a heading or a claim header.
const STRUCTURAL_LINE = /(?:^|\n)(?:##[ \t]+[^ \t\n]|\*\*\[C[0-9]+\]\*\*)/
// C0 controls other than TAB and LF: a `.oos.md` text cannot hold them (§5.1), so no value
// written into one raw may either. (CR included: its own message comes first.)
const CONTROL = /[\u0000-\u0008\u000b-\u001f]/
// Every C0 control but TAB: one scan tells a one-line value that needs a closer look.
const C0_BUT_TAB = /[\u0000-\u0008\u000a-\u001f]/
const NO_CONTROLS = 'must not contain control characters (only tab, and line feed where lines are allowed)'

function firstLineBlank (s: string): boolean {
  let i = 0
  while (i < s.length && (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9)) i++
  return i === s.length || s.charCodeAt(i) === 10
}

function lastLineBlank (s: string): boolean {
  let i = s.length - 1
  while (i >= 0 && (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9)) i--
  return i < 0 || s.charCodeAt(i) === 10
}

/** no lone surrogates: every string must survive UTF-8 (DAG-CBOR, files) unchanged */
function wellFormed (s: string): boolean {
  return (s as unknown as { isWellFormed: () => boolean }).isWellFormed()
}
const ILL_FORMED = 'must be well-formed Unicode (no lone surrogates)'

export function textValueProblem (s: string): string | null {
  // fast path (the common case, on the ingest hot path): one line, no CR, trimmed
  const n = s.length
  if (n === 0) return null
  const a = s.charCodeAt(0)
  const z = s.charCodeAt(n - 1)
  if (a !== 32 && a !== 9 && z !== 32 && z !== 9 && !C0_BUT_TAB.test(s)) {
    return wellFormed(s) ? null : ILL_FORMED
  }
  if (!wellFormed(s)) return ILL_FORMED
  if (s.includes('\r')) return 'must not contain a carriage return'
  if (CONTROL.test(s)) return NO_CONTROLS
  if (!BAD_TEXT_VALUE.test(s)) return null
  if (/\n\n|^\n|\n$/.test(s)) return 'must not contain empty lines'
  return 'must not have spaces or tabs at the start or end of a line'
}

export function lineValueProblem (s: string): string | null {
  if (s.length === 0) return 'must not be empty'
  if (!wellFormed(s)) return ILL_FORMED
  if (!BAD_LINE_VALUE.test(s)) return null
  if (/[\r\n]/.test(s)) return 'must be a single line'
  if (CONTROL.test(s)) return NO_CONTROLS
  return 'must not start or end with a space or tab'
}

export function listItemProblem (s: string): string | null {
  if (s.length === 0) return 'must not be empty'
  if (s.includes(',')) return 'must not contain a comma (the list is written comma-separated)'
  return lineValueProblem(s)
}

export function textBlockProblem (s: string): string | null {
  if (s.length === 0) return 'must not be empty'
  if (!wellFormed(s)) return ILL_FORMED
  if (CONTROL.test(s)) return s.includes('\r') ? 'must not contain a carriage return' : NO_CONTROLS
  if (firstLineBlank(s) || lastLineBlank(s)) return 'must not start or end with a blank line'
  if ((s.includes('##') || s.includes('**[')) && STRUCTURAL_LINE.test(s)) return 'must not contain a line that starts a section (`## …`) or a claim block (`**[C…]**`)'
  if (!hasAsterisk(s)) return null
  const like = claimLikeProblem(s.split('\n'))
  return like === null ? null : `must not contain ${like.what}`
}

/** The CIDs a body may carry in `derived_from`: claim CIDs, i.e. CIDv1, dag-cbor, sha2-256. */
export function asClaimCid (v: unknown): CID | null {
  const c = CID.asCID(v)
  if (c === null) return null
  if (c.version !== 1 || c.code !== 0x71 || c.multihash.code !== 0x12 || c.multihash.size !== 32) return null
  return c
}

/** A path segment for a key: `.key` when it is an identifier, else `["key"]`. */
export function keySeg (k: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`
}

export function joinPath (base: string, k: string | number): string {
  if (typeof k === 'number') return `${base}[${k}]`
  const s = keySeg(k)
  return base === '' && s.startsWith('.') ? s.slice(1) : base + s
}

export function isPlainObject (v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false
  const p = Object.getPrototypeOf(v)
  return p === Object.prototype || p === null
}

/** A copy of `o` with the keys of `first` first (own data properties only; `undefined` dropped). */
export function ordered (o: Record<string, unknown>, first: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  const put = (k: string): void => {
    if (Object.hasOwn(o, k) && o[k] !== undefined && !Object.hasOwn(out, k)) {
      Object.defineProperty(out, k, { value: o[k], enumerable: true, writable: true, configurable: true })
    }
  }
  for (const k of first) put(k)
  for (const k of Object.keys(o)) put(k)
  return out
}

/** Keys of the body other than these are extension keys (BODY.md §3.5). */
export const BODY_KEYS = ['frontmatter', 'entities', 'claims', 'sections'] as const

/** The front matter key that holds a document's top-level extension keys in `.oos.md` (BODY.md §3.5). */
export const TOP_LEVEL_KEY = 'top_level'

/** Code-unit order: the canonical order of keys no schema lists (BODY.md §3.5). */
export const byUnits = (a: string, b: string): number => a < b ? -1 : a > b ? 1 : 0

/** Extension data in canonical order: map keys in code-unit order, recursively. */
export function orderedData (v: unknown): unknown {
  if (Array.isArray(v)) return v.map(orderedData)
  if (!isPlainObject(v)) return v
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(v).sort(byUnits)) {
    if (v[k] !== undefined) Object.defineProperty(out, k, { value: orderedData(v[k]), enumerable: true, writable: true, configurable: true })
  }
  return out
}

/**
 * The front matter in the published key order (distribution keys ordered too), then its
 * extension keys in code-unit order (BODY.md §3.5).
 */
export function orderedFrontmatter (frontmatter: unknown): Record<string, unknown> {
  const src = frontmatter as Record<string, unknown>
  const fm = ordered(src, [...FRONTMATTER_KEYS, ...Object.keys(src).filter(k => !(FRONTMATTER_KEYS as readonly string[]).includes(k)).sort(byUnits)])
  for (const k of Object.keys(fm)) if (!(FRONTMATTER_KEYS as readonly string[]).includes(k)) fm[k] = orderedData(fm[k])
  if (isPlainObject(fm.confidence_distribution)) fm.confidence_distribution = ordered(fm.confidence_distribution, ['high', 'medium', 'low'])
  if (isPlainObject(fm.evidence_distribution)) fm.evidence_distribution = ordered(fm.evidence_distribution, EVIDENCE_KEYS)
  return fm
}

const EVIDENCE_KEYS = EVIDENCE.map(e => e.toLowerCase())
