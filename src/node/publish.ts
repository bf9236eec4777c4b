/**
 * Publishing the next version of our own org: seq and prev from the local head, version
 * and derived fields set by `bodyForSeq`, signed, then through the one ingest door like
 * any record from anywhere else.
 *
 * Publishes of one org run one at a time (SPEC §6): each reads the head it builds on, and
 * two running at once would sign two different versions of the same seq, an equivocation of
 * our own that every follower would flag. The lock is here, below every caller (the node,
 * the API's handlers, the CLI offline), so that there is exactly one; it is per store, and a
 * store is one org's home, open in one process at a time (STORE_LOCKED).
 */
import * as dagCbor from '@ipld/dag-cbor'
import { equals } from 'uint8arrays/equals'
import { AbortedError } from '../errors.ts'
import type { Ingest, IngestResult } from '../ingest/ingest.ts'
import { bodyForSeq, signVersion } from '../records/version.ts'
import type { VersionRecord } from '../records/types.ts'
import type { OosBody } from '../oos/types.ts'
import type { Store } from '../store/store.ts'
import { UnchangedBodyError } from './errors.ts'
import { getRecord } from './queries.ts'

export interface PublishOptions {
  org: string
  secretKey: Uint8Array
  /** did of the signing key when it is not the inception key */
  key?: string
  now?: number
  signal?: AbortSignal
  /** who asked, for the audit log ('api', 'cli', 'node') */
  from?: string
}

/** Bodies compared for "unchanged": everything but the fields publishing sets. */
function comparable (body: OosBody): Uint8Array {
  const b = bodyForSeq(body, 1)
  return dagCbor.encode({ ...b, frontmatter: { ...b.frontmatter, generated_at: '', word_count: 0 } })
}

/** The tail of each store's publish queue. */
const queues = new WeakMap<Store, Promise<unknown>>()

/** Run `fn` when every publish to `store` asked for before it has finished (in call order). */
export async function withPublishLock<T> (store: Store, fn: () => Promise<T>): Promise<T> {
  const run = (queues.get(store) ?? Promise.resolve()).then(fn)
  queues.set(store, run.catch(() => {}))
  return await run
}

export async function publish (store: Store, ingest: Ingest, body: OosBody, options: PublishOptions): Promise<IngestResult> {
  return await withPublishLock(store, async () => await publishNow(store, ingest, body, options))
}

async function publishNow (store: Store, ingest: Ingest, body: OosBody, options: PublishOptions): Promise<IngestResult> {
  if (options.signal?.aborted === true) throw new AbortedError('publish aborted')
  const head = await store.head(options.org)
  if (head !== undefined) {
    const prev = await getRecord(store, head.cid)
    if (prev !== undefined && equals(comparable((prev.signed.rec as VersionRecord).body), comparable(body))) {
      throw new UnchangedBodyError(`nothing to publish: the document is the same as version ${head.seq} (${head.cid.toString()})`)
    }
  }
  const seq = (head?.seq ?? 0) + 1
  const createdAt = Math.max(options.now ?? Date.now(), head?.createdAt ?? 0)
  const v = signVersion(body, { org: options.org, seq, prev: head?.cid ?? null, createdAt, key: options.key }, options.secretKey)
  return await ingest.ingest(v.bytes, { source: 'local', from: options.from, signal: options.signal })
}
