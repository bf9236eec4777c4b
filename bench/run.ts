/**
 * `npm run bench` — prints figures as ratios against baselines measured in the same run.
 * `npm run bench -- --json` prints one JSON object.
 * `npm run bench -- --net` adds the network figures (propagation, catch-up);
 * `--only=ingest|propagation|catchup` runs one of them. Network settings: BENCH_NODES=10,30,50,
 * BENCH_ROUNDS=10, BENCH_VERSIONS=1000, BENCH_DOCS=examples|fixture, BENCH_VERBOSE=1 (progress on stderr).
 * Ingest settings: BENCH_RECORDS=3000 (per timed run), BENCH_WARMUP=6000 (untimed, before the steady-state
 * runs), BENCH_ROUNDS_INGEST=3 (steady-state rounds, each paired with its own raw verify baseline),
 * BENCH_WORKERS (verify threads; default one per core, as `oos start` on a machine of up to 4 cores).
 */
import { benchIngest, type IngestBench } from './ingest.ts'
import { benchPropagation, type DocSet, type PropagationFigure } from './propagation.ts'
import { benchCatchup, type CatchupBench } from './catchup.ts'

const json = process.argv.includes('--json')
const onlyArg = process.argv.find(a => a.startsWith('--only='))?.slice('--only='.length)
if (onlyArg !== undefined && !['ingest', 'propagation', 'catchup'].includes(onlyArg)) {
  console.error(`--only=${onlyArg}: expected ingest, propagation or catchup`)
  process.exit(2)
}
const net = process.argv.includes('--net')
const run = (name: string): boolean => onlyArg !== undefined ? onlyArg === name : name === 'ingest' || net
const docs = (process.env.BENCH_DOCS ?? 'examples') as DocSet
const verbose = process.env.BENCH_VERBOSE === '1' ? (line: string) => { console.error(line) } : undefined
const records = Number(process.env.BENCH_RECORDS ?? 3000)
const ingest: IngestBench | undefined = run('ingest') ? await benchIngest({ records }) : undefined
const propagation: PropagationFigure[] | undefined = run('propagation')
  ? await benchPropagation({ sizes: (process.env.BENCH_NODES ?? '10,30,50').split(',').map(Number), rounds: Number(process.env.BENCH_ROUNDS ?? 10), docs, log: verbose })
  : undefined
const catchup: CatchupBench | undefined = run('catchup')
  ? await benchCatchup({ versions: Number(process.env.BENCH_VERSIONS ?? 1000), docs, log: verbose })
  : undefined
if (json) {
  console.log(JSON.stringify({ ...ingest, ...(propagation !== undefined ? { propagation } : {}), ...(catchup !== undefined ? { catchup } : {}) }, null, 2))
} else if (ingest !== undefined) {
  console.log(`ingest: a chain of ${ingest.records} signed versions of the published example document (${ingest.recordBytes} bytes, ${ingest.claimsPerRecord} claims), each rewording one claim of the one before`)
  console.log(`  whole ingest door, bulk (${ingest.workers} verify workers, group commit), steady state ${ingest.ingestPerSec}/s  (median of ${ingest.rounds.length} rounds)`)
  console.log(`  the same, cold: timed from the door's start                            ${ingest.coldPerSec}/s`)
  console.log(`  whole ingest door, one record at a time on the main thread             ${ingest.inlinePerSec}/s`)
  console.log(`  (steady state: after ${ingest.warmupRecords} versions of two other orgs through the same door, untimed)`)
  console.log(`  rounds, each a new org's chain / raw verify over its bytes just before and after: ${ingest.rounds.map(r => `${r.ingestPerSec}/${r.verifyPerSec} = ${r.ratio}`).join(', ')}`)
  console.log(`  the same rounds / raw verify on all ${ingest.workers} cores at once, per core: ${ingest.rounds.map(r => `${r.ingestPerSec}/(${r.coreVerifyPerSec.join(' + ')})×${r.coreVerifyPerSec.length}⁻¹ = ${r.coreRatio}`).join(', ')}`)
  const cpu = Object.entries(ingest.cpuUsPerRecord).sort((a, b) => b[1] - a[1])
  if (cpu.length > 0) console.log(`  CPU per record, median round: ${cpu.map(([k, v]) => `${k} ${v} µs`).join(', ')} (raw verify: ${Math.round(1e6 / ingest.verifyPerSec)} µs)`)
  console.log(`  decode + schema + verify, no store                                       ${ingest.decodeVerifyPerSec}/s`)
  console.log(`  raw Node crypto.verify (OpenSSL) over the same bytes (median)            ${ingest.verifyPerSec}/s`)
  console.log(`  raw @noble/ed25519 verify over the same bytes                            ${ingest.noblePerSec}/s`)
  console.log(`  raw crypto.verify, every core busy at once (one thread each, median round) ${ingest.coreVerifyPerSec.map(x => `${x}/s`).join(', ')}`)
  console.log(`  ingest (bulk) / raw verify = ${ingest.ingestVsVerify} (median of the rounds' ratios)   cold = ${Math.round(ingest.coldPerSec / ingest.verifyPerSec * 100) / 100}   ingest (one at a time) / raw verify = ${Math.round(ingest.inlinePerSec / ingest.verifyPerSec * 100) / 100}   crypto.verify / noble = ${ingest.verifyVsNoble}`)
  console.log(`  ingest (bulk) / raw verify per core (all cores at once) = ${ingest.ingestVsCoreVerify} (median of the rounds' ratios)`)
}
if (!json && propagation !== undefined) {
  const p0 = propagation[0]
  console.log(`propagation: publish on node 1 → version stored by every follower (real nodes in one process on 127.0.0.1; ${p0?.rounds ?? 0} rounds; versions of ≤ ${Math.max(...propagation.map(p => p.recordBytes))} bytes)`)
  console.log('  baseline: raw gossipsub message of the same size on the same node graph, publish → every node\'s message event')
  console.log('  nodes  degree   oosnet p50     p99   raw p50     p99   ratio p50    p99   (announcement p50, missed)')
  for (const p of propagation) {
    const c = (x: number, w: number): string => String(x).padStart(w)
    console.log(`  ${c(p.nodes, 5)}  ${c(p.degree, 6)}  ${c(p.p50, 8)} ms ${c(p.p99, 7)}  ${c(p.rawP50, 6)} ms ${c(p.rawP99, 7)}  ${c(p.ratioP50, 10)} ${c(p.ratioP99, 6)}   (${p.announceP50} ms, ${p.missed + p.rawMissed})`)
  }
}
if (!json && catchup !== undefined) {
  console.log(`catchup: B follows A and syncs ${catchup.versions} versions (${(catchup.bytes / 1e6).toFixed(1)} MB, ${catchup.recordBytes} bytes each) through its ingest door`)
  console.log(`  follow → all stored                    ${catchup.ms} ms (${catchup.versionsPerSec}/s, ${catchup.syncRequests} sync requests)`)
  console.log(`  raw libp2p stream of the same bytes     ${catchup.rawMs} ms (${catchup.rawVersionsPerSec}/s)`)
  console.log(`  catch-up / raw transfer = ${catchup.ratio}`)
}
if (!json && !net && onlyArg === undefined) console.log('(network figures — propagation over 10/30/50 nodes, catch-up of 1,000 versions: npm run bench -- --net)')

