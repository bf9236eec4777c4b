/**
 * Body validation (protocol/BODY.md §7). Runs on the ingest hot path for every `oos/version`
 * record, so the schemas are compiled ahead of time (schemas.ts, validators.gen.cjs).
 *
 * 1. JSON Schema (Ajv, draft 2020-12): protocol/schema/oosnet-body-ext.v1.json, which
 *    requires the format's document schema v1.1 and entities schema v1.0 (both copied
 *    verbatim) and adds oosnet's fields, unknown-key rejection and size limits. CIDs in
 *    `derived_from` are checked by the custom keyword `oosnetCid` (the decoded body holds CID
 *    objects, which no standard keyword can describe).
 * 2. Code, for what a schema cannot say: unique claim ids, section blocks naming existing
 *    claims at most once, the line grammar of strings (so the body can be written as
 *    `.oos.md` and read back unchanged), and plain-data entity values.
 *
 * Errors: BodySchemaError (SCHEMA_INVALID) or BodyLimitError (LIMIT_EXCEEDED), `path` a JSON
 * path such as `claims[3].confidence`, message naming the path and what it must be.
 */
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js'
import { EXT, reportingAjvValidator, type BodyValidators } from './schemas.ts'
import { bodyValidatorsModule } from './lazy.ts'
import type { OosBody } from './types.ts'
import type { OosError } from '../errors.ts'
import { BodyLimitError, BodySchemaError } from './errors.ts'
import { BODY_KEYS, CLAIM_KEYS, FRONTMATTER_KEYS, isPlainObject, joinPath } from './grammar.ts'
import { checkWritable } from './write.ts'

/** Size limits of a body (BODY.md §7.3); rejections use LIMIT_EXCEEDED. */
export const BODY_LIMITS = {
  maxClaims: 1000,
  maxClaimStringUnits: 8192,
  maxSections: 200,
  maxBlocksPerSection: 2001,
  maxTextBlockUnits: 65536,
  maxHeadingUnits: 1024,
  maxFrontmatterStringUnits: 1024,
  maxPlatforms: 100,
  maxEntityItems: 500,
  maxRelatedEntities: 500,
  maxDerivedFrom: 100,
  /** levels of values below `entities` (BODY.md §3.3, R-B3.3.1: a value directly in `entities` is level 1) */
  maxEntityDepth: 32
} as const

let compiled: BodyValidators | undefined

/**
 * The validators of the ingest path: the schemas compiled ahead of time (validators.gen.cjs,
 * see schemas.ts), built once on first use. `full`: the body schema; `known`: the same with the
 * claim items left out, for a body some of whose claims passed before (`validateKnownClaims`);
 * `claim`: one claim against both item schemas (ours and the format's), for the others.
 */
function validators (): BodyValidators {
  compiled ??= bodyValidatorsModule()(EXT)
  return compiled
}

let reporting: ValidateFunction | undefined

/** The body schema compiled at run time to find every error, not the first (`oos validate`; not on ingest). */
export function reportingValidator (): ValidateFunction {
  reporting ??= reportingAjvValidator()
  return reporting
}

/** Build the validators now, not at the first body (a verify worker calls this as it starts). */
export function prepareValidation (): void { validators() }

/** Claims known to pass: claim objects decoded from bytes that passed before. */
export type KnownClaims = ReadonlySet<unknown>

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  object: 'an object',
  array: 'an array',
  boolean: 'true or false',
  null: 'null'
}

const ALLOWED: Array<[RegExp, readonly string[]]> = [
  [/^frontmatter\.confidence_distribution$/, ['high', 'medium', 'low']],
  [/^claims\[\d+\]$/, CLAIM_KEYS],
  [/^sections\[\d+\]$/, ['heading', 'blocks']],
  [/^entities$/, ['agents', 'humans', 'systems', 'workflows', 'escalation_hierarchy', 'conflict_protocols', 'override_rules', 'decisions', 'dependencies']]
]

/** Resolve an Ajv instancePath (JSON pointer) on the data: our path notation and the value there. */
function resolve (data: unknown, pointer: string): { path: string, value: unknown } {
  let path = ''
  let value: unknown = data
  if (pointer === '') return { path, value }
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    if (Array.isArray(value)) {
      path = joinPath(path, Number(seg))
      value = value[Number(seg)]
    } else {
      path = joinPath(path, seg)
      value = (value as Record<string, unknown> | undefined)?.[seg]
    }
  }
  return { path, value }
}

function sizeOf (v: unknown): number {
  return Array.isArray(v) || typeof v === 'string' ? v.length : 0
}

/** The bounds of `word_count` (format schema v1.1). */
const WORDS = { min: 500, max: 15000 }

/** Turn an Ajv error into our typed error with an actionable message. */
export function toError (e: ErrorObject, data: unknown): OosError {
  const { path, value } = resolve(data, e.instancePath)
  const p = e.params as Record<string, unknown>
  const at = (extra: string): string => joinPath(path, extra)
  const subject = path === '' ? 'the body' : path
  const schemaErr = (where: string, message: string): BodySchemaError => new BodySchemaError(message, { path: where })
  // word_count is derived from the text (BODY.md §6): say what the author can change
  if (path === 'frontmatter.word_count' && typeof value === 'number' && (e.keyword === 'minimum' || e.keyword === 'maximum')) {
    return schemaErr(path, e.keyword === 'minimum'
      ? `the document needs more text: it has ${value} words and the OOS format requires at least ${WORDS.min} (word_count is counted from the prose and claims, not edited)`
      : `the document is too long: it has ${value} words and the OOS format allows at most ${WORDS.max} (word_count is counted from the prose and claims, not edited)`)
  }
  const reserved = (e as { propertyName?: string }).propertyName
  if (reserved !== undefined && path === 'frontmatter') {
    return schemaErr(at(reserved), `${at(reserved)} is reserved: in a .oos.md front matter, ${reserved === 'entities' ? 'entities: holds body.entities' : 'top_level: holds the document\'s top-level extension keys'} (BODY.md §3.5)`)
  }
  switch (e.keyword) {
    case 'required':
      return schemaErr(at(String(p.missingProperty)), `${at(String(p.missingProperty))} is required`)
    case 'additionalProperties': {
      const key = String(p.additionalProperty)
      const allowed = ALLOWED.find(([re]) => re.test(path))?.[1]
      return schemaErr(at(key), `${at(key)} is not a known field${allowed === undefined ? '' : ` (allowed: ${allowed.join(', ')})`}`)
    }
    case 'enum':
      return schemaErr(path, `${subject} must be one of ${(p.allowedValues as unknown[]).join(', ')}`)
    case 'type': {
      const types = String(p.type).split(',').map(t => TYPE_WORDS[t] ?? t)
      return schemaErr(path, `${subject} must be ${types.join(' or ')}`)
    }
    case 'pattern':
      if (String(p.pattern) === '^C\\d{1,4}$') return schemaErr(path, `${subject} must be a claim id: C and 1 to 4 digits, e.g. C001 (it is ${JSON.stringify(value)})`)
      return schemaErr(path, `${subject} must match the pattern ${String(p.pattern)} (it is ${JSON.stringify(value)})`)
    case 'format':
      if (p.format === 'date-time') return schemaErr(path, `${subject} must be an RFC 3339 date-time such as 2026-03-14T12:00:00Z (it is ${JSON.stringify(value)})`)
      if (p.format === 'uuid') return schemaErr(path, `${subject} must be a UUID (it is ${JSON.stringify(value)})`)
      return schemaErr(path, `${subject} must be a ${String(p.format)}`)
    case 'minimum':
      return schemaErr(path, `${subject} must be at least ${String(p.limit)} (it is ${String(value)})`)
    case 'maximum':
      return schemaErr(path, `${subject} must be at most ${String(p.limit)} (it is ${String(value)})`)
    case 'minItems':
      return schemaErr(path, `${subject} must have at least ${String(p.limit)} items (it has ${sizeOf(value)})`)
    case 'minLength':
      return schemaErr(path, p.limit === 1 ? `${subject} must not be empty` : `${subject} must be at least ${String(p.limit)} characters long`)
    case 'maxItems':
      return new BodyLimitError(`${subject} has ${sizeOf(value)} items; the limit is ${String(p.limit)}`, { path })
    case 'maxLength':
      return new BodyLimitError(`${subject} is ${sizeOf(value)} UTF-16 code units long; the limit is ${String(p.limit)}`, { path })
    case 'minProperties':
    case 'maxProperties':
      return schemaErr(path, `${subject} must be either {"text": …} or {"claim": …}`)
    case 'oosnetCid':
      return schemaErr(path, `${subject} must be a claim CID (CIDv1, dag-cbor, sha2-256)`)
    default:
      return schemaErr(path, `${subject} ${e.message ?? 'is invalid'}`)
  }
}

/** Entities and extensions hold plain JSON-model data: null, booleans, finite numbers, strings, arrays, maps. */
export function checkPlainData (v: unknown, path: string, depth: number): void {
  if (depth > BODY_LIMITS.maxEntityDepth) throw new BodyLimitError(`${path} is nested deeper than ${BODY_LIMITS.maxEntityDepth} levels`, { path })
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new BodySchemaError(`${path} must be a finite number`, { path })
    if (Number.isInteger(v) && !Number.isSafeInteger(v)) throw new BodySchemaError(`${path} must be an integer of at most 2^53 - 1 in magnitude (it is ${v})`, { path })
    return
  }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) checkPlainData(v[i], `${path}[${i}]`, depth + 1)
    return
  }
  if (isPlainObject(v)) {
    for (const k of Object.keys(v)) {
      if (k === '__proto__') throw new BodySchemaError(`${path} must not have a key named __proto__`, { path })
      checkPlainData(v[k], joinPath(path, k), depth + 1)
    }
    return
  }
  throw new BodySchemaError(`${path} must be plain data (null, boolean, number, string, list or map)`, { path })
}

/**
 * Validate a decoded body (from DAG-CBOR, JSON or a parser) and return it typed. Throws
 * BodySchemaError / BodyLimitError at the first problem. Does not compare derived fields:
 * that is `checkDerived`. `knownClaims`: claims that passed before, byte for byte (see
 * `validateKnownClaims`): only the other claims, the rest of the body and the claims' ids
 * are checked.
 */
export function validateBody (body: unknown, options: { knownClaims?: KnownClaims } = {}): OosBody {
  const known = options.knownClaims
  const v = validators()
  const validate = known === undefined ? v.full : v.known
  if (!validate(body)) {
    const e = validate.errors?.[0]
    throw e === undefined ? new BodySchemaError('the body is invalid', { path: '' }) : toError(e, body)
  }
  if (known !== undefined) {
    const claims = (body as { claims: unknown[] }).claims
    for (let i = 0; i < claims.length; i++) {
      if (known.has(claims[i]) || v.claim(claims[i])) continue
      const e = v.claim.errors?.[0]
      throw e === undefined ? new BodySchemaError(`claims[${i}] is invalid`, { path: `claims[${i}]` }) : toError({ ...e, instancePath: `/claims/${i}${e.instancePath}` }, body)
    }
  }
  const b = body as OosBody
  checkWritable(b, options)
  if (b.entities !== undefined) checkPlainData(b.entities, 'entities', 0)
  checkExtensions(b)
  return b
}

/**
 * Extension keys (BODY.md §3.5): at the top level and in the front matter, keys the format's
 * schemas leave open hold plain data, at most 32 levels deep (the key's value is level 1).
 */
export function checkExtensions (b: OosBody): void {
  const check = (o: Record<string, unknown>, known: readonly string[], base: string): void => {
    for (const k in o) {
      if (known.includes(k)) continue
      if (k === '__proto__') throw new BodySchemaError(`${base === '' ? 'the body' : base} must not have a key named __proto__`, { path: base })
      checkPlainData(o[k], joinPath(base, k), 1)
    }
  }
  check(b as unknown as Record<string, unknown>, BODY_KEYS, '')
  check(b.frontmatter as unknown as Record<string, unknown>, FRONTMATTER_KEYS, 'frontmatter')
}
