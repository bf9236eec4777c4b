/**
 * Libraries loaded on first use rather than imported (issue 15, "a lean idle node"): an idle
 * node parses no `.oos.md` and compiles no schema, and these two would otherwise stay in its
 * heap from start (yaml's 72 modules and Ajv's ~110, about 1 MB each; bench/README.md). Both are
 * CommonJS, so `require` loads them synchronously where they are first needed.
 */
import { createRequire } from 'node:module'
import type * as Yaml from 'yaml'
import type _Ajv2020 from 'ajv/dist/2020.js'
import type _addFormats from 'ajv-formats'

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
  ajv ??= (require('ajv/dist/2020.js') as { default: Ajv2020 }).default
  return ajv
}

/** ajv-formats' plugin */
export function ajvFormats (): typeof _addFormats.default {
  return (require('ajv-formats') as { default: typeof _addFormats.default }).default
}
