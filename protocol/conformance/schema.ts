/**
 * protocol/schema/records.v1.json compiled with Ajv, for the DAG-JSON form of a decoded
 * record: what another implementation can run with any JSON Schema 2020-12 validator. The
 * node's own checks (src/records/kinds.ts) are held to it by tests/records/schema.test.ts.
 */
import * as dagJson from '@ipld/dag-json'
import _Ajv2020 from 'ajv/dist/2020.js'
import type { ValidateFunction } from 'ajv/dist/2020.js'
import formatSchema from '../schema/oos-schema.v1.1.json' with { type: 'json' }
import entitiesSchema from '../schema/oos-entities-schema.v1.0.json' with { type: 'json' }
import bodySchema from '../schema/oosnet-body-ext.v1.json' with { type: 'json' }
import recordsSchema from '../schema/records.v1.json' with { type: 'json' }
import { isDateTime, isUuid } from '../../src/oos/formats.ts'

const Ajv2020 = ((_Ajv2020 as unknown as { default?: typeof _Ajv2020 }).default ?? _Ajv2020) as unknown as typeof _Ajv2020.default

/** A claim CID in DAG-JSON: {"/": "bafyrei…"} (BODY.md `oosnetCid`). */
const isLink = (v: unknown): boolean => typeof v === 'object' && v !== null && Object.keys(v).length === 1 && typeof (v as any)['/'] === 'string' && /^bafyrei[a-z2-7]{52}$/.test((v as any)['/'])

let compiled: ValidateFunction | undefined

export function recordsValidator (): ValidateFunction {
  if (compiled !== undefined) return compiled
  const ajv = new Ajv2020({ allErrors: false, strict: true, allowUnionTypes: true, unicode: false, logger: false })
  ajv.addFormat('date-time', { type: 'string', validate: isDateTime })
  ajv.addFormat('uuid', { type: 'string', validate: isUuid })
  ajv.addKeyword({ keyword: 'oosnetCid', schemaType: 'boolean', errors: false, validate: (schema: boolean, data: unknown) => !schema || isLink(data) })
  ajv.addSchema([formatSchema, entitiesSchema, bodySchema])
  compiled = ajv.compile(recordsSchema)
  return compiled
}

/** The DAG-JSON form of a decoded value, as plain JSON (bigints become numbers). */
export function jsonView (value: unknown): unknown {
  return JSON.parse(new TextDecoder().decode(dagJson.encode(value as any)))
}
