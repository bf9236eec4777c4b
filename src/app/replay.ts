/**
 * Whether orgs' chains verify from seq 1: their key rotations and versions, and the chains
 * of every org their claims are derived from (the version rule needs `derived_from` sources
 * known), are replayed through a fresh ingest door into a throw-away store in memory — the same
 * checks (hash, canonical form, schema, signatures, chain, key authority, pre-rotation) as
 * anything arriving. One replay answers for all the orgs asked about.
 *
 * It lives in app/ because it needs the one door in (ingest/) and the CAR replay (node/car.ts):
 * trust/ reads the store only, and takes the replay as a `ChainVerifier`.
 */
import type { CID } from 'multiformats/cid'
import { ingestBlocks } from '../node/car.ts'
import { withScratch } from '../node/scratch.ts'
import type { Store } from '../store/store.ts'
import { provenanceReport, type ChainCheck, type ProvenanceOptions, type ProvenanceReport } from '../trust/provenance.ts'
import { Reader } from '../trust/reader.ts'

export type { ChainCheck, DerivationNode, ProvenanceOptions, ProvenanceReport } from '../trust/provenance.ts'

/** Most orgs pulled in through `derived_from` (a bound on the work one question causes). */
const MAX_ORGS = 64

export async function verifyChains (store: Store, orgs: Iterable<string>, options: { signal?: AbortSignal } = {}): Promise<Map<string, ChainCheck>> {
  const reader = new Reader(store)
  const wanted = [...new Set(orgs)]
  const todo = [...wanted]
  const seen = new Set<string>(todo)
  const own = new Map<string, { cids: Set<string>, head?: CID, rotations: CID[], versions: number }>()
  const blocks: Array<{ cid: CID, bytes: Uint8Array, createdAt: number }> = []
  while (todo.length > 0) {
    options.signal?.throwIfAborted()
    const org = todo.shift() as string
    const mine = { cids: new Set<string>(), head: (await store.head(org))?.cid, rotations: [] as CID[], versions: 0 }
    own.set(org, mine)
    const add = async (cid: CID): Promise<void> => {
      const bytes = await store.get(cid)
      const rec = await reader.record(cid)
      if (bytes === undefined || rec === undefined) return
      mine.cids.add(cid.toString())
      blocks.push({ cid, bytes, createdAt: rec.createdAt })
    }
    for (const { cid } of await store.rotationCids(org)) {
      mine.rotations.push(cid)
      await add(cid)
    }
    for await (const e of store.chain(org)) {
      mine.versions++
      await add(e.cid)
      const v = await reader.version(e.cid)
      for (const c of v?.body.claims ?? []) {
        for (const d of c.derived_from ?? []) {
          const source = await store.claimAuthor(d)
          if (source !== undefined && !seen.has(source) && seen.size < MAX_ORGS) { seen.add(source); todo.push(source) }
        }
      }
    }
  }
  blocks.sort((a, b) => a.createdAt - b.createdAt)
  return await withScratch(async (ingest, scratch) => {
    const report = await ingestBlocks(ingest, blocks, { signal: options.signal, source: 'verify' })
    const out = new Map<string, ChainCheck>()
    for (const [org, mine] of own) {
      const head = await store.head(org)
      const replayed = await scratch.head(org)
      const errors = report.errors.filter(e => mine.cids.has(e.cid))
      let valid = errors.length === 0 && (head === undefined ? replayed === undefined : replayed?.cid.equals(head.cid) === true)
      for (const r of mine.rotations) if (!await scratch.has(r)) valid = false
      out.set(org, { org, valid, head: head?.seq ?? 0, versions: mine.versions, rotations: mine.rotations.length, errors })
    }
    return out
  })
}

/** The provenance of a claim held in `store` (trust/provenance.ts), its chains replayed as above. */
export async function provenance (store: Store, claimCid: CID, options: ProvenanceOptions = {}): Promise<ProvenanceReport> {
  return await provenanceReport(store, claimCid, async (orgs, o) => await verifyChains(store, orgs, o), options)
}
