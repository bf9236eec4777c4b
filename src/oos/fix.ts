/**
 * `--fix`: write the corrected derived fields (protocol/BODY.md §6) back into the source text,
 * touching nothing else, so that publishing does not report the same corrections every time
 * and `git diff` shows only the numbers that changed. Pure: text in, text out.
 */
import { yamlLib } from './lazy.ts'
import { parseOosMarkdown } from './markdown.ts'
import { parseOosJson } from './json.ts'
import { FENCE_RE, isPlainObject } from './grammar.ts'
import type { Correction } from './derive.ts'

const DERIVED = new Set(['frontmatter.claim_count', 'frontmatter.confidence_distribution', 'frontmatter.evidence_distribution', 'frontmatter.word_count'])

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** Replace the value of `key` on one line (`key: 5`, or `key: 5` inside an inline `{…}`); false if it is not there. */
function setOnLine (lines: string[], at: number | undefined, key: string, value: number): boolean {
  if (at === undefined) return false
  const line = lines[at - 1]
  const re = new RegExp(`((?:^|[{,])\\s*"?${escapeRe(key)}"?\\s*:\\s*)(-?[0-9.eE+]+|null|"[^"]*"|'[^']*'|~)?`)
  if (!re.test(line)) return false
  lines[at - 1] = line.replace(re, `$1${value}`)
  return true
}

function fixMarkdown (text: string): { text: string, fixed: Correction[] } {
  const bom = text.charCodeAt(0) === 0xfeff ? '\ufeff' : ''
  const src = text.slice(bom.length)
  const { corrections, lines: where } = parseOosMarkdown(src)
  const fixed = corrections.filter(c => DERIVED.has(c.field))
  if (fixed.length === 0) return { text, fixed }
  const lines = src.split('\n')
  let inPlace = true
  for (const c of fixed) {
    const key = c.field.slice('frontmatter.'.length)
    if (typeof c.actual === 'number') {
      inPlace &&= setOnLine(lines, where?.get(c.field), key, c.actual)
    } else {
      const declared = c.declared
      const actual = c.actual as Record<string, number>
      // in place only when the document lists exactly these keys, each on a line we know
      inPlace &&= isPlainObject(declared) && Object.keys(declared).length === Object.keys(actual).length &&
        Object.entries(actual).every(([k, n]) => Object.hasOwn(declared, k) && setOnLine(lines, where?.get(`${c.field}.${k}`), k, n))
    }
  }
  if (inPlace) return { text: bom + lines.join('\n'), fixed }
  // otherwise rewrite the front matter through YAML's document model (comments and styles kept)
  const original = src.split('\n')
  const close = original.findIndex((l, i) => i > 0 && FENCE_RE.test(l.replace(/\r$/, '')))
  const cr = original[0].endsWith('\r') ? '\r' : ''
  const doc = yamlLib().parseDocument(original.slice(1, close).map(l => l.replace(/\r$/, '')).join('\n'), { schema: 'core' })
  for (const c of fixed) doc.setIn([c.field.slice('frontmatter.'.length)], c.actual)
  const yaml = doc.toString({ lineWidth: 0 }).replace(/\n$/, '').split('\n').map(l => l + cr)
  return { text: bom + [original[0], ...yaml, ...original.slice(close)].join('\n'), fixed }
}

function fixJson (text: string): { text: string, fixed: Correction[] } {
  const { corrections } = parseOosJson(text)
  const fixed = corrections.filter(c => DERIVED.has(c.field))
  if (fixed.length === 0) return { text, fixed }
  const bom = text.charCodeAt(0) === 0xfeff ? '\ufeff' : ''
  const value = JSON.parse(text.slice(bom.length)) as { frontmatter: Record<string, unknown> }
  // assigning an existing key keeps its place: the key order of the file is kept
  for (const c of fixed) value.frontmatter[c.field.slice('frontmatter.'.length)] = c.actual
  const indent = /\n([ \t]+)"/.exec(text)?.[1] ?? '  '
  const eol = text.includes('\r\n') ? '\r\n' : '\n'
  const out = JSON.stringify(value, null, indent).replace(/\n/g, eol)
  return { text: bom + out + (/\r?\n$/.test(text) ? eol : ''), fixed }
}

/**
 * The text with its derived front matter fields (`claim_count`, the distributions,
 * `word_count`) set to what the document gives, and the corrections made. `.oos.md`: the
 * numbers are replaced on their lines; `.oos.json`: the same JSON, keys in their order.
 * Throws what the readers throw on a text that cannot be read.
 */
export function fixDerived (text: string, format: 'md' | 'json'): { text: string, fixed: Correction[] } {
  return format === 'json' ? fixJson(text) : fixMarkdown(text)
}
