/**
 * `/oos/sync/1.0.0` (protocol/NETWORK-reqresp.md §4): an org's chain from a seq on.
 * Request `{ org, from, limit? }`; response: every `oos/key-rotation` record of the org
 * (rotation order; the receiver needs them before versions signed by a new key), then the
 * org's versions with seq ≥ from, ascending and consecutive, at most `limit` (default 1000).
 * A response of exactly `limit` versions means "there may be more": the requester asks
 * again from the next seq until it is caught up.
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

export interface SyncRequest { org: string, from: number, limit?: number }

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

export function encodeSyncRequest (req: SyncRequest): Uint8Array {
  return dagCbor.encode(req.limit === undefined ? { org: req.org, from: req.from } : { org: req.org, from: req.from, limit: req.limit })
}

export function decodeSyncRequest (bytes: Uint8Array): SyncRequest {
  const v = decodeCanonical(bytes)
  if (!isMap(v, ['org', 'from'], ['limit'])) throw new BadRequestError('a sync request is { org, from, limit? }')
  if (!isDid(v.org)) throw new BadRequestError('org is not a did:key', { path: 'org' })
  if (!isSafeInt(v.from, 1)) throw new BadRequestError('from is not an integer ≥ 1', { path: 'from' })
  if (v.limit !== undefined && !isSafeInt(v.limit, 1, MAX_SYNC_LIMIT)) throw new BadRequestError(`limit is not an integer in 1..${MAX_SYNC_LIMIT}`, { path: 'limit' })
  return v.limit === undefined ? { org: v.org as string, from: v.from } : { org: v.org as string, from: v.from, limit: v.limit as number }
}

/** Responder: the org's rotations, then its versions from `from` on, streamed from the store. */
export async function respondSync (ctx: Context, req: SyncRequest, out: ResponseOut): Promise<void> {
  await writeBlocks(ctx, syncCids(ctx, req), out)
}

/**
 * The CIDs of a sync response, read lazily: a chain entry holds the version CID and all its
 * claim CIDs, and a response of 1000 versions listed up front held ~1 MB per response.
 */
async function * syncCids (ctx: Context, req: SyncRequest): AsyncGenerator<CID> {
  for (const r of await ctx.store.rotationCids(req.org, { limit: MAX_SYNC_ROTATIONS })) yield r.cid
  yield * ctx.store.versionCids(req.org, { from: req.from, limit: req.limit ?? MAX_SYNC_LIMIT })
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
