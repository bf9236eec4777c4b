/**
 * Shared parts of the chaos scenarios (chaos/run.ts): a `Scope` that owns every process
 * group and temp directory a scenario makes and removes them even when the scenario fails;
 * `oos start` as a separate process (its own process group, so a SIGKILL reaches the Node-24
 * child of the Node-20 re-exec wrapper too); homes made in-process (cheap key derivation);
 * documents to publish; the offline consistency check of a store after a crash.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ApiClient } from '../src/api/client.ts'
import { initHome, homePaths, type HomeConfig } from '../src/node/home.ts'
import { Store } from '../src/store/store.ts'
import { dbOf, scan } from '../src/store/level.ts'
import { verifyStored } from '../src/node/verify.ts'
import { exportCar, verifyCar } from '../src/node/car.ts'
import { percentile, sleep, until } from '../bench/propagation.ts'
import type { Libp2p, PeerId } from '@libp2p/interface'

export { percentile, sleep, until }

export const ROOT = fileURLToPath(new URL('../', import.meta.url))
export const BIN = join(ROOT, 'bin', 'oos.js')
export const PASSPHRASE = 'correct horse battery staple'
export const ENV: NodeJS.ProcessEnv = { ...process.env, OOS_PASSPHRASE: PASSPHRASE, OOS_SCRYPT_N: '1024' }
delete ENV.DEBUG

export const round1 = (x: number): number => Math.round(x * 10) / 10
export const ms = (t0: number): number => Math.round(performance.now() - t0)

/** A running `oos start` process. */
export interface NodeProcess {
  child: ChildProcess
  pid: number
  home: string
  /** what `oos start --json` printed: org, name, peerId, multiaddrs, api */
  info: { org: string, name: string, peerId: string, multiaddrs: string[], api: string }
  api: ApiClient
  /** the first listen address with /p2p/<peer id> */
  addr: string
  exited: Promise<number | null>
  /** SIGTERM and wait (exit code) */
  stop: () => Promise<number | null>
  /** SIGKILL the whole process group and wait */
  kill: () => Promise<void>
  /** resident set size of the process group in MB */
  rssMB: () => number
}

/** Process groups and directories of every open scope: removed at exit even when a scope never closes (a timeout, a signal). */
const live = { groups: new Set<number>(), dirs: new Set<string>() }
process.on('exit', () => {
  for (const pid of live.groups) { try { process.kill(-pid, 'SIGKILL') } catch {} }
  for (const d of live.dirs) { try { rmSync(d, { recursive: true, force: true }) } catch {} }
})

/** Everything a scenario made; `close()` kills the process groups left and removes the directories. */
export class Scope {
  private readonly dirs: string[] = []
  private readonly procs = new Set<NodeProcess>()
  private readonly closers: Array<() => Promise<void>> = []

  async dir (name = 'chaos'): Promise<string> {
    const d = await mkdtemp(join(tmpdir(), `oosnet-chaos-${name}-`))
    this.dirs.push(d)
    live.dirs.add(d)
    return d
  }

  /** run `fn` at close (in-process nodes, libp2p instances) */
  defer (fn: () => Promise<void>): void { this.closers.push(fn) }

  /** a fresh home (org and node keys under PASSPHRASE, cheap scrypt) */
  async home (name: string): Promise<{ home: string, config: HomeConfig }> {
    const home = join(await this.dir(name.toLowerCase()), 'home')
    return { home, config: await initHome(home, { name, passphrase: PASSPHRASE, scryptN: 1024 }) }
  }

  /** `oos start --json` on 127.0.0.1 (or `listen`, in namespace `netns`) as its own process group */
  async start (home: string, extra: string[] = [], options: { timeoutMs?: number, listen?: string, netns?: string } = {}): Promise<NodeProcess> {
    const args = [BIN, 'start', '--home', home, '--listen', options.listen ?? '/ip4/127.0.0.1/tcp/0', '--json', ...extra]
    // in a network namespace: `ip netns exec` execs the node in place (same pid, same group)
    const [cmd, argv] = options.netns === undefined ? [process.execPath, args] : ['ip', ['netns', 'exec', options.netns, process.execPath, ...args]]
    const child = spawn(cmd, argv, { cwd: ROOT, env: ENV, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    const pid = child.pid as number
    live.groups.add(pid)
    let err = ''
    child.stderr?.on('data', (d: Buffer) => { err = (err + d.toString()).slice(-4000) })
    const exited = new Promise<number | null>(resolve => { child.once('exit', (code) => { live.groups.delete(pid); resolve(code) }) })
    const group = (sig: NodeJS.Signals): void => { try { process.kill(-pid, sig) } catch {} }
    const proc = {
      child,
      pid,
      home,
      exited,
      stop: async () => { group('SIGTERM'); const c = await exited; this.procs.delete(proc as NodeProcess); return c },
      kill: async () => { group('SIGKILL'); await exited; this.procs.delete(proc as NodeProcess) },
      rssMB: () => groupRssMB(pid)
    } as unknown as NodeProcess
    this.procs.add(proc)
    let out = ''
    const info = await new Promise<NodeProcess['info']>((resolve, reject) => {
      const t = setTimeout(() => { reject(new Error(`oos start did not come up in time: ${err}`)) }, options.timeoutMs ?? 60_000)
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString()
        try { const v = JSON.parse(out); clearTimeout(t); resolve(v) } catch {}
      })
      void exited.then(code => { clearTimeout(t); reject(new Error(`oos start exited ${code}: ${err}`)) })
    }).catch(async (e: Error) => { await proc.kill(); throw e })
    const api = JSON.parse(await readFile(homePaths(home).api, 'utf8'))
    return Object.assign(proc, { info, addr: info.multiaddrs[0], api: new ApiClient({ url: api.url, token: api.token }) })
  }

  async close (): Promise<void> {
    await Promise.allSettled([...this.procs].map(async p => { await p.kill() }))
    for (const c of this.closers.splice(0).reverse()) await c().catch(() => {})
    await Promise.allSettled(this.dirs.splice(0).map(async d => { await rm(d, { recursive: true, force: true }); live.dirs.delete(d) }))
  }
}

/** Run `fn` with a scope that is closed whatever happens. */
export async function scoped<T> (fn: (scope: Scope) => Promise<T>): Promise<T> {
  const scope = new Scope()
  try { return await fn(scope) } finally { await scope.close() }
}

/** RSS in MB of `pid` and its descendants (the re-exec wrapper's child included). */
export function groupRssMB (pid: number): number {
  let kb = 0
  const visit = (p: number): void => {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0)
      for (const c of readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) visit(Number(c))
    } catch {}
  }
  visit(pid)
  return Math.round(kb / 1024)
}

const BASE = readFileSync(join(ROOT, 'examples/orgs/ledgerline/v1.oos.md'), 'utf8')

/** The i-th revision of a realistic `.oos.md` document (each differs from the one before). */
export function revision (i: number, base = BASE): string {
  return base.replace('## Purpose\n', `## Purpose\n\nRevision ${i} of this document.\n`)
}

/** Publish `n` revisions through a node's API; returns what was acknowledged. */
export async function publishMany (api: ApiClient, n: number, first = 1): Promise<Array<{ seq: number, cid: string }>> {
  const acked: Array<{ seq: number, cid: string }> = []
  for (let i = first; i < first + n; i++) {
    const r = await api.publish({ document: revision(i), format: 'md' })
    acked.push({ seq: r.seq, cid: r.cid })
  }
  return acked
}

export interface StoreCheck {
  /** the store opened */
  opened: boolean
  orgs: number
  versions: number
  /** what is wrong (empty: consistent) */
  problems: string[]
}

/**
 * A store after a crash: it opens; for every org with a head, the chain runs 1..head.seq
 * with no gap and ends at the head's CID; the org's records export to a CAR that verifies
 * offline (every signature, hash and chain link re-checked through a fresh ingest door), and
 * the head verifies as `oos verify CID` does. `acked`: versions whose publish was
 * acknowledged must be there, at their seq, with their CID.
 */
export async function checkStore (home: string, acked: Array<{ org: string, seq: number, cid: string }> = []): Promise<StoreCheck> {
  const out: StoreCheck = { opened: false, orgs: 0, versions: 0, problems: [] }
  const store = new Store({ path: homePaths(home).db })
  try {
    await store.start()
    out.opened = true
  } catch (err) {
    out.problems.push(`open: ${(err as Error).message}`)
    return out
  }
  const scratch = await mkdtemp(join(tmpdir(), 'oosnet-chaos-check-'))
  try {
    const heads = []
    for await (const h of store.heads()) heads.push(h)
    for (const h of heads) {
      out.orgs++
      let expect = 1
      let last: string | undefined
      for await (const e of store.chain(h.org)) {
        if (e.seq !== expect) { out.problems.push(`${h.org}: chain has ${e.seq} where ${expect} was due`); break }
        if (!await store.has(e.cid)) out.problems.push(`${h.org}: version ${e.seq} ${e.cid.toString()} indexed but not stored`)
        last = e.cid.toString()
        expect++
      }
      out.versions += expect - 1
      if (expect - 1 !== h.seq || last !== h.cid.toString()) out.problems.push(`${h.org}: head ${h.seq} ${h.cid.toString()} but chain ends at ${expect - 1} ${String(last)}`)
      const car = join(scratch, `${out.orgs}.car`)
      await exportCar(store, h.org, car)
      const v = await verifyCar(car)
      if (!v.valid) out.problems.push(`${h.org}: exported CAR does not verify: ${JSON.stringify(v.reasons)}`)
      const hv = await verifyStored(store, h.cid)
      if (!hv.valid) out.problems.push(`${h.org}: head does not verify: ${JSON.stringify(hv.reasons)}`)
    }
    for (const a of acked) {
      const cid = await store.versionCid(a.org, a.seq)
      if (cid?.toString() !== a.cid) out.problems.push(`acknowledged ${a.org} seq ${a.seq} ${a.cid} lost (found ${String(cid)})`)
    }
  } catch (err) {
    out.problems.push(`check: ${(err as Error).message}`)
  } finally {
    await store.stop().catch(() => {})
    await rm(scratch, { recursive: true, force: true })
  }
  return out
}

/** A random integer in [lo, hi]. */
export const randInt = (lo: number, hi: number): number => lo + Math.floor(Math.random() * (hi - lo + 1))

/**
 * A bare libp2p peer on 127.0.0.1 (TCP, Noise, Yamux, identify, plus `services`): the
 * attackers and fake peers of the scenarios. Stopped when the scope closes.
 */
export async function bareLibp2p (scope: Scope, services: Record<string, unknown> = {}, options: { privateKey?: import('@libp2p/interface').PrivateKey, maxInboundStreams?: number, listen?: string[] } = {}): Promise<import('@libp2p/interface').Libp2p<Record<string, any>>> {
  const { createLibp2p } = await import('libp2p')
  const { tcp } = await import('@libp2p/tcp')
  const { noise } = await import('@chainsafe/libp2p-noise')
  const { yamux } = await import('@chainsafe/libp2p-yamux')
  const { identify } = await import('@libp2p/identify')
  const node = await createLibp2p({
    ...(options.privateKey !== undefined ? { privateKey: options.privateKey } : {}),
    addresses: { listen: options.listen ?? ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux({ maxInboundStreams: options.maxInboundStreams ?? 256 })],
    connectionManager: { inboundConnectionThreshold: Infinity, maxConnections: 1000 },
    services: { identify: identify(), ...services } as any
  })
  scope.defer(async () => { await node.stop() })
  return node as any
}

/** A store and its ingest door in a scope's directory (real LevelDB). */
export async function storeIn (scope: Scope): Promise<{ store: Store, ingest: import('../src/ingest/ingest.ts').Ingest }> {
  const { Ingest } = await import('../src/ingest/ingest.ts')
  const store = new Store({ path: join(await scope.dir('store'), 'db') })
  await store.start()
  const ingest = new Ingest({ store })
  await ingest.start()
  scope.defer(async () => { await ingest.stop(); await store.stop() })
  return { store, ingest }
}

/** Every key and value of a store (hex), for before/after comparisons. */
export async function dumpStore (store: Store): Promise<string> {
  const parts: string[] = []
  for await (const [k, v] of scan(dbOf(store), '')) parts.push(`${k}=${Buffer.from(v).toString('hex')}`)
  return parts.join('\n')
}

/** Run `work` on every item, `width` at a time. */
export async function pool<T> (items: T[], width: number, work: (x: T) => Promise<void>): Promise<void> {
  let at = 0
  await Promise.all(Array.from({ length: width }, async () => { while (at < items.length) await work(items[at++]) }))
}

/** Send raw bytes on a protocol and wait for the stream to end: closed by the responder, or reset. */
export async function sendRaw (from: Libp2p, to: PeerId, protocol: string, bytes: Uint8Array): Promise<'closed' | 'reset'> {
  try {
    const s = await from.dialProtocol(to, protocol, { signal: AbortSignal.timeout(15_000) })
    s.send(bytes)
    await s.close()
    for await (const _ of s) { /* drain */ }
    return 'closed'
  } catch {
    return 'reset'
  }
}
