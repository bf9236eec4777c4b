/**
 * Signed head announcements (protocol/NETWORK.md §2): "org `org` is at version `seq`,
 * CID `cid`", signed by the org's key. Gossiped on the org's topic when it publishes and
 * stored in the DHT as the org's head record. Small (≤ 1 KiB), so a receiver checks it
 * before fetching anything; the version itself is then fetched and checked by the ingest door.
 *
 *   rec  = { type: "oos/announce", org, seq, cid, createdAt, key? }
 *   wire = dag_cbor({ rec, sig }),  sig = Ed25519(key, "oosnet/v1:oos/announce\n" ‖ dag_cbor(rec))
 */
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { didToPublicKey, isDid, sign, verify } from '../identity/index.ts'
import { canonicalSpans } from '../records/canonical.ts'
import { OosError } from '../errors.ts'
import { BadAnnouncementError } from './errors.ts'

export const ANNOUNCE_TYPE = 'oos/announce'
export const MAX_ANNOUNCE_BYTES = 1024
const PREFIX = new TextEncoder().encode(`oosnet/v1:${ANNOUNCE_TYPE}\n`)
const KEYS = new Set(['type', 'org', 'seq', 'cid', 'createdAt', 'key'])

export interface Announcement {
  type: typeof ANNOUNCE_TYPE
  org: string
  seq: number
  /** the version's CID */
  cid: CID
  createdAt: number
  /** the signing key when it is not the inception key */
  key?: string
}

function signingBytes (recBytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(PREFIX.length + recBytes.length)
  out.set(PREFIX, 0)
  out.set(recBytes, PREFIX.length)
  return out
}

export function encodeAnnouncement (a: Omit<Announcement, 'type'>, secretKey: Uint8Array): Uint8Array {
  const rec: Announcement = { type: ANNOUNCE_TYPE, org: a.org, seq: a.seq, cid: a.cid, createdAt: a.createdAt, ...(a.key !== undefined && a.key !== a.org ? { key: a.key } : {}) }
  const sig = sign(secretKey, signingBytes(dagCbor.encode(rec)))
  return dagCbor.encode({ rec, sig })
}

/** An announcement read and checked in form, its signature not yet checked (`decodeAnnouncement` does both). */
export interface UncheckedAnnouncement {
  announcement: Announcement
  /** the signer's public key (`key`, else `org`) */
  publicKey: Uint8Array
  /** the bytes signed */
  message: Uint8Array
  sig: Uint8Array
}

/** Read an announcement and check its form, not its signature (which the caller checks, e.g. on the verify workers); throws BAD_ANNOUNCEMENT. */
export function readAnnouncement (bytes: Uint8Array): UncheckedAnnouncement {
  try {
    if (!(bytes instanceof Uint8Array) || bytes.length > MAX_ANNOUNCE_BYTES) throw new BadAnnouncementError(`an announcement is at most ${MAX_ANNOUNCE_BYTES} bytes`)
    const [[span]] = canonicalSpans(bytes, [['rec']], { strict: true })
    const env = dagCbor.decode<Record<string, unknown>>(bytes)
    if (span === undefined || Object.keys(env).length !== 2 || !(env.sig instanceof Uint8Array)) throw new BadAnnouncementError('an announcement is {rec, sig}')
    const rec = env.rec as Record<string, unknown>
    if (rec === null || typeof rec !== 'object' || rec.type !== ANNOUNCE_TYPE || Object.keys(rec).some(k => !KEYS.has(k))) throw new BadAnnouncementError('not an oos/announce record')
    if (!isDid(rec.org) || (rec.key !== undefined && !isDid(rec.key))) throw new BadAnnouncementError('org and key must be did:key')
    if (!Number.isSafeInteger(rec.seq) || (rec.seq as number) < 1 || !Number.isSafeInteger(rec.createdAt)) throw new BadAnnouncementError('seq and createdAt must be integers')
    if (CID.asCID(rec.cid) === null) throw new BadAnnouncementError('cid must be a CID')
    const signer = (rec.key ?? rec.org) as string
    return { announcement: rec as unknown as Announcement, publicKey: didToPublicKey(signer), message: signingBytes(bytes.subarray(span.start, span.end)), sig: env.sig }
  } catch (err) {
    if (err instanceof BadAnnouncementError) throw err
    throw new BadAnnouncementError(`not an announcement: ${err instanceof OosError ? err.code : (err as Error).message}`)
  }
}

/** Check an announcement's form and signature (not whether its key is the org's current one). */
export function decodeAnnouncement (bytes: Uint8Array): Announcement {
  const a = readAnnouncement(bytes)
  if (!verify(a.publicKey, a.message, a.sig)) throw new BadAnnouncementError('bad signature')
  return a.announcement
}

/** Of two announcements of one org, the newer: higher seq, then later createdAt. */
export function newer (a: Announcement, b: Announcement): boolean {
  return a.seq > b.seq || (a.seq === b.seq && a.createdAt > b.createdAt)
}
