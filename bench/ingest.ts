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
import { didToPublicKey, generateKeyPair, publicKeyToDid, verify, verifyNoble } from '../src/identity/index.ts'
import { parseOosMarkdown } from '../src/oos/index.ts'
import { signVersion } from '../src/records/version.ts'
import { signingBytes } from '../src/records/codec.ts'
import type { Decoded, VersionRecord } from '../src/records/types.ts'
import type { OosBody } from '../src/oos/types.ts'
import { Store } from '../src/store/store.ts'
import { Ingest } from '../src/ingest/ingest.ts'
import { perItem, threadCpu } from './threads.ts'

/**
 * The rate of a fresh door (new store, new workers) over `records`. With `warmup`, another
 * org's chain goes through the same door first, untimed: the steady state of a running node
 * (JIT-compiled code, warm workers), as opposed to the first seconds after start.
 */
async function door (records: Uint8Array[], workers: number, bulk: boolean, warmup: Uint8Array[] = []): Promise<{ perSec: number, cpu: Record<string, number> }> {
  const dir = await mkdtemp(join(tmpdir(), 'oosnet-bench-'))
  const store = new Store({ path: join(dir, 'db') })
  await store.start()
  const ingest = new Ingest({ store }, { workers })
  await ingest.start()
  const feed = async (rs: Uint8Array[]): Promise<void> => {
    if (bulk) await ingest.ingestMany(rs, { source: 'bench' })
    else for (const r of rs) await ingest.ingest(r, { source: 'bench' })
  }
  await feed(warmup)
  const before = threadCpu()
  const t = performance.now()
  await feed(records)
  const perSec = rate(records.length, performance.now() - t)
  const cpu = perItem(before, threadCpu(), records.length)
  const accepted = ingest.stats().accepted
  await ingest.stop()
  await store.stop()
  await rm(dir, { recursive: true, force: true })
  if (accepted !== records.length + warmup.length) throw new Error(`only ${accepted} of ${records.length + warmup.length} accepted`)
  return { perSec, cpu }
}

/**
 * Version `seq` of an evolving document: each version rewords one claim of the one before
 * (claim (seq − 1) mod k), the others unchanged — a history, not one body re-signed.
 */
export function evolve (body: OosBody, seq: number): OosBody {
  const k = body.claims.length
  return {
    ...body,
    claims: body.claims.map((c, j) => {
      const touches = seq > j ? Math.floor((seq - 1 - j) / k) + 1 : 0
      return touches === 0 ? c : { ...c, rule: `${c.rule} (reworded ${touches} time${touches === 1 ? '' : 's'})` }
    })
  }
}

/** `n` versions of one chain of a new org, each `evolve`d from the one before. */
function chain (body: OosBody, n: number): Array<Decoded<VersionRecord>> {
  const kp = generateKeyPair()
  const org = publicKeyToDid(kp.publicKey)
  const out: Array<Decoded<VersionRecord>> = []
  let prev: CID | null = null
  const t0 = Date.now() - n * 1000
  for (let seq = 1; seq <= n; seq++) {
    const v = signVersion(evolve(body, seq), { org, seq, prev, createdAt: t0 + seq }, kp.secretKey)
    out.push(v)
    prev = v.cid
  }
  return out
}

export interface IngestBench {
  /** verification worker threads used for ingestPerSec */
  workers: number
  /** one record at a time, awaited, verified on the main thread (steady state) */
  inlinePerSec: number
  /** bulk, measured from the door's start: cold code and workers */
  coldPerSec: number
  /** versions of another org ingested, untimed, before the steady-state figures */
  warmupRecords: number
  /** CPU µs per record of each thread (by name) during the steady-state bulk run (Linux; else empty) */
  cpuUsPerRecord: Record<string, number>
  /** size of the first version (later ones are a few bytes longer) */
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

export async function benchIngest (options: { records?: number, workers?: number, warmup?: number } = {}): Promise<IngestBench> {
  const N = options.records ?? 3000
  const workers = options.workers ?? availableParallelism()
  const example = parseOosMarkdown(readFileSync(new URL('../tests/fixtures/example.oos.md', import.meta.url), 'utf8')).body
  const versions = chain(example, N)
  // 3,000: after 1,000 V8's optimizing compiler was still busy (per-thread CPU showed it)
  const W = options.warmup ?? Number(process.env.BENCH_WARMUP ?? 3000)
  const warm = chain(example, W).map(v => v.bytes)
  const pub = didToPublicKey(versions[0].signed.rec.org)
  const msgs = versions.map(v => signingBytes('oos/version', v.recBytes))
  // raw verification baselines over exactly the bytes ingest verifies
  let t = performance.now()
  for (let i = 0; i < N; i++) if (!verify(pub, msgs[i], versions[i].signed.sig)) throw new Error('verify failed')
  const verifyPerSec = rate(N, performance.now() - t)
  const nN = Math.min(N, 400)
  t = performance.now()
  for (let i = 0; i < nN; i++) if (!verifyNoble(pub, msgs[i], versions[i].signed.sig)) throw new Error('noble verify failed')
  const noblePerSec = rate(nN, performance.now() - t)
  // decode + verify only (no store), to show where the time goes
  const { decodeRecord } = await import('../src/records/codec.ts')
  t = performance.now()
  for (let i = 0; i < N; i++) decodeRecord(versions[i].bytes)
  const decodeVerifyPerSec = rate(N, performance.now() - t)
  // the whole door into a real LevelDB on disk: one record at a time on one thread, and
  // the bulk path (a catch-up sync) with the verification worker pool and group commit
  const bytes = versions.map(v => v.bytes)
  const coldPerSec = (await door(bytes, workers, true)).perSec
  const inlinePerSec = (await door(bytes, 0, false, warm)).perSec
  const { perSec: ingestPerSec, cpu: cpuUsPerRecord } = await door(bytes, workers, true, warm)
  return {
    workers,
    inlinePerSec,
    coldPerSec,
    warmupRecords: W,
    cpuUsPerRecord,
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
