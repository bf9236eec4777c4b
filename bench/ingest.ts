/**
 * Ingest benchmark (issue 3): the rate of the whole ingest door — size check, canonical
 * DAG-CBOR pass, decode, schema, signature, chain rules, LevelDB batch, indexes — for
 * distinct signed versions of realistic size (the published example document, ~10 KB),
 * beside the raw Ed25519 verification rates of Node's crypto and @noble/ed25519 over the
 * same signed bytes, measured in the same run.
 */
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { CID } from 'multiformats/cid'
import { generateKeyPair, publicKeyToDid, verify, verifyNoble } from '../src/identity/index.ts'
import { parseOosMarkdown } from '../src/oos/index.ts'
import { signVersion } from '../src/records/version.ts'
import { signingBytes } from '../src/records/codec.ts'
import type { Decoded, VersionRecord } from '../src/records/types.ts'
import { Store } from '../src/store/store.ts'
import { Ingest } from '../src/ingest/ingest.ts'

async function door (records: Uint8Array[], workers: number, bulk: boolean): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'oosnet-bench-'))
  const store = new Store({ path: join(dir, 'db') })
  await store.start()
  const ingest = new Ingest({ store }, { workers })
  await ingest.start()
  const t = performance.now()
  if (bulk) await ingest.ingestMany(records, { source: 'bench' })
  else for (const r of records) await ingest.ingest(r, { source: 'bench' })
  const perSec = rate(records.length, performance.now() - t)
  const accepted = ingest.stats().accepted
  await ingest.stop()
  await store.stop()
  await rm(dir, { recursive: true, force: true })
  if (accepted !== records.length) throw new Error(`only ${accepted} of ${records.length} accepted`)
  return perSec
}

export interface IngestBench {
  /** verification worker threads used for ingestPerSec */
  workers: number
  /** one record at a time, awaited, verified on the main thread */
  inlinePerSec: number
  recordBytes: number
  claimsPerRecord: number
  records: number
  ingestPerSec: number
  verifyPerSec: number
  noblePerSec: number
  decodeVerifyPerSec: number
  ingestVsVerify: number
  verifyVsNoble: number
}

function rate (n: number, ms: number): number { return Math.round(n / (ms / 1000)) }

export async function benchIngest (options: { records?: number, workers?: number } = {}): Promise<IngestBench> {
  const N = options.records ?? 3000
  const workers = options.workers ?? availableParallelism()
  const example = parseOosMarkdown(readFileSync(new URL('../tests/fixtures/example.oos.md', import.meta.url), 'utf8')).body
  const kp = generateKeyPair()
  const org = publicKeyToDid(kp.publicKey)
  // N distinct versions of one chain (each a different seq, prev and createdAt)
  const versions: Array<Decoded<VersionRecord>> = []
  let prev: CID | null = null
  const t0 = Date.now() - N * 1000
  for (let seq = 1; seq <= N; seq++) {
    const v = signVersion(example, { org, seq, prev, createdAt: t0 + seq }, kp.secretKey)
    versions.push(v)
    prev = v.cid
  }
  const msgs = versions.map(v => signingBytes('oos/version', v.recBytes))
  // raw verification baselines over exactly the bytes ingest verifies
  let t = performance.now()
  for (let i = 0; i < N; i++) if (!verify(kp.publicKey, msgs[i], versions[i].signed.sig)) throw new Error('verify failed')
  const verifyPerSec = rate(N, performance.now() - t)
  const nN = Math.min(N, 400)
  t = performance.now()
  for (let i = 0; i < nN; i++) if (!verifyNoble(kp.publicKey, msgs[i], versions[i].signed.sig)) throw new Error('noble verify failed')
  const noblePerSec = rate(nN, performance.now() - t)
  // decode + verify only (no store), to show where the time goes
  const { decodeRecord } = await import('../src/records/codec.ts')
  t = performance.now()
  for (let i = 0; i < N; i++) decodeRecord(versions[i].bytes)
  const decodeVerifyPerSec = rate(N, performance.now() - t)
  // the whole door into a real LevelDB on disk: one record at a time on one thread, and
  // the bulk path (a catch-up sync) with the verification worker pool and group commit
  const inlinePerSec = await door(versions.map(v => v.bytes), 0, false)
  const ingestPerSec = await door(versions.map(v => v.bytes), workers, true)
  return {
    workers,
    inlinePerSec,
    recordBytes: versions[0].bytes.length,
    claimsPerRecord: example.claims.length,
    records: N,
    ingestPerSec,
    verifyPerSec,
    noblePerSec,
    decodeVerifyPerSec,
    ingestVsVerify: Math.round(ingestPerSec / verifyPerSec * 100) / 100,
    verifyVsNoble: Math.round(verifyPerSec / noblePerSec * 10) / 10
  }
}
