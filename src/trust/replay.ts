/**
 * Whether orgs' chains verify from seq 1: their key rotations and versions, and the chains
 * of every org their claims are derived from (the version rule needs `derived_from` sources
 * known), are replayed through a fresh ingest door into a throw-away store — the same
 * checks (hash, canonical form, schema, signatures, chain, key authority, pre-rotation) as
 * anything arriving. One replay answers for all the orgs asked about.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import { Ingest } from '../ingest/ingest.ts'
import { ingestBlocks } from '../node/car.ts'
import { K } from '../store/keys.ts'
import { Store } from '../store/store.ts'
import { Reader } from './reader.ts'

export interface ChainCheck {
  org: string
  /** every version up to the local head and every rotation was accepted again */
  valid: boolean
  /** the local head seq (0: no version held) */
  head: number
  versions: number
  rotations: number
  errors: Array<{ cid: string, code: string, message: string }>
}

/** Most orgs pulled in through `derived_from` (a bound on the work one question causes). */
const MAX_ORGS = 64

export async function verifyChains (reader: Reader, orgs: Iterable<string>, options: { signal?: AbortSignal } = {}): Promise<Map<string, ChainCheck>> {
  const store = reader.store
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
    for await (const [, v] of store.scan(K.rotationPrefix(org))) {
      const cid = CID.decode(v)
      mine.rotations.push(cid)
      await add(cid)
    }
    for await (const e of store.chain(org)) {
      mine.versions++
      await add(e.cid)
      const v = await reader.version(e.cid)
      for (const c of v?.body.claims ?? []) {
        for (const d of c.derived_from ?? []) {
          const source = (await store.claimSightings(d))[0]?.org
          if (source !== undefined && !seen.has(source) && seen.size < MAX_ORGS) { seen.add(source); todo.push(source) }
        }
      }
    }
  }
  blocks.sort((a, b) => a.createdAt - b.createdAt)
  const dir = await mkdtemp(join(tmpdir(), 'oosnet-trust-'))
  const scratch = new Store({ path: join(dir, 'db') })
  await scratch.start()
  const ingest = new Ingest({ store: scratch })
  try {
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
  } finally {
    await ingest.stop()
    await scratch.stop()
    await rm(dir, { recursive: true, force: true })
  }
}
