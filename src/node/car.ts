/**
 * CARv1 files (https://ipld.io/specs/transport/car/carv1/): an org's records as one file any
 * IPLD tool can read. Root: the org's head version. Blocks: every version, key rotation,
 * node binding, and every statement about the org's claims — and the same for the orgs its
 * claims were adopted from — ordered by `createdAt` so a reader can ingest them front to back. Import runs every block through the ingest door,
 * reading the file a block at a time (car-file.ts); export writes it through node/files.ts.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { InternalError, OosError } from '../errors.ts'
import { Ingest, type IngestResult } from '../ingest/ingest.ts'
import type { SignedRecord } from '../records/types.ts'
import { K } from '../store/keys.ts'
import { Store } from '../store/store.ts'
import { CarInvalidError, carWriter, withCar, type CarBlock } from './car-file.ts'
import { NotFoundError } from './errors.ts'
import { writeFileSafely } from './files.ts'

export { CarInvalidError }

export type Progress = (done: number, total?: number) => void

/** Every record CID belonging to an org's export, oldest first. */
export async function orgRecords (store: Store, org: string): Promise<Array<{ cid: CID, bytes: Uint8Array, createdAt: number }>> {
  const cids = new Map<string, CID>()
  const add = (cid: CID): void => { cids.set(cid.toString(), cid) }
  const claimCids = new Set<string>()
  for await (const e of store.chain(org)) {
    add(e.cid)
    for (const c of e.claims) claimCids.add(c.toString())
  }
  for await (const [, v] of store.scan(K.rotationPrefix(org))) add(CID.decode(v))
  const binding = await store.getRaw(K.binding(org))
  if (binding !== undefined) add(CID.decode(binding))
  for await (const [, v] of store.scan(K.equivocationPrefix(org))) add(CID.decode(v))
  // statements about its claims (any wording), and retractions of those statements
  const targets = [...claimCids]
  while (targets.length > 0) {
    const t = targets.pop() as string
    for await (const [, v] of store.scan(K.statementPrefix(t))) {
      const c = CID.decode(v)
      if (!cids.has(c.toString())) { add(c); targets.push(c.toString()) }
    }
  }
  const out: Array<{ cid: CID, bytes: Uint8Array, createdAt: number }> = []
  for (const cid of cids.values()) {
    const bytes = await store.get(cid)
    if (bytes === undefined) continue
    out.push({ cid, bytes, createdAt: dagCbor.decode<SignedRecord>(bytes).rec.createdAt })
  }
  return out.sort((a, b) => a.createdAt - b.createdAt)
}

/**
 * The org and, transitively, every org its claims were adopted from (`derived_from`): a
 * version naming a source claim is accepted only where the source is known, so a file or a
 * replay that stands on its own must carry the sources' chains too. Bounded.
 */
export async function withSources (store: Store, org: string, max = 64): Promise<string[]> {
  const out = [org]
  for (let i = 0; i < out.length && out.length < max; i++) {
    for await (const e of store.chain(out[i])) {
      const bytes = await store.get(e.cid)
      if (bytes === undefined || !Buffer.from(bytes).includes('derived_from')) continue
      const rec = dagCbor.decode<SignedRecord>(bytes).rec
      if (rec.type !== 'oos/version') continue
      for (const c of rec.body.claims) {
        for (const d of c.derived_from ?? []) {
          const source = (await store.claimSightings(d))[0]?.org
          if (source !== undefined && !out.includes(source) && out.length < max) out.push(source)
        }
      }
    }
  }
  return out
}

/** The records of an org and of the orgs it derived claims from, oldest first, deduplicated. */
export async function recordsWithSources (store: Store, org: string): Promise<Array<{ cid: CID, bytes: Uint8Array, createdAt: number }>> {
  const seen = new Set<string>()
  const all: Array<{ cid: CID, bytes: Uint8Array, createdAt: number }> = []
  for (const o of await withSources(store, org)) {
    for (const r of await orgRecords(store, o)) {
      if (!seen.has(r.cid.toString())) { seen.add(r.cid.toString()); all.push(r) }
    }
  }
  return all.sort((a, b) => a.createdAt - b.createdAt)
}

/**
 * Write the org's CAR to `path` through `writeFileSafely` (node/files.ts): a temp file in the
 * target directory renamed into place; never over an existing file without `force`, never
 * through a symlink, never inside the node's `home`.
 */
export async function exportCar (store: Store, org: string, path: string, options: { force?: boolean, home?: string, onProgress?: Progress, signal?: AbortSignal } = {}): Promise<{ root: CID, blocks: number, bytes: number }> {
  const head = await store.head(org)
  if (head === undefined) throw new NotFoundError(`no versions of ${org} here to export`)
  return await writeFileSafely(path, async (sink) => {
    const records = await recordsWithSources(store, org)
    const car = await carWriter(sink, [head.cid])
    let bytes = 0
    for (let i = 0; i < records.length; i++) {
      options.signal?.throwIfAborted()
      await car.put(records[i])
      bytes += records[i].bytes.length
      options.onProgress?.(i + 1, records.length)
    }
    return { root: head.cid, blocks: records.length, bytes }
  }, { force: options.force, home: options.home, signal: options.signal })
}

export interface ImportReport {
  roots: string[]
  accepted: number
  duplicate: number
  equivocation: number
  rejected: number
  /** rejection codes with counts */
  reasons: Record<string, number>
  /** first few rejections in detail */
  errors: Array<{ cid: string, code: string, message: string }>
}

/** Codes that can clear once an earlier block of the same file has been ingested. */
const WAITS_ON_ANOTHER = new Set(['SEQ_GAP', 'UNKNOWN_TARGET', 'UNAUTHORIZED_KEY'])

/** Blocks by position: an array in memory, or a CAR file read a block at a time (car-file.ts). */
export interface BlockSource {
  count: number
  read: (i: number) => Promise<CarBlock> | CarBlock
}

export interface IngestBlocksOptions {
  onProgress?: Progress
  /** each block the door took (accepted, duplicate, equivocation) */
  onResult?: (result: IngestResult) => void
  signal?: AbortSignal
  roots?: string[]
  source?: string
  /** who offered the blocks, for the audit log (`car:<file>` for a CAR file) */
  from?: string
}

/**
 * Import a CAR file as a stream: its blocks are read one at a time (car-file.ts), and only
 * the positions of blocks that wait on a later one are kept between passes, so memory does
 * not grow with the file.
 */
export async function importCar (ingest: Ingest, path: string, options: Omit<IngestBlocksOptions, 'roots' | 'source' | 'from'> = {}): Promise<ImportReport> {
  return await withCar(path, async (car) => await ingestBlocks(ingest, car, { ...options, roots: car.roots.map(String), source: 'car', from: `car:${path}` }), options)
}

/**
 * Ingest a set of blocks in the given order; blocks that wait on another block of the set
 * (a later version, a rotation, a claim) are retried while any progress is made. Between
 * passes only the waiting blocks' positions (and the first few errors) are kept.
 */
export async function ingestBlocks (ingest: Ingest, blocks: BlockSource | CarBlock[], options: IngestBlocksOptions = {}): Promise<ImportReport> {
  const source: BlockSource = Array.isArray(blocks) ? { count: blocks.length, read: i => blocks[i] } : blocks
  const report: ImportReport = { roots: options.roots ?? [], accepted: 0, duplicate: 0, equivocation: 0, rejected: 0, reasons: {}, errors: [] }
  let pending = Uint32Array.from({ length: source.count }, (_, i) => i)
  let done = 0
  // the blocks still waiting after the last pass: their codes, and the first few in detail
  let codes: string[] = []
  let detail: Array<{ cid: CID, e: OosError }> = []
  while (pending.length > 0) {
    const retry = new Uint32Array(pending.length)
    let waiting = 0
    codes = []
    detail = []
    for (const i of pending) {
      options.signal?.throwIfAborted()
      let b: CarBlock | undefined
      try {
        b = await source.read(i)
        const r = await ingest.ingest(b.bytes, { expectedCid: b.cid, source: options.source ?? 'blocks', from: options.from, signal: options.signal })
        report[r.status]++
        options.onResult?.(r)
        options.onProgress?.(++done, source.count)
      } catch (err) {
        if (err instanceof CarInvalidError || (err as Error)?.name === 'AbortError') throw err
        const e = err instanceof OosError ? err : new InternalError(String(err))
        if (b !== undefined && WAITS_ON_ANOTHER.has(e.code)) {
          retry[waiting++] = i
          codes.push(e.code)
          if (detail.length < MAX_ERRORS) detail.push({ cid: b.cid, e })
          continue
        }
        count(report, b?.cid ?? (e as { cid?: CID }).cid, e)
        options.onProgress?.(++done, source.count)
      }
    }
    if (waiting === pending.length) break // no progress: what is left waits on nothing in this set
    pending = retry.subarray(0, waiting)
  }
  // what still waits: counted by code, the first few in detail
  for (const [j, code] of codes.entries()) {
    const d = detail[j]
    if (d !== undefined) count(report, d.cid, d.e)
    else { report.rejected++; report.reasons[code] = (report.reasons[code] ?? 0) + 1 }
  }
  return report
}

/** rejections kept in detail in a report */
const MAX_ERRORS = 20

function count (report: ImportReport, cid: CID | undefined, e: OosError): void {
  report.rejected++
  report.reasons[e.code] = (report.reasons[e.code] ?? 0) + 1
  if (report.errors.length < MAX_ERRORS) report.errors.push({ cid: cid?.toString() ?? '', code: e.code, message: e.message })
}

/**
 * Import a CAR into a throw-away store through a fresh ingest door, run `fn` on that store,
 * then delete it: a CAR is read exactly as records arriving from a peer.
 */
export async function withCarStore<T> (path: string, fn: (store: Store, report: ImportReport) => Promise<T>, options: { signal?: AbortSignal, onProgress?: Progress } = {}): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'oosnet-car-'))
  const store = new Store({ path: join(dir, 'db') })
  await store.start()
  try {
    const report = await importCar(new Ingest({ store }), path, options)
    return await fn(store, report)
  } finally {
    await store.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

/**
 * Verify a CAR offline, through the same ingest door, into a throw-away store: every block
 * re-hashed, decoded, schema-checked, signature-checked, and every chain rebuilt from seq 1.
 */
export async function verifyCar (path: string, options: { signal?: AbortSignal } = {}): Promise<ImportReport & { valid: boolean }> {
  return await withCarStore(path, async (store, report) => {
    const rootsOk = report.roots.length > 0 && await Promise.all(report.roots.map(async r => await store.has(CID.parse(r)))).then(x => x.every(Boolean))
    if (!rootsOk) { report.reasons.ROOT_MISSING = 1; report.rejected++ }
    return { ...report, valid: report.rejected === 0 && rootsOk }
  }, options)
}
