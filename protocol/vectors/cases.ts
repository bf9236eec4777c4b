/**
 * The conformance cases (protocol/vectors/cases.json, format in protocol/README.md §4): every
 * valid and invalid vector and the hostile ones, each naming the rule (R-…) of protocol/*.md
 * it tests and the outcome a verifier MUST give. Made deterministically by generate.ts.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { sign as signWith } from '../../src/identity/index.ts'
import { signingBytes } from '../../src/records/codec.ts'
import type { Decoded } from '../../src/records/types.ts'
import type { CID } from 'multiformats/cid'
import { isKind } from '../../src/records/kinds.ts'
import { cat } from './cbor.ts'
import { encodingCases } from './cases-encoding.ts'
import { ruleCases } from './cases-rules.ts'

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

export interface TestKey { name: string, seed: Uint8Array, secretKey: Uint8Array, publicKey: Uint8Array, did: string }

/** What generate.ts made, for the cases to build on. */
export interface Fixtures {
  T0: number
  NOW: number
  keys: Record<'alice' | 'bob' | 'carol' | 'alice2' | 'alice3' | 'alice4', TestKey>
  v: Record<string, Decoded>
  c0: CID
}

export interface Case {
  name: string
  rule: string
  note: string
  /** names in `records`, each ingested first (each MUST be accepted) */
  after: string[]
  /** the name in `records` of the record under test */
  record: string
  /** the CID the record was fetched as, if any (R-6.1) */
  expectedCid?: string
  /** pad the record with zero bytes to this length */
  padTo?: number
  /** `accepted`, `duplicate`, `equivocation` or a rejection code of SPEC §9 */
  expect: string
}

export class Cases {
  readonly records: Record<string, string> = {}
  readonly cases: Case[] = []

  record (name: string, bytes: Uint8Array): string {
    const h = hex(bytes)
    if (this.records[name] !== undefined && this.records[name] !== h) throw new Error(`two records named ${name}`)
    this.records[name] = h
    return name
  }

  add (rule: string, name: string, note: string, bytes: Uint8Array | string, expect: string, after: string[] = [], extra: { expectedCid?: string, padTo?: number } = {}): void {
    if (this.cases.some(c => c.name === name)) throw new Error(`two cases named ${name}`)
    const record = typeof bytes === 'string' ? bytes : this.record(name, bytes)
    this.cases.push({ name, rule, note, after, record, ...extra, expect })
  }
}

/** Sign an arbitrary (possibly invalid) unsigned record with one or more keys, bypassing the shape check. */
export function resign (rec: Record<string, unknown>, ...secretKeys: Uint8Array[]): Uint8Array {
  const recBytes = dagCbor.encode(rec)
  // a kind this protocol does not have is signed with the prefix it would have
  // an unknown kind is refused before any signature is checked: any prefix will do (a map is
  // spelled as JSON: `String` of {"toString": 1} throws)
  const kind = typeof rec.type === 'object' && rec.type !== null ? JSON.stringify(rec.type) : String(rec.type)
  const msg = isKind(rec.type) ? signingBytes(rec.type, recBytes) : cat(new TextEncoder().encode(`oosnet/v1:${kind}\n`), recBytes)
  const sig = new Uint8Array(64 * secretKeys.length)
  secretKeys.forEach((sk, i) => sig.set(signWith(sk, msg), 64 * i))
  return dagCbor.encode({ rec, sig })
}

/** The rule each of the vectors of valid.json / invalid.json tests. */
const RULES: Record<string, string> = {
  'version-1': 'R-6.4', 'version-2': 'R-6.5', 'version-example': 'R-4.1.2', endorsement: 'R-6.8', dispute: 'R-6.8', retraction: 'R-4.3.2', 'node-binding': 'R-4.5.1', 'key-rotation': 'R-7.3', 'version-3-rotated': 'R-7.1', 'key-rotation-2': 'R-7.5', 'version-derived': 'R-6.7',
  'tampered-byte': 'R-3.2.6', 'wrong-signer': 'R-3.2.6', 'non-canonical-int': 'R-3.2.1', 'non-canonical-key-order': 'R-3.2.1', 'seq-gap': 'R-6.4', 'wrong-prev': 'R-6.5', 'time-regression': 'R-6.6', oversize: 'R-8.1', 'unknown-kind': 'R-4.0.1', truncated: 'R-3.2.2', 'envelope-extra-key': 'R-3.1.1', 'derived-mismatch': 'R-4.1.4', 'version-mismatch': 'R-4.1.3', 'schema-invalid-confidence': 'R-4.1.2', 'endorse-unknown-claim': 'R-6.8', 'endorsement-wrong-key': 'R-3.2.6', 'rotation-one-signature': 'R-3.1.2', 'rotated-out-key': 'R-7.1', 'retract-not-author': 'R-4.3.2', 'rotation-uncommitted-key': 'R-7.5', 'derived-from-unknown': 'R-6.7'
}

export function buildCases (f: Fixtures, valid: any[], invalid: any[]): { now: number, records: Record<string, string>, cases: Case[] } {
  const c = new Cases()
  for (const v of valid) c.record(v.name, Buffer.from(v.bytesHex, 'hex'))
  for (const v of valid) c.add(RULES[v.name], v.name, v.note, v.name, 'accepted', v.after)
  for (const v of invalid) c.add(RULES[v.name], v.name, v.note, Buffer.from(v.bytesHex, 'hex'), v.code, v.after, v.padTo !== undefined ? { padTo: v.padTo } : {})
  encodingCases(c, f)
  ruleCases(c, f)
  return { now: f.NOW, records: c.records, cases: c.cases }
}
