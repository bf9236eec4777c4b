/**
 * The network bench (issue 15, "a network bench that tells the truth"): every node a separate
 * OS process (bench/cluster.ts, bench/net-node.ts), times from one machine-wide monotonic
 * clock (`process.hrtime.bigint()`, CLOCK_MONOTONIC; checked against the parent's across the
 * IPC round trip, `clockSkewMs`), and every figure beside a baseline measured in the same run:
 *
 * - propagation: node 1 publishes a version; per follower, publish start (node 1's clock) →
 *   the version committed to its store (its own clock). Baseline: raw gossipsub — node 1
 *   publishes a message of the version's byte size on a topic every node subscribes to (no
 *   validator), over the same graph and processes, interleaved round by round. `lost`:
 *   followers without the round's version (or raw message) within the round timeout.
 * - catch-up: A (its own process) signs a chain and puts it through its ingest door in bulk,
 *   timed: the door's rate (`doorPerSec`). B (another process) follows A: follow → B holds all.
 * - idle: `oos init` + `oos start` as real processes (default settings and key derivation);
 *   spawn → the API's address printed (`startReadyMs`), RSS at 10 s and 60 s after.
 * - sim: M orgs, each node follows F others; every org publishes once a simulated minute for
 *   a simulated hour (compressed); CPU and bytes sent per node (see `simOrgs`).
 * - honestViolations: violations charged by the nodes (Violations.stats().byCode), all honest.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { spawn } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { availableParallelism, loadavg } from 'node:os'
import { defaultWorkers } from '../src/ingest/threads.ts'
import { fileURLToPath } from 'node:url'
import { topicOf } from '../src/net/gossip.ts'
import { Cluster, NODE_CODE, RAW_TOPIC, now, type ChildEvent } from './cluster.ts'
import { percentile, sleep, until, type DocSet } from './propagation.ts'
import { simOrgs, type SimFigure } from './net-sim.ts'
import { V8_FLAGS, launchEnv } from '../bin/launch.js'

const BIN = fileURLToPath(new URL('../bin/oos.js', import.meta.url))
const ROOT = fileURLToPath(new URL('../', import.meta.url))
const r1 = (x: number): number => Math.round(x * 10) / 10
const r2 = (x: number): number => Math.round(x * 100) / 100
/** the CPU share idle that counts as a quiet machine between propagation rounds (the nodes' heartbeats and timers run on) */
const QUIET_SHARE = 0.75

export interface NetOptions {
  sizes: number[]
  rounds: number
  perProc: number
  versions: number[]
  /** empty: no idle run */
  idleSeconds: [number, number] | []
  simOrgs: number[]
  simFollows: number
  simMinutes: number
  /** real ms per simulated minute (default 200 × orgs) */
  simMinuteMs?: number
  /** the idle home's key-derivation cost (default: `oos init`'s) */
  scryptN?: number
  /** s of the sim's quiet window (nobody publishing) */
  simQuietSeconds: number
  /** s after the sim's follows before its quiet window (measured as `settle`, not extrapolated) */
  simSettleSeconds?: number
  docs: DocSet
  roundTimeoutMs: number
  /** processes started at once, nodes dialling at once (bench/cluster.ts) */
  startGroup: number
  dialConcurrency: number
  /** most s a catch-up waits for the machine to be quiet first (default 30; 0: none) */
  quietMaxS?: number
  /** most s each propagation publish waits for the machine to be quiet first (default 5; 0: none) */
  settleMaxS?: number
  log: (line: string) => void
}

export interface PropagationNet {
  nodes: number
  nodesPerProcess: number
  sizeBytes: number
  rounds: number
  p50Ms: number
  p99Ms: number
  rawP50Ms: number
  rawP99Ms: number
  ratioP50: number
  ratioP99: number
  /** followers × rounds without the version / the raw message in time */
  lost: number
  rawLost: number
  /**
   * publish start → a follower's first gossip message delivered on the org's topic in the
   * round (the announcement), ms; null when no follower took one: an announcement that comes
   * after the inline copy is at the head held, ignored unread (NETWORK.md §2.1)
   */
  announceP50Ms: number | null
  announceP99Ms: number | null
  /** follower-rounds in which the announcement was delivered (it came before the inline copy) */
  announcedFirst: number
  /** node 1's publish() call (sign, local ingest, commit), ms */
  publishP50Ms: number
  /**
   * CPU all node processes spent per measured round (ms), while the message travelled: from the
   * publish until the last follower stored the version (oosnet), and from the raw publish until
   * the last raw delivery (raw). What a round leaves to do after that (the announcement's flood,
   * gossip) is not in it; the nodes' idle work (heartbeats, timers) is in both, in proportion
   * to each window's length (oosnet's is the longer). (Until the twelfth session both ran until
   * 100 ms after the last delivery.)
   */
  cpuMsPerRound: number
  rawCpuMsPerRound: number
  /** mean wait for a quiet machine (`QUIET_SHARE` of the CPU idle over 250 ms, at most `settleMaxS`) before each publish, s */
  settleS: number
  /** waits that ended at `settleMaxS` with the machine still busier than that */
  settleCapped: number
  violations: number
  violationsByCode: Record<string, number>
  /** early ends and timeouts the nodes did not charge, by rule (NETWORK-reqresp.md §7): cut, stalled, forgiven */
  notCharged: { cut: number, stalled: number, forgiven: number }
  syncs: number
  syncFailures: number
  dialFailures: number
  /** followers whose follow (through their parent in the BFS tree) fetched nothing */
  followFailures: number
  /** unhandled rejections in the node processes (logged and survived, as `oos start` does) */
  strayErrors: number
  publisherConnections: number
  setupMs: number
  clockSkewMs: number
  /** mean RSS of a node process at the end, MB */
  rssMbPerProcess: number
  /** why this size produced no figures (the figures are then null) */
  error?: string
}

function failed (nodes: number, o: NetOptions, err: Error): PropagationNet {
  o.log(`  net N=${nodes} failed: ${err.stack ?? err.message}`)
  const none = null as unknown as number
  return { nodes, nodesPerProcess: o.perProc, sizeBytes: none, rounds: o.rounds, p50Ms: none, p99Ms: none, rawP50Ms: none, rawP99Ms: none, ratioP50: none, ratioP99: none, lost: none, rawLost: none, announceP50Ms: none, announceP99Ms: none, announcedFirst: none, publishP50Ms: none, cpuMsPerRound: none, rawCpuMsPerRound: none, settleS: none, settleCapped: none, violations: 0, violationsByCode: {}, notCharged: { cut: none, stalled: none, forgiven: none }, syncs: none, syncFailures: none, dialFailures: none, followFailures: none, strayErrors: none, publisherConnections: none, setupMs: none, clockSkewMs: none, rssMbPerProcess: none, error: err.message.split('\n').slice(0, 3).join(' ') }
}

export interface CatchupNet {
  versions: number
  /** follow start → B holds every version (B's clock), s; versions per s */
  seconds: number
  perSec: number
  /** A's ingest door, bulk (ingestMany), cold, into an empty store: versions per s */
  doorPerSec: number
  /** perSec / doorPerSec */
  ratio: number
  mb: number
  /** verify worker threads of A and B (`oos start`'s default) */
  workers: number
  violations: number
  violationsByCode: Record<string, number>
  /** s waited before it for the machine to be quiet (quietMachine), and the share of its CPU idle then */
  waitedS: number
  idleShare: number
}

/** the machine's idle and total CPU time so far (/proc/stat's first line, in clock ticks) */
async function cpuTicks (): Promise<{ idle: number, total: number }> {
  const f = (await readFile('/proc/stat', 'utf8')).split('\n')[0].trim().split(/\s+/).slice(1).map(Number)
  return { idle: f[3] + (f[4] ?? 0), total: f.reduce((a, b) => a + b, 0) }
}

/**
 * Wait until the machine's CPU is at least `share` idle over `windowMs` (at most `maxS`): the
 * processes of the size before have exited, but the kernel is still reclaiming what they held
 * (a catch-up of 1,000 right after 50 nodes took 0.80 s, its door 0.66 s; alone 0.46–0.50 and
 * 0.37); or the nodes are still busy with the round before. Returns the seconds waited and the
 * idle share of the last window.
 */
async function quietMachine (share = 0.85, maxS = 30, windowMs = 1000): Promise<{ waitedS: number, idleShare: number }> {
  const t0 = now()
  if (maxS <= 0) return { waitedS: 0, idleShare: NaN }
  for (;;) {
    const a = await cpuTicks()
    await sleep(windowMs)
    const b = await cpuTicks()
    const idleShare = r2((b.idle - a.idle) / Math.max(1, b.total - a.total))
    if (idleShare >= share || now() - t0 >= maxS * 1000) return { waitedS: r2((now() - t0) / 1000), idleShare }
  }
}

export interface NetBench {
  clock: string
  /** the code the node processes ran: dist/ while it is a fresh build of src/, as `oos start` (cluster.ts NODE_CODE) */
  code: 'dist' | 'src'
  /** the machine: cores, and its 1-minute load average when the bench started and ended (other work on it shows here) */
  machine: { cores: number, loadStart: number, loadEnd: number }
  propagation: PropagationNet[]
  catchup: CatchupNet[]
  /** null when not run (BENCH_NET_IDLE_S empty) */
  idle: { rssMb10s: number, rssMb60s: number, seconds: [number, number] } | null
  startReadyMs: number | null
  keyDerivationMs: number | null
  startSplit: string
  honestViolations: number
  honestViolationsByCode: Record<string, number>
  sim: SimFigure[]
}

export async function benchNet (o: NetOptions): Promise<NetBench> {
  const loadStart = r2(loadavg()[0])
  // the idle node first, while nothing else runs: its start time is the machine's, not the load's
  const idle = o.idleSeconds.length === 2 ? await benchIdle(o) : { idle: null, startReadyMs: null, keyDerivationMs: null, startSplit: 'not run (BENCH_NET_IDLE_S empty)' }
  const propagation: PropagationNet[] = []
  // a size that fails (a node process dies, the publisher's publish fails) is reported as such; the others still run
  for (const n of o.sizes) propagation.push(await propagationNet(n, o).catch((err: Error) => failed(n, o, err)))
  const catchup: CatchupNet[] = []
  for (const v of o.versions) catchup.push(await catchupNet(v, o))
  const sim = o.simOrgs.length === 0 ? [] : await simOrgs(o, o.simQuietSeconds, o.simSettleSeconds)
  const runs = [...propagation, ...catchup, ...sim]
  const honestViolations = runs.reduce((s, x) => s + x.violations, 0)
  const honestViolationsByCode: Record<string, number> = {}
  for (const x of runs) for (const [k, v] of Object.entries(x.violationsByCode)) honestViolationsByCode[k] = (honestViolationsByCode[k] ?? 0) + v
  return {
    clock: 'process.hrtime.bigint() (CLOCK_MONOTONIC, one clock for all processes of this machine)',
    code: NODE_CODE,
    machine: { cores: availableParallelism(), loadStart, loadEnd: r2(loadavg()[0]) },
    propagation,
    catchup,
    ...idle,
    honestViolations,
    honestViolationsByCode,
    sim
  }
}

async function propagationNet (N: number, o: NetOptions): Promise<PropagationNet> {
  if (N < 2) throw new RangeError('propagation needs at least 2 nodes')
  const stored = new Map<number, Map<number, number>>() // seq → node → time
  const raw = new Map<number, Map<number, number>>() // raw id → node → time
  const announced = new Map<number, number>() // node → its first gossip message on an org topic this round
  let org = ''
  const onEvent = (e: ChildEvent): void => {
    if (e.ev === 'stored' && e.org === org) stored.get(e.seq as number)?.set(e.node, e.t)
    if (e.ev === 'raw') raw.get(e.id as number)?.set(e.node, e.t)
    if (e.ev === 'gossip' && !announced.has(e.node)) announced.set(e.node, e.t)
  }
  const t0 = now()
  const c = await Cluster.start({ nodes: N, perProc: o.perProc, startGroup: o.startGroup, dialConcurrency: o.dialConcurrency, docs: o.docs, onEvent, log: o.log })
  try {
    org = c.info[0].org
    // a random connected graph: node i dials 3 random distinct earlier nodes (mean degree ≈ 5–6)
    const adj: Array<Set<number>> = c.info.map(() => new Set())
    for (let i = 1; i < N; i++) {
      for (const j of Array.from({ length: i }, (_, j) => j).sort(() => Math.random() - 0.5).slice(0, 3)) { adj[i].add(j); adj[j].add(i) }
    }
    const dialFailures = await c.connect(adj.map((s, i) => [...s].filter(j => j < i)))
    o.log(`  net N=${N}: ${c.size} nodes up, connected (${dialFailures} dials failed) in ${Math.round(now() - t0)} ms`)
    // node 1 has a chain; the others follow it level by level of a BFS tree, each through its parent
    let seq = (await c.rpc(0, 'publish')).seq as number
    let followFailures = 0
    const seen = new Set([0])
    let level = [0]
    while (level.length > 0) {
      const next: Array<[number, number]> = []
      for (const i of level) for (const j of adj[i]) if (!seen.has(j)) { seen.add(j); next.push([j, i]) }
      for (let k = 0; k < next.length; k += 8) {
        await Promise.all(next.slice(k, k + 8).map(async ([j, p]) => {
          // a follow that fails is counted, not fatal: the node still subscribed to the org's topic
          const r = await c.rpc(j, 'follow', { org, via: [c.info[p].addr] }).catch((err: Error) => { o.log(`  net N=${N}: node ${j + 1} follow: ${err.message.split('\n')[0]}`); return { seq: 0 } })
          if (r.seq < 1) followFailures++
        }))
      }
      level = next.map(([j]) => j)
    }
    const topics = [topicOf(org), RAW_TOPIC]
    const formed = await until(async () => (await Promise.all(c.info.map(async (_, i) => await c.rpc(i, 'mesh', { topics })))).every(Boolean), 60_000, 250)
    if (!formed) o.log(`  net N=${N}: the mesh did not fully form in 60 s; measuring anyway`)
    await sleep(1500) // two heartbeats: meshes grafted on both sides
    const setupMs = now() - t0
    o.log(`  net N=${N}: set up in ${Math.round(setupMs)} ms`)

    const oos: number[] = []
    const rawTimes: number[] = []
    const ann: number[] = []
    const publishMs: number[] = []
    const settleS: number[] = []
    let settleCapped = 0
    const cpuUs = async (): Promise<number> => (await c.usage()).reduce((x, u) => x + u.cpuUs, 0)
    let cpu = 0
    let rawCpu = 0
    let lost = 0
    let rawLost = 0
    let sizeBytes = 0
    // each publish, oosnet's and raw's, starts on a machine as quiet as the nodes' heartbeats
    // leave it: the work a round leaves behind (the org-topic announcement's flood, gossip,
    // writes) does not slow the next. (Until the twelfth session a fixed 100 ms, which could
    // give raw's round oosnet's leftover work: bench/README.md, "Twelfth session".)
    const settle = async (): Promise<void> => {
      const q = await quietMachine(QUIET_SHARE, o.settleMaxS ?? 5, 250)
      settleS.push(q.waitedS)
      if (q.idleShare < QUIET_SHARE) settleCapped++
    }
    await settle()
    for (let r = 0; r < 1 + o.rounds; r++) {
      const measured = r > 0 // one warm-up round
      const arrivals = new Map<number, number>()
      stored.set(++seq, arrivals)
      announced.clear()
      const c0 = await cpuUs()
      const p = await c.rpc(0, 'publish')
      if (p.seq !== seq) throw new Error(`published seq ${String(p.seq)}, expected ${seq}`)
      await until(() => arrivals.size === N - 1, o.roundTimeoutMs)
      const c1 = await cpuUs()
      stored.delete(seq)
      sizeBytes = Math.max(sizeBytes, p.bytes)
      await settle()
      const got = new Map<number, number>()
      raw.set(r, got)
      const c2 = await cpuUs()
      const q = await c.rpc(0, 'rawPublish', { rawId: r, size: p.bytes })
      await until(() => got.size === N - 1, o.roundTimeoutMs)
      const c3 = await cpuUs()
      raw.delete(r)
      await settle()
      if (measured) {
        cpu += c1 - c0
        rawCpu += c3 - c2
        for (const t of arrivals.values()) oos.push(t - p.t0)
        for (const t of announced.values()) ann.push(t - p.t0)
        publishMs.push(p.publishMs)
        for (const t of got.values()) rawTimes.push(t - q.t0)
        lost += N - 1 - arrivals.size
        rawLost += N - 1 - got.size
      }
      const last = (m: Map<number, number>, from: number): string => m.size === 0 ? '-' : `${r1(Math.max(...m.values()) - from)} ms`
      o.log(`  net N=${N} round ${r}${measured ? '' : ' (warm-up)'}: oosnet ${arrivals.size}/${N - 1}, last ${last(arrivals, p.t0)}; raw ${got.size}/${N - 1}, last ${last(got, q.t0)}`)
    }
    const stats = await Promise.all(c.info.map(async (_, i) => await c.rpc(i, 'stats')))
    const usage = await c.usage()
    const v = await c.violations()
    for (const xs of [oos, rawTimes, ann, publishMs]) xs.sort((a, b) => a - b)
    const [p50, p99, rawP50, rawP99] = [percentile(oos, 0.5), percentile(oos, 0.99), percentile(rawTimes, 0.5), percentile(rawTimes, 0.99)]
    return {
      nodes: N,
      nodesPerProcess: o.perProc,
      sizeBytes,
      rounds: o.rounds,
      p50Ms: r1(p50),
      p99Ms: r1(p99),
      rawP50Ms: r1(rawP50),
      rawP99Ms: r1(rawP99),
      ratioP50: r2(p50 / rawP50),
      ratioP99: r2(p99 / rawP99),
      lost,
      rawLost,
      announceP50Ms: ann.length === 0 ? null : r1(percentile(ann, 0.5)),
      announceP99Ms: ann.length === 0 ? null : r1(percentile(ann, 0.99)),
      announcedFirst: ann.length,
      publishP50Ms: r1(percentile(publishMs, 0.5)),
      cpuMsPerRound: r1(cpu / 1000 / o.rounds),
      settleCapped,
      settleS: r2(settleS.reduce((a, b) => a + b, 0) / Math.max(1, settleS.length)),
      rawCpuMsPerRound: r1(rawCpu / 1000 / o.rounds),
      violations: v.total,
      violationsByCode: v.byCode,
      notCharged: stats.reduce((s, x) => ({ cut: s.cut + x.notCharged.cut, stalled: s.stalled + x.notCharged.stalled, forgiven: s.forgiven + x.notCharged.forgiven }), { cut: 0, stalled: 0, forgiven: 0 }),
      syncs: stats.reduce((s, x) => s + (x.syncs as number), 0),
      syncFailures: stats.reduce((s, x) => s + (x.syncFailures as number), 0),
      dialFailures,
      followFailures,
      strayErrors: stats.reduce((s, x) => s + (x.strayErrors as number), 0),
      publisherConnections: stats[0].peers,
      setupMs: Math.round(setupMs),
      clockSkewMs: r2(await c.clockCheck()),
      rssMbPerProcess: Math.round(usage.reduce((s, u) => s + u.rss, 0) / usage.length / 2 ** 20)
    }
  } finally {
    await c.stop()
  }
}

async function catchupNet (versions: number, o: NetOptions): Promise<CatchupNet> {
  const quiet = await quietMachine(0.85, o.quietMaxS ?? 30)
  o.log(`  catchup ${versions}: waited ${quiet.waitedS} s for a quiet machine (idle ${quiet.idleShare})`)
  const workers = defaultWorkers() // `oos start`'s default
  const c = await Cluster.start({ nodes: 2, startGroup: o.startGroup, docs: o.docs, workers, report: false, log: o.log })
  try {
    const door = await c.rpc(0, 'chain', { n: versions })
    await c.connect([[], [0]])
    await sleep(500) // identify: B knows A's protocols
    const b = await c.rpc(1, 'follow', { org: c.info[0].org, via: [c.info[0].addr], until: versions, timeoutMs: 300_000 })
    const v = await c.violations()
    o.log(`  catchup ${versions}: door ${Math.round(door.ms)} ms, follow ${Math.round(b.ms)} ms`)
    return {
      versions,
      seconds: r2(b.ms / 1000),
      perSec: Math.round(versions / (b.ms / 1000)),
      doorPerSec: Math.round(versions / (door.ms / 1000)),
      ratio: r2(door.ms / b.ms),
      mb: r1(door.bytes / 1e6),
      workers,
      violations: v.total,
      violationsByCode: v.byCode,
      ...quiet
    }
  } finally {
    await c.stop()
  }
}

const rssMb = async (pid: number): Promise<number> => {
  const m = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))
  return m === null ? NaN : r1(Number(m[1]) / 1024)
}

/** `oos init` (default key derivation) and `oos start` as real processes, with the V8 flags of bin/oos.js */
async function benchIdle (o: NetOptions): Promise<Pick<NetBench, 'idle' | 'startReadyMs' | 'keyDerivationMs' | 'startSplit'>> {
  const dir = await mkdtemp(join(tmpdir(), 'oosnet-idle-'))
  const home = join(dir, 'home')
  const pass = 'bench idle passphrase'
  const env = { ...launchEnv(), OOS_PASSPHRASE: pass, DEBUG: undefined, OOS_SCRYPT_N: o.scryptN === undefined ? undefined : String(o.scryptN), NODE_COMPILE_CACHE: undefined }
  const run = (args: string[]) => spawn(process.execPath, [...V8_FLAGS, BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  try {
    const init = run(['init', '--home', home, '--name', 'idle'])
    if (await new Promise(resolve => init.once('exit', resolve)) !== 0) throw new Error('oos init failed')
    const t0 = now()
    const node = run(['start', '--json', '--home', home, '--listen', '/ip4/127.0.0.1/tcp/0'])
    let err = ''
    node.stderr.on('data', (d: Buffer) => { err += d.toString() })
    const exited = new Promise(resolve => node.once('exit', resolve))
    try {
      // `start --json` prints its info once the API listens, with the split of its start-up
      const info = await new Promise<{ startup?: Record<string, number> }>((resolve, reject) => {
        let out = ''
        node.stdout.on('data', (d: Buffer) => { out += d.toString(); try { resolve(JSON.parse(out)) } catch {} })
        void exited.then(() => { reject(new Error(`oos start exited: ${err}`)) })
      })
      const startReadyMs = Math.round(now() - t0)
      const split = info.startup ?? {}
      // the node's own figure: both keys derived at once (scrypt on two threads)
      const keyDerivationMs = split.keysMs ?? null
      o.log(`  idle: oos start → API ready ${startReadyMs} ms (keys ${keyDerivationMs} ms); sampling RSS`)
      const [a, b] = o.idleSeconds as [number, number]
      await sleep(a * 1000 - (now() - t0 - startReadyMs))
      const rss10 = await rssMb(node.pid as number)
      await sleep((b - a) * 1000)
      const rss60 = await rssMb(node.pid as number)
      return {
        idle: { rssMb10s: rss10, rssMb60s: rss60, seconds: [a, b] },
        startReadyMs,
        keyDerivationMs,
        startSplit: Object.entries(split).map(([k, v]) => `${k.replace(/Ms$/, '')} ${v} ms`).join(', ') || 'not reported by the node'
      }
    } finally {
      node.kill('SIGTERM')
      await exited
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
