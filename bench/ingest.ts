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
import type { OosBody } from '../src/oos/types.ts'
import { Store } from '../src/store/store.ts'
import { Ingest } from '../src/ingest/ingest.ts'
import { emptyTransfer, Pipeline, tally } from '../src/net/reqresp/results.ts'
import { perItem, threadCpu } from './threads.ts'
import { CoreVerify } from './core-verify.ts'

/** One timed run through a door: its rate, and the CPU per record of each thread. */
export interface Run { perSec: number, cpu: Record<string, number> }

/**
 * A fresh door (new store, new workers). With `warmup`, other orgs' chains go through it
 * first, untimed: the steady state of a running node (JIT-compiled code, warm workers), as
 * opposed to the first seconds after start. Then each of `runs` (one chain each) is timed,
 * `beside` called just before and just after each (to measure its baseline right beside it).
 */
async function door (runs: Uint8Array[][], workers: number, bulk: boolean, warmup: Uint8Array[] = [], beside: (i: number) => Promise<void> = async () => {}): Promise<Run[]> {
  const dir = await mkdtemp(join(tmpdir(), 'oosnet-bench-'))
  const store = new Store({ path: join(dir, 'db') })
  await store.start()
  const ingest = new Ingest({ store }, { workers })
  await ingest.start()
  await ingest.pool?.warm() // workers start on demand; the rounds measure them running
  const tallied = emptyTransfer()
  const feed = async (rs: Uint8Array[]): Promise<void> => {
    if (!bulk) {
      for (const r of rs) tally(tallied, await ingest.ingest(r, { source: 'bench' }))
      return
    }
    // as a sync feeds the door (net/reqresp/sync.ts): a window of calls in flight, each outcome counted
    const pipeline = new Pipeline()
    for (const r of rs) await pipeline.add(ingest.ingest(r, { source: 'bench' }).then(x => { tally(tallied, x) }, e => { tally(tallied, e) }))
    await pipeline.drain()
  }
  await feed(warmup)
  const out: Run[] = []
  for (const [i, records] of runs.entries()) {
    await beside(i)
    const cpu0 = threadCpu()
    const t = performance.now()
    await feed(records)
    out.push({ perSec: rate(records.length, performance.now() - t), cpu: perItem(cpu0, threadCpu(), records.length) })
    await beside(i)
  }
  const accepted = tallied.accepted
  await ingest.stop()
  await store.stop()
  await rm(dir, { recursive: true, force: true })
  const total = warmup.length + runs.reduce((n, r) => n + r.length, 0)
  if (accepted !== total) throw new Error(`only ${accepted} of ${total} accepted`)
  return out
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

/** A signed version as the bench keeps it: its bytes, and what a raw verify of it takes. */
interface Signed { bytes: Uint8Array, msg: Uint8Array, sig: Uint8Array }

/**
 * `n` versions of one chain of a new org, each `evolve`d from the one before. Only bytes are
 * kept: the decoded bodies of thousands of versions would load this process's heap (and its
 * garbage collector) with what a node never holds, and skew the figures.
 */
export function chain (body: OosBody, n: number): { pub: Uint8Array, versions: Signed[] } {
  const kp = generateKeyPair()
  const org = publicKeyToDid(kp.publicKey)
  const versions: Signed[] = []
  let prev: CID | null = null
  const t0 = Date.now() - n * 1000
  for (let seq = 1; seq <= n; seq++) {
    const v = signVersion(evolve(body, seq), { org, seq, prev, createdAt: t0 + seq }, kp.secretKey)
    versions.push({ bytes: v.bytes, msg: signingBytes('oos/version', v.recBytes), sig: v.signed.sig })
    prev = v.cid
  }
  return { pub: kp.publicKey, versions }
}

export interface IngestBench {
  /** verification worker threads used for ingestPerSec */
  workers: number
  /** one record at a time, awaited, verified on the main thread (steady state) */
  inlinePerSec: number
  /** bulk, measured from the door's start: cold code and workers */
  coldPerSec: number
  /** versions of other orgs ingested, untimed, before the steady-state figures */
  warmupRecords: number
  /**
   * The steady-state bulk rounds: each a new org's chain through the same (warm) door, with
   * the raw verify rate over that chain's signed bytes measured just before and just after
   * (their mean). The ratio of each pair is taken side by side, so a slower spell of a shared
   * machine weighs on both of its figures.
   */
  rounds: Array<{ ingestPerSec: number, verifyPerSec: number, ratio: number, coreVerifyPerSec: number[], coreRatio: number, cpuUsPerRecord: Record<string, number> }>
  /** CPU µs per record of each thread (by name) in the median round (Linux; else empty) */
  cpuUsPerRecord: Record<string, number>
  /** size of the first version (later ones are a few bytes longer) */
  recordBytes: number
  claimsPerRecord: number
  /** versions per timed run */
  records: number
  /** median of the rounds' ingest rates */
  ingestPerSec: number
  /** median of the rounds' raw Node crypto.verify rates */
  verifyPerSec: number
  noblePerSec: number
  decodeVerifyPerSec: number
  /** median of the rounds' ratios ingest / raw verify (one thread) */
  ingestVsVerify: number
  /**
   * raw verify with every core the door uses busy at once (one thread each, beside each round
   * like the one-thread figure): the median round's rate of each thread
   */
  coreVerifyPerSec: number[]
  /** median of the rounds' ratios ingest / the mean of those per-core rates */
  ingestVsCoreVerify: number
  verifyVsNoble: number
}

function rate (n: number, ms: number): number { return Math.round(n / (ms / 1000)) }
const round2 = (x: number): number => Math.round(x * 100) / 100
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]

export async function benchIngest (options: { records?: number, workers?: number, warmup?: number, rounds?: number } = {}): Promise<IngestBench> {
  const N = options.records ?? 3000
  const workers = options.workers ?? Number(process.env.BENCH_WORKERS ?? availableParallelism())
  const R = Math.max(1, options.rounds ?? Number(process.env.BENCH_ROUNDS_INGEST ?? 3))
  const example = parseOosMarkdown(readFileSync(new URL('../tests/fixtures/example.oos.md', import.meta.url), 'utf8')).body
  const chains = Array.from({ length: R }, () => chain(example, N))
  const versions = chains[0].versions
  // 6,000 (of two orgs): after 3,000, V8 was still re-optimizing code (--trace-opt counted
  // over 100 compilations in the next 3,000 records, and the compiler threads' CPU per record fell by a third after)
  const W = options.warmup ?? Number(process.env.BENCH_WARMUP ?? 6000)
  const warm = [chain(example, Math.ceil(W / 2)), chain(example, Math.floor(W / 2))].flatMap(c => c.versions.map(v => v.bytes))
  // raw verification over exactly the bytes ingest verifies
  const rawVerify = (i: number): number => {
    const { pub, versions } = chains[i]
    const t = performance.now()
    for (const { msg, sig } of versions) if (!verify(pub, msg, sig)) throw new Error('verify failed')
    return rate(N, performance.now() - t)
  }
  rawVerify(0) // warm
  const nN = Math.min(N, 400)
  let t = performance.now()
  for (const { msg, sig } of versions.slice(0, nN)) if (!verifyNoble(chains[0].pub, msg, sig)) throw new Error('noble verify failed')
  const noblePerSec = rate(nN, performance.now() - t)
  // decode + verify only (no store), to show where the time goes
  const { decodeRecord } = await import('../src/records/codec.ts')
  t = performance.now()
  for (const v of versions) decodeRecord(v.bytes)
  const decodeVerifyPerSec = rate(N, performance.now() - t)
  // the whole door into a real LevelDB on disk: one record at a time on one thread, and
  // the bulk path (a catch-up sync) with the verification worker pool and group commit
  const bytes = chains.map(c => c.versions.map(v => v.bytes))
  const coldPerSec = (await door([bytes[0]], workers, true))[0].perSec
  const inlinePerSec = (await door([bytes[0]], 0, false, warm))[0].perSec
  // the raw rate of each round: the mean of one measurement just before it and one just after
  // (a shared machine's speed drifts over seconds; both sides of the pair see the same drift)
  const verifyRates: number[] = []
  const coreRates: number[][] = []
  const cores = await CoreVerify.start(workers, chains)
  const mean2 = (a: number | undefined, b: number): number => a === undefined ? b : Math.round((a + b) / 2)
  const runs = await door(bytes, workers, true, warm, async i => {
    verifyRates[i] = mean2(verifyRates[i], rawVerify(i))
    const r = await cores.rates(i)
    coreRates[i] = r.map((x, k) => mean2(coreRates[i]?.[k], x))
  })
  await cores.stop()
  const perCore = (rs: number[]): number => rs.reduce((a, b) => a + b, 0) / rs.length
  const rounds = runs.map((r, i) => ({
    ingestPerSec: r.perSec,
    verifyPerSec: verifyRates[i],
    ratio: round2(r.perSec / verifyRates[i]),
    coreVerifyPerSec: coreRates[i],
    coreRatio: round2(r.perSec / perCore(coreRates[i])),
    cpuUsPerRecord: r.cpu
  }))
  const ratio = median(rounds.map(r => r.ratio))
  const coreRatio = median(rounds.map(r => r.coreRatio))
  const verifyPerSec = median(verifyRates)
  return {
    workers,
    inlinePerSec,
    coldPerSec,
    warmupRecords: W,
    rounds,
    cpuUsPerRecord: runs[rounds.findIndex(r => r.ratio === ratio)].cpu,
    recordBytes: versions[0].bytes.length,
    claimsPerRecord: example.claims.length,
    records: N,
    ingestPerSec: median(runs.map(r => r.perSec)),
    verifyPerSec,
    noblePerSec,
    decodeVerifyPerSec,
    ingestVsVerify: ratio,
    coreVerifyPerSec: rounds.find(r => r.coreRatio === coreRatio)?.coreVerifyPerSec ?? [],
    ingestVsCoreVerify: coreRatio,
    verifyVsNoble: Math.round(verifyPerSec / noblePerSec * 10) / 10
  }
}
