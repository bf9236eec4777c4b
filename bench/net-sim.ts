/**
 * A network of M orgs (one node each, each its own OS process): every node follows F other
 * orgs (through the org's address, as `oos follow --via`), and every org publishes the next
 * version of its document once a simulated minute, at a random moment of the minute, for a
 * simulated hour. Time is compressed (`minuteMs` real ms per simulated minute; by default
 * 200 ms × orgs, one publish every 200 ms across the network, which two cores keep up with),
 * which would hide what a node spends per second whatever happens (gossipsub heartbeats, DHT,
 * pings); so that is measured on its own first, in a quiet window with nobody publishing, and
 * the hour is reported as (work measured while publishing − the quiet rate × its duration)
 * × 60 / minutes + the quiet rate × 3,600 s (`minutes` < 60 simulates part of the hour and
 * scales its publishing work up to the hour). CPU is the process's (`process.cpuUsage()`), bytes are what its
 * TCP sockets wrote (bench/net-node.ts).
 */
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
  /** per node and real hour (quiet rate × 3,600 s + the publishing work scaled to 60 minutes): mean and max over nodes */
  cpuSecPerHour: { mean: number, max: number }
  mbSentPerHour: { mean: number, max: number }
  /** per node, in the quiet window: CPU ms per s, KB sent per s */
  quiet: { cpuMsPerSec: number, kbSentPerSec: number }
  /** per node, over the compressed hour as run: CPU s, MB sent, seconds it took */
  compressed: { cpuSec: number, mbSent: number, seconds: number }
  /** against the previous size: what one more org adds to a node's hour */
  perExtraOrg?: { cpuSecPerHour: number, mbSentPerHour: number }
  violations: number
  violationsByCode: Record<string, number>
}

type Usage = Awaited<ReturnType<Cluster['usage']>>

export async function simOrgs (o: NetOptions, quietSeconds = 10): Promise<SimFigure[]> {
  const out: SimFigure[] = []
  for (const M of o.simOrgs) {
    const f = await simOnce(M, o, quietSeconds)
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

async function simOnce (M: number, o: NetOptions, quietSeconds: number): Promise<SimFigure> {
  const F = Math.min(o.simFollows, M - 1)
  const minuteMs = o.simMinuteMs ?? 200 * M
  const c = await Cluster.start({ nodes: M, perProc: o.perProc, startGroup: o.startGroup, dialConcurrency: o.dialConcurrency, docs: o.docs, report: false, log: o.log })
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
    const storedNow = async (): Promise<number> => (await Promise.all(c.info.map(async (_, i) => await c.rpc(i, 'stats')))).reduce((s, x) => s + (x.stored as number), 0)
    await sleep(2000) // meshes of the new topics graft
    o.log(`  sim M=${M}: ${pairs.length} follows (${followFailures} failed at first, retried in the background); quiet window ${quietSeconds} s`)
    const u0 = await c.usage()
    await sleep(quietSeconds * 1000)
    const u1 = await c.usage()
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
    const seconds = (u2[0].t - u1[0].t) / 1000
    const quietSec = (u1[0].t - u0[0].t) / 1000
    const per = (u: Usage, k: 'cpuUs' | 'bytesSent', p: number): number => u[p][k] / u[p].nodes
    const nodesHour = (k: 'cpuUs' | 'bytesSent'): number[] => u0.map((_, p) => {
      const quietRate = (per(u1, k, p) - per(u0, k, p)) / quietSec
      return (per(u2, k, p) - per(u1, k, p) - quietRate * seconds) * 60 / o.simMinutes + quietRate * 3600
    })
    const stat = (xs: number[], scale: number): { mean: number, max: number } => ({ mean: r2(xs.reduce((s, x) => s + x, 0) / xs.length / scale), max: r2(Math.max(...xs) / scale) })
    const mean = (k: 'cpuUs' | 'bytesSent', a: Usage, b: Usage): number => u0.reduce((s, _, p) => s + per(b, k, p) - per(a, k, p), 0) / u0.length
    const v = await c.violations()
    o.log(`  sim M=${M}: ${delivered}/${expected} delivered in ${r1(seconds)} s`)
    return {
      orgs: M,
      follows: F,
      followFailures,
      minutes: o.simMinutes,
      minuteMs,
      published: plan.length,
      expected,
      delivered,
      cpuSecPerHour: stat(nodesHour('cpuUs'), 1e6),
      mbSentPerHour: stat(nodesHour('bytesSent'), 1e6),
      quiet: { cpuMsPerSec: r2(mean('cpuUs', u0, u1) / 1e3 / quietSec), kbSentPerSec: r2(mean('bytesSent', u0, u1) / 1e3 / quietSec) },
      compressed: { cpuSec: r2(mean('cpuUs', u1, u2) / 1e6), mbSent: r2(mean('bytesSent', u1, u2) / 1e6), seconds: r1(seconds) },
      violations: v.total,
      violationsByCode: v.byCode
    }
  } finally {
    await c.stop()
  }
}
