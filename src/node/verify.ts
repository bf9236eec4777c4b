/**
 * Offline verification of a record held in the store: its org's records up to it are
 * replayed through a fresh ingest pipeline into a throw-away store — the same door, the
 * same checks (hashes, signatures, chain from seq 1, key authority) as anything arriving.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as dagCbor from '@ipld/dag-cbor'
import type { CID } from 'multiformats/cid'
import { Ingest } from '../ingest/ingest.ts'
import type { SignedRecord } from '../records/types.ts'
import { Store } from '../store/store.ts'
import { ingestBlocks, recordsWithSources, type ImportReport } from './car.ts'
import { NotFoundError } from './errors.ts'

export interface VerifyReport extends ImportReport {
  valid: boolean
  cid: string
  kind: string
  org: string
  seq?: number
}

export async function verifyStored (store: Store, cid: CID, options: { signal?: AbortSignal } = {}): Promise<VerifyReport> {
  const bytes = await store.get(cid)
  if (bytes === undefined) throw new NotFoundError(`${cid.toString()} is not in the store`)
  const rec = dagCbor.decode<SignedRecord>(bytes).rec
  // the records this one stands on: its author's chain; for a statement, also the target's author
  const orgs = new Set<string>([rec.org])
  if (rec.type === 'oos/endorsement') orgs.add(rec.targetOrg)
  const blocks: Array<{ cid: CID, bytes: Uint8Array, createdAt: number }> = []
  const seen = new Set<string>()
  for (const org of orgs) {
    for (const r of await recordsWithSources(store, org)) {
      if (!seen.has(r.cid.toString())) { seen.add(r.cid.toString()); blocks.push(r) }
    }
  }
  blocks.sort((a, b) => a.createdAt - b.createdAt)
  if (!blocks.some(b => b.cid.equals(cid))) blocks.push({ cid, bytes, createdAt: rec.createdAt })
  const seq = rec.type === 'oos/version' ? rec.seq : undefined
  const relevant = blocks.filter(b => {
    if (seq === undefined) return true
    const r = dagCbor.decode<SignedRecord>(b.bytes).rec
    return r.type !== 'oos/version' || r.org !== rec.org || r.seq <= seq
  })
  const dir = await mkdtemp(join(tmpdir(), 'oosnet-verify-'))
  const scratch = new Store({ path: join(dir, 'db') })
  await scratch.start()
  try {
    let ok = false
    const report = await ingestBlocks(new Ingest({ store: scratch }), relevant, { signal: options.signal, source: 'verify', roots: [cid.toString()], onResult: (r) => { if (r.cid.equals(cid) && r.status !== 'equivocation') ok = true } })
    return { ...report, valid: ok && report.rejected === 0, cid: cid.toString(), kind: rec.type, org: rec.org, ...(seq !== undefined ? { seq } : {}) }
  } finally {
    await scratch.stop()
    await rm(dir, { recursive: true, force: true })
  }
}
