/**
 * The network bench's JSON (issue 15: `npm run bench -- --json --only=net`), on tiny runs:
 * 3 node processes and 2 rounds; a 20-version catch-up and the idle node read at 0.5 s and 1 s
 * (a low key-derivation cost for its home); a 2-org simulation of one minute. Only the shape
 * and that every figure was measured (finite, counts whole) are checked: no timing is asserted.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'
import { distIsFresh } from '../../bin/dist.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

async function bench (env: Record<string, string>): Promise<any> {
  return await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--max-semi-space-size=32', '--single-threaded-gc', 'bench/run.ts', '--json', '--only=net'], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => { out += d.toString() })
    child.stderr.on('data', (d: Buffer) => { err += d.toString() })
    child.on('close', (code) => {
      if (code !== 0) { reject(new Error(`bench exited ${String(code)}: ${err}`)); return }
      try { resolve(JSON.parse(out)) } catch (e) { reject(new Error(`not one JSON object: ${out}`, { cause: e })) }
    })
  })
}

const finite = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x)
const count = (x: unknown): boolean => Number.isInteger(x) && (x as number) >= 0

const NONE = { BENCH_NET_NODES: '', BENCH_NET_VERSIONS: '', BENCH_NET_IDLE_S: '', BENCH_NET_SIM_ORGS: '' }
const KEYS = ['clock', 'code', 'machine', 'propagation', 'catchup', 'idle', 'startReadyMs', 'keyDerivationMs', 'startSplit', 'honestViolations', 'honestViolationsByCode', 'sim']

it('npm run bench -- --json --only=net prints one JSON object with every figure of issue 15', async () => {
  // three tiny runs at once (each part alone, the others turned off): propagation; catch-up and the idle node; the org network
  const [a, b, c] = await Promise.all([
    bench({ ...NONE, BENCH_NET_NODES: '3', BENCH_NET_ROUNDS: '2', BENCH_NET_SETTLE_MAX_S: '1' }),
    bench({ ...NONE, BENCH_NET_VERSIONS: '20', BENCH_NET_IDLE_S: '0.5,1', BENCH_NET_SCRYPT_N: '1024', BENCH_NET_QUIET_MAX_S: '1' }),
    bench({ ...NONE, BENCH_NET_SIM_ORGS: '2', BENCH_NET_SIM_MINUTES: '1', BENCH_NET_SIM_MINUTE_MS: '200', BENCH_NET_SIM_QUIET_S: '0.5' })
  ])
  for (const x of [a, b, c]) {
    expect(Object.keys(x).sort()).toEqual([...KEYS].sort())
    // the node processes run what `oos start` would run here: dist/ while it is a fresh build
    expect(x.code).toBe(distIsFresh(ROOT) ? 'dist' : 'src')
    expect(count(x.honestViolations)).toBe(true)
    expect(x.honestViolations).toBe([...x.propagation, ...x.catchup, ...x.sim].reduce((s: number, y: any) => s + y.violations, 0))
  }
  expect(a.propagation).toHaveLength(1)
  const p = a.propagation[0]
  expect(p).toMatchObject({ nodes: 3, nodesPerProcess: 1, rounds: 2 })
  expect(p.error).toBeUndefined()
  expect(p.sizeBytes).toBeGreaterThan(10_000) // the 10.8 KB example document
  for (const k of ['p50Ms', 'p99Ms', 'rawP50Ms', 'rawP99Ms', 'ratioP50', 'ratioP99', 'publishP50Ms', 'cpuMsPerRound', 'rawCpuMsPerRound', 'settleS', 'clockSkewMs']) expect(finite(p[k]), k).toBe(true)
  expect(count(p.settleCapped)).toBe(true)
  expect(p.p99Ms).toBeGreaterThanOrEqual(p.p50Ms)
  // null when every follower had the inline copy before the announcement (ignored unread then)
  expect(p.announceP50Ms === null ? p.announcedFirst === 0 : finite(p.announceP50Ms) && p.announcedFirst > 0, 'announceP50Ms').toBe(true)
  for (const k of ['lost', 'rawLost', 'announcedFirst', 'violations', 'syncs', 'dialFailures', 'followFailures', 'strayErrors']) expect(count(p[k]), k).toBe(true)
  for (const k of ['cut', 'stalled', 'forgiven']) expect(count(p.notCharged[k]), k).toBe(true)
  expect(a.idle).toBeNull()

  expect(b.catchup).toHaveLength(1)
  expect(b.catchup[0]).toMatchObject({ versions: 20 })
  for (const k of ['seconds', 'perSec', 'doorPerSec', 'ratio']) expect(finite(b.catchup[0][k]) && b.catchup[0][k] > 0, k).toBe(true)
  // it waited (at most the 1 s allowed here) for a quiet machine, and says how quiet it was
  expect(b.catchup[0].waitedS).toBeGreaterThanOrEqual(1)
  expect(b.catchup[0].idleShare >= 0 && b.catchup[0].idleShare <= 1).toBe(true)
  expect(finite(b.idle.rssMb10s) && b.idle.rssMb10s > 10).toBe(true)
  expect(finite(b.idle.rssMb60s) && b.idle.rssMb60s > 10).toBe(true)
  expect(b.idle.seconds).toEqual([0.5, 1])
  expect(finite(b.startReadyMs) && b.startReadyMs > 0).toBe(true)
  expect(finite(b.keyDerivationMs)).toBe(true)
  // the node's own split of its start-up (`start --json`'s startup), keys derived at once
  expect(b.startSplit).toMatch(/\bkeys \d+ ms\b.*\bapi \d+ ms\b/)

  expect(c.sim).toHaveLength(1)
  expect(c.sim[0]).toMatchObject({ orgs: 2, follows: 1, followFailures: 0, minutes: 1, published: 2, expected: 2 })
  for (const k of ['delivered', 'cutOff', 'retrying']) expect(count(c.sim[0][k]), k).toBe(true)
  // two nodes, one following the other: connected to each other after the follow
  expect(c.sim[0].peers.afterFollows).toBeGreaterThanOrEqual(1)
  expect(finite(c.sim[0].peers.end)).toBe(true)
  for (const k of ['cpuSecPerHour', 'mbSentPerHour']) expect(finite(c.sim[0][k].mean) && c.sim[0][k].max >= c.sim[0][k].mean, k).toBe(true)
  // each periodic DHT task ran on every node (the self query as kad-dht's timer runs it) and none failed
  for (const k of ['provide', 'self', 'refresh']) expect(c.sim[0].periodic[k].failed, k).toBe(0)
}, 120_000)
