/**
 * Offline verification of a record held in the store: its org's records up to it are
 * replayed through a fresh ingest pipeline into a throw-away store in memory — the same door,
 * the same checks (hashes, signatures, chain from seq 1, key authority) as anything arriving.
 */
import type { CID } from 'multiformats/cid'
import { place } from '../records/peek.ts'
import type { Store } from '../store/store.ts'
import { ingestBlocks, recordsWithSources, type ImportReport } from './car.ts'
import { withScratch } from './scratch.ts'
import { NotFoundError } from './errors.ts'

export interface VerifyReport extends ImportReport {
  valid: boolean
  cid: string
  kind: string
  org: string
  seq?: number
}

export async function verifyStored (store: Store, cid: CID, options: { signal?: AbortSignal } = {}): Promise<VerifyReport> {
  const held = await store.stored(cid)
  if (held === undefined) throw new NotFoundError(`${cid.toString()} is not in the store`)
  const { bytes } = held
  const rec = held.signed.rec
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
    // where the block sits (kind, org, seq), read without decoding it: the replay checks it all
    const p = place(b.bytes)
    return p?.type !== 'oos/version' || p.org !== rec.org || (p.seq ?? 0) <= seq
  })
  return await withScratch(async (ingest) => {
    let ok = false
    const report = await ingestBlocks(ingest, relevant, { signal: options.signal, source: 'verify', roots: [cid.toString()], onResult: (r) => { if (r.cid.equals(cid) && r.status !== 'equivocation') ok = true } })
    return { ...report, valid: ok && report.rejected === 0, cid: cid.toString(), kind: rec.type, org: rec.org, ...(seq !== undefined ? { seq } : {}) }
  })
}
