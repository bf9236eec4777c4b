/**
 * Libraries loaded on first use rather than imported (issue 15, "a lean idle node"): an idle
 * node parses no `.oos.md` and checks no body, and these would otherwise stay in its heap from
 * start (yaml's 72 modules and Ajv's ~110, about 1 MB each; bench/README.md). Both are
 * CommonJS, so `require` loads them synchronously where they are first needed.
 */
import { createRequire } from 'node:module'
import type * as Yaml from 'yaml'
import type _Ajv2020 from 'ajv/dist/2020.js'
import type _addFormats from 'ajv-formats'
import type _standalone from 'ajv/dist/standalone/index.js'
import type { BodyValidators, EXT } from './schemas.ts'

const require = createRequire(import.meta.url)

/** the Ajv class for JSON Schema 2020-12 */
export type Ajv2020 = typeof _Ajv2020.default

let yaml: typeof Yaml | undefined
let ajv: Ajv2020 | undefined

/** the `yaml` library */
export function yamlLib (): typeof Yaml {
  yaml ??= require('yaml') as typeof Yaml
  return yaml
}

/** Ajv for JSON Schema 2020-12 (the module's `default`: CommonJS under NodeNext) */
export function ajv2020 (): Ajv2020 {
  ajv ??= ajv2020Module().default
  return ajv
}

/** the whole module of Ajv for JSON Schema 2020-12 (its codegen helpers: `_`) */
export function ajv2020Module (): typeof _Ajv2020 {
  return require('ajv/dist/2020.js') as typeof _Ajv2020
}

/** Ajv's standalone code generator (src/oos/schemas.ts: only when the validators are generated) */
export function ajvStandalone (): typeof _standalone.default {
  return (require('ajv/dist/standalone/index.js') as typeof _standalone).default
}

/**
 * The body validators compiled ahead of time (validators.gen.cjs, schemas.ts): 262 KB of code
 * that an idle node, which checks no body, does not hold.
 */
export function bodyValidatorsModule (): (ext: typeof EXT) => BodyValidators {
  return require('./validators.gen.cjs') as (ext: typeof EXT) => BodyValidators
}

/** ajv-formats' plugin */
export function ajvFormats (): typeof _addFormats.default {
  return (require('ajv-formats') as { default: typeof _addFormats.default }).default
}
