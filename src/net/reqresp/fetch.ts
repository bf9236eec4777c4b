/**
 * `/oos/fetch/1.0.0` (protocol/NETWORK-reqresp.md §3): records by CID.
 * Request `{ cids: [CID, …] }` (1..64 distinct record CIDs); response: one frame per
 * requested record the responder holds — the record bytes as stored — in request order,
 * missing ones skipped. The requester accepts a frame only if it hashes to a requested CID
 * not yet received; anything else is UNEXPECTED_BLOCK and ends the exchange.
 */
import * as dagCbor from '@ipld/dag-cbor'
import type { PeerId } from '@libp2p/interface'
import { CID } from 'multiformats/cid'
import { cidBytesOf, isRecordCid } from '../../records/cid.ts'
import { BadRequestError, UnexpectedBlockError } from './errors.ts'
import { isTimeout, request, type Context } from './exchange.ts'
import { decodeCanonical, isMap } from './frames.ts'
import { emptyTransfer, Pipeline, tally, type TransferResult } from './results.ts'
import { framed, type ResponseOut } from './serving.ts'

export const MAX_FETCH_CIDS = 64

export interface FetchResult extends TransferResult {
  /** requested CIDs the peer did not send */
  missing: CID[]
}

export function encodeFetchRequest (cids: CID[]): Uint8Array {
  return dagCbor.encode({ cids })
}

export function decodeFetchRequest (bytes: Uint8Array): CID[] {
  const v = decodeCanonical(bytes)
  if (!isMap(v, ['cids']) || !Array.isArray(v.cids)) throw new BadRequestError('a fetch request is { cids: [CID, …] }')
  const cids = v.cids as unknown[]
  if (cids.length < 1 || cids.length > MAX_FETCH_CIDS) throw new BadRequestError(`a fetch request names 1..${MAX_FETCH_CIDS} CIDs, not ${cids.length}`)
  const seen = new Set<string>()
  return cids.map((c, i) => {
    const cid = CID.asCID(c)
    if (cid === null || !isRecordCid(cid)) throw new BadRequestError(`cids[${i}] is not a record CID (v1, dag-cbor, sha2-256)`)
    const k = cid.toString()
    if (seen.has(k)) throw new BadRequestError(`cids[${i}] is named twice`)
    seen.add(k)
    return cid
  })
}

/** Responder: the held records, in request order. */
export async function respondFetch (ctx: Context, cids: CID[], out: ResponseOut): Promise<void> {
  await writeBlocks(ctx, cids, out)
}

/**
 * Write the blocks named by `cids` that the store holds, in order, straight from the store:
 * a block is read, then written; `cids` may be a lazy source (a store iterator), so neither
 * the blocks nor the list of a long response are ever in memory whole. Reads run ahead of
 * the writes by at most `readAhead` blocks, and only while the response stays under its
 * window (serving.ts) — the size of a block not yet read is guessed from the last one, so a
 * response holds at most its window plus the difference between a block and the one before.
 */
export async function writeBlocks (ctx: Context, cids: Iterable<CID> | AsyncIterable<CID>, out: ResponseOut, options: { readAhead?: number, maxBytes?: number } = {}): Promise<void> {
  const readAhead = options.readAhead ?? 4
  /** bytes written; no block is written once they reach `maxBytes` */
  let written = 0
  const maxBytes = options.maxBytes ?? Infinity
  const source = Symbol.asyncIterator in cids ? cids[Symbol.asyncIterator]() : cids[Symbol.iterator]()
  const reads: Array<Promise<Uint8Array | undefined>> = []
  let ended = false
  let guess = 16 * 1024
  const pull = async (): Promise<boolean> => {
    const next = ended ? undefined : await source.next()
    if (next === undefined || next.done === true) { ended = true; return false }
    const p = ctx.store.get(next.value).then(bytes => {
      if (bytes !== undefined) { out.hold(bytes.length); guess = bytes.length }
      return bytes
    })
    p.catch(() => {})
    reads.push(p)
    return true
  }
  try {
    for (;;) {
      if (reads.length === 0) {
        await out.ready(guess)
        if (!await pull()) return
      }
      while (!ended && reads.length < readAhead && out.room() >= framed(guess) * (reads.length + 1)) await pull()
      const bytes = await reads.shift()
      if (bytes !== undefined) {
        await out.write(bytes, true)
        written += bytes.length
        if (written >= maxBytes) break
      }
    }
  } finally {
    // blocks read ahead and not written are dropped with their count
    for (const r of reads) { const b = await r.catch(() => undefined); if (b !== undefined) out.drop(b.length) }
    if (!ended) await source.return?.()
  }
}

const key = (cidBytes: Uint8Array): string => Buffer.from(cidBytes.buffer, cidBytes.byteOffset, cidBytes.byteLength).toString('base64')

/**
 * Requester: fetch `cids` from `peer` (64 per request) and ingest what arrives. A response
 * cut by the whole-response timeout after some records arrived is kept, not counted against
 * the peer; the rest is asked again, fewer at a time.
 */
export async function fetchRecords (ctx: Context, peer: PeerId, cids: CID[], options: { signal?: AbortSignal } = {}): Promise<FetchResult> {
  const wanted = new Map<string, CID>()
  for (const cid of cids) {
    if (!isRecordCid(cid)) throw new BadRequestError(`${cid.toString()} is not a record CID (v1, dag-cbor, sha2-256)`)
    wanted.set(key(cid.bytes), cid)
  }
  const result: FetchResult = { ...emptyTransfer(), missing: [] }
  const from = peer.toString()
  const queue = [...wanted.values()]
  let size = MAX_FETCH_CIDS
  while (queue.length > 0) {
    const chunk = queue.splice(0, size)
    const open = new Map(chunk.map(c => [key(c.bytes), c]))
    let cut = false
    await request(ctx, peer, { name: 'fetch', body: encodeFetchRequest(chunk) }, async (frames) => {
      const pipeline = new Pipeline()
      try {
        for await (const frame of frames) {
          const k = key(cidBytesOf(frame))
          const cid = open.get(k)
          if (cid === undefined) throw new UnexpectedBlockError(`${peer.toString()} sent a block that was not asked for, or twice (${frame.length} bytes)`)
          open.delete(k)
          result.received++
          await pipeline.add(ctx.ingest.ingest(frame, { expectedCid: cid, source: 'fetch', from, signal: options.signal }).then(r => { tally(result, r) }, e => { tally(result, e) }))
        }
      } catch (err) {
        if (!(open.size < chunk.length && isTimeout(err))) throw err
        cut = true
      } finally {
        await pipeline.drain()
      }
    }, options)
    if (cut) {
      queue.unshift(...open.values())
      size = Math.max(1, Math.floor((chunk.length - open.size) * 0.8))
    } else {
      result.missing.push(...open.values())
    }
  }
  return result
}
