/**
 * CARv1 files (https://ipld.io/specs/transport/car/carv1/): an org's records as one file any
 * IPLD tool can read. Root: the org's head version. Blocks: every version, key rotation,
 * node binding, and every statement about the org's claims — and the same for the orgs its
 * claims were adopted from — ordered by `createdAt`. Import runs every block through the
 * ingest door once, in the order of SPEC §6.1 whatever the file's order (car-order.ts),
 * reading the file a block at a time (car-file.ts); export writes it through node/files.ts.
 */
import { CID } from 'multiformats/cid'
import { InternalError, OosError } from '../errors.ts'
import { UnknownSourceError } from '../ingest/errors.ts'
import type { Ingest, IngestResult } from '../ingest/ingest.ts'
import { RecordTooLargeError } from '../records/errors.ts'
import { StoreFullError } from '../store/errors.ts'
import type { Store } from '../store/store.ts'
import { CarInvalidError, carWriter, withCar, type CarBlock } from './car-file.ts'
import { GroupHeap, ImportPlan } from './car-order.ts'
import { NotFoundError } from './errors.ts'
import { writeFileSafely } from './files.ts'
import { withScratch, type ScratchOptions } from './scratch.ts'

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
  const rotations = async (o: string): Promise<void> => { for (const r of await store.rotationCids(o)) add(r.cid) }
  await rotations(org)
  const binding = await store.bindingCid(org)
  if (binding !== undefined) add(binding)
  for (const e of await store.equivocations(org)) e.cids.forEach(add)
  // statements about its claims (any wording), and retractions of those statements
  const statements: CID[] = []
  const targets = [...claimCids]
  while (targets.length > 0) {
    const t = targets.pop() as string
    for (const c of await store.statementsAbout(t)) {
      if (!cids.has(c.toString())) { add(c); statements.push(c); targets.push(c.toString()) }
    }
  }
  const out: Array<{ cid: CID, bytes: Uint8Array, createdAt: number }> = []
  const read = async (cid: CID): Promise<{ org: string } | undefined> => {
    const held = await store.stored(cid)
    if (held === undefined) return undefined
    out.push({ cid, bytes: held.bytes, createdAt: held.signed.rec.createdAt })
    return held.signed.rec
  }
  // a statement's signer is checked against its org's keys (SPEC §7): the file carries the
  // rotations of every org that made one, or it would fail its own verification
  const authors = new Set<string>([org])
  for (const cid of statements) {
    const author = (await read(cid))?.org
    if (author !== undefined && !authors.has(author)) { authors.add(author); await rotations(author) }
  }
  const taken = new Set(statements.map(String))
  for (const [key, cid] of cids) if (!taken.has(key)) await read(cid)
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
      const rec = (await store.record(e.cid))?.rec
      if (rec?.type !== 'oos/version') continue
      for (const c of rec.body.claims) {
        for (const d of c.derived_from ?? []) {
          const source = await store.claimAuthor(d)
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
  /** the blocks' places, noted while the file was first read (default: each block is read once to note it) */
  plan?: ImportPlan
}

/**
 * Import a CAR file as a stream: the first pass over the file checks its structure and
 * notes where each block goes (car-order.ts); the blocks are then read one at a time, by
 * offset, in that order. Memory holds a few numbers per block, never the blocks.
 */
export async function importCar (ingest: Ingest, path: string, options: Omit<IngestBlocksOptions, 'roots' | 'source' | 'from' | 'plan'> = {}): Promise<ImportReport> {
  const plan = new ImportPlan()
  return await withCar(path, async (car) => await ingestBlocks(ingest, car, { ...options, plan, roots: car.roots.map(String), source: 'car', from: `car:${path}` }),
    { signal: options.signal, onBlock: (i, bytes, cid) => { plan.add(i, bytes, cid.bytes) } })
}

/**
 * Ingest a set of blocks in the order of SPEC §6.1 (car-order.ts), whatever their order in
 * the set: each block is offered once, except a version whose `derived_from` source comes
 * later, offered again once per missing source that a later version brings. A
 * block that waits on one missing from the set is rejected once, with its code.
 */
export async function ingestBlocks (ingest: Ingest, blocks: BlockSource | CarBlock[], options: IngestBlocksOptions = {}): Promise<ImportReport> {
  const source: BlockSource = Array.isArray(blocks) ? { count: blocks.length, read: i => blocks[i] } : blocks
  const report: ImportReport = { roots: options.roots ?? [], accepted: 0, duplicate: 0, equivocation: 0, rejected: 0, reasons: {}, errors: [] }
  const plan = options.plan ?? await planOf(source, options.signal)
  const { chains, groups, statements, others } = plan.build()
  let done = 0
  // 1. chains (SPEC ): one group per org, merged by the createdAt of each
  // group's next block; a version whose source is unknown waits (its group with it) on the
  // first missing source claim, and is offered again when a version brings that claim
  const next = groups.slice(0, -1)
  const heap = new GroupHeap(g => plan.time(chains[next[g]]))
  const go = (g: number): void => { if (++next[g] < groups[g + 1]) heap.push(g) }
  type Waiting = { cid?: CID, e: UnknownSourceError }
  const waiting = new Map<string, number[]>() // a missing claim → the groups waiting on it
  const held = new Map<number, Waiting>() // a waiting group → its version's last rejection
  const wake = (claim: Uint8Array): void => {
    const k = Buffer.from(claim).toString('base64')
    for (const g of waiting.get(k) ?? []) heap.push(g)
    waiting.delete(k)
  }
  const hold = (g: number, w: Waiting): void => {
    held.set(g, w)
    const k = Buffer.from(w.e.missing[0].bytes).toString('base64')
    const list = waiting.get(k)
    if (list === undefined) waiting.set(k, [g])
    else list.push(g)
  }
  /** Offer block `i`; with `wait`, a version whose `derived_from` source is unknown is returned, not counted. */
  const offer = async (i: number, wait = false): Promise<Waiting | undefined> => {
    options.signal?.throwIfAborted()
    let b: CarBlock | undefined
    try {
      b = await source.read(i)
      const r = await ingest.ingest(b.bytes, { expectedCid: b.cid, source: options.source ?? 'blocks', from: options.from, signal: options.signal })
      report[r.status]++
      if (r.status === 'accepted') for (const c of r.claims ?? []) wake(c)
      options.onResult?.(r)
    } catch (err) {
      // the file cannot be read on, or the replay's store is full, or the caller gave up: the whole run fails
      if (err instanceof CarInvalidError || err instanceof StoreFullError || (err as Error)?.name === 'AbortError') throw err
      const e = err instanceof OosError ? err : new InternalError(String(err))
      const cid = b?.cid ?? (e as { cid?: CID }).cid
      if (wait && e instanceof UnknownSourceError && e.missing.length > 0) return { cid, e }
      count(report, cid, e)
    }
    options.onProgress?.(++done, source.count)
    return undefined
  }
  for (let g = 0; g < next.length; g++) if (next[g] < groups[g + 1]) heap.push(g)
  while (heap.size > 0 || held.size > 0) {
    for (let g = heap.pop(); g !== undefined; g = heap.pop()) {
      held.delete(g)
      const w = await offer(chains[next[g]], true)
      if (w !== undefined) hold(g, w)
      else go(g)
    }
    // no group can go on: what waits is rejected for good and its group goes on
    for (const [g, w] of held) {
      count(report, w.cid, w.e)
      options.onProgress?.(++done, source.count)
      go(g)
    }
    held.clear()
    waiting.clear()
  }
  // 2. statements, 3. blocks that are no record
  for (const i of statements) await offer(i)
  for (const i of others) await offer(i)
  return report
}

/** Note each block of a set (read once, in order) in a new plan. */
async function planOf (source: BlockSource, signal?: AbortSignal): Promise<ImportPlan> {
  const plan = new ImportPlan()
  for (let i = 0; i < source.count; i++) {
    signal?.throwIfAborted()
    let block: CarBlock | undefined
    try { block = await source.read(i) } catch (err) { if (!(err instanceof RecordTooLargeError)) throw err }
    plan.add(i, block?.bytes, block?.cid.bytes)
  }
  return plan
}

/** rejections kept in detail in a report */
const MAX_ERRORS = 20

function count (report: ImportReport, cid: CID | undefined, e: OosError): void {
  report.rejected++
  report.reasons[e.code] = (report.reasons[e.code] ?? 0) + 1
  if (report.errors.length < MAX_ERRORS) report.errors.push({ cid: cid?.toString() ?? '', code: e.code, message: e.message })
}

/**
 * Import a CAR into a throw-away store (in memory, scratch.ts) through a fresh ingest door, run
 * `fn` on that store, then drop it: a CAR is read exactly as records arriving from a peer.
 */
export async function withCarStore<T> (path: string, fn: (store: Store, report: ImportReport) => Promise<T>, options: { signal?: AbortSignal, onProgress?: Progress } & ScratchOptions = {}): Promise<T> {
  const { maxBytes, spill, ...rest } = options
  return await withScratch(async (ingest, store) => await fn(store, await importCar(ingest, path, rest)), { maxBytes, spill })
}

/**
 * Verify a CAR offline, through the same ingest door, into a throw-away store: every block
 * re-hashed, decoded, schema-checked, signature-checked, and every chain rebuilt from seq 1.
 */
export async function verifyCar (path: string, options: { signal?: AbortSignal } & ScratchOptions = {}): Promise<ImportReport & { valid: boolean }> {
  return await withCarStore(path, async (store, report) => {
    const rootsOk = report.roots.length > 0 && await Promise.all(report.roots.map(async r => await store.has(CID.parse(r)))).then(x => x.every(Boolean))
    if (!rootsOk) { report.reasons.ROOT_MISSING = 1; report.rejected++ }
    return { ...report, valid: report.rejected === 0 && rootsOk }
  }, options)
}
