/**
 * Main-thread CPU per gossiped record on the receiving node (issue 13, "gossip verified once,
 * off the main thread"). A real node B (2 verify workers, as `oos start` on this machine)
 * follows an org and holds its first version; a peer in a worker thread
 * (bench/gossip-sender.ts) gossips N new signed endorsements of one of its claims (by another
 * org: each is new, each is accepted, whatever order they arrive in) on the org's topic; B's main thread CPU (`process.threadCpuUsage`, this thread
 * only: not the sender's, not the verify workers') is measured from the first message until
 * B's door decided on the last, minus an idle window of the same length.
 *
 *   node bench/gossip-cpu.ts [N]                       this tree
 *   node bench/gossip-cpu.ts [N] --src=/path/to/src    another tree (e.g. a checkout of main)
 *   node bench/gossip-cpu.ts [N] --before=/path/to/src both, alternating (ROUNDS=5 each, fresh
 *                                                      processes), the medians and their ratio
 */
import { execFileSync } from 'node:child_process'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { dirname, join, resolve } from 'node:path'
import { Worker } from 'node:worker_threads'

const HERE = dirname(fileURLToPath(import.meta.url))
const arg = (name: string): string | undefined => process.argv.find(a => a.startsWith(`--${name}=`))?.slice(name.length + 3)
const N = Number(process.argv.slice(2).find(a => /^\d+$/.test(a)) ?? 600)
const cpu = (): number => { const u = process.threadCpuUsage(); return u.user + u.system }

async function measure (src: string): Promise<number> {
  const load = async (p: string): Promise<any> => await import(pathToFileURL(join(src, p)).href)
  const { ephemeralNode } = await load('node/ephemeral.ts')
  const { encodeSigned } = await load('records/codec.ts')
  const { generateKeyPair, publicKeyToDid } = await load('identity/index.ts')
  const { topicOf } = await load('net/gossip.ts')
  const { signVersion } = await load('records/version.ts')
  const { verifyBytes } = await load('records/verified.ts')
  const { smallBody } = await load('../protocol/vectors/bodies.ts')
  const { CID } = await import('multiformats/cid')
  const b = await ephemeralNode('Receiver', { workers: 2 })
  try {
    const k = generateKeyPair()
    const org = publicKeyToDid(k.publicKey)
    await b.follows.add(org) // a follow without a sync: the bench gossips the org's bindings only
    b.gossip.subscribe(org)
    const t0 = Date.now() - 60_000
    const v1 = signVersion(smallBody('Bench', 1), { org, seq: 1, prev: null, createdAt: t0 }, k.secretKey)
    await b.ingest.ingest(v1.bytes, { source: 'sync' })
    const claim = CID.decode(verifyBytes(v1.bytes).claims[0])
    const e = generateKeyPair()
    const endorser = publicKeyToDid(e.publicKey)
    const records = Array.from({ length: N }, (_, i) => encodeSigned({ type: 'oos/endorsement', org: endorser, createdAt: t0 + 1 + i, target: claim, targetOrg: org, version: v1.cid, stance: 'endorse' }, [e.secretKey]).bytes)
    const topic = topicOf(org)
    const sender = new Worker(join(HERE, 'gossip-sender.ts'), { workerData: { src, target: b.libp2p.getMultiaddrs()[0].toString(), topic, records } })
    sender.on('error', (err) => { console.error('sender:', err) })
    await new Promise(resolve => sender.once('message', resolve))
    while (!b.libp2p.services.pubsub.getSubscribers(topic).some((p: { toString: () => string }) => p.toString() !== b.peerId.toString())) await new Promise(resolve => setTimeout(resolve, 20))
    await new Promise(resolve => setTimeout(resolve, 1500)) // the mesh settles
    let decided = 0
    const { promise: all, resolve: done } = Promise.withResolvers<void>()
    const count = (): void => { if (++decided === N) done() }
    b.ingest.addEventListener('record:accepted', count)
    b.ingest.addEventListener('record:rejected', (evt: CustomEvent<{ code: string }>) => { console.error('rejected:', evt.detail.code); count() })
    const c0 = cpu()
    const w0 = performance.now()
    sender.postMessage('go')
    await all
    const used = cpu() - c0
    const wall = performance.now() - w0
    // the same wall time idle: heartbeats and timers, not the records
    const i0 = cpu()
    await new Promise(resolve => setTimeout(resolve, wall))
    const idle = cpu() - i0
    sender.postMessage('stop')
    await new Promise(resolve => sender.once('exit', resolve))
    return (used - idle) / N
  } finally {
    await b.cleanup()
  }
}

const before = arg('before')
if (before !== undefined) {
  // each measurement in a fresh process, alternating, ROUNDS each (default 5): the median
  const run = (src?: string): number => Number(execFileSync(process.execPath, ['--max-semi-space-size=32', '--single-threaded-gc', fileURLToPath(import.meta.url), String(N), ...(src !== undefined ? [`--src=${src}`] : [])], { encoding: 'utf8' }).trim().split('\n').at(-1)?.split(' ')[0])
  const old: number[] = []
  const now: number[] = []
  const rounds = Number(process.env.ROUNDS ?? 5)
  for (let i = 0; i < rounds; i++) { old.push(run(resolve(before))); now.push(run()) }
  const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]
  console.log(`main-thread CPU per gossiped record (${N} endorsements, 2 verify workers), µs:`)
  console.log(`  before (${before}): ${old.map(x => x.toFixed(0)).join(', ')}  median ${median(old).toFixed(0)}`)
  console.log(`  after  (this tree): ${now.map(x => x.toFixed(0)).join(', ')}  median ${median(now).toFixed(0)}`)
  console.log(`  after / before: ${(median(now) / median(old)).toFixed(2)}`)
} else {
  const src = resolve(arg('src') ?? join(HERE, '..', 'src'))
  const us = await measure(src)
  console.log(`${us.toFixed(1)} µs main-thread CPU per gossiped record (${src})`)
}
