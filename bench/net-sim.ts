/**
 * A network of M orgs (one node each, each its own OS process): every node follows F other
 * orgs (through the org's address, as `oos follow --via`), and every org publishes the next
 * version of its document once a simulated minute, at a random moment of the minute, for a
 * simulated hour. Time is compressed (`minuteMs` real ms per simulated minute; by default
 * 200 ms × orgs, one publish every 200 ms across the network, which two cores keep up with),
 * which would hide what a node spends per second whatever happens (gossipsub heartbeats, DHT,
 * pings); so that is measured on its own first, with nobody publishing:
 * - `settle`: the first `settleSeconds` after the follows, reported and not extrapolated: the
 *   follows' one-off work (the DHT provides of the orgs just followed, start-up code compiled);
 *   an earlier bench measured its quiet window here and multiplied this by 3,600 (a node's
 *   quiet rate 49–50 ms/s at 10 orgs; 5–11 ms/s once settled, bench/README.md);
 * - `quiet`: the next `quietSeconds`, the steady rate (by default a minute: every connection is
 *   pinged once a minute from each end, PING_INTERVAL_MS, so a shorter window would catch a
 *   round of pings or none);
 * - `periodic`: the DHT work a node's timers run less often than a window shows, each run on
 *   every node, `PERIODIC_BATCH` nodes at a time (nodes' timers are not in step; all 100 at
 *   once on two cores timed their walks out), and measured less the quiet rate over the pass
 *   (its second run; the first also opens connections): the
 *   advertiser's provide round (every ADVERTISER_DEFAULTS.provideIntervalMs, 10 min), kad-dht's
 *   query for its own id (as its timer runs it: stopped after 20 query events or 5 s;
 *   bench/net-node.ts `periodic`) and its routing-table refresh (a walk per common-prefix
 *   length); each every 5 min, kad-dht's constants.
 * The hour is reported as the quiet rate × 3,600 s + each periodic task × its runs per hour +
 * (work measured while publishing − the quiet rate × its duration) × 60 / minutes (`minutes` <
 * 60 simulates part of the hour and scales its publishing work up to the hour). CPU is the
 * process's (`process.cpuUsage()`), bytes are what its TCP sockets wrote (bench/net-node.ts).
 * The nodes run the anti-entropy round of `oos start` (every 30 s, in the quiet rate), which the
 * other figures of the bench leave out (bench/cluster.ts).
 */
import { ADVERTISER_DEFAULTS } from '../src/node/services/advertiser.ts'
import { ANTI_ENTROPY_MS } from '../src/node/replicator.ts'
import { Cluster, now } from './cluster.ts'
import { sleep, until } from './propagation.ts'
import type { NetOptions } from './net.ts'

const r1 = (x: number): number => Math.round(x * 10) / 10
const r2 = (x: number): number => Math.round(x * 100) / 100

export interface SimFigure {
  orgs: number
  /** orgs each node follows */
  follows: number
  /** follows that could not reach their org at first (retried by the node in the background) */
  followFailures: number
  minutes: number
  minuteMs: number
  /** versions published, and (follower, version) pairs expected / stored by the end */
  published: number
  expected: number
  delivered: number
  /**
   * at the end: follows with no connected peer on the org's topics (cut off from its gossip), and
   * follows with a retry pending (NETWORK.md §8.5: reached again with backoff)
   */
  cutOff: number
  retrying: number
  /** mean connected peers per node (libp2p's `getPeers()`) once the follows are made, and at the end of the hour */
  peers: { afterFollows: number, end: number }
  /** per node and real hour (quiet rate × 3,600 s + the publishing work scaled to 60 minutes): mean and max over nodes */
  cpuSecPerHour: { mean: number, max: number }
  mbSentPerHour: { mean: number, max: number }
  /** per node, in the first seconds after the follows (not extrapolated): CPU ms per s, KB sent per s */
  settle: { cpuMsPerSec: number, kbSentPerSec: number, seconds: number }
  /** per node, in the quiet window after that: CPU ms per s, KB sent per s */
  quiet: { cpuMsPerSec: number, kbSentPerSec: number }
  /** per node, one run of each periodic DHT task (PERIODIC_BATCH nodes at a time; its second run; less the quiet rate): CPU ms, KB sent, runs per hour, nodes whose run failed (timed out); CPU ms of its first run */
  periodic: Record<PeriodicTask, { cpuMs: number, kbSent: number, perHour: number, firstCpuMs: number, failed: number }>
  /** per node, over the compressed hour as run: CPU s, MB sent, seconds it took */
  compressed: { cpuSec: number, mbSent: number, seconds: number }
  /** against the previous size: what one more org adds to a node's hour */
  perExtraOrg?: { cpuSecPerHour: number, mbSentPerHour: number }
  violations: number
  violationsByCode: Record<string, number>
}

type Usage = Awaited<ReturnType<Cluster['usage']>>
type PeriodicTask = 'provide' | 'self' | 'refresh'
/**
 * runs per hour of each periodic task: the advertiser's round; kad-dht's QUERY_SELF_INTERVAL and
 * TABLE_REFRESH_INTERVAL (5 min each, in @libp2p/kad-dht's constants; the latter not settable)
 */
const PER_HOUR: Record<PeriodicTask, number> = { provide: 3_600_000 / ADVERTISER_DEFAULTS.provideIntervalMs, self: 12, refresh: 12 }
const TASKS = Object.keys(PER_HOUR) as PeriodicTask[]
/** nodes that run a periodic task at once */
const PERIODIC_BATCH = 10

export async function simOrgs (o: NetOptions, quietSeconds: number, settleSeconds = 20): Promise<SimFigure[]> {
  const out: SimFigure[] = []
  for (const M of o.simOrgs) {
    const f = await simOnce(M, o, quietSeconds, settleSeconds)
    const prev = out[out.length - 1]
    if (prev !== undefined) {
      f.perExtraOrg = {
        cpuSecPerHour: r2((f.cpuSecPerHour.mean - prev.cpuSecPerHour.mean) / (M - prev.orgs)),
        mbSentPerHour: r2((f.mbSentPerHour.mean - prev.mbSentPerHour.mean) / (M - prev.orgs))
      }
    }
    out.push(f)
  }
  return out
}

async function simOnce (M: number, o: NetOptions, quietSeconds: number, settleSeconds: number): Promise<SimFigure> {
  const F = Math.min(o.simFollows, M - 1)
  const minuteMs = o.simMinuteMs ?? 200 * M
  // the nodes run their anti-entropy round as `oos start` does: its cost is part of the hour, and
  // it is how a follower that missed a gossiped version (or lost its path to the org) catches up
  const c = await Cluster.start({ nodes: M, perProc: o.perProc, startGroup: o.startGroup, dialConcurrency: o.dialConcurrency, docs: o.docs, report: false, antiEntropyMs: ANTI_ENTROPY_MS, log: o.log })
  // per node of process q (a process may hold several); the mean over processes of b − a
  const per = (u: Usage, k: 'cpuUs' | 'bytesSent', q: number): number => u[q][k] / u[q].nodes
  const mean = (k: 'cpuUs' | 'bytesSent', a: Usage, b: Usage): number => a.reduce((s, _, q) => s + per(b, k, q) - per(a, k, q), 0) / a.length
  const stat = (xs: number[], scale: number): { mean: number, max: number } => ({ mean: r2(xs.reduce((s, x) => s + x, 0) / xs.length / scale), max: r2(Math.max(...xs) / scale) })
  try {
    // connected: node i dials 3 random earlier nodes; each org has published v1
    const to = c.info.map((_, i) => Array.from({ length: i }, (_, j) => j).sort(() => Math.random() - 0.5).slice(0, 3))
    await c.connect(to)
    await Promise.all(c.info.map(async (_, i) => await c.rpc(i, 'publish')))
    const followers: number[] = c.info.map(() => 0)
    const pairs: Array<[number, number]> = []
    c.info.forEach((_, i) => {
      for (const j of c.info.map((_, j) => j).filter(j => j !== i).sort(() => Math.random() - 0.5).slice(0, F)) { pairs.push([i, j]); followers[j]++ }
    })
    // a node's follows one after the other (concurrent follows on one node race in saving
    // follows.json: ENOENT on its rename), 8 nodes at a time
    // A follow that cannot reach the org now (a dial timed out on a loaded machine) is recorded
    // by the node and retried in the background, as `oos follow` does: counted, not fatal; what
    // it costs shows in `delivered`
    let followFailures = 0
    for (let k = 0; k < M; k += 8) {
      await Promise.all(c.info.slice(k, k + 8).map(async (_, d) => {
        for (const [, j] of pairs.filter(([i]) => i === k + d)) {
          await c.rpc(k + d, 'follow', { org: c.info[j].org, via: [c.info[j].addr] }).catch((err: Error) => {
            followFailures++
            o.log(`  sim M=${M}: node ${k + d + 1} follow: ${err.message.split('\n')[0]}`)
          })
        }
      }))
    }
    type Counts = Record<'stored' | 'cutOff' | 'retrying' | 'peers', number>
    const stats = async (): Promise<Counts[]> => await Promise.all(c.info.map(async (_, i) => await c.rpc(i, 'stats') as Counts))
    const sum = (xs: Counts[], k: keyof Counts): number => xs.reduce((s, x) => s + x[k], 0)
    const storedNow = async (): Promise<number> => sum(await stats(), 'stored')
    o.log(`  sim M=${M}: ${pairs.length} follows (${followFailures} failed at first, retried in the background); settling ${settleSeconds} s, quiet window ${quietSeconds} s`)
    const peersAfterFollows = sum(await stats(), 'peers') / M
    const s0 = await c.usage()
    await sleep(settleSeconds * 1000)
    const u0 = await c.usage()
    await sleep(quietSeconds * 1000)
    const u1 = await c.usage()
    // per node and ms in the quiet window, per process
    const quietRate = (k: 'cpuUs' | 'bytesSent', q: number): number => (per(u1, k, q) - per(u0, k, q)) / (u1[q].t - u0[q].t)
    // per node of each process from a to b, less its quiet rate over the span; and their mean
    const beyondQuiet = (k: 'cpuUs' | 'bytesSent', a: Usage, b: Usage): number[] => a.map((_, q) => per(b, k, q) - per(a, k, q) - quietRate(k, q) * (b[q].t - a[q].t))
    const avg = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length
    // each periodic task on every node, PERIODIC_BATCH at a time, twice: the first run of each
    // also opens the connections its walks need (kept after), a one-off like the settle,
    // reported as `firstCpuMs`; the second run is the task as its timer runs it, and counts for
    // the hour; each less the quiet rate over its pass
    const periodic = {} as SimFigure['periodic']
    const periodicCost = {} as Record<PeriodicTask, Record<'cpuUs' | 'bytesSent', number[]>>
    let p0 = u1
    for (const task of TASKS) {
      const runs: Usage[] = [p0]
      let failed = 0
      for (let k = 0; k < 2; k++) {
        const results: Array<{ failed: boolean }> = []
        for (let b = 0; b < M; b += PERIODIC_BATCH) {
          results.push(...await Promise.all(c.info.slice(b, b + PERIODIC_BATCH).map(async (_, d) => await c.rpc(b + d, 'periodic', { task }) as { failed: boolean })))
        }
        if (k === 1) failed = results.filter(r => r.failed).length
        runs.push(await c.usage())
      }
      const cost = periodicCost[task] = { cpuUs: beyondQuiet('cpuUs', runs[1], runs[2]), bytesSent: beyondQuiet('bytesSent', runs[1], runs[2]) }
      periodic[task] = { cpuMs: r1(avg(cost.cpuUs) / 1e3), kbSent: r1(avg(cost.bytesSent) / 1e3), perHour: PER_HOUR[task], firstCpuMs: r1(avg(beyondQuiet('cpuUs', runs[0], runs[1])) / 1e3), failed }
      p0 = runs[2]
    }
    const p = p0
    const before = await storedNow()
    // the hour: every org once a minute at a random moment of it
    const plan: Array<[number, number]> = []
    for (let m = 0; m < o.simMinutes; m++) for (let i = 0; i < M; i++) plan.push([(m + Math.random()) * minuteMs, i])
    plan.sort((a, b) => a[0] - b[0])
    const t0 = now()
    const publishes: Array<Promise<unknown>> = []
    for (const [at, i] of plan) {
      const wait = at - (now() - t0)
      if (wait > 0) await sleep(wait)
      publishes.push(c.rpc(i, 'publish'))
    }
    await Promise.all(publishes)
    const expected = followers.reduce((s, n) => s + n, 0) * o.simMinutes
    let delivered = 0
    await until(async () => (delivered = await storedNow() - before) >= expected, 30_000, 500)
    const u2 = await c.usage()
    const end = await stats()
    const seconds = (u2[0].t - p[0].t) / 1000
    const quietSec = (u1[0].t - u0[0].t) / 1000
    const nodesHour = (k: 'cpuUs' | 'bytesSent'): number[] => u0.map((_, q) => {
      const rate = quietRate(k, q) * 1000 // per s
      // the periodic tasks as measured in this process (per node), each at its runs per hour
      let periodicHour = 0
      for (const task of TASKS) periodicHour += periodicCost[task][k][q] * PER_HOUR[task]
      return (per(u2, k, q) - per(p, k, q) - rate * seconds) * 60 / o.simMinutes + rate * 3600 + periodicHour
    })
    const v = await c.violations()
    o.log(`  sim M=${M}: ${delivered}/${expected} delivered in ${r1(seconds)} s; at the end ${sum(end, 'cutOff')} follows cut off, ${sum(end, 'retrying')} retrying; connected peers per node ${r1(peersAfterFollows)} after the follows, ${r1(sum(end, 'peers') / M)} at the end`)
    return {
      orgs: M,
      follows: F,
      followFailures,
      minutes: o.simMinutes,
      minuteMs,
      published: plan.length,
      expected,
      delivered,
      cutOff: sum(end, 'cutOff'),
      retrying: sum(end, 'retrying'),
      peers: { afterFollows: r1(peersAfterFollows), end: r1(sum(end, 'peers') / M) },
      cpuSecPerHour: stat(nodesHour('cpuUs'), 1e6),
      mbSentPerHour: stat(nodesHour('bytesSent'), 1e6),
      settle: { cpuMsPerSec: r2(mean('cpuUs', s0, u0) / 1e3 / settleSeconds), kbSentPerSec: r2(mean('bytesSent', s0, u0) / 1e3 / settleSeconds), seconds: settleSeconds },
      quiet: { cpuMsPerSec: r2(mean('cpuUs', u0, u1) / 1e3 / quietSec), kbSentPerSec: r2(mean('bytesSent', u0, u1) / 1e3 / quietSec) },
      periodic,
      compressed: { cpuSec: r2(mean('cpuUs', p, u2) / 1e6), mbSent: r2(mean('bytesSent', p, u2) / 1e6), seconds: r1(seconds) },
      violations: v.total,
      violationsByCode: v.byCode
    }
  } finally {
    await c.stop()
  }
}
