/**
 * `/oos/heads/1.0.0` (protocol/NETWORK-reqresp.md §5): which versions a peer holds.
 * Request `{ orgs: [did, …] }` (1..256 distinct); response: exactly one frame, a DAG-CBOR
 * array of `{ org, seq, cid }` for the requested orgs the responder has a head for, in
 * request order. Hints only: whatever the requester then syncs passes the ingest door.
 */
import * as dagCbor from '@ipld/dag-cbor'
import type { PeerId } from '@libp2p/interface'
import { CID } from 'multiformats/cid'
import { isDid } from '../../identity/did.ts'
import { isRecordCid } from '../../records/cid.ts'
import { BadRequestError, UnexpectedBlockError } from './errors.ts'
import { request, type Context } from './exchange.ts'
import { decodeCanonical, isMap, isSafeInt } from './frames.ts'

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

export function decodeHeadsRequest (bytes: Uint8Array): string[] {
  const v = decodeCanonical(bytes)
  if (!isMap(v, ['orgs'])) throw new BadRequestError('a heads request is { orgs: [did, …] }')
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

export async function respondHeads (ctx: Context, orgs: string[], write: (frame: Uint8Array) => Promise<void>): Promise<void> {
  const heads: HeadHint[] = []
  for (const org of orgs) {
    const h = await ctx.store.head(org)
    if (h !== undefined) heads.push({ org, seq: h.seq, cid: h.cid })
  }
  await write(encodeHeadsResponse(heads))
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
