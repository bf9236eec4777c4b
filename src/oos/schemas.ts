/**
 * The body's JSON Schemas (protocol/BODY.md §7.1–7.2) compiled with Ajv, in one place for
 * both uses:
 * - ahead of time: `standaloneModule()` is the source of `validators.gen.cjs` (Ajv's standalone
 *   code, https://ajv.js.org/standalone.html), which the ingest path runs. Compiling the
 *   schemas at run time cost ~125 ms of CPU in every process and verify worker that checked a
 *   body (a worker's start, from dist/, went from ~160 ms to ~60 ms without it; bench/README.md,
 *   "Verify workers: the schemas compiled ahead of time"), and kept Ajv's ~110 modules in
 *   memory. `npm run validators` writes the file; tests/oos/validators-gen.test.ts fails when
 *   it is not what the schemas give now.
 * - at run time, only for `oos validate`'s report of every error (`allErrors`): `makeAjv(true)`.
 *
 * Formats and the `oosnetCid` keyword are our own code (formats.ts, grammar.ts). The generated
 * module names them through its one parameter, `ext` (`ext.formats`, `ext.asClaimCid`), which
 * validate.ts passes; a run-time compile uses the same functions directly.
 */
import type { KeywordCxt, ValidateFunction } from 'ajv/dist/2020.js'
import { ajv2020, ajv2020Module, ajvStandalone } from './lazy.ts'
import formatSchema from '../../protocol/schema/oos-schema.v1.1.json' with { type: 'json' }
import entitiesSchema from '../../protocol/schema/oos-entities-schema.v1.0.json' with { type: 'json' }
import bodySchema from '../../protocol/schema/oosnet-body-ext.v1.json' with { type: 'json' }
import { asClaimCid } from './grammar.ts'
import { isDateTime, isUuid } from './formats.ts'

/** What the generated module is given (its `ext`). */
export const EXT = {
  formats: {
    'date-time': { type: 'string', validate: isDateTime },
    uuid: { type: 'string', validate: isUuid }
  },
  asClaimCid
} as const

/** The three validators of the ingest path (see validate.ts). */
export interface BodyValidators { full: ValidateFunction, known: ValidateFunction, claim: ValidateFunction }

const CLAIM_ID = 'urn:oosnet:schema:oos-claim:v1'

/** An Ajv with our formats and keyword, the published schemas added. `allErrors`: for reports. */
export function makeAjv (allErrors: boolean, standalone = false): InstanceType<ReturnType<typeof ajv2020>> {
  const Ajv = ajv2020()
  const { _ } = ajv2020Module()
  const ajv = new Ajv({
    allErrors,
    strict: true,
    allowUnionTypes: true,
    // count string lengths in UTF-16 code units (String#length): faster, and the unit of BODY.md
    unicode: false,
    // the generated code on one line, as Ajv writes it by default: it is read by the test that
    // compares it with a fresh generation, not by people (the schemas and this file are the source)
    ...(standalone ? { code: { source: true, formats: _`ext.formats` } } : {}),
    logger: {
      log: console.log,
      warn: (...args: unknown[]) => { if (!String(args[0]).includes('option unicode')) console.warn(...args) },
      error: console.error
    }
  })
  // our own grammars, not a library's (BODY.md §7.5)
  for (const [name, format] of Object.entries(EXT.formats)) ajv.addFormat(name, format)
  ajv.addKeyword({
    keyword: 'oosnetCid',
    schemaType: 'boolean',
    // code, not a `validate` function: standalone code can only name a function it is given
    code (cxt: KeywordCxt) {
      if (cxt.schema !== true) return
      const f = cxt.gen.scopeValue('func', { ref: asClaimCid, code: _`ext.asClaimCid` })
      cxt.fail(_`${f}(${cxt.data}) === null`)
    }
  })
  ajv.addSchema(formatSchema)
  ajv.addSchema(entitiesSchema)
  return ajv
}

/**
 * The same schemas with the claim items left out (`items: true`), for a body some of whose
 * claims are byte for byte ones that passed before (records/claim-memo.ts); the others are
 * checked one by one (`claim`). A claim's validity does not depend on the rest of the body (its
 * item schemas, BODY.md §7.2 field rules); what does (unique ids, sections placing claims,
 * derived counts) is still checked. Copies under other ids; the published schemas themselves
 * are untouched.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a deep copy of a JSON Schema, edited by path: any is its honest type
function withoutClaimItems<T> (schema: T, edit: (copy: any) => void): T {
  const copy = JSON.parse(JSON.stringify(schema))
  copy.$id = `${String(copy.$id)}/known-claims`
  edit(copy)
  return copy
}

/** Compile `full`, `known` and `claim` on `ajv`; their schema ids. */
function compileBody (ajv: ReturnType<typeof makeAjv>): Record<keyof BodyValidators, string> {
  ajv.compile(bodySchema)
  const formatKnown = withoutClaimItems(formatSchema, (c) => { c.properties.claims.items = true })
  const bodyKnown = withoutClaimItems(bodySchema, (c) => {
    c.$defs.oosnet.properties.claims.items = true
    c.allOf[1].$ref = formatKnown.$id
  })
  ajv.addSchema(formatKnown)
  ajv.compile(bodyKnown)
  ajv.compile({ $id: CLAIM_ID, allOf: [{ $ref: `${bodySchema.$id}#/$defs/claim` }, { $ref: `${formatSchema.$id}#/properties/claims/items` }] })
  return { full: bodySchema.$id, known: bodyKnown.$id, claim: CLAIM_ID }
}

/** The body schema compiled to find every error, not the first (`oos validate`; not on ingest). */
export function reportingAjvValidator (): ValidateFunction {
  return makeAjv(true).compile(bodySchema)
}

/** The source of validators.gen.cjs. */
export function standaloneModule (): string {
  const ajv = makeAjv(false, true)
  const ids = compileBody(ajv)
  const standaloneCode = ajvStandalone()
  // the directive moves to the top of the module (inside the function it would be a stray statement)
  const code = standaloneCode(ajv, ids).replace(/^"use strict";/, '')
  return [
    '/* eslint-disable */',
    '// GENERATED by `npm run validators` (src/oos/schemas.ts, Ajv standalone code) from protocol/schema/*.json.',
    '// Do not edit: tests/oos/validators-gen.test.ts checks that this is what the schemas give.',
    '// CommonJS, so that validate.ts loads it synchronously on first use (lazy.ts), not at start.',
    '\'use strict\'',
    '/** The body validators (schemas.ts `BodyValidators`), given the formats and functions `ext` (schemas.ts `EXT`). */',
    'module.exports = function bodyValidators (ext) {',
    'const exports = {}',
    code,
    'return exports',
    '}',
    ''
  ].join('\n')
}
