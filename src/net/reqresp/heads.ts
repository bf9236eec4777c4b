/**
 * `/oos/heads/1.0.0` (protocol/NETWORK-reqresp.md §5): which versions a peer holds.
 * Request `{ orgs: [did, …] }` (1..256 distinct); response: exactly one frame, a DAG-CBOR
 * array of `{ org, seq, cid }` for the requested orgs the responder has a head for, in
 * request order. Hints only: whatever the requester then syncs passes the ingest door.
 *
 * Second form, `{ claims: [CID, …] }` (1..64 claim CIDs): the heads of the orgs that authored
 * those claims, as far as the responder knows them (at most one entry per claim). A node
 * whose sync stopped at a version adopting claims it does not know asks this of the peer it
 * synced from, then syncs those authors' chains first.
 */
import * as dagCbor from '@ipld/dag-cbor'
import type { PeerId } from '@libp2p/interface'
import { CID } from 'multiformats/cid'
import { isDid } from '../../identity/did.ts'
import { isRecordCid } from '../../records/cid.ts'
import { BadRequestError, UnexpectedBlockError } from './errors.ts'
import { request, type Context } from './exchange.ts'
import { decodeCanonical, isMap, isSafeInt } from './frames.ts'
import type { ResponseOut } from './serving.ts'

export const MAX_HEADS_ORGS = 256

export interface HeadHint { org: string, seq: number, cid: CID }

export function encodeHeadsRequest (orgs: string[]): Uint8Array {
  return dagCbor.encode({ orgs })
}

function distinctDids (v: unknown, max: number, what: string): string[] {
  if (!Array.isArray(v) || v.length < 1 || v.length > max) throw new BadRequestError(`${what} must list 1..${max} orgs`)
  if (!v.every(isDid) || new Set(v).size !== v.length) throw new BadRequestError(`${what} must list distinct did:keys`)
  return v as string[]
}

export const MAX_AUTHOR_CLAIMS = 64

export type HeadsRequest = string[] | { claims: CID[] }

export function decodeHeadsRequest (bytes: Uint8Array): HeadsRequest {
  const v = decodeCanonical(bytes)
  if (isMap(v, ['claims'])) {
    const claims = Array.isArray(v.claims) ? v.claims.map(c => CID.asCID(c)) : []
    if (claims.length < 1 || claims.length > MAX_AUTHOR_CLAIMS || claims.some(c => c === null || !isRecordCid(c))) throw new BadRequestError(`a claim-authors request lists 1..${MAX_AUTHOR_CLAIMS} claim CIDs`)
    return { claims: claims as CID[] }
  }
  if (!isMap(v, ['orgs'])) throw new BadRequestError('a heads request is { orgs: [did, …] } or { claims: [CID, …] }')
  return distinctDids(v.orgs, MAX_HEADS_ORGS, 'a heads request')
}

export function encodeHeadsResponse (heads: HeadHint[]): Uint8Array {
  return dagCbor.encode(heads.map(h => ({ org: h.org, seq: h.seq, cid: h.cid })))
}

/** Requester's check of the response: only requested orgs, each once, well-formed. */
export function decodeHeadsResponse (bytes: Uint8Array, asked: string[]): HeadHint[] {
  let v: unknown
  try { v = decodeCanonical(bytes) } catch (err) { throw new UnexpectedBlockError(`heads response: ${(err as Error).message}`) }
  if (!Array.isArray(v) || v.length > asked.length) throw new UnexpectedBlockError('a heads response is an array of at most as many entries as orgs asked')
  const open = new Set(asked)
  return v.map((h: unknown, i) => {
    const cid = isMap(h, ['org', 'seq', 'cid']) ? CID.asCID(h.cid) : null
    if (!isMap(h, ['org', 'seq', 'cid']) || typeof h.org !== 'string' || !open.delete(h.org) || !isSafeInt(h.seq, 1) || cid === null || !isRecordCid(cid)) {
      throw new UnexpectedBlockError(`heads response entry ${i} is not { org, seq, cid } of an org asked for (once)`)
    }
    return { org: h.org, seq: h.seq, cid }
  })
}

export async function respondHeads (ctx: Context, req: HeadsRequest, out: ResponseOut): Promise<void> {
  const heads: HeadHint[] = []
  let orgs: string[]
  if (Array.isArray(req)) {
    orgs = req
  } else {
    orgs = []
    for (const c of req.claims) {
      const org = await ctx.store.claimAuthor(c)
      if (org !== undefined && !orgs.includes(org)) orgs.push(org)
    }
  }
  for (const org of orgs) {
    const h = await ctx.store.head(org)
    if (h !== undefined) heads.push({ org, seq: h.seq, cid: h.cid })
  }
  await out.write(encodeHeadsResponse(heads))
}

/** Requester: the peer's heads of `orgs` (256 per request). */
export async function headsOf (ctx: Context, peer: PeerId, orgs: string[], options: { signal?: AbortSignal } = {}): Promise<HeadHint[]> {
  const all = [...new Set(orgs)]
  if (!all.every(isDid)) throw new BadRequestError('orgs must be did:keys')
  const out: HeadHint[] = []
  for (let at = 0; at < all.length; at += MAX_HEADS_ORGS) {
    const chunk = all.slice(at, at + MAX_HEADS_ORGS)
    out.push(...await request(ctx, peer, { name: 'heads', body: encodeHeadsRequest(chunk) }, async (frames) => {
      let heads: HeadHint[] | undefined
      for await (const frame of frames) {
        if (heads !== undefined) throw new UnexpectedBlockError(`${peer.toString()} sent more than one heads frame`)
        heads = decodeHeadsResponse(frame, chunk)
      }
      if (heads === undefined) throw new UnexpectedBlockError(`${peer.toString()} closed without a heads frame`)
      return heads
    }, options))
  }
  return out
}

/** Requester: the heads of the orgs that authored `claims`, as `peer` knows them. */
export async function authorsOf (ctx: Context, peer: PeerId, claims: CID[], options: { signal?: AbortSignal } = {}): Promise<HeadHint[]> {
  const asked = claims.slice(0, MAX_AUTHOR_CLAIMS)
  return await request(ctx, peer, { name: 'heads', body: dagCbor.encode({ claims: asked }) }, async (frames) => {
    let heads: HeadHint[] | undefined
    for await (const frame of frames) {
      if (heads !== undefined) throw new UnexpectedBlockError(`${peer.toString()} sent more than one heads frame`)
      let v: unknown
      try { v = decodeCanonical(frame) } catch (err) { throw new UnexpectedBlockError(`authors response: ${(err as Error).message}`) }
      if (!Array.isArray(v) || v.length > asked.length) throw new UnexpectedBlockError('an authors response is an array of at most as many entries as claims asked')
      const seen = new Set<string>()
      heads = v.map((h: unknown, i) => {
        const cid = isMap(h, ['org', 'seq', 'cid']) ? CID.asCID(h.cid) : null
        if (!isMap(h, ['org', 'seq', 'cid']) || !isDid(h.org) || seen.has(h.org as string) || !isSafeInt(h.seq, 1) || cid === null || !isRecordCid(cid)) {
          throw new UnexpectedBlockError(`authors response entry ${i} is not { org, seq, cid } (each org once)`)
        }
        seen.add(h.org as string)
        return { org: h.org as string, seq: h.seq as number, cid }
      })
    }
    if (heads === undefined) throw new UnexpectedBlockError(`${peer.toString()} closed without a heads frame`)
    return heads
  }, options)
}
