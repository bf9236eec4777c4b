/**
 * protocol/schema/records.v1.json and the node's hand-written checks (src/records/kinds.ts)
 * agree on every conformance case that decodes: the schema rejects exactly what the node's
 * schema stage rejects, except the cases of rules no JSON Schema can state (listed in the
 * schema's description, and below by case).
 */
import { describe, expect, it } from 'vitest'
import * as dagCbor from '@ipld/dag-cbor'
import { inputOf, loadCases } from '../../protocol/conformance/cases.ts'
import { jsonView, recordsValidator } from '../../protocol/conformance/schema.ts'
import { decodeRecord } from '../../src/records/codec.ts'
import { OosError } from '../../src/errors.ts'

const file = loadCases()
/** codes of the schema stage (SPEC step 4) */
const SCHEMA_STAGE = new Set(['UNKNOWN_KIND', 'SCHEMA_INVALID', 'LIMIT_EXCEEDED', 'VERSION_MISMATCH', 'DERIVED_MISMATCH'])
/** codes given before there is a value to validate */
const BEFORE = new Set(['DECODE_FAILED', 'NON_CANONICAL'])
/** cases the node rejects in its schema stage by a rule the schema cannot state (the schema's description lists the rules) */
const CODE_ONLY: Record<string, string> = {
  'did-not-ed25519': 'R-4.0.3 (base58 decoding)',
  'key-equals-org': 'R-4.0.5',
  'key-equals-org-binding': 'R-4.0.5',
  'createdAt-future': 'R-4.0.6 (clock)',
  'expires-at-creation': 'R-4.2.2',
  'expires-before-creation': 'R-4.2.2',
  'rotation-same-key': 'R-4.4.1 (newKey ≠ oldKey)',
  'peer-truncated': 'R-4.5.2 (multihash decoding)',
  'body-duplicate-claim-id': 'BODY.md §7.2',
  'entities-level-33': 'R-B3.3.1',
  'body-extension-cid': 'R-B3.5.2 (plain data: a CID is a map {"/": …} in DAG-JSON)',
  'body-extension-level-33': 'R-B3.5.2',
  'version-mismatch': 'R-4.1.3',
  'version-parent-mismatch': 'R-4.1.3',
  'derived-mismatch': 'R-4.1.4',
  'derived-confidence': 'R-4.1.4',
  'derived-evidence': 'R-4.1.4'
}

function nodeCode (bytes: Uint8Array): string {
  try {
    decodeRecord(bytes, { now: file.now })
    return 'accepted'
  } catch (err) {
    return err instanceof OosError ? err.code : 'INTERNAL'
  }
}

describe('protocol/schema/records.v1.json agrees with the node\'s checks', () => {
  const validate = recordsValidator()
  const decodable = file.cases.filter(c => c.padTo === undefined && !BEFORE.has(nodeCode(Buffer.from(inputOf(file, c).record, 'hex'))))

  it('covers most cases', () => { expect(decodable.length).toBeGreaterThan(150) })

  it.each(decodable.map(c => [c.name, c] as const))('%s', (_n, c) => {
    const bytes = Buffer.from(inputOf(file, c).record, 'hex')
    const code = nodeCode(bytes)
    const ok = validate(jsonView(dagCbor.decode(bytes)))
    if (!ok) {
      // the schema is never stricter than the node
      expect(SCHEMA_STAGE.has(code), `${c.name}: the schema rejects (${JSON.stringify(validate.errors?.[0])}), the node says ${code}`).toBe(true)
      // UNKNOWN_KIND is the schema's error at /rec/type, or a /rec without type
      const e = validate.errors?.[0]
      if (code === 'UNKNOWN_KIND') expect(e?.instancePath === '/rec/type' || (e?.instancePath === '/rec' && e.params.missingProperty === 'type')).toBe(true)
    } else if (SCHEMA_STAGE.has(code)) {
      expect(CODE_ONLY[c.name], `${c.name}: the node's schema stage says ${code}, the schema accepts`).toBeDefined()
    }
  })

  it('lists no code-only case that the schema does reject', () => {
    for (const name of Object.keys(CODE_ONLY)) {
      const c = file.cases.find(x => x.name === name)
      if (c === undefined) continue
      expect(validate(jsonView(dagCbor.decode(Buffer.from(inputOf(file, c).record, 'hex')))), name).toBe(true)
    }
  })
})
