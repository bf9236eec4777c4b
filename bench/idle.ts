/**
 * A lean idle node (issue 15): the resident memory of a real `oos start` process after 10 s
 * and 60 s of idling, and the split of its start → API ready. Each run creates a home with the
 * default key cost (scrypt 2^17), starts `oos start` as `npm run oos` / the re-exec in bin/oos.js
 * would (Node 24, the same V8 flags), with the default options except a loopback listen
 * address on a free port (the default 0.0.0.0:4710 could be taken by another node on this
 * machine). RSS is read from /proc/<pid>/status (VmRSS) of the node's own process, so it is
 * what the kernel charges, not what the node says; the node's own `status` (rss, heap,
 * workers) is printed beside it.
 *
 *   node bench/idle.ts [--runs=3] [--tree=DIR] [--quick] [--json]
 *
 * --tree: measure another checkout (e.g. main, for before/after), with this machine's Node 24.
 * --quick: 10 s only (no 60 s figure). Runs are sequential; min/median/max of each figure.
 * bin/oos.js runs the tree's dist/ when it is a fresh build (`npm run build`), else src/: the
 * output says which.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { performance } from 'node:perf_hooks'
import { distIsFresh } from '../bin/dist.js'
import { setTimeout as sleep } from 'node:timers/promises'
import { V8_FLAGS, launchEnv } from '../bin/launch.js'

const arg = (name: string): string | undefined => process.argv.find(a => a.startsWith(`--${name}=`))?.slice(name.length + 3)
const flag = (name: string): boolean => process.argv.includes(`--${name}`)
const RUNS = Number(arg('runs') ?? 3)
const TREE = resolve(arg('tree') ?? fileURLToPath(new URL('..', import.meta.url)))
const QUICK = flag('quick')
const BIN = join(TREE, 'bin', 'oos.js')
const PASS = 'idle bench passphrase'
const env = { ...launchEnv(), OOS_PASSPHRASE: PASS, DEBUG: '' }

interface Run { readyMs: number, rssMb10s: number, rssMb60s?: number, privateMb60s?: number, fileMb60s?: number, rssMbAfterCall: number, split?: string, status?: unknown }

async function rssMb (pid: number): Promise<number> {
  const s = await readFile(`/proc/${pid}/status`, 'utf8')
  const kb = Number(/VmRSS:\s+(\d+)/.exec(s)?.[1])
  return kb / 1024
}

/**
 * Of the RSS, what is the process's own (private, dirty: heap, stacks, native allocations) and
 * what is file-backed (mostly the node executable's code, shared with every Node process and
 * evictable), from /proc/<pid>/smaps_rollup.
 */
async function split (pid: number): Promise<{ privateMb: number, fileMb: number }> {
  const s = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8')
  const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? 0)
  return { privateMb: (kb('Private_Dirty') + kb('Private_Clean')) / 1024, fileMb: (kb('Rss') - kb('Anonymous')) / 1024 }
}

async function oos (args: string[]): Promise<string> {
  return await new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [...V8_FLAGS, BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    c.stdout.on('data', (d: Buffer) => { out += d.toString() })
    c.stderr.on('data', (d: Buffer) => { err += d.toString() })
    c.on('error', reject)
    c.on('close', (code) => { if (code === 0) resolve(out); else reject(new Error(`oos ${args[0]} exited ${String(code)}: ${err}`)) })
  })
}

async function once (): Promise<Run> {
  const home = await mkdtemp(join(tmpdir(), 'oos-idle-'))
  try {
    await oos(['init', '--name', 'Idle Bench', '--home', home])
    const t0 = performance.now()
    const child = spawn(process.execPath, [...V8_FLAGS, BIN, 'start', '--home', home, '--listen', '/ip4/127.0.0.1/tcp/0'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stderr.on('data', (d: Buffer) => { err += d.toString() })
    const exited = new Promise<void>(resolve => child.on('close', () => { resolve() }))
    try {
      // ready: the start command printed its banner, after the API listens and api.json is written
      const readyMs = await new Promise<number>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => { out += d.toString(); if (/\bapi\s+http/.test(out)) resolve(performance.now() - t0) })
        void exited.then(() => { reject(new Error(`oos start exited: ${err}`)) })
      })
      const startSplit = /started in .*/.exec(out)?.[0]
      const pid = child.pid as number
      await sleep(Math.max(0, 10_000 - readyMs))
      const rssMb10s = await rssMb(pid)
      let rssMb60s: number | undefined
      let parts: { privateMb?: number, fileMb?: number } = {}
      if (!QUICK) { await sleep(50_000); rssMb60s = await rssMb(pid); parts = await split(pid) }
      // the node's own status after the samples, not between them: the first API call loads Ajv
      // and compiles the answer's schema (~2.5 MB), and an idle node is one nobody asks
      // (bench/net.ts samples the same way); its cost is the last figure, 5 s after the call
      const status = JSON.parse(await oos(['status', '--json', '--home', home]))
      await sleep(5_000)
      const rssMbAfterCall = await rssMb(pid)
      return { readyMs, rssMb10s, rssMb60s, privateMb60s: parts.privateMb, fileMb60s: parts.fileMb, rssMbAfterCall, split: startSplit, status: { rssMb: Math.round(status.memory?.rss / 2 ** 20), heapMb: Math.round(status.memory?.heapTotal / 2 ** 20), workers: status.workers } }
    } finally {
      child.kill('SIGTERM')
      await exited
    }
  } finally {
    await rm(home, { recursive: true, force: true })
  }
}

const stats = (xs: number[]): string => {
  const s = [...xs].sort((a, b) => a - b)
  return `min ${s[0].toFixed(1)} / median ${s[Math.floor(s.length / 2)].toFixed(1)} / max ${s[s.length - 1].toFixed(1)}`
}

// what bin/oos.js runs there: dist/ while a build of src/ as it is (npm run build), else src/
const CODE = distIsFresh(TREE) ? 'running dist/ (JavaScript built ahead of time)' : 'running src/ (no fresh dist/: npm run build first to measure the built code)'
if (!flag('json')) console.log(CODE)
const runs: Run[] = []
for (let i = 0; i < RUNS; i++) {
  const r = await once()
  runs.push(r)
  if (!flag('json')) console.log(`run ${i + 1}: ready ${r.readyMs.toFixed(0)} ms, RSS ${r.rssMb10s.toFixed(1)} MB at 10 s${r.rssMb60s !== undefined ? `, ${r.rssMb60s.toFixed(1)} MB at 60 s (private ${r.privateMb60s?.toFixed(1)}, file-backed ${r.fileMb60s?.toFixed(1)})` : ''}; ${r.rssMbAfterCall.toFixed(1)} MB 5 s after an API call${r.split !== undefined ? `; ${r.split}` : ''}; status ${JSON.stringify(r.status)}`)
}
if (flag('json')) {
  console.log(JSON.stringify({ tree: TREE, dist: distIsFresh(TREE), runs }))
} else {
  console.log(`tree ${TREE}, ${RUNS} runs, node ${process.version}, ${CODE}`)
  console.log(`start → API ready (spawn to banner), ms: ${stats(runs.map(r => r.readyMs))}`)
  console.log(`idle RSS at 10 s, MB: ${stats(runs.map(r => r.rssMb10s))}`)
  if (!QUICK) {
    console.log(`idle RSS at 60 s, MB: ${stats(runs.map(r => r.rssMb60s as number))}`)
    console.log(`  of which private (the process's own), MB: ${stats(runs.map(r => r.privateMb60s as number))}; file-backed (the node executable's code, shared), MB: ${stats(runs.map(r => r.fileMb60s as number))}`)
  }
  console.log(`RSS 5 s after one API call (oos status), MB: ${stats(runs.map(r => r.rssMbAfterCall))}`)
  const keys = runs.map(r => Number(/keys (\d+\.\d+) s/.exec(r.split ?? '')?.[1] ?? NaN) * 1000)
  if (keys.every(k => Number.isFinite(k))) console.log(`start → API ready beyond key derivation (spawn to banner minus the node's keys figure), ms: ${stats(runs.map((r, i) => r.readyMs - keys[i]))}`)
}
