/**
 * The `.oos.json` form (protocol/BODY.md §4): `{ frontmatter, entities?, claims, sections? }`.
 * `derived_from` entries are CID strings, or DAG-JSON links `{"/": "bafy…"}` on input.
 *
 * Like the Markdown parser, `parseOosJson` reads structure (and CIDs), recomputes the derived
 * front matter fields and reports corrections; `validateBody` checks the rest.
 */
import { CID } from 'multiformats/cid'
import type { Claim, OosBody } from './types.ts'
import { OosParseError } from './errors.ts'
import { applyDerived } from './derive.ts'
import { checkDocumentText } from './text.ts'
import type { ParseResult } from './markdown.ts'
import { BODY_KEYS, CLAIM_KEYS, isPlainObject, ordered, orderedData, orderedFrontmatter } from './grammar.ts'
import { dropOptionalNulls, extensionKeys, orderedEntities } from './shape.ts'

function fail (path: string, message: string): never {
  throw new OosParseError(path === '' ? message : `${path}: ${message}`, { path })
}

/** Can `prefix` still be completed to a JSON text? (judged from JSON.parse's error) */
function viable (prefix: string): boolean {
  try {
    JSON.parse(prefix)
    return true
  } catch (err) {
    const msg = (err as Error).message
    if (msg.includes('end of JSON input')) return true
    const p = /at position (\d+)/.exec(msg)
    return p !== null && Number(p[1]) >= prefix.length
  }
}

/** `line N` of a JSON syntax error (V8 names it in most messages; else find the first bad character). */
function lineOf (text: string, err: Error): string {
  const m = /\(line (\d+) column \d+\)/.exec(err.message)
  if (m !== null) return `line ${m[1]}`
  const p = /at position (\d+)/.exec(err.message)
  let at = p === null ? -1 : Number(p[1])
  if (at === -1) {
    // the shortest prefix that can no longer be completed ends at the offending character
    let lo = 0
    let hi = text.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (viable(text.slice(0, mid + 1))) lo = mid + 1
      else hi = mid
    }
    at = lo
  }
  return `line ${text.slice(0, at).split('\n').length}`
}

function toCid (v: unknown, path: string): CID {
  let s: unknown = v
  if (isPlainObject(v)) {
    const keys = Object.keys(v)
    if (keys.length !== 1 || keys[0] !== '/') fail(path, 'must be a CID string or a DAG-JSON link {"/": "bafy…"}')
    s = v['/']
  }
  if (typeof s !== 'string') fail(path, 'must be a CID string or a DAG-JSON link {"/": "bafy…"}')
  try {
    return CID.parse(s)
  } catch {
    fail(path, `${JSON.stringify(s.slice(0, 80))} is not a CID`)
  }
}

/** Parse a `.oos.json` document (a leading BOM is accepted). */
export function parseOosJson (text: string): ParseResult {
  if (typeof text !== 'string') throw new OosParseError('a .oos.json document must be text', { path: '' })
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
  checkDocumentText(text, 'json')
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    const at = lineOf(text, err as Error)
    throw new OosParseError(`${at === '' ? '' : `${at}: `}not JSON: ${(err as Error).message.split('\n')[0].slice(0, 200)}`, { path: at, cause: err })
  }
  if (!isPlainObject(value)) fail('', 'a .oos.json document must be a JSON object {frontmatter, entities?, claims, sections?}')
  if (!isPlainObject(value.frontmatter)) fail('frontmatter', value.frontmatter === undefined ? 'is required' : 'must be an object')
  if (!Array.isArray(value.claims)) fail('claims', value.claims === undefined ? 'is required' : 'must be an array')
  const claims = value.claims.map((c: unknown, i: number): Claim => {
    const p = `claims[${i}]`
    if (!isPlainObject(c)) fail(p, 'must be an object')
    if (c.derived_from === undefined) return c as unknown as Claim
    if (!Array.isArray(c.derived_from)) fail(`${p}.derived_from`, 'must be an array of CIDs')
    return { ...c, derived_from: c.derived_from.map((d: unknown, j: number) => toCid(d, `${p}.derived_from[${j}]`)) } as unknown as Claim
  })
  // keep every key in the input order: extension keys are part of the body (BODY.md §3.5), the
  // validator names the keys a claim, a section or `entities` may not have
  const body = { ...value, claims } as unknown as OosBody
  const corrections = [...dropOptionalNulls(body as unknown as Record<string, unknown>), ...applyDerived(body)]
  return { body, corrections }
}


/**
 * The JSON data of a body: keys in the published order, `derived_from` CIDs as strings.
 * (Plain data only: `JSON.stringify` of it is the `.oos.json` text.)
 */
export function toOosJsonValue (body: OosBody): Record<string, unknown> {
  const rec = body as unknown as Record<string, unknown>
  // extension keys first (a `_comment` heads a JSON file), in code-unit order (BODY.md §4)
  const extensions = extensionKeys(rec, BODY_KEYS)
  const out = ordered(rec, [...extensions, ...BODY_KEYS])
  for (const k of extensions) out[k] = orderedData(out[k])
  out.frontmatter = orderedFrontmatter(body.frontmatter)
  if (out.entities !== undefined) out.entities = orderedEntities(out.entities)
  if (Array.isArray(out.sections)) out.sections = out.sections.map(s => isPlainObject(s) ? ordered(s, ['heading', 'blocks']) : s)
  out.claims = body.claims.map(c => {
    const o = ordered(c as unknown as Record<string, unknown>, CLAIM_KEYS)
    if (Array.isArray(o.derived_from)) o.derived_from = o.derived_from.map(x => String(CID.asCID(x) ?? x))
    return o
  })
  return out
}

/** Write a body as `.oos.json` text (2-space indent, final newline, CIDs as strings). */
export function toOosJson (body: OosBody): string {
  return JSON.stringify(toOosJsonValue(body), null, 2) + '\n'
}
