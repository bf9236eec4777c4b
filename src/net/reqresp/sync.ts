/**
 * `/oos/sync/1.0.0` and `/oos/sync/1.1.0` (protocol/NETWORK-reqresp.md §4): an org's chain
 * from a seq on. Request `{ org, from, limit?, bytes? }` (`bytes`: 1.1 only); response: every
 * `oos/key-rotation` record of the org (rotation order; the receiver needs them before
 * versions signed by a new key), then the org's versions with seq ≥ from, ascending and
 * consecutive, at most `limit` (default 1000), and (1.1) no version after the one that
 * brought the versions' bytes to `bytes`. A full response (`limit` versions, or `bytes`
 * reached) means "there may be more". `syncOrg` pages one request at a time (a caller that
 * sets `limit`); windows.ts keeps several windows in flight, from several providers.
 */
import * as dagCbor from '@ipld/dag-cbor'
import type { PeerId } from '@libp2p/interface'
import { CID } from 'multiformats/cid'
import { isDid } from '../../identity/did.ts'
import type { Head } from '../../store/store.ts'
import { BadRequestError, UnexpectedBlockError } from './errors.ts'
import { isTimeout, request, type Context } from './exchange.ts'
import { writeBlocks } from './fetch.ts'
import { decodeCanonical, isMap, isSafeInt } from './frames.ts'
import { glance } from '../../records/peek.ts'
import { emptyTransfer, Pipeline, tally, type TransferResult } from './results.ts'
import type { ResponseOut } from './serving.ts'

/** most versions in one sync response, and the default `limit` */
export const MAX_SYNC_LIMIT = 1000
/** most rotation records in one sync response */
export const MAX_SYNC_ROTATIONS = 1000
/** the largest `bytes` bound of a 1.1 request (64 MiB) */
export const MAX_SYNC_BYTES = 64 * 1024 * 1024
/** `/oos/sync/1.1.0`: the 1.0 exchange with a bound on the versions' bytes (NETWORK-reqresp.md §4.1) */
export const SYNC_1_1 = '/oos/sync/1.1.0'

export interface SyncRequest { org: string, from: number, limit?: number, bytes?: number }

export interface SyncOptions {
  /** first seq wanted (default: the local head's seq + 1) */
  from?: number
  /** versions per request (1..1000, default 1000) */
  limit?: number
  signal?: AbortSignal
}

export interface SyncResult extends TransferResult {
  /** the local head of the org after the sync */
  head?: Head
  /** requests made (pages) */
  requests: number
  /** pages cut short by the whole-response timeout after progress (then asked again, smaller) */
  cut: number
  /** claims the org's versions were derived from that are not known here (their authors' chains are needed first) */
  missingSources: CID[]
}

/** The request frame (canonical key order: DAG-CBOR sorts them). `bytes` only for 1.1. */
export function encodeSyncRequest (req: SyncRequest): Uint8Array {
  const v: SyncRequest = { org: req.org, from: req.from }
  if (req.limit !== undefined) v.limit = req.limit
  if (req.bytes !== undefined) v.bytes = req.bytes
  return dagCbor.encode(v)
}

/** A 1.0 request (`bytes` is not a key of 1.0: a 1.0 responder refuses it as BAD_REQUEST). */
export function decodeSyncRequest (bytes: Uint8Array): SyncRequest {
  return decodeSync(bytes, false)
}

/** A 1.1 request: 1.0's keys and `bytes`. */
export function decodeSyncRequest11 (bytes: Uint8Array): SyncRequest {
  return decodeSync(bytes, true)
}

function decodeSync (bytes: Uint8Array, v11: boolean): SyncRequest {
  const v = decodeCanonical(bytes)
  if (!isMap(v, ['org', 'from'], v11 ? ['limit', 'bytes'] : ['limit'])) throw new BadRequestError(`a sync request is { org, from, limit?${v11 ? ', bytes?' : ''} }`)
  if (!isDid(v.org)) throw new BadRequestError('org is not a did:key', { path: 'org' })
  if (!isSafeInt(v.from, 1)) throw new BadRequestError('from is not an integer ≥ 1', { path: 'from' })
  if (v.limit !== undefined && !isSafeInt(v.limit, 1, MAX_SYNC_LIMIT)) throw new BadRequestError(`limit is not an integer in 1..${MAX_SYNC_LIMIT}`, { path: 'limit' })
  if (v.bytes !== undefined && !isSafeInt(v.bytes, 1, MAX_SYNC_BYTES)) throw new BadRequestError(`bytes is not an integer in 1..${MAX_SYNC_BYTES}`, { path: 'bytes' })
  const req: SyncRequest = { org: v.org as string, from: v.from }
  if (v.limit !== undefined) req.limit = v.limit as number
  if (v.bytes !== undefined) req.bytes = v.bytes as number
  return req
}

/**
 * Responder: the org's rotations, then its versions from `from` on, streamed from the store
 * (the CIDs read lazily: a chain entry holds the version CID and all its claim CIDs, and a
 * response of 1000 versions listed up front held ~1 MB); with `bytes`, no version after the
 * one that brought the versions' bytes to it.
 */
export async function respondSync (ctx: Context, req: SyncRequest, out: ResponseOut): Promise<void> {
  const rotations = await ctx.store.rotationCids(req.org, { limit: MAX_SYNC_ROTATIONS })
  await writeBlocks(ctx, rotations.map(r => r.cid), out)
  await writeBlocks(ctx, ctx.store.versionCids(req.org, { from: req.from, limit: req.limit ?? MAX_SYNC_LIMIT }), out, { maxBytes: req.bytes })
}

/**
 * Requester: bring `org` up to date from `peer`, page by page, through the ingest door.
 * A page cut by the whole-response timeout after some versions arrived is kept, not
 * counted against the peer (a slow link, not a slow peer): the next page asks from the
 * next seq for fewer versions (80 % of what arrived in time).
 */
export async function syncOrg (ctx: Context, peer: PeerId, org: string, options: SyncOptions = {}): Promise<SyncResult> {
  if (!isDid(org)) throw new BadRequestError(`${org} is not a did:key`)
  let limit = options.limit ?? MAX_SYNC_LIMIT
  if (!isSafeInt(limit, 1, MAX_SYNC_LIMIT)) throw new BadRequestError(`limit must be an integer in 1..${MAX_SYNC_LIMIT}`)
  let from = options.from ?? ((await ctx.store.head(org))?.seq ?? 0) + 1
  if (!isSafeInt(from, 1)) throw new BadRequestError('from must be an integer ≥ 1')
  const result: SyncResult = { ...emptyTransfer(), requests: 0, cut: 0, missingSources: [] }
  const who = peer.toString()
  for (;;) {
    let versions = 0
    let stop = false
    let cut = false
    const first = from
    result.requests++
    await request(ctx, peer, { name: 'sync', body: encodeSyncRequest({ org, from, limit }) }, async (frames) => {
      const pipeline = new Pipeline()
      let rotations = 0
      try {
        for await (const frame of frames) {
          const g = glance(frame)
          if (g === undefined) throw new UnexpectedBlockError(`${who} sent a sync frame that is not a record`)
          if (g.org !== org) throw new UnexpectedBlockError(`${who} sent a record of ${g.org} in a sync of ${org}`)
          const isVersion = g.type === 'oos/version'
          if (isVersion) {
            if (g.seq !== first + versions || versions >= limit) throw new UnexpectedBlockError(`${who} sent version ${String(g.seq)} where ${first + versions} was due`)
            versions++
          } else if (g.type !== 'oos/key-rotation' || versions > 0 || ++rotations > MAX_SYNC_ROTATIONS) {
            throw new UnexpectedBlockError(`${who} sent ${g.type} out of place in a sync`)
          }
          result.received++
          await pipeline.add(ctx.ingest.ingest(frame, { source: 'sync', from: who, signal: options.signal }).then(r => { tally(result, r) }, e => {
            tally(result, e)
            if (Array.isArray(e?.missing)) result.missingSources.push(...e.missing)
            if (isVersion) stop = true // the versions after it cannot follow
          }))
          if (stop) break
        }
      } catch (err) {
        if (!(versions > 0 && isTimeout(err))) throw err
        cut = true
      } finally {
        await pipeline.drain()
      }
    }, options)
    if (stop) break
    if (cut) {
      result.cut++
      limit = Math.max(1, Math.floor(versions * 0.8))
    } else if (versions < limit) break
    from = first + versions
  }
  result.head = await ctx.store.head(org)
  return result
}
