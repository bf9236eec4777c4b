/**
 * What idle node processes cost the machine (issue 15, "100 nodes"): `node bench/net-idle.ts
 * [N=20] [seconds=30]` starts N nodes, each its own OS process (bench/cluster.ts, as the
 * network bench does), connects them as the network bench does (node i dials 3 random earlier
 * nodes), has every node follow node 1's org, lets it settle, then reads each process's CPU
 * time (`process.cpuUsage()`) over a quiet window in which nobody publishes. Prints one JSON
 * object: CPU per node process (% of one core: min / median / max), all of them together (cores),
 * RSS per process, and the 1-minute load average before and after (other work on the machine).
 */
import { loadavg } from 'node:os'
import { Cluster, now } from './cluster.ts'
import { sleep } from './propagation.ts'

const N = Number(process.argv[2] ?? 20)
const seconds = Number(process.argv[3] ?? 30)
const log = process.env.BENCH_VERBOSE === '1' ? (l: string) => { console.error(l) } : () => {}
const loadStart = loadavg()[0]
const t0 = now()
const c = await Cluster.start({ nodes: N, startGroup: 4, dialConcurrency: 4, log })
try {
  const to = Array.from({ length: N }, (_, i) => Array.from({ length: i }, (_, j) => j).sort(() => Math.random() - 0.5).slice(0, 3))
  const dialFailures = await c.connect(to)
  await c.rpc(0, 'publish')
  const org = c.info[0].org
  for (let i = 1; i < N; i += 8) {
    await Promise.all(c.info.slice(i, i + 8).map(async (_, k) => await c.rpc(i + k, 'follow', { org, via: [c.info[to[i + k][0]].addr] }).catch(() => undefined)))
  }
  const setupS = (now() - t0) / 1000
  await sleep(10_000) // the follows' syncs and the meshes settle
  const a = await c.usage()
  await sleep(seconds * 1000)
  const b = await c.usage()
  const pct = a.map((u, i) => 100 * (b[i].cpuUs - u.cpuUs) / 1000 / (b[i].t - u.t)).sort((x, y) => x - y)
  const v = await c.violations()
  console.log(JSON.stringify({
    nodes: N,
    windowS: seconds,
    setupS: Math.round(setupS),
    dialFailures,
    cpuPctPerProcess: { min: +pct[0].toFixed(2), median: +pct[Math.floor(pct.length / 2)].toFixed(2), max: +pct[pct.length - 1].toFixed(2) },
    coresAll: +(pct.reduce((s, x) => s + x, 0) / 100).toFixed(3),
    rssMbPerProcess: Math.round(b.reduce((s, u) => s + u.rss, 0) / b.length / 2 ** 20),
    violations: v.byCode,
    load: { start: +loadStart.toFixed(2), end: +loadavg()[0].toFixed(2) }
  }))
} finally {
  await c.stop()
}
