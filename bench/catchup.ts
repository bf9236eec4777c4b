/**
 * Catch-up benchmark: node A holds a chain of `versions` signed versions of realistic
 * documents (signed directly and put through A's ingest door in bulk, faster than publishing
 * one by one); node B connects to A, then follows A's org. Timed: follow start → B holds
 * all of them (head seq = versions). The path is the real one: `/oos/sync/1.0.0` pages of up
 * to 1000 versions, every record through B's ingest door (decode, schema, signature, chain
 * rules, LevelDB).
 *
 * Baseline, same run, same two nodes and connection: A streams the same record bytes to B
 * over a plain libp2p protocol, with the same length-prefixed framing, and B reads them —
 * no verification, no storage. Figures: ms, raw ms (median of 5 after a warm-up), ratio.
 */
import type { Stream } from '@libp2p/interface'
import { readFrames, writeFrame } from '../src/net/reqresp/frames.ts'
import { signVersion } from '../src/records/version.ts'
import { signChainWith } from './docs.ts'
import type { OosBody } from '../src/oos/types.ts'
import { documents, sleep, startNode, stopNodes, until, type BenchNode, type DocSet } from './propagation.ts'

const RAW_PROTOCOL = '/oosnet-bench/raw-chain/1.0.0'

export interface CatchupBench {
  versions: number
  /** bytes of all versions, and the mean per version */
  bytes: number
  recordBytes: number
  /** ms, follow start → B holds every version */
  ms: number
  /** ms, the same bytes over a plain libp2p stream, read and dropped */
  rawMs: number
  ratio: number
  versionsPerSec: number
  rawVersionsPerSec: number
  /** sync requests B made (pages; a page cut by the response timeout is asked again smaller) and pages cut */
  syncRequests: number
  syncFailures: number
  /** verification worker threads of B's ingest (0: inline, the node's default) */
  workers: number
}

export interface CatchupOptions {
  versions?: number
  docs?: DocSet
  /** B's verification worker threads (default 0, as `oos start`) */
  workers?: number
  log?: (line: string) => void
}

/** `n` versions of `org` (seq 1..n, realistic documents in turn), signed with its key; created in the recent past. */
export function signChain (org: string, orgKey: Uint8Array, n: number, docs: OosBody[]): Uint8Array[] {
  return signChainWith(signVersion, org, orgKey, n, docs)
}

export async function benchCatchup (options: CatchupOptions = {}): Promise<CatchupBench> {
  const N = options.versions ?? 1000
  const workers = options.workers ?? 0
  const log = options.log ?? (() => {})
  const docs = documents(options.docs)
  const nodes: BenchNode[] = []
  try {
    const a = await startNode('catchup-a')
    nodes.push(a)
    const b = await startNode('catchup-b', { workers })
    nodes.push(b)
    // A's chain: signed with A's org key, ingested in bulk
    const orgKey = await a.orgSecret()
    const records = signChain(a.org, orgKey, N, docs)
    orgKey.fill(0)
    const results = await a.ingest.ingestMany(records, { source: 'bench' })
    const refused = results.filter(r => r instanceof Error)
    if (refused.length > 0) throw new Error(`A refused ${refused.length} of its own versions: ${String(refused[0])}`)
    if ((await a.store.head(a.org))?.seq !== N) throw new Error(`A holds ${String((await a.store.head(a.org))?.seq)} versions, not ${N}`)
    const bytes = records.reduce((s, r) => s + r.length, 0)

    // connect B to A and let identify settle (both sides know the other's protocols)
    const addr = a.libp2p.getMultiaddrs()[0]
    await b.libp2p.dial(addr)
    await until(async () => await b.libp2p.peerStore.get(a.peerId).then(p => p.protocols.includes('/oos/sync/1.0.0'), () => false), 10_000, 10)
    await sleep(200)

    // baseline: the same bytes over a plain protocol on the same connection
    await a.libp2p.handle(RAW_PROTOCOL, async (stream: Stream) => {
      const signal = AbortSignal.timeout(60_000)
      try {
        for (const r of records) await writeFrame(stream, r, signal)
        await stream.close({ signal })
      } catch (err) {
        stream.abort(err as Error)
      }
    })
    const rawOnce = async (): Promise<number> => {
      const t = performance.now()
      const stream = await b.libp2p.dialProtocol(a.peerId, RAW_PROTOCOL)
      await stream.close() // half-close: no request body
      let n = 0
      let got = 0
      for await (const frame of readFrames(stream, { maxLength: 2 * 1024 * 1024 })) { n++; got += frame.length }
      const ms = performance.now() - t
      if (n !== N || got !== bytes) throw new Error(`raw transfer: ${n} frames, ${got} bytes; expected ${N}, ${bytes}`)
      return ms
    }
    await rawOnce() // warm-up
    const raws: number[] = []
    for (let i = 0; i < 5; i++) raws.push(await rawOnce())
    raws.sort((x, y) => x - y)
    const rawMs = raws[2]
    log(`  catchup raw transfer of ${N} versions (${bytes} bytes): ${raws.map(r => Math.round(r)).join(', ')} ms`)

    // oosnet: B follows A (through the existing connection) and syncs the whole chain
    const t = performance.now()
    await b.follow(a.org, { via: [addr.toString()], signal: AbortSignal.timeout(120_000) })
    const done = await until(async () => (await b.store.head(a.org))?.seq === N, 120_000)
    const ms = performance.now() - t
    if (!done) throw new Error(`B holds ${String((await b.store.head(a.org))?.seq ?? 0)} of ${N} versions after 120 s`)
    const sync = b.reqresp.stats().protocols.sync
    // (unhandled only now: a change of A's protocols is pushed to B by identify, and B then checks A's heads)
    await a.libp2p.unhandle(RAW_PROTOCOL)
    log(`  catchup follow of ${N} versions: ${Math.round(ms)} ms (${sync.outbound} sync requests, ${b.replicator.counts.failures} failed)`)
    return {
      versions: N,
      ms: Math.round(ms),
      rawMs: Math.round(rawMs * 10) / 10,
      ratio: Math.round(ms / rawMs * 10) / 10,
      bytes,
      recordBytes: Math.round(bytes / N),
      versionsPerSec: Math.round(N / (ms / 1000)),
      rawVersionsPerSec: Math.round(N / (rawMs / 1000)),
      syncRequests: sync.outbound,
      syncFailures: b.replicator.counts.failures,
      workers
    }
  } finally {
    await stopNodes(nodes)
  }
}
