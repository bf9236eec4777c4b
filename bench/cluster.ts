/**
 * Nodes as separate OS processes (bench/net-node.ts, forked with the V8 flags of `oos start`),
 * driven over IPC. The bench's own start-up is paced: processes are started a group at a time
 * (each loads libp2p and derives keys: a second of CPU), and connections are dialled by a few
 * nodes at a time, each dial with a timeout and retried — 100 nodes dialling every
 * connection at once on two cores time out in the noise handshake.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { freemem, tmpdir } from 'node:os'
import { defaultWorkers } from '../src/ingest/threads.ts'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { DocSet } from './propagation.ts'
import { distIsFresh } from '../bin/dist.js'

export const RAW_TOPIC = '/oosnet-bench/raw/1'
/** ms on libuv's CLOCK_MONOTONIC: the same clock in every process of this machine */
export const now = (): number => Number(process.hrtime.bigint()) / 1e6
/**
 * The code a node process runs, as `oos start` chooses it (bin/oos.js): dist/, the JavaScript
 * built ahead of time, while it is a fresh build of src/ (`npm run build`; `npm ci` builds it),
 * else src/ itself (type stripping), so an edit never runs stale code. (Until the twelfth
 * session the node processes ran src/: a verify worker starts in ~80 ms from there, ~55 ms from dist/.)
 */
export const NODE_CODE: 'dist' | 'src' = process.env.BENCH_NODE_CODE === 'dist' || process.env.BENCH_NODE_CODE === 'src'
  ? process.env.BENCH_NODE_CODE // a node process: the parent's choice, so that the JSON's `code` is what the nodes ran
  : distIsFresh(fileURLToPath(new URL('..', import.meta.url))) ? 'dist' : 'src'
const CHILD = fileURLToPath(new URL('./net-node.ts', import.meta.url))
/**
 * bin/oos.js's V8 flags, and BENCH_NET_V8 (lab use: extra V8 flags for every node process, e.g.
 * `--trace-gc`, whose stdout is then shown)
 */
const EXTRA_V8 = (process.env.BENCH_NET_V8 ?? '').split(' ').filter(Boolean)
const V8_FLAGS = ['--max-semi-space-size=32', '--single-threaded-gc', ...EXTRA_V8]

export interface NodeInfo { peerId: string, addr: string, org: string }
/** what a child reports unasked: a version stored, a raw message received, a log line */
export interface ChildEvent { ev: string, node: number, org?: string, seq?: number, id?: number, t: number, line?: string }

interface Proc { child: ChildProcess, pending: Map<number, { resolve: (v: any) => void, reject: (e: Error) => void }> }

export interface ClusterOptions {
  nodes: number
  /** nodes per OS process (default 1: every node its own process) */
  perProc?: number
  /** processes started at once (default 4) */
  startGroup?: number
  /** nodes dialling at once (default 4) */
  dialConcurrency?: number
  docs?: DocSet
  /**
   * verification worker threads per node (default: `oos start`'s, the cores less one, 1 to 4; they
   * start on demand: a lone gossiped record is checked on the node's main thread, ingest/pool.ts)
   */
  workers?: number
  /** children report every version stored (default true) */
  report?: boolean
  /** the nodes' anti-entropy period, ms (default 0: none, so that a figure is of the path it measures; the simulation runs the node's default) */
  antiEntropyMs?: number
  onEvent?: (e: ChildEvent) => void
  log?: (line: string) => void
}

export class Cluster {
  readonly info: NodeInfo[] = []
  private readonly procs: Proc[] = []
  /** node index → [process, index of the node in that process] */
  private readonly where: Array<[number, number]> = []
  private nextId = 1
  private readonly options: ClusterOptions

  private constructor (options: ClusterOptions) { this.options = options }

  static async start (options: ClusterOptions): Promise<Cluster> {
    const c = new Cluster(options)
    try {
      await c.spawnAll()
    } catch (err) {
      await c.stop()
      throw err
    }
    return c
  }

  get size (): number { return this.info.length }

  private async spawnAll (): Promise<void> {
    const { nodes, perProc = 1, startGroup = 4 } = this.options
    // a node process holds ~170 MB once idle (bench/net-idle.ts; ~220 MB while busy): 100 need about 17 GB
    const need = Math.ceil(nodes / perProc) * 170 * 2 ** 20
    if (freemem() < need) this.options.log?.(`  ${nodes} nodes: ${Math.round(need / 2 ** 30)} GB needed, only ${Math.round(freemem() / 2 ** 20)} MB of memory available`)
    const names: string[][] = []
    for (let i = 0; i < nodes; i += perProc) names.push(Array.from({ length: Math.min(perProc, nodes - i) }, (_, j) => `n${i + j + 1}`))
    for (let g = 0; g < names.length; g += startGroup) {
      const group = names.slice(g, g + startGroup)
      const started = await Promise.all(group.map(async (ns) => await this.spawn(ns)))
      for (const [p, infos] of started) {
        infos.forEach((inf, k) => { this.info.push(inf); this.where.push([p, k]) })
      }
    }
  }

  private async spawn (names: string[]): Promise<[number, NodeInfo[]]> {
    // Node's on-disk compile cache: a third less CPU to start a node process (start-up is not
    // what these processes measure; the idle bench's `oos start` runs without it)
    const env = { ...process.env, DEBUG: undefined, BENCH_NODE_CODE: NODE_CODE, NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? join(tmpdir(), 'oosnet-bench-compile-cache') }
    // BENCH_NET_CPU_PROF=DIR: a V8 CPU profile of every node process, written to DIR when it exits
    const prof = process.env.BENCH_NET_CPU_PROF !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_NET_CPU_PROF}`] : []
    const child = fork(CHILD, [], { execArgv: [...V8_FLAGS, ...prof], stdio: ['ignore', EXTRA_V8.length > 0 ? 'inherit' : 'ignore', 'pipe', 'ipc'], env })
    let err = ''
    child.stderr?.on('data', (d: Buffer) => { err = (err + d.toString()).slice(-4000) })
    const p: Proc = { child, pending: new Map() }
    const index = this.procs.length
    this.procs.push(p)
    const ready = new Promise<void>((resolve, reject) => {
      child.once('exit', (code, signal) => {
        const e = new Error(`bench node process ${names.join(',')} exited ${code ?? signal}: ${err}`)
        reject(e)
        for (const w of p.pending.values()) w.reject(e)
        p.pending.clear()
      })
      child.on('message', (m: any) => {
        if (m.ev === 'ready') { resolve(); return }
        if (m.ev !== undefined) {
          if (m.ev === 'log') this.options.log?.(`  [${names.join(',')}] ${String(m.line)}`)
          else this.options.onEvent?.({ ...m, node: this.global(index, m.node) })
          return
        }
        const w = p.pending.get(m.id)
        if (w === undefined) return
        p.pending.delete(m.id)
        if (m.error !== undefined) w.reject(new Error(`bench node ${names.join(',')}: ${String(m.error)}`))
        else w.resolve(m.result)
      })
    })
    await ready
    const infos = await this.rpcProc(index, 'start', { names, docs: this.options.docs ?? 'fixture', workers: this.options.workers ?? defaultWorkers(), report: this.options.report, antiEntropyMs: this.options.antiEntropyMs ?? 0 }) as NodeInfo[]
    return [index, infos]
  }

  /** the cluster-wide index of node `k` of process `p` */
  private global (p: number, k: number): number {
    return this.where.findIndex(([q, j]) => q === p && j === k)
  }

  private async rpcProc (p: number, cmd: string, args: Record<string, unknown> = {}): Promise<any> {
    const proc = this.procs[p]
    const id = this.nextId++
    return await new Promise((resolve, reject) => {
      proc.pending.set(id, { resolve, reject })
      proc.child.send({ id, cmd, ...args })
    })
  }

  /** a command to node `i` (in whichever process holds it) */
  async rpc (i: number, cmd: string, args: Record<string, unknown> = {}): Promise<any> {
    const [p, k] = this.where[i]
    return await this.rpcProc(p, cmd, { node: k, ...args })
  }

  /** per process (not per node): CPU µs, bytes sent, RSS */
  async usage (): Promise<Array<{ cpuUs: number, bytesSent: number, rss: number, t: number, nodes: number }>> {
    return await Promise.all(this.procs.map(async (_, p) => ({ ...await this.rpcProc(p, 'usage'), nodes: this.where.filter(([q]) => q === p).length })))
  }

  /** node i dials the addresses of nodes `to[i]` (at most `dialConcurrency` nodes dialling at once); dials that failed */
  async connect (to: number[][]): Promise<number> {
    const limit = this.options.dialConcurrency ?? 4
    let next = 0
    let failed = 0
    const worker = async (): Promise<void> => {
      while (next < to.length) {
        const i = next++
        if (to[i].length === 0) continue
        failed += (await this.rpc(i, 'dial', { addrs: to[i].map(j => this.info[j].addr) })).failed as number
      }
    }
    await Promise.all(Array.from({ length: limit }, worker))
    return failed
  }

  /** violations charged by every node (Violations.stats().byCode: what blocks a peer at 5), by code */
  async violations (): Promise<{ total: number, byCode: Record<string, number> }> {
    const byCode: Record<string, number> = {}
    for (const s of await Promise.all(this.info.map(async (_, i) => await this.rpc(i, 'stats')))) {
      for (const [k, v] of Object.entries(s.byCode as Record<string, number>)) byCode[k] = (byCode[k] ?? 0) + v
    }
    return { total: Object.values(byCode).reduce((a, b) => a + b, 0), byCode }
  }

  /** The largest |child clock − parent clock| outside the IPC round trip, ms (0: one clock). */
  async clockCheck (): Promise<number> {
    let worst = 0
    for (let p = 0; p < this.procs.length; p++) {
      const before = Number(process.hrtime.bigint()) / 1e6
      const { t } = await this.rpcProc(p, 'clock')
      const after = Number(process.hrtime.bigint()) / 1e6
      worst = Math.max(worst, before - t, t - after)
    }
    return Math.max(0, worst)
  }

  async stop (): Promise<void> {
    await Promise.allSettled(this.procs.map(async (p, i) => {
      if (p.child.exitCode !== null || p.child.signalCode !== null) return
      const exited = new Promise(resolve => p.child.once('exit', resolve))
      let timer: NodeJS.Timeout | undefined
      await Promise.race([this.rpcProc(i, 'stop').then(async () => await exited), new Promise(resolve => { timer = setTimeout(resolve, 15_000) })])
      clearTimeout(timer)
      if (p.child.exitCode === null && p.child.signalCode === null) {
        this.options.log?.(`  bench node process ${i} did not stop in 15 s: killed`)
        p.child.kill('SIGKILL')
      }
    }))
  }
}
