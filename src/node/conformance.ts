/**
 * The verifier side of the conformance protocol (protocol/README.md §4): each case runs
 * against a fresh, empty store (LevelDB in a temporary directory) through the node's one
 * ingest door, with the receiver's clock set to the case's `now`. `oos conformance` and
 * protocol/conformance/oosnet-verifier.ts both answer with it.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import { OosError } from '../errors.ts'
import { Ingest } from '../ingest/ingest.ts'
import { Store } from '../store/store.ts'

/** One case as the runner sends it. */
export interface CaseInput {
  name: string
  /** the receiver's clock, ms since the epoch */
  now: number
  /** records (hex) to ingest first, in order */
  after: string[]
  /** the record under test (hex) */
  record: string
  /** the CID the record was fetched as */
  expectedCid?: string
}

export interface CaseVerdict { name: string, after: string[], verdict: string }

/** The outcome of ingesting `bytes`: its status, or its rejection code. */
async function outcome (ingest: Ingest, bytes: Uint8Array, expectedCid?: string): Promise<string> {
  try {
    const r = await ingest.ingest(bytes, expectedCid !== undefined ? { expectedCid: CID.parse(expectedCid) } : {})
    return r.status
  } catch (err) {
    return err instanceof OosError ? err.code : 'INTERNAL'
  }
}

export async function verdictOf (c: CaseInput): Promise<CaseVerdict> {
  const dir = await mkdtemp(join(tmpdir(), 'oosnet-conformance-'))
  const store = new Store({ path: join(dir, 'db') })
  await store.start()
  const ingest = new Ingest({ store }, { now: () => c.now })
  await ingest.start()
  try {
    const after: string[] = []
    for (const h of c.after) after.push(await outcome(ingest, Buffer.from(h, 'hex')))
    return { name: c.name, after, verdict: await outcome(ingest, Buffer.from(c.record, 'hex'), c.expectedCid) }
  } finally {
    await ingest.stop()
    await store.stop()
    await rm(dir, { recursive: true, force: true })
  }
}
