/**
 * The request and response schemas of the local API, taken from protocol/openapi.yaml (the
 * one place they are written): for each operation, the JSON schemas fastify is given for its
 * path parameters, query string, body and 200 answer, and the validators it runs them with.
 *
 * Validators are Ajv (JSON Schema 2020-12, the dialect of OpenAPI 3.1), compiled on first use
 * so that starting a node does not pay for routes it is never asked. Bodies are validated as
 * sent (no coercion, no defaults filled in, nothing removed); query and path values are
 * strings on the wire and are coerced to the documented type.
 */
import { readFileSync } from 'node:fs'
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js'
export type { ErrorObject }
import { InternalError } from '../errors.ts'
import { ajv2020, ajvFormats, yamlLib, type Ajv2020 } from '../oos/lazy.ts'

type Schema = Record<string, unknown>
/** the request part a schema is for, as fastify names it */
export type Part = 'params' | 'querystring' | 'body'

export interface Operation {
  method: 'GET' | 'POST'
  /** OpenAPI path template, `/v1/versions/{ref}` */
  path: string
  operationId: string
  /** the fastify route schema: `params`, `querystring`, `body`, `response[200]` */
  schema: { params?: Schema, querystring: Schema, body?: Schema, response: Record<string, Schema> }
}

export interface ApiSpec {
  operations: Operation[]
  /** `components.schemas`, with refs pointing into this object (`SCHEMAS_ID#/$defs/Name`) */
  defs: Schema
}

export const SPEC_URL = new URL('../../protocol/openapi.yaml', import.meta.url)
/**
 * Run as JavaScript emitted ahead of time (dist/src/api/spec.js), the spec is read from the JSON
 * the build made of openapi.yaml (dist/protocol/openapi.json, bin/build.js): no YAML parser at
 * start. tests/build.test.ts holds the two equal.
 */
export const SPEC_JSON_URL = new URL('../../protocol/openapi.json', import.meta.url)
const BUILT = import.meta.url.endsWith('.js')
const SCHEMAS_ID = 'oosnet-api'
const METHODS = ['get', 'post'] as const

/** `#/components/schemas/X` → `oosnet-api#/$defs/X`: refs that resolve in one Ajv schema of all components */
function rebase<T> (value: T): T {
  return JSON.parse(JSON.stringify(value).replaceAll('"#/components/schemas/', `"${SCHEMAS_ID}#/$defs/`)) as T
}

/** the members of an OpenAPI operation read here */
interface OpenApiOperation {
  operationId: string
  parameters?: Array<{ name: string, in: string, required?: boolean, schema: Schema }>
  requestBody?: { content?: Record<string, { schema?: Schema }> }
  responses?: Record<string, { content?: Record<string, { schema?: Schema }> }>
}

let cached: ApiSpec | undefined

/** protocol/openapi.yaml as route schemas (read once per process). */
export function loadSpec (): ApiSpec {
  if (cached !== undefined) return cached
  const url = BUILT ? SPEC_JSON_URL : SPEC_URL
  let text: string
  try {
    text = readFileSync(url, 'utf8')
  } catch (err) {
    throw new InternalError(`cannot read the API's schemas (${url.pathname}): ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`, { cause: err })
  }
  const doc = (BUILT ? JSON.parse(text) : yamlLib().parse(text)) as { paths: Record<string, Record<string, OpenApiOperation | undefined>>, components: { schemas: Schema } }
  const operations: Operation[] = []
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const m of METHODS) {
      const op = item[m]
      if (op === undefined) continue
      const params = op.parameters ?? []
      const object = (where: string): Schema => {
        const ps = params.filter(p => p.in === where)
        return {
          type: 'object',
          additionalProperties: false,
          properties: Object.fromEntries(ps.map(p => [p.name, p.schema])),
          required: ps.filter(p => p.required === true).map(p => p.name)
        }
      }
      const body = op.requestBody?.content?.['application/json']?.schema
      const ok = op.responses?.['200']?.content?.['application/json']?.schema
      operations.push({
        method: m.toUpperCase() as Operation['method'],
        path,
        operationId: op.operationId,
        schema: rebase({
          ...(path.includes('{') ? { params: object('path') } : {}),
          querystring: object('query'),
          ...(body !== undefined ? { body } : {}),
          response: (ok !== undefined ? { 200: ok } : {}) as Record<string, Schema>
        })
      })
    }
  }
  cached = { operations, defs: rebase({ $id: SCHEMAS_ID, $defs: doc.components.schemas }) }
  return cached
}

/**
 * Ajv instances, made on the first compile: strict for bodies and answers, coercing for query
 * and path strings. One per process, shared by every server (tests start many), with the
 * functions it compiled: a schema is compiled once.
 */
class Validators {
  private exact?: InstanceType<Ajv2020>
  private coercing?: InstanceType<Ajv2020>
  private readonly compiled = new Map<string, ValidateFunction>()
  private readonly defs: Schema
  constructor (defs: Schema) { this.defs = defs }

  private ajv (coerce: boolean): InstanceType<Ajv2020> {
    const existing = coerce ? this.coercing : this.exact
    if (existing !== undefined) return existing
    // strict: false, for the OpenAPI annotations (`x-http-status`, `examples`) in the schemas
    // validateSchema: false: the spec's schemas are checked against the meta-schema by tests/api/openapi.test.ts, not at every start
    const Ajv = ajv2020()
    const ajv = new Ajv({ strict: false, validateSchema: false, allErrors: false, coerceTypes: coerce, useDefaults: false, removeAdditional: false })
    ajvFormats()(ajv, ['date-time'])
    ajv.addSchema(this.defs)
    if (coerce) this.coercing = ajv
    else this.exact = ajv
    return ajv
  }

  /** a validator compiled when first called */
  lazy (schema: Schema, coerce: boolean): (data: unknown) => ErrorObject | undefined {
    const key = `${String(coerce)} ${JSON.stringify(schema)}`
    let validate = this.compiled.get(key)
    return (data) => {
      if (validate === undefined) {
        validate = this.ajv(coerce).compile(schema)
        this.compiled.set(key, validate)
      }
      return validate(data) ? undefined : (validate.errors?.[0] ?? { keyword: 'unknown', instancePath: '', schemaPath: '', params: {}, message: 'is not valid' })
    }
  }
}

let validators: Validators | undefined

/**
 * fastify's `validatorCompiler` and `serializerCompiler` for the schemas of `loadSpec()`:
 * a request part that does not match is the typed error `requestError` makes of Ajv's first
 * error (routes.ts); an answer that does not match
 * is an `InternalError` (a 500 with a generic message; the detail is logged), so no
 * undocumented answer leaves the node.
 */
export function compilers (spec: ApiSpec, stringify: (value: unknown) => string, requestError: (part: Part, e: ErrorObject) => Error): {
  validatorCompiler: (o: { schema: Schema, httpPart?: string }) => (data: unknown) => { error?: Error, value?: unknown }
  serializerCompiler: (o: { schema: Schema, method: string, url: string }) => (data: unknown) => string
} {
  validators ??= new Validators(spec.defs)
  const v = validators
  return {
    validatorCompiler: ({ schema, httpPart }) => {
      const part = (httpPart ?? 'body') as Part
      const check = v.lazy(schema, part !== 'body')
      const integers = part === 'body' ? [] : integerProperties(schema)
      return (data) => {
        const e = plainIntegers(data, integers) ?? check(data)
        return e === undefined ? { value: data } : { error: requestError(part, e) }
      }
    },
    serializerCompiler: ({ schema, method, url }) => {
      const check = v.lazy(schema, false)
      return (data) => {
        const e = check(data)
        if (e !== undefined) throw new InternalError(`the answer of ${method} ${url} does not match its schema in openapi.yaml: ${e.instancePath === '' ? 'the answer' : e.instancePath} ${e.message ?? ''}`.trim())
        return stringify(data)
      }
    }
  }
}

/** The properties of a query or path schema whose type is integer. */
function integerProperties (schema: Schema): string[] {
  const props = (schema as { properties?: Record<string, { type?: unknown }> }).properties ?? {}
  return Object.keys(props).filter(k => props[k]?.type === 'integer')
}

/**
 * Ajv's coercion reads a query string as JavaScript does (`1e3`, `01`, ` 1`, `0x10` are all
 * numbers): an integer in a query or a path is decimal digits without a leading zero, as the
 * API accepted before it ran on fastify, so each is checked as written before coercion.
 */
function plainIntegers (data: unknown, integers: string[]): ErrorObject | undefined {
  if (integers.length === 0 || data === null || typeof data !== 'object') return undefined
  for (const k of integers) {
    const raw = (data as Record<string, unknown>)[k]
    if (typeof raw === 'string' && !/^(0|[1-9][0-9]*)$/.test(raw)) {
      return { keyword: 'type', instancePath: `/${k}`, schemaPath: `#/properties/${k}/type`, params: { type: 'integer' }, message: 'must be an integer in decimal digits' }
    }
  }
  return undefined
}
