/**
 * Making signed statements (SPEC §4.2, §4.3; protocol/TRUST.md §1): endorsements and
 * disputes of another org's claims, and retractions of our own statements or claims. Each
 * function returns the encoded record, to be handed to the one ingest door
 * (`ingest.ingest(bytes, { source: 'local' })`), which decides.
 */
import type { CID } from 'multiformats/cid'
import { keyPairFromSeed, publicKeyToDid } from '../identity/index.ts'
import { InvalidArgumentError, NotAuthorError, UnknownTargetError } from '../errors.ts'
import { encodeSigned } from '../records/codec.ts'
import { LIMITS, RETRACTABLE_KINDS } from '../records/constants.ts'
import type { EndorsementRecord, RetractionRecord } from '../records/types.ts'
import { EVIDENCE, type Evidence } from '../oos/types.ts'
import type { Store } from '../store/store.ts'
import { Reader } from './reader.ts'

export type Stance = 'endorse' | 'dispute'

/** The did of the key a secret key (32-byte seed) signs as. */
export function didOfSecret (secretKey: Uint8Array): string {
  return publicKeyToDid(keyPairFromSeed(secretKey).publicKey)
}

/** `key` is named only when the signer is not the inception key (SPEC §4). */
function keyField (org: string, secretKey: Uint8Array): { key?: string } {
  const did = didOfSecret(secretKey)
  return did === org ? {} : { key: did }
}

function text (v: string | undefined, what: string): string | undefined {
  if (v === undefined) return undefined
  if (v.length === 0 || v.length > LIMITS.maxNoteChars) throw new InvalidArgumentError(`${what} must be 1 to ${LIMITS.maxNoteChars} characters`, { path: what })
  return v
}

export interface EndorsementInput {
  /** our org's did */
  org: string
  /** our org's current signing key (32-byte seed); `key` is set when it is not the inception key */
  secretKey: Uint8Array
  /** the claim CID endorsed or disputed */
  target: CID
  stance: Stance
  note?: string
  evidence?: { type: Evidence, text: string }
  /** ms since the epoch */
  expiresAt?: number
  /** createdAt (default Date.now()) */
  now?: number
}

/**
 * Build and sign an `oos/endorsement` of a claim, naming the author (`targetOrg`) and the
 * latest version of the author that contains the claim. Throws UNKNOWN_TARGET when the claim
 * is not known here.
 */
export async function makeEndorsement (input: EndorsementInput, store: Store): Promise<Uint8Array> {
  const info = await new Reader(store).claim(input.target)
  if (info === undefined) throw new UnknownTargetError(`claim ${input.target.toString()} is not known here (follow its author first)`, { path: 'target' })
  const createdAt = input.now ?? Date.now()
  if (input.stance !== 'endorse' && input.stance !== 'dispute') throw new InvalidArgumentError('stance must be endorse or dispute', { path: 'stance' })
  if (input.evidence !== undefined && !(EVIDENCE as readonly string[]).includes(input.evidence.type)) {
    throw new InvalidArgumentError(`evidence type must be one of ${EVIDENCE.join(', ')}`, { path: 'evidence.type' })
  }
  if (input.expiresAt !== undefined && (!Number.isSafeInteger(input.expiresAt) || input.expiresAt <= createdAt)) {
    throw new InvalidArgumentError('expiresAt must be a time after the endorsement is made', { path: 'expiresAt' })
  }
  const note = text(input.note, 'note')
  const evidence = input.evidence === undefined ? undefined : { type: input.evidence.type, text: text(input.evidence.text, 'evidence.text') as string }
  const rec: EndorsementRecord = {
    type: 'oos/endorsement',
    org: input.org,
    createdAt,
    ...keyField(input.org, input.secretKey),
    target: input.target,
    targetOrg: info.org,
    version: info.version,
    stance: input.stance,
    ...(note !== undefined ? { note } : {}),
    ...(evidence !== undefined ? { evidence } : {}),
    ...(input.expiresAt !== undefined ? { expiresAt: input.expiresAt } : {})
  }
  return encodeSigned(rec, [input.secretKey], createdAt).bytes
}

export interface RetractionInput {
  org: string
  secretKey: Uint8Array
  /** one of our own endorsements, claims or versions */
  target: CID
  reason: string
  now?: number
}

/**
 * Build and sign an `oos/retraction` of one of our own statements or claims (or versions).
 * Throws UNKNOWN_TARGET / NOT_AUTHOR early, as the ingest door would.
 */
export async function makeRetraction (input: RetractionInput, store: Store): Promise<Uint8Array> {
  const reader = new Reader(store)
  const rec = await reader.record(input.target)
  const author = rec !== undefined ? rec.org : (await reader.claim(input.target))?.org
  if (author === undefined) throw new UnknownTargetError(`${input.target.toString()} is not known here`, { path: 'target' })
  if (author !== input.org) throw new NotAuthorError(`${input.target.toString()} was written by ${author}; an org retracts only its own statements and claims`, { path: 'target' })
  if (rec !== undefined && !RETRACTABLE_KINDS.has(rec.type)) throw new NotAuthorError(`a ${rec.type} cannot be retracted: only claims, versions and endorsements`, { path: 'target' })
  const createdAt = input.now ?? Date.now()
  const r: RetractionRecord = {
    type: 'oos/retraction',
    org: input.org,
    createdAt,
    ...keyField(input.org, input.secretKey),
    target: input.target,
    reason: text(input.reason, 'reason') as string
  }
  return encodeSigned(r, [input.secretKey], createdAt).bytes
}
