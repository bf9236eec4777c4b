/**
 * One schema check per record kind (SPEC §4). Runs on every decoded record before any
 * signature is checked; unknown fields are rejected so that a record has exactly one meaning.
 */
import { isDid } from '../identity/did.ts'
import { EVIDENCE } from '../oos/types.ts'
import { validateBody } from '../oos/validate.ts'
import { checkDerived } from '../oos/derive.ts'
import { errorClass } from '../errors.ts'
import recordsSchema from '../../protocol/schema/records.v1.json' with { type: 'json' }
import { KINDS, LIMITS, type Kind } from './constants.ts'
import { UnknownKindError } from './errors.ts'
import { fail, int, obj, onlyKeys, oneOf, optional, recordCid as cid, peerId, str, type Obj } from './shape.ts'
import type { UnsignedRecord } from './types.ts'

export class DerivedMismatchError extends errorClass('DerivedMismatchError', 'DERIVED_MISMATCH') {}
export class VersionMismatchError extends errorClass('VersionMismatchError', 'VERSION_MISMATCH') {}

function did (v: unknown, path: string): string {
  if (typeof v !== 'string' || !isDid(v)) fail(path, 'must be an Ed25519 did:key')
  return v
}

/**
 * The fields of each kind, read from protocol/schema/records.v1.json, so that the schema and
 * these checks cannot disagree on which fields a record has (tests/records/schema.test.ts
 * holds the rest of the two in agreement on every conformance case).
 */
const keys = (kind: Kind): ReadonlySet<string> => new Set(Object.keys((recordsSchema.$defs as unknown as Record<string, { properties: object }>)[kind.slice(4)].properties))

const CHECKS: Record<Kind, { keys: ReadonlySet<string>, check: (r: Obj, options: CheckOptions) => void }> = {
  'oos/version': {
    keys: keys('oos/version'),
    check (r, options) {
      const seq = int(r.seq, 'seq', 1)
      if (r.prev !== null) cid(r.prev, 'prev')
      if (seq === 1 && r.prev !== null) fail('prev', 'must be null when seq is 1')
      if (seq > 1 && r.prev === null) fail('prev', 'must be the CID of version seq - 1')
      const body = validateBody(r.body, options)
      const fm = body.frontmatter
      if (fm.version !== seq || fm.parent_version !== (seq === 1 ? null : seq - 1)) {
        throw new VersionMismatchError(`body.frontmatter.version must be ${seq} and parent_version ${seq === 1 ? 'null' : seq - 1} (the record's seq)`, { path: 'body.frontmatter.version' })
      }
      const bad = checkDerived(body)
      if (bad.length > 0) {
        const m = bad[0]
        throw new DerivedMismatchError(`body.${m.field} is ${JSON.stringify(m.declared)} but the claims give ${JSON.stringify(m.actual)}`, { path: `body.${m.field}` })
      }
    }
  },
  'oos/endorsement': {
    keys: keys('oos/endorsement'),
    check (r) {
      cid(r.target, 'target')
      did(r.targetOrg, 'targetOrg')
      cid(r.version, 'version')
      oneOf(r.stance, ['endorse', 'dispute'], 'stance')
      optional(r, 'note', str, '')
      optional(r, 'evidence', (v, p) => {
        const e = obj(v, p)
        onlyKeys(e, new Set(['type', 'text']), p)
        oneOf(e.type, EVIDENCE, `${p}.type`)
        str(e.text, `${p}.text`)
      }, '')
      const expiresAt = optional(r, 'expiresAt', int, '')
      // an endorsement that expires before it is made has no meaning
      if (expiresAt !== undefined && expiresAt <= (r.createdAt as number)) fail('expiresAt', 'must be after createdAt')
    }
  },
  'oos/retraction': {
    keys: keys('oos/retraction'),
    check (r) {
      cid(r.target, 'target')
      str(r.reason, 'reason')
    }
  },
  'oos/key-rotation': {
    keys: keys('oos/key-rotation'),
    check (r, _options) {
      const seq = int(r.seq, 'seq', 1)
      if (r.prev !== null) cid(r.prev, 'prev')
      if ((seq === 1) !== (r.prev === null)) fail('prev', 'must be null exactly when seq is 1')
      did(r.oldKey, 'oldKey')
      did(r.newKey, 'newKey')
      if (r.oldKey === r.newKey) fail('newKey', 'must differ from oldKey')
      int(r.effectiveSeq, 'effectiveSeq', 1)
      optional(r, 'nextKeyDigest', (v, p) => {
        if (!(v instanceof Uint8Array) || v.length !== 32) fail(p, 'must be 32 bytes (sha2-256)')
      }, '')
      str(r.reason, 'reason')
    }
  },
  'oos/node-binding': {
    keys: keys('oos/node-binding'),
    check (r) {
      if (!Array.isArray(r.peers) || r.peers.length < 1 || r.peers.length > LIMITS.maxPeers) fail('peers', `must be a list of 1 to ${LIMITS.maxPeers} peer ids`)
      const seen = new Set<string>()
      r.peers.forEach((p, i) => {
        peerId(p, `peers[${i}]`)
        if (seen.has(p as string)) fail(`peers[${i}]`, 'is listed twice')
        seen.add(p as string)
      })
    }
  }
}

/**
 * A peer's value named in an error, never converted: `String` of a map with a `toString` or
 * `valueOf` key that is not a function throws a TypeError (an untyped rejection the fuzzer
 * found: chaos/fuzz.ts, seed 1170351363).
 */
function shown (v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v).slice(0, 80)
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v)
  if (v === null || typeof v !== 'object') return `(${v === undefined ? 'missing' : String(v)})`
  return `(${Array.isArray(v) ? 'a list' : v instanceof Uint8Array ? 'bytes' : 'a map'})`
}

export function isKind (t: unknown): t is Kind {
  return typeof t === 'string' && (KINDS as readonly string[]).includes(t)
}

/** Check an unsigned record's shape for its kind; returns it typed. */
export interface CheckOptions {
  /** a version's claims, and its sections list, that passed these checks before, byte for byte (records/claim-memo.ts) */
  knownClaims?: ReadonlySet<unknown>
}

export function checkRecord (value: unknown, now: number = Date.now(), options: CheckOptions = {}): UnsignedRecord {
  const r = obj(value, 'rec')
  if (!isKind(r.type)) throw new UnknownKindError(`unknown record kind ${shown(r.type)}`, { path: 'type' })
  const spec = CHECKS[r.type]
  onlyKeys(r, spec.keys, '')
  did(r.org, 'org')
  const createdAt = int(r.createdAt, 'createdAt', 0)
  if (createdAt > now + LIMITS.maxClockSkewMs) fail('createdAt', 'is in the future')
  if ('key' in r) {
    did(r.key, 'key')
    // absent means the inception key; naming it as well would give one record two encodings
    if (r.key === r.org) fail('key', 'must not be the org\'s own did (leave it out)')
  }
  spec.check(r, options)
  return r as unknown as UnsignedRecord
}
