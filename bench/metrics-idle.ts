/**
 * What Prometheus metrics cost an idle node (issue 17): `oos start` with its metrics (the
 * default) and with `--no-metrics`, alternately, each idling for 10 s and then measured over
 * `--window` seconds (default 30): the CPU the process used (utime + stime from /proc/<pid>/stat,
 * as a share of one core), its RSS at the end (VmRSS), and the time one `GET /metrics` takes.
 *
 *   node bench/metrics-idle.ts [--runs=2] [--window=30] [--json]
 */
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { V8_FLAGS, launchEnv } from '../bin/launch.js'

const arg = (name: string): string | undefined => process.argv.find(a => a.startsWith(`--${name}=`))?.slice(name.length + 3)
const RUNS = Number(arg('runs') ?? 2)
const WINDOW_S = Number(arg('window') ?? 30)
const BIN = fileURLToPath(new URL('../bin/oos.js', import.meta.url))
const env = { ...launchEnv(), OOS_PASSPHRASE: 'metrics bench', OOS_SCRYPT_N: '1024', DEBUG: '' }
const TICK = 100 // clock ticks per second (getconf CLK_TCK on Linux)

async function cpuSeconds (pid: number): Promise<number> {
  // fields after the command's ")" : utime is the 12th, stime the 13th
  const f = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ')
  return (Number(f[11]) + Number(f[12])) / TICK
}
const rssMb = async (pid: number): Promise<number> => Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024

async function run (metrics: boolean): Promise<{ cpuPct: number, rssMb: number, scrapeMs?: number, scrapeBytes?: number }> {
  const home = await mkdtemp(join(tmpdir(), 'oos-metrics-idle-'))
  try {
    await new Promise<void>((resolve, reject) => {
      spawn(process.execPath, [BIN, 'init', '--name', 'Bench', '--home', home], { env, stdio: 'ignore' }).on('close', c => { if (c === 0) resolve(); else reject(new Error('init failed')) })
    })
    const child = spawn(process.execPath, [...V8_FLAGS, BIN, 'start', '--home', home, '--listen', '/ip4/127.0.0.1/tcp/0', ...(metrics ? [] : ['--no-metrics'])], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    const exited = new Promise<void>(resolve => child.on('close', () => { resolve() }))
    try {
      let out = ''
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => { out += d.toString(); if (/\bapi\s+http/.test(out)) resolve() })
        void exited.then(() => { reject(new Error('oos start exited')) })
      })
      const pid = child.pid as number
      await sleep(10_000)
      const c0 = await cpuSeconds(pid)
      await sleep(WINDOW_S * 1000)
      const cpuPct = (await cpuSeconds(pid) - c0) / WINDOW_S * 100
      const rss = await rssMb(pid)
      if (!metrics) return { cpuPct, rssMb: rss }
      const api = JSON.parse(await readFile(join(home, 'api.json'), 'utf8')) as { url: string, token: string }
      const headers = { authorization: `Bearer ${api.token}` }
      await (await fetch(`${api.url}/v1/status`, { headers })).text() // this process's fetch loads undici on first use: not the node's time
      const t = performance.now()
      const text = await (await fetch(`${api.url}/metrics`, { headers })).text()
      return { cpuPct, rssMb: rss, scrapeMs: performance.now() - t, scrapeBytes: text.length }
    } finally {
      child.kill('SIGTERM')
      await exited
    }
  } finally {
    await rm(home, { recursive: true, force: true })
  }
}

const results: Record<'metrics' | 'none', Array<Awaited<ReturnType<typeof run>>>> = { metrics: [], none: [] }
for (let i = 0; i < RUNS; i++) {
  for (const m of [true, false]) {
    const r = await run(m)
    results[m ? 'metrics' : 'none'].push(r)
    if (!process.argv.includes('--json')) console.log(`run ${i + 1} ${m ? 'with metrics' : '--no-metrics '}: CPU ${r.cpuPct.toFixed(2)}% of a core, RSS ${r.rssMb.toFixed(1)} MB${r.scrapeMs !== undefined ? `, a scrape ${r.scrapeMs.toFixed(1)} ms (${r.scrapeBytes} bytes)` : ''}`)
  }
}
if (process.argv.includes('--json')) console.log(JSON.stringify(results))
