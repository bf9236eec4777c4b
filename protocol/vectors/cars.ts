/**
 * CAR vectors (protocol/CAR.md): small CARv1 files made of the vectors' records, with the
 * verdict an offline verifier MUST give and every block's outcome. Written to cars.json.
 */
import * as dagCbor from '@ipld/dag-cbor'
import type { CID } from 'multiformats/cid'
import { claimBlock } from '../../src/records/claims.ts'
import type { Decoded } from '../../src/records/types.ts'
import { cat, splice } from './cbor.ts'
import { equivocatingBody } from './cases-rules.ts'
import { smallBody } from './bodies.ts'
import { signVersion } from '../../src/records/version.ts'
import { cidOf } from '../../src/records/cid.ts'
import { hex, resign, type Fixtures } from './cases.ts'

const varint = (n: number): number[] => { const out: number[] = []; while (n >= 0x80) { out.push((n & 0x7f) | 0x80); n >>>= 7 } out.push(n); return out }

interface Block { cid: CID, bytes: Uint8Array }

/** A CARv1: header {version: 1, roots}, then each section varint(length) ‖ CID ‖ bytes. */
export function car (roots: CID[], blocks: Block[]): Uint8Array {
  const header = dagCbor.encode({ version: 1, roots })
  return cat(varint(header.length), header, ...blocks.map(b => cat(varint(b.cid.bytes.length + b.bytes.length), b.cid.bytes, b.bytes)))
}

export interface CarVector {
  name: string
  rule: string
  note: string
  carHex: string
  /** the whole file is CAR_INVALID (no block verdicts) */
  carInvalid?: true
  valid?: boolean
  rootMissing?: boolean
  equivocations?: number
  /** each block's outcome (SPEC §9 code, or accepted / duplicate / equivocation), by CID */
  blocks?: Record<string, string>
}

export function carVectors (f: Fixtures, eq: Decoded): CarVector[] {
  const v = f.v
  const b = (n: string): Block => v[n]
  const out: CarVector[] = []
  const add = (name: string, rule: string, note: string, roots: CID[], blocks: Block[], expect: Omit<CarVector, 'name' | 'rule' | 'note' | 'carHex'>): void => {
    out.push({ name, rule, note, carHex: hex(car(roots, blocks)), ...expect })
  }
  const outcomes = (pairs: Array<[Block, string]>): Record<string, string> => Object.fromEntries(pairs.map(([x, o]) => [x.cid.toString(), o]))
  const chain = ['version-1', 'version-2', 'key-rotation', 'version-3-rotated', 'key-rotation-2', 'node-binding', 'endorsement', 'dispute', 'retraction'].map(b)
  const all = (o: string): Record<string, string> => outcomes(chain.map(x => [x, o]))
  const root = v['version-3-rotated'].cid
  add('car-valid', 'R-C4.1', 'alice\'s records as oos export writes them (ascending createdAt), root version 3', [root], [...chain].sort((x, y) => (dagCbor.decode<any>(x.bytes).rec.createdAt - dagCbor.decode<any>(y.bytes).rec.createdAt)), { valid: true, rootMissing: false, equivocations: 0, blocks: all('accepted') })
  add('car-reversed', 'R-C3.3', 'the same blocks in reverse order: the same verdicts (order-independent, SPEC R-6.10; the retraction before the endorsement it names, SPEC R-6.13)', [root], [...chain].reverse(), { valid: true, rootMissing: false, equivocations: 0, blocks: all('accepted') })
  add('car-duplicate-block', 'R-C3.6', 'version 1 twice', [v['version-1'].cid], [b('version-1'), b('version-1')], { valid: true, rootMissing: false, equivocations: 0, blocks: outcomes([[b('version-1'), 'accepted']]) })
  const full = car([root], chain)
  add('car-truncated', 'R-C2.1', 'the valid file cut 10 bytes short', [], [], { carInvalid: true })
  out[out.length - 1].carHex = hex(full.subarray(0, full.length - 10))
  add('car-missing-rotation', 'R-C4.4', 'versions 1-3 without the rotation that authorizes version 3\'s key', [root], [b('version-1'), b('version-2'), b('version-3-rotated')], { valid: false, rootMissing: true, equivocations: 0, blocks: outcomes([[b('version-1'), 'accepted'], [b('version-2'), 'accepted'], [b('version-3-rotated'), 'UNAUTHORIZED_KEY']]) })
  add('car-missing-version', 'R-C4.4', 'versions 1 and 3 and the rotation, without version 2', [root], [b('version-1'), b('key-rotation'), b('version-3-rotated')], { valid: false, rootMissing: true, equivocations: 0, blocks: outcomes([[b('version-1'), 'accepted'], [b('key-rotation'), 'accepted'], [b('version-3-rotated'), 'SEQ_GAP']]) })
  add('car-equivocation', 'R-C4.3', 'two versions 2 of alice, both signed by her key: valid, one equivocation proof', [v['version-2'].cid], [b('version-1'), b('version-2'), eq], { valid: true, rootMissing: false, equivocations: 1, blocks: outcomes([[b('version-1'), 'accepted'], [b('version-2'), 'accepted'], [eq, 'equivocation']]) })
  const claim = claimBlock(f.keys.alice.did, (v['version-1'].signed.rec as any).body.claims[0])
  add('car-claim-block', 'R-C4.1', 'a claim block (not a record) inside the file', [v['version-1'].cid], [b('version-1'), { cid: claim.cid, bytes: claim.bytes }], { valid: false, rootMissing: false, equivocations: 0, blocks: outcomes([[b('version-1'), 'accepted'], [{ cid: claim.cid, bytes: claim.bytes }, 'SCHEMA_INVALID']]) })
  const tampered = { cid: v['version-1'].cid, bytes: splice(v['version-1'].bytes, 'Rule one', 'rule one') }
  add('car-tampered-block', 'R-C3.1', 'a byte changed inside version 1: CID_MISMATCH', [v['version-1'].cid], [tampered], { valid: false, rootMissing: true, equivocations: 0, blocks: outcomes([[tampered, 'CID_MISMATCH']]) })
  add('car-root-absent', 'R-C4.2', 'the root is version 2, the file holds only version 1', [v['version-2'].cid], [b('version-1')], { valid: false, rootMissing: true, equivocations: 0, blocks: outcomes([[b('version-1'), 'accepted']]) })
  add('car-no-root', 'R-C4.2', 'a header with no roots', [], [b('version-1')], { valid: false, rootMissing: true, equivocations: 0, blocks: outcomes([[b('version-1'), 'accepted']]) })
  // R-C3.5 / SPEC: a rotation effective at 2, made after version 2, is placed at its
  // effectiveSeq (before version 2) wherever it stands: accepted, and version 2 (old key) is
  // UNAUTHORIZED_KEY, so the root is missing
  const rot = v['key-rotation'].signed.rec as any
  const sk = f.keys
  const lateBytes = resign({ ...rot, effectiveSeq: 2 }, sk.alice.secretKey, sk.alice2.secretKey)
  const late = { cid: cidOf(lateBytes), bytes: lateBytes }
  const lateOutcomes = outcomes([[b('version-1'), 'accepted'], [late, 'accepted'], [b('version-2'), 'UNAUTHORIZED_KEY']])
  add('car-late-rotation', 'R-C3.5', 'versions 1, 2, then a rotation (created after version 2) effective at 2: placed at its effectiveSeq (SPEC R-6.11), so version 2 is signed by a key no longer in force', [v['version-2'].cid], [b('version-1'), b('version-2'), late], { valid: false, rootMissing: true, equivocations: 0, blocks: lateOutcomes })
  add('car-late-rotation-first', 'R-C3.5', 'the same blocks with the rotation first: the same verdicts (R-C3.3)', [v['version-2'].cid], [late, b('version-1'), b('version-2')], { valid: false, rootMissing: true, equivocations: 0, blocks: lateOutcomes })
  // R-C4.3 / SPEC: two versions 2 with the same createdAt: the lower CID enters the
  // chain whatever the file's order, so a version 3 built on the other is WRONG_PREV
  const tie = signVersion(equivocatingBody(), { org: sk.alice.did, seq: 2, prev: v['version-1'].cid, createdAt: (v['version-2'].signed.rec as any).createdAt }, sk.alice.secretKey)
  const [low, high] = [b('version-2'), tie].sort((x, y) => Buffer.compare(x.cid.bytes, y.cid.bytes))
  const onHigh = signVersion(smallBody('Alice Logistics', 3), { org: sk.alice.did, seq: 3, prev: high.cid, createdAt: (v['version-2'].signed.rec as any).createdAt + 1000 }, sk.alice.secretKey)
  const tieOutcomes = outcomes([[b('version-1'), 'accepted'], [low, 'accepted'], [high, 'equivocation'], [onHigh, 'WRONG_PREV']])
  add('car-equivocation-tie', 'R-C4.3', 'two versions 2 of alice with the same createdAt, and a version 3 built on the one with the higher CID: the lower CID is in the chain (SPEC R-6.11)', [low.cid], [b('version-1'), high, low, onHigh], { valid: false, rootMissing: false, equivocations: 1, blocks: tieOutcomes })
  add('car-equivocation-tie-reversed', 'R-C3.3', 'the same blocks with the lower-CID version 2 first: the same verdicts', [low.cid], [b('version-1'), low, high, onHigh], { valid: false, rootMissing: false, equivocations: 1, blocks: tieOutcomes })
  // SPEC: carol's version adopting alice's claim, dated before alice's version 1, waits for it
  const early = resign({ ...(v['version-derived'].signed.rec as any), createdAt: f.T0 - 1000 }, sk.carol.secretKey)
  const adopter = { cid: cidOf(early), bytes: early }
  add('car-adoption-before-source', 'R-C3.5', 'carol\'s version adopting alice\'s claim, dated before alice\'s version 1: it waits for its source (SPEC R-6.12), not UNKNOWN_TARGET', [adopter.cid], [adopter, b('version-1')], { valid: true, rootMissing: false, equivocations: 0, blocks: outcomes([[adopter, 'accepted'], [b('version-1'), 'accepted']]) })
  add('car-missing-source', 'R-C4.4', 'the same adopting version without its source: UNKNOWN_TARGET once (SPEC R-6.12), the root missing', [adopter.cid], [adopter], { valid: false, rootMissing: true, equivocations: 0, blocks: outcomes([[adopter, 'UNKNOWN_TARGET']]) })
  return out
}

