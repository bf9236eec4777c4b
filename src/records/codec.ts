/**
 * Signed records on the wire (SPEC §3): the DAG-CBOR map `{ rec, sig }`.
 *
 * Because DAG-CBOR sorts map keys length-first then bytewise, `rec` comes before `sig`
 * and the canonical bytes of `rec` sit contiguously inside the record's bytes. The
 * signature therefore covers `prefix(kind) || recBytes`, sliced straight out of what
 * arrived: no re-encoding on the verification path.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { sign as edSign, verify as edVerify } from '../identity/keys.ts'
import { didToPublicKey } from '../identity/did.ts'
import { cidOf } from './cid.ts'
import { MAX_RECORD_BYTES, LIMITS, signatureCount, signaturePrefix, type Kind } from './constants.ts'
import { BadSignatureError, DecodeFailedError, RecordTooLargeError, RecordSchemaError } from './errors.ts'
import { canonicalSpans } from './canonical.ts'
import { decodeChecked, type Substitution } from './fastdecode.ts'
import type { ClaimEntry, ClaimMemo, MemoKind } from './claim-memo.ts'
import { claimCidBytes } from './claims.ts'
import { checkRecord } from './kinds.ts'
import type { Decoded, SignedRecord, UnsignedRecord } from './types.ts'

/** The encoding of the `{rec, sig}` header: map(2), text(3) "rec". `rec` bytes start right after. */
const HEAD = Uint8Array.from([0xa2, 0x63, 0x72, 0x65, 0x63])

export function maxBytesFor (kind: Kind): number {
  return kind === 'oos/version' ? LIMITS.maxVersionBytes : LIMITS.maxStatementBytes
}

/** The bytes a signature covers: domain prefix, then the DAG-CBOR of the unsigned record. */
export function signingBytes (kind: Kind, recBytes: Uint8Array): Uint8Array {
  return writeSigning(kind, recBytes, new Uint8Array(signingLength(kind, recBytes)))
}

const signingLength = (kind: Kind, recBytes: Uint8Array): number => signaturePrefix(kind).length + recBytes.length

/** The signing bytes into the start of `out` (long enough); returns that part of it. */
function writeSigning (kind: Kind, recBytes: Uint8Array, out: Uint8Array): Uint8Array {
  const prefix = signaturePrefix(kind)
  out.set(prefix, 0)
  out.set(recBytes, prefix.length)
  return out.subarray(0, prefix.length + recBytes.length)
}

/**
 * `signingBytes` written into one buffer this thread reuses, for a check that returns before
 * the next call: a new 10 KB array per record cost more than copying into it (fresh memory is
 * page-faulted in; on a virtual machine that costs as much as a third of the signature check).
 */
let scratch = new Uint8Array(0)
function signingView (kind: Kind, recBytes: Uint8Array): Uint8Array {
  const n = signingLength(kind, recBytes)
  if (scratch.length < n) scratch = new Uint8Array(Math.max(n, Math.min(2 * scratch.length, MAX_RECORD_BYTES + 64)))
  return writeSigning(kind, recBytes, scratch)
}

/** The key that must have signed a record (before chain rules): `key` if present, else the org's inception key. */
export function signerOf (rec: UnsignedRecord): string[] {
  if (rec.type === 'oos/key-rotation') return [rec.oldKey, rec.newKey]
  return [rec.key ?? rec.org]
}

/**
 * Sign an unsigned record with the secret key(s) its kind requires (two for key-rotation:
 * old, then new) and return the encoded record. Checks the record's shape first: we never
 * sign what we would reject.
 */
export function encodeSigned<R extends UnsignedRecord> (rec: R, secretKeys: Uint8Array[], now?: number): Decoded<R> {
  checkRecord(rec, now)
  const kind = rec.type
  if (secretKeys.length !== signatureCount(kind)) throw new TypeError(`${kind} needs ${signatureCount(kind)} signing key(s)`)
  const recBytes = dagCbor.encode(rec)
  const msg = signingBytes(kind, recBytes)
  const sig = new Uint8Array(64 * secretKeys.length)
  secretKeys.forEach((sk, i) => sig.set(edSign(sk, msg), 64 * i))
  const signed: SignedRecord<R> = { rec, sig }
  const bytes = dagCbor.encode(signed)
  if (bytes.length > maxBytesFor(kind)) throw new RecordTooLargeError(`${kind} record is ${bytes.length} bytes, the limit is ${maxBytesFor(kind)}`)
  return { cid: cidOf(bytes), bytes, kind, signed, recBytes: bytes.subarray(HEAD.length, HEAD.length + recBytes.length) }
}

/**
 * Decode and check a record that arrived from anywhere: size → canonical DAG-CBOR (one
 * linear pass, which also finds where `rec` and each claim sit in the bytes) → decode →
 * envelope → schema of its kind → signature(s) over the slice that is `rec`. Throws a typed
 * error (SPEC §9) at the first failure. Chain rules (seq, prev, key authority) are the
 * ingest pipeline's.
 */
export function decodeRecord (bytes: Uint8Array, options: { now?: number, memo?: ClaimMemo } = {}): Decoded {
  if (!(bytes instanceof Uint8Array)) throw new DecodeFailedError('a record must be bytes')
  if (bytes.length > MAX_RECORD_BYTES) throw new RecordTooLargeError(`record is ${bytes.length} bytes, the limit is ${MAX_RECORD_BYTES}`)
  // claims (and prose sections) that passed before — the memo — are found where they start
  // and are not scanned, decoded or checked again
  const memo = options.memo
  const hitAt = new Map<number, ClaimEntry>()
  const known = memo === undefined
    ? undefined
    : (b: Uint8Array, at: number, path: number): number => {
        const kind = MEMO_KINDS[path]
        const e = kind === undefined ? undefined : memo.find(b, at, kind)
        if (e === undefined) return -1
        hitAt.set(at, e)
        return at + e.bytes.length
      }
  const [recSpans, claimSpans, bodySpans, sectionSpans] = canonicalSpans(bytes, SPAN_PATHS, { strict: true, known })
  const hits = claimSpans.map(sp => hitAt.get(sp.start))
  const sectionsHit = sectionSpans.length === 1 ? hitAt.get(sectionSpans[0].start) : undefined
  // the scan found the hits in document order, as the decoder takes its substitutions
  const subs: Substitution[] = [...hitAt].map(([start, e]) => ({ start, end: start + e.bytes.length, value: e.claim }))
  let value: unknown
  try {
    // the canonical pass accepted the bytes, so the fast decoder may trust them
    value = decodeChecked(bytes, subs.length > 0 ? subs : undefined)
  } catch (err) {
    throw new DecodeFailedError(`not DAG-CBOR: ${(err as Error).message}`.slice(0, 200), { cause: err })
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || recSpans.length !== 1 || recSpans[0].start !== HEAD.length) {
    throw new RecordSchemaError('a record must be the map {rec, sig}', { path: '' })
  }
  const env = value as Record<string, unknown>
  if (Object.keys(env).length !== 2 || !('sig' in env)) throw new RecordSchemaError('a record must be the map {rec, sig} and nothing else', { path: '' })
  if (!(env.sig instanceof Uint8Array)) throw new RecordSchemaError('sig must be bytes', { path: 'sig' })
  const rec = checkRecord(env.rec, options.now, hitAt.size === 0 ? {} : { knownClaims: new Set([...hitAt.values()].map(h => h.claim)) })
  const kind = rec.type
  if (bytes.length > maxBytesFor(kind)) throw new RecordTooLargeError(`${kind} record is ${bytes.length} bytes, the limit is ${maxBytesFor(kind)}`)
  const recBytes = bytes.subarray(recSpans[0].start, recSpans[0].end)
  const sig = env.sig
  const signers = signerOf(rec)
  if (sig.length !== 64 * signers.length) throw new BadSignatureError(`${kind} needs ${signers.length} signature(s) of 64 bytes, got ${sig.length} bytes`, { path: 'sig' })
  const msg = signingView(kind, recBytes) // verified right here, never kept
  signers.forEach((signer, i) => {
    if (!edVerify(didToPublicKey(signer), msg, sig.subarray(64 * i, 64 * (i + 1)))) {
      throw new BadSignatureError(`signature ${i + 1} of ${signers.length} does not verify under ${signer}`, { path: 'sig' })
    }
  })
  const d: Decoded = { cid: cidOf(bytes), bytes, kind, signed: { rec, sig }, recBytes }
  if (kind === 'oos/version') {
    d.claimCidBytes = claimSpans.map((sp, i) => {
      const hit = hits[i]
      if (hit !== undefined && hit.org === rec.org) return hit.cid
      const cid = claimCidBytes(rec.org, bytes.subarray(sp.start, sp.end))
      // remembered only now: the record passed every check
      if (memo !== undefined && hit === undefined) memo.set('claim', bytes.subarray(sp.start, sp.end), rec.body.claims[i], rec.org, cid)
      return cid
    })
    d.bodySpan = bodySpans[0]
    if (memo !== undefined && sectionSpans.length === 1 && sectionsHit === undefined) {
      memo.set('sections', bytes.subarray(sectionSpans[0].start, sectionSpans[0].end), rec.body.sections, '', EMPTY)
    }
  }
  return d
}

const SPAN_PATHS = [['rec'], ['rec', 'body', 'claims', '*'], ['rec', 'body'], ['rec', 'body', 'sections']]
/** which of SPAN_PATHS the memo answers for, as what */
const MEMO_KINDS: Partial<Record<number, MemoKind>> = { 1: 'claim', 3: 'sections' }
const EMPTY = new Uint8Array(0)
