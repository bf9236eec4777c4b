/**
 * `npm run bench` — prints figures as ratios against baselines measured in the same run.
 * `npm run bench -- --json` prints one JSON object.
 * `npm run bench -- --net` adds the network figures (propagation, catch-up);
 * `--only=ingest|propagation|catchup|net` runs one of them. Settings of the in-process propagation and
 * catch-up (all nodes in this process): BENCH_NODES=10,30,50, BENCH_ROUNDS=10, BENCH_VERSIONS=1000,
 * BENCH_DOCS=examples|fixture, BENCH_VERBOSE=1 (progress on stderr).
 * `--only=net` (bench/net.ts: every node its own OS process, raw gossipsub beside it; issue 15):
 *   BENCH_NET_NODES=10,30,50,100     propagation network sizes (this and the other lists: '' for none)
 *   BENCH_NET_ROUNDS=10              measured rounds per size (after one warm-up round)
 *   BENCH_NET_PER_PROC=1             nodes per OS process (1: the headline; more: an extra mode)
 *   BENCH_NET_TIMEOUT_MS=20000       per round and kind; a follower without it by then is `lost`
 *   BENCH_NET_START_GROUP=4          node processes started at once (each loads libp2p: about a second of CPU)
 *   BENCH_NET_DIAL_CONCURRENCY=4     nodes dialling their graph edges at once (each dial: 15 s timeout, 2 retries)
 *   BENCH_NET_VERSIONS=1000,10000    catch-up chain lengths
 *   BENCH_NET_QUIET_MAX_S=30         most s a catch-up first waits for the CPU to be 85 % idle (0: no wait)
 *   BENCH_NET_SETTLE_MAX_S=5         most s each propagation publish first waits for the CPU to be 75 % idle (0: no wait)
 *   BENCH_NET_IDLE_S=10,60           when the idle node's RSS is read, s after its API is ready ('': no idle run)
 *   BENCH_NET_SCRYPT_N               the idle home's key-derivation cost (default: `oos init`'s; the shape test lowers it)
 *   BENCH_NET_SIM_ORGS=10,100        org-network sizes ('' or 0: no simulation)
 *   BENCH_NET_SIM_FOLLOWS=5          orgs each node follows
 *   BENCH_NET_SIM_MINUTES=6          simulated minutes (each org publishes once a minute); the publishing work is
 *                                    scaled up to the hour (60: the whole hour, 20 minutes of real time at 100 orgs)
 *   BENCH_NET_SIM_MINUTE_MS          real ms per simulated minute (default 200 × orgs: a publish every 200 ms)
 *   BENCH_NET_SIM_QUIET_S=60         s of the quiet window (nobody publishes) that measures a node's idle cost
 *                                    (default: one interval of the connection monitor's pings, PING_INTERVAL_MS)
 *   BENCH_NET_CPU_PROF=DIR           a V8 CPU profile of every node process, written to DIR (lab use)
 *   (documents: BENCH_DOCS, default here 'fixture', the 10.8 KB example; progress: BENCH_VERBOSE=1)
 *   Catch-up alone (two node processes, a minute or two):
 *     BENCH_NET_NODES= BENCH_NET_IDLE_S= BENCH_NET_SIM_ORGS= npm run bench -- --json --only=net
 * Ingest settings: BENCH_RECORDS=3000 (per timed run), BENCH_WARMUP=6000 (untimed, before the steady-state
 * runs), BENCH_ROUNDS_INGEST=3 (steady-state rounds, each paired with its own raw verify baseline),
 * BENCH_WORKERS (verify threads; default one per core: the door's most; `oos start` runs the cores less one).
 */
import { benchIngest, type IngestBench } from './ingest.ts'
import { benchPropagation, type DocSet, type PropagationFigure } from './propagation.ts'
import { benchCatchup, type CatchupBench } from './catchup.ts'
import { benchNet, type NetBench } from './net.ts'
import { PING_INTERVAL_MS } from '../src/net/libp2p.ts'

const json = process.argv.includes('--json')
const onlyArg = process.argv.find(a => a.startsWith('--only='))?.slice('--only='.length)
if (onlyArg !== undefined && !['ingest', 'propagation', 'catchup', 'net'].includes(onlyArg)) {
  console.error(`--only=${onlyArg}: expected ingest, propagation, catchup or net`)
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
const list = (name: string, dflt: string): number[] => (process.env[name] ?? dflt).split(',').filter(x => x.trim() !== '').map(Number).filter(x => x > 0)
const netBench: NetBench | undefined = onlyArg === 'net'
  ? await benchNet({
    sizes: list('BENCH_NET_NODES', '10,30,50,100'),
    rounds: Number(process.env.BENCH_NET_ROUNDS ?? 10),
    perProc: Number(process.env.BENCH_NET_PER_PROC ?? 1),
    roundTimeoutMs: Number(process.env.BENCH_NET_TIMEOUT_MS ?? 20_000),
    startGroup: Number(process.env.BENCH_NET_START_GROUP ?? 4),
    dialConcurrency: Number(process.env.BENCH_NET_DIAL_CONCURRENCY ?? 4),
    versions: list('BENCH_NET_VERSIONS', '1000,10000'),
    idleSeconds: list('BENCH_NET_IDLE_S', '10,60') as [number, number] | [],
    simOrgs: list('BENCH_NET_SIM_ORGS', '10,100'),
    simFollows: Number(process.env.BENCH_NET_SIM_FOLLOWS ?? 5),
    simMinutes: Number(process.env.BENCH_NET_SIM_MINUTES ?? 6),
    simMinuteMs: process.env.BENCH_NET_SIM_MINUTE_MS !== undefined ? Number(process.env.BENCH_NET_SIM_MINUTE_MS) : undefined,
    simQuietSeconds: Number(process.env.BENCH_NET_SIM_QUIET_S ?? PING_INTERVAL_MS / 1000),
    simSettleSeconds: Number(process.env.BENCH_NET_SIM_SETTLE_S ?? 20),
    quietMaxS: Number(process.env.BENCH_NET_QUIET_MAX_S ?? 30),
    settleMaxS: Number(process.env.BENCH_NET_SETTLE_MAX_S ?? 5),
    scryptN: process.env.BENCH_NET_SCRYPT_N !== undefined ? Number(process.env.BENCH_NET_SCRYPT_N) : undefined,
    docs: (process.env.BENCH_DOCS ?? 'fixture') as DocSet,
    log: verbose ?? (() => {})
  })
  : undefined
if (json && netBench !== undefined) {
  console.log(JSON.stringify(netBench, null, 2))
} else if (netBench !== undefined) {
  printNet(netBench)
} else if (json) {
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


function printNet (b: NetBench): void {
  const c = (x: number | string, w: number): string => String(x).padStart(w)
  console.log(`network: every node its own OS process on 127.0.0.1; times on ${b.clock}`)
  console.log('propagation: publish on node 1 → version stored by each follower; raw: gossipsub message of the same size, same graph, same processes, same run')
  console.log('  nodes    bytes   p50 ms   p99 ms   raw p50   raw p99   ratio p50   p99   lost  raw lost  violations  skew ms')
  for (const p of b.propagation.filter(p => p.error !== undefined)) console.log(`  ${p.nodes} nodes: failed: ${String(p.error)}`)
  for (const p of b.propagation.filter(p => p.error === undefined)) console.log(`  ${c(p.nodes, 5)} ${c(p.sizeBytes, 8)} ${c(p.p50Ms, 8)} ${c(p.p99Ms, 8)} ${c(p.rawP50Ms, 9)} ${c(p.rawP99Ms, 9)} ${c(p.ratioP50, 11)} ${c(p.ratioP99, 5)} ${c(p.lost, 6)} ${c(p.rawLost, 9)} ${c(p.violations, 11)} ${c(p.clockSkewMs, 8)}`)
  for (const x of b.catchup) console.log(`catch-up of ${x.versions} versions (${x.mb} MB): ${x.seconds} s, ${x.perSec}/s; the door in bulk, same run: ${x.doorPerSec}/s; ratio ${x.ratio}`)
  if (b.idle !== null) console.log(`idle default node (oos start): RSS ${b.idle.rssMb10s} MB at ${b.idle.seconds[0]} s, ${b.idle.rssMb60s} MB at ${b.idle.seconds[1]} s; start → API ready ${b.startReadyMs} ms (the two key unlocks alone: ${b.keyDerivationMs} ms; split: ${b.startSplit})`)
  for (const s of b.sim) console.log(`sim ${s.orgs} orgs × ${s.follows} follows, ${s.minutes} min (${s.minuteMs} ms each): per node and hour CPU ${s.cpuSecPerHour.mean} s (max ${s.cpuSecPerHour.max}), sent ${s.mbSentPerHour.mean} MB (max ${s.mbSentPerHour.max}); delivered ${s.delivered}/${s.expected}${s.perExtraOrg !== undefined ? `; one more org: +${s.perExtraOrg.cpuSecPerHour} CPU s, +${s.perExtraOrg.mbSentPerHour} MB per node-hour` : ''}`)
  console.log(`violations charged among honest nodes: ${b.honestViolations}`)
}
