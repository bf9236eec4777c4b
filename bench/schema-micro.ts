/**
 * Micro-benchmark: the node's hand-written record checks (src/records/kinds.ts, which run on
 * the ingest hot path) against protocol/schema/records.v1.json through Ajv (with the DAG-JSON
 * view a standard validator needs). Versions are measured without their body, which both
 * check with the same Ajv body schema.
 *
 *   node bench/schema-micro.ts
 */
import * as dagCbor from '@ipld/dag-cbor'
import { readFileSync } from 'node:fs'
import { jsonView, recordsValidator } from '../protocol/conformance/schema.ts'
import { checkRecord } from '../src/records/kinds.ts'

const valid = JSON.parse(readFileSync(new URL('../protocol/vectors/valid.json', import.meta.url), 'utf8'))
const validate = recordsValidator()
const NOW = Date.UTC(2026, 10, 2)

function time (label: string, n: number, fn: () => void): number {
  for (let i = 0; i < n / 10; i++) fn()
  const t = process.hrtime.bigint()
  for (let i = 0; i < n; i++) fn()
  const ns = Number(process.hrtime.bigint() - t) / n
  console.log(`${label.padEnd(48)} ${(ns / 1000).toFixed(2)} µs`)
  return ns
}

for (const name of ['endorsement', 'key-rotation', 'node-binding']) {
  const env = dagCbor.decode<any>(Buffer.from(valid.find((v: any) => v.name === name).bytesHex, 'hex'))
  const a = time(`${name}: hand-written checkRecord`, 200_000, () => checkRecord(env.rec, NOW))
  const b = time(`${name}: DAG-JSON view + Ajv records.v1.json`, 50_000, () => { if (!validate(jsonView(env))) throw new Error('invalid') })
  const view = jsonView(env)
  const c = time(`${name}: Ajv alone, on a view made beforehand`, 200_000, () => { if (!validate(view)) throw new Error('invalid') })
  console.log(`${''.padEnd(48)} view + Ajv ×${(b / a).toFixed(1)}, Ajv alone ×${(c / a).toFixed(1)}`)
}
