/**
 * Slow readers (issue 12, chaos suite, item 4). A serves an org of 3,000 versions as an
 * `oos start` process (the chain signed and put into its store beforehand). Baseline: a
 * new node follows A (its own `oos start` process) and the time is taken. Attack: 40 fresh
 * identities each open 8 `/oos/sync/1.0.0` requests for the whole chain and never read the
 * answers (8 identities connecting at a time): each stream is paused before the request is
 * sent, so the attacker's muxer grants no receive window and A's send window runs dry (a
 * stream that is merely not consumed by the application is still read by yamux, which grants
 * window on receipt and buffers up to 4 MiB before it resets: that is not a slow reader).
 * Meanwhile A's resident memory is sampled, its `status` is timed, and a second new node
 * follows A. The attackers hold their streams until A has cut or finished every response
 * (at most 3× its stall timer), then leave, and A's memory is measured again. Pass (the
 * issue): RSS stays under 2× idle, the honest follower gets the whole chain in under 2× the
 * baseline time, and A counts the unread responses as `SLOW_READER` (NETWORK-reqresp.md §6).
 */
import * as lp from 'it-length-prefixed'
import { multiaddr } from '@multiformats/multiaddr'
import type { Libp2p, Stream } from '@libp2p/interface'
import { documents } from '../bench/propagation.ts'
import { signChain } from '../bench/catchup.ts'
import { Ingest } from '../src/ingest/ingest.ts'
import { homePaths, unlockOrgKey } from '../src/node/home.ts'
import { encodeSyncRequest, PROTOCOLS, SERVING_DEFAULTS, type ReqRespStats } from '../src/net/reqresp/index.ts'
import { Store } from '../src/store/store.ts'
import { bareLibp2p, ms, PASSPHRASE, pool, scoped, sleep, until, type NodeProcess, type Scope } from './lib.ts'

export interface SlowOptions {
  versions?: number
  identities?: number
  requestsEach?: number
  /** how long after the attackers left the memory is measured again, ms (default 30 s) */
  afterMs?: number
  log?: (line: string) => void
}

export interface SlowFigures {
  ok: boolean
  versions: number
  identities: number
  requests: number
  /** requests the attackers could open */
  opened: number
  /** idle: before any follow; served: after the two honest follows of the baseline, before the attack (what serving the chain alone costs) */
  rssMB: { idle: number, served: number, peak: number, after: number }
  /** peak / idle (the issue: < 2) */
  rssRatio: number
  /** slowest `status` answer during the attack, ms */
  statusMaxMs: number
  follow: { baselineMs: number, underAttackMs: number, heldUnderAttack: number, ratio: number }
  /** violations A counted by code (SLOW_READER expected after the fix) */
  violations: Record<string, number>
  /** A's serving budgets (status `reqresp.serving`): the peaks of responses at once and of bytes they held, requests queued and refused for room */
  serving: Pick<ReqRespStats['serving'], 'peakResponses' | 'peakBytes' | 'peakPeerBytes' | 'queued' | 'busy'>
  /** ms from the first request opened until A had no response left to write */
  drainedMs: number
  ms: number
}

/** A home holding an org of `n` versions, signed with its key and ingested in bulk. */
async function homeWithChain (scope: Scope, n: number): Promise<{ home: string, org: string }> {
  const { home, config } = await scope.home('Ledgerline')
  const key = await unlockOrgKey(home, PASSPHRASE)
  const records = signChain(config.org, key, n, documents('examples'))
  key.fill(0)
  const store = new Store({ path: homePaths(home).db })
  await store.start()
  const ingest = new Ingest({ store })
  await ingest.start()
  try {
    const bad = (await ingest.ingestMany(records, { source: 'chaos' })).filter(r => r instanceof Error)
    if (bad.length > 0) throw new Error(`the chain did not ingest: ${String(bad[0])}`)
  } finally {
    await ingest.stop()
    await store.stop()
  }
  return { home, org: config.org }
}

/** A new node follows `a`'s org; ms until the follow call returned, and the seq it then held. */
async function timedFollow (scope: Scope, a: NodeProcess, org: string): Promise<{ ms: number, seq: number }> {
  const d = await scope.start((await scope.home('Follower')).home, ['--sync-interval', '0'])
  const t = performance.now()
  const seq = await d.api.follow({ org, via: [a.addr] }).then(r => r.seq, () => 0)
  const took = ms(t)
  await d.stop()
  return { ms: took, seq }
}

export async function slowScenario (options: SlowOptions = {}): Promise<SlowFigures> {
  const N = options.versions ?? 3000
  const I = options.identities ?? 40
  const R = options.requestsEach ?? 8
  const log = options.log ?? (() => {})
  const t0 = performance.now()
  return await scoped(async (scope) => {
    const { home, org } = await homeWithChain(scope, N)
    const a = await scope.start(home, ['--sync-interval', '0'])
    await sleep(2000)
    const idle = a.rssMB()
    await timedFollow(scope, a, org) // warm-up: A's first sync answers are slower
    const baseline = await timedFollow(scope, a, org)
    const served = a.rssMB()
    log(`slow: ${N} versions, A idle at ${idle} MB, ${served} MB after the baseline follow of ${baseline.ms} ms (seq ${baseline.seq})`)

    // the attack: every identity opens R sync requests of the whole chain and never reads
    let peak = a.rssMB()
    const sampler = setInterval(() => { peak = Math.max(peak, a.rssMB()) }, 200)
    let opened = 0
    let statusMaxMs = 0
    const streams: Stream[] = []
    const attackers: Libp2p[] = []
    const failures = new Set<string>()
    const serving = async (): Promise<ReqRespStats['serving']> => ((await a.api.status()).reqresp as ReqRespStats).serving
    let t1: number
    try {
      const request = lp.encode.single(encodeSyncRequest({ org, from: 1 })).subarray()
      t1 = performance.now()
      await pool(Array.from({ length: I }, (_, i) => i), 8, async () => {
        const p = await bareLibp2p(scope, {}, { listen: [] })
        attackers.push(p)
        try {
          await p.dial(multiaddr(a.addr), { signal: AbortSignal.timeout(10_000) })
          for (let k = 0; k < R; k++) {
            const s = await p.dialProtocol(multiaddr(a.addr), PROTOCOLS.sync, { signal: AbortSignal.timeout(10_000) })
            s.pause() // no receive window granted: A's writes stop at yamux's initial window
            s.send(request)
            void s.close().catch(() => {})
            streams.push(s)
            opened++
          }
        } catch (err) { failures.add((err as Error).message.slice(0, 120)) }
      })
      log(`slow: ${opened} requests open, never read${failures.size > 0 ? `; refused: ${[...failures].join('; ')}` : ''}`)
      const probe = setInterval(() => {
        const t = performance.now()
        void a.api.status().then(() => { statusMaxMs = Math.max(statusMaxMs, ms(t)) }, () => {})
      }, 1000)
      const attacked = await timedFollow(scope, a, org).finally(() => { clearInterval(probe) })
      peak = Math.max(peak, a.rssMB())
      log(`slow: under attack the follow took ${attacked.ms} ms (seq ${attacked.seq}); A peaked at ${peak} MB`)
      // the attackers stay until A has nothing left to write to them (cut as slow readers, or done)
      await until(async () => (await serving()).responses === 0, 3 * SERVING_DEFAULTS.stallMs, 200)
      const drainedMs = ms(t1)
      peak = Math.max(peak, a.rssMB())
      for (const s of streams) s.abort(new Error('attacker leaves'))
      await Promise.allSettled(attackers.map(async p => { await p.stop() }))
      await sleep(options.afterMs ?? 30_000)
      const after = a.rssMB()
      const status = await a.api.status()
      const violations = status.violations as { byCode: Record<string, number> }
      const sv = (status.reqresp as ReqRespStats).serving
      const rssRatio = Math.round(peak / idle * 100) / 100
      const ratio = Math.round(attacked.ms / baseline.ms * 100) / 100
      return {
        ok: rssRatio < 2 && attacked.seq === N && ratio < 2 && (violations.byCode.SLOW_READER ?? 0) > 0,
        versions: N,
        identities: I,
        requests: I * R,
        opened,
        rssMB: { idle, served, peak, after },
        rssRatio,
        statusMaxMs,
        follow: { baselineMs: baseline.ms, underAttackMs: attacked.ms, heldUnderAttack: attacked.seq, ratio },
        violations: violations.byCode,
        serving: { peakResponses: sv.peakResponses, peakBytes: sv.peakBytes, peakPeerBytes: sv.peakPeerBytes, queued: sv.queued, busy: sv.busy },
        drainedMs,
        ms: ms(t0)
      }
    } finally {
      clearInterval(sampler)
    }
  })
}
