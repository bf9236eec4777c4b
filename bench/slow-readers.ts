/**
 * Slow readers against a real `oos start` process (issue 12, point 4): node A serves an org
 * of `--versions` versions (default 3000, ~10.8 KB each); `--peers` identities (default 40)
 * each open `--streams` sync requests (default 8) for the whole chain and never read them;
 * meanwhile an honest node follows A. Prints one JSON object: A's RSS idle / peak during the
 * attack / after it, the honest follow's time without and with the attack, and A's counters
 * (violations, serving budgets) from `oos status --json`.
 *
 *   node_modules/.bin/node bench/slow-readers.ts [--versions 3000] [--peers 40] [--streams 8]
 *     [--mode pause|ignore] [--after 10]
 *
 * `--mode pause`: the streams are paused (no yamux window updates: the server's send window
 * runs out); `ignore`: nobody listens (libp2p buffers up to 4 MiB, then resets the stream).
 * `--after`: seconds to watch A's RSS after the attackers left. Run it with Node ≥ 22.18
 * (the Node 24 in node_modules): `oos start` is spawned with the same Node, so the RSS read
 * is the node's own process (no re-exec wrapper).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import * as dagCbor from '@ipld/dag-cbor'
import * as lp from 'it-length-prefixed'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import type { CID } from 'multiformats/cid'
import { createNet, type OosLibp2p } from '../src/net/libp2p.ts'
import { PROTOCOLS } from '../src/net/reqresp/index.ts'
import { initHome, unlockOrgKey, homePaths } from '../src/node/home.ts'
import { Store } from '../src/store/store.ts'
import { Ingest } from '../src/ingest/ingest.ts'
import { signVersion } from '../src/records/version.ts'
import { oos } from '../tests/cli/run.ts'
import { ENV, startNode, type NodeProcess } from '../tests/cli/start.ts'
import { documents, sleep } from './propagation.ts'

const { values } = parseArgs({ options: { versions: { type: 'string', default: '3000' }, peers: { type: 'string', default: '40' }, streams: { type: 'string', default: '8' }, mode: { type: 'string', default: 'pause' }, after: { type: 'string', default: '10' } } })
const N = Number(values.versions)
const PEERS = Number(values.peers)
const STREAMS = Number(values.streams)
const MODE = values.mode as 'pause' | 'ignore'
const PASS = ENV.OOS_PASSPHRASE
const log = (line: string): void => { if (process.env.BENCH_VERBOSE === '1') console.error(line) }
const start = async (h: string): Promise<NodeProcess> => await startNode(h, [], text => { if (process.env.BENCH_VERBOSE === '1') process.stderr.write(text) })

async function home (dir: string, name: string): Promise<string> {
  const h = join(dir, name.toLowerCase())
  await initHome(h, { name, passphrase: PASS, scryptN: 1024 })
  return h
}

/** A's chain, signed with its org key, put through its ingest door before the node starts. */
async function fill (h: string, org: string): Promise<number> {
  const key = await unlockOrgKey(h, PASS)
  const store = new Store({ path: homePaths(h).db })
  await store.start()
  const ingest = new Ingest({ store }, { workers: 0 })
  await ingest.start()
  const docs = documents('fixture')
  let prev: CID | null = null
  let bytes = 0
  const t0 = Date.now() - N * 1000
  for (let at = 1; at <= N; at += 500) {
    const batch: Uint8Array[] = []
    for (let seq = at; seq < Math.min(at + 500, N + 1); seq++) {
      const v = signVersion(docs[seq % docs.length], { org, seq, prev, createdAt: t0 + seq }, key)
      batch.push(v.bytes)
      bytes += v.bytes.length
      prev = v.cid
    }
    const refused = (await ingest.ingestMany(batch, { source: 'bench' })).filter(r => r instanceof Error)
    if (refused.length > 0) throw new Error(`A refused its own versions: ${String(refused[0])}`)
  }
  await ingest.stop()
  await store.stop()
  return Math.round(bytes / N)
}

async function rssMB (pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024)
}

/** ms for `oos follow` of A's org by a fresh node; and the seq it reported. */
async function follow (dir: string, name: string, org: string, addr: string): Promise<{ ms: number, seq: number, code: number, out: string }> {
  const h = await home(dir, name)
  const node = await start(h)
  try {
    const t = performance.now()
    const r = await oos(['follow', org, '--via', addr, '--home', h, '--json'])
    const ms = Math.round(performance.now() - t)
    return { ms, seq: r.code === 0 || r.code === 1 ? (JSON.parse(r.stdout || '{}').seq ?? 0) : 0, code: r.code, out: (r.stdout + r.stderr).trim().slice(0, 300) }
  } finally {
    await node.stop()
  }
}

async function attacker (addr: string, org: string): Promise<OosLibp2p> {
  const net = await createNet({ privateKey: await generateKeyPairFromSeed('Ed25519', randomBytes(32)), listen: [] })
  const conn = await net.dial(multiaddr(addr)).catch(async (err: Error) => { await net.stop(); throw err })
  for (let i = 0; i < STREAMS; i++) {
    const s = await net.dialProtocol(conn.remotePeer, PROTOCOLS.sync).catch(() => undefined)
    if (s === undefined) continue
    if (MODE === 'pause') s.pause()
    s.send(lp.encode.single(dagCbor.encode({ org, from: 1 })))
    await s.close().catch(() => {})
  }
  return net
}

const dir = await mkdtemp(join(tmpdir(), 'oosnet-slow-readers-'))
let a: NodeProcess | undefined
try {
  const ha = await home(dir, 'Ledgerline')
  const org = JSON.parse(await readFile(homePaths(ha).config, 'utf8')).org as string
  const recordBytes = await fill(ha, org)
  log(`A holds ${N} versions`)
  a = await start(ha)
  const pid = a.child.pid as number
  const addr = a.info.multiaddrs[0]
  await sleep(2000)
  const idle = await rssMB(pid)
  log(`A runs, ${idle} MB`)
  const baseline = await follow(dir, 'Baseline', org, addr)
  log(`baseline follow ${JSON.stringify(baseline)}`)

  // the attack, and an honest follow while it lasts
  let peak = idle
  const sampler = setInterval(() => { rssMB(pid).then(r => { peak = Math.max(peak, r) }, () => {}) }, 200)
  const tAttack = performance.now()
  // 8 dials at a time: a node refuses more than 10 pending inbound connections (libp2p's default)
  const nets: OosLibp2p[] = []
  let refused = 0
  for (let i = 0; i < PEERS; i += 8) {
    const batch = await Promise.allSettled(Array.from({ length: Math.min(8, PEERS - i) }, async () => await attacker(addr, org)))
    for (const r of batch) if (r.status === 'fulfilled') nets.push(r.value); else refused++
  }
  const attackMs = Math.round(performance.now() - tAttack)
  log(`attack sent in ${attackMs} ms`)
  const during = await follow(dir, 'Honest', org, addr)
  const statusDuring = (await oos(['status', '--home', ha, '--json'])).json()
  await Promise.all(nets.map(async n => { await n.stop() }))
  await sleep(Number(values.after) * 1000)
  clearInterval(sampler)
  const after = await rssMB(pid)
  const status = (await oos(['status', '--home', ha, '--json'])).json()
  console.log(JSON.stringify({
    versions: N,
    recordBytes,
    attackers: PEERS,
    attackersConnected: nets.length,
    attackersRefused: refused,
    streamsEach: STREAMS,
    mode: MODE,
    rssMB: { idle, peak, after, peakOverIdle: Number((peak / idle).toFixed(2)) },
    follow: { baselineMs: baseline.ms, underAttackMs: during.ms, ratio: Number((during.ms / baseline.ms).toFixed(2)), baselineSeq: baseline.seq, underAttackSeq: during.seq, underAttackExit: during.code, ...(during.seq !== N ? { underAttackOutput: during.out } : {}) },
    attackSetupMs: attackMs,
    serverDuringAttack: { serving: statusDuring.reqresp?.serving, sync: statusDuring.reqresp?.protocols?.sync },
    server: { violations: status.violations, serving: status.reqresp?.serving, sync: status.reqresp?.protocols?.sync }
  }))
} finally {
  if (a !== undefined) await a.stop()
  await rm(dir, { recursive: true, force: true })
}
process.exit(0)
