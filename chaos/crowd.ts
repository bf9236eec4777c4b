/**
 * Throwaway identities fill the connection slots (issue 12, chaos suite, item 3). A runs as
 * an `oos start` process with a published version; a crowd of fresh libp2p identities (230,
 * 8 dials at a time, all from 127.0.0.1) connects to it and stays. Then a new node D (its
 * own `oos start` process) follows A through A's address. Pass (the issue): D follows within
 * 5 s. Also measured: how many crowd connections A took, A's peers, and — when the follow
 * failed — whether D catches up by itself once the crowd has left (the follow retried).
 */
import { multiaddr } from '@multiformats/multiaddr'
import type { Libp2p } from '@libp2p/interface'
import { bareLibp2p, ms, pool, publishMany, scoped, until } from './lib.ts'

export interface CrowdOptions {
  /** throwaway identities (default 230) */
  identities?: number
  /** dials at a time (default 8) */
  parallel?: number
  /** how long D may take to catch up by itself after the crowd left, ms (default 30 s) */
  retryWaitMs?: number
  log?: (line: string) => void
}

export interface CrowdFigures {
  ok: boolean
  identities: number
  /** crowd dials that got a connection, and that were refused */
  crowdConnected: number
  crowdRefused: number
  /** A's connected peers with the crowd in place */
  peersOfA: number
  follow: { ms: number, ok: boolean, seq: number, error?: string }
  /** after the crowd left: D held A's version (its follow retried), and when */
  afterCrowd: { synced: boolean, ms: number }
  ms: number
}

export async function crowdScenario (options: CrowdOptions = {}): Promise<CrowdFigures> {
  const N = options.identities ?? 230
  const P = options.parallel ?? 8
  const log = options.log ?? (() => {})
  const t0 = performance.now()
  return await scoped(async (scope) => {
    const ha = await scope.home('Ledgerline')
    const org = ha.config.org
    const a = await scope.start(ha.home, ['--sync-interval', '1'])
    await publishMany(a.api, 1)
    const target = multiaddr(a.addr)
    const crowd: Libp2p[] = []
    let connected = 0
    let refused = 0
    await pool(Array.from({ length: N }, (_, i) => i), P, async () => {
      const p = await bareLibp2p(scope, {}, { listen: [] })
      crowd.push(p)
      try { await p.dial(target, { signal: AbortSignal.timeout(10_000) }); connected++ } catch { refused++ }
    })
    const peersOfA = (await a.api.status()).peers.length
    log(`crowd: ${connected} of ${N} identities connected, ${refused} refused; A has ${peersOfA} peers`)

    const hd = await scope.home('Newcomer')
    const d = await scope.start(hd.home, ['--sync-interval', '1'])
    const tf = performance.now()
    const follow: CrowdFigures['follow'] = { ms: 0, ok: false, seq: 0 }
    try {
      const r = await d.api.follow({ org, via: [a.addr] }, { signal: AbortSignal.timeout(30_000) })
      follow.seq = r.seq
      follow.ok = r.seq >= 1
    } catch (err) {
      follow.error = `${(err as { code?: string }).code ?? ''} ${(err as Error).message}`.trim().slice(0, 200)
    }
    follow.ms = ms(tf)
    log(`crowd: D's follow ${follow.ok ? 'ok' : 'FAILED'} in ${follow.ms} ms ${follow.error ?? ''}`)

    // the crowd leaves; does D get there by itself?
    await Promise.allSettled(crowd.map(async p => { await p.stop() }))
    const tl = performance.now()
    const synced = follow.ok || await until(async () => ((await d.api.status()).following.find(f => f.org === org)?.seq ?? 0) >= 1, options.retryWaitMs ?? 30_000, 250)
    const afterCrowd = { synced, ms: follow.ok ? 0 : ms(tl) }
    return {
      ok: follow.ok && follow.ms <= 5000,
      identities: N,
      crowdConnected: connected,
      crowdRefused: refused,
      peersOfA,
      follow,
      afterCrowd,
      ms: ms(t0)
    }
  })
}
