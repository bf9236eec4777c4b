/**
 * A busy peer is not a dead one (net/libp2p.ts, PING_TIMEOUT_MIN_MS; NETWORK.md §1): libp2p's
 * connection monitor closes a connection whose ping takes longer than its timeout, 5 s by
 * libp2p's default; a ping is answered by the peer's event loop, so a peer whose host was busy
 * for a few seconds lost every connection (the 100-org simulation, bench/README.md). Here B
 * answers pings 6 s late (its handler holds the answer, as a stalled event loop would), A pings
 * it every 6.5 s and waits up to 6.4 s (the default, PING_TIMEOUT_MS, is 30 s under a minute;
 * shortened so the test takes seconds): the connection stays open and the ping completes. A peer that never answers
 * is still disconnected, once the (here shortened) timeout passes.
 */
import { describe, it, expect, afterAll } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { byteStream } from '@libp2p/utils'
import type { Connection, PeerId } from '@libp2p/interface'
import { createNet, PING_TIMEOUT_MS, type OosLibp2p } from '../../src/net/libp2p.ts'
import { nextEvent, until } from './nodes.ts'

const PING = '/ipfs/ping/1.0.0'
const cleanups: Array<() => Promise<void>> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

async function net (ping?: { intervalMs?: number, timeoutMs?: number }): Promise<OosLibp2p> {
  const n = await createNet({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], ping })
  cleanups.push(async () => { await n.stop() })
  return n
}

/** B answers each ping `lateMs` after it came (never, for Infinity), as a peer whose event loop is held up would. */
async function answerLate (b: OosLibp2p, lateMs: number): Promise<void> {
  await b.unhandle(PING)
  await b.handle(PING, async (stream) => {
    const bs = byteStream(stream)
    const data = await bs.read({ bytes: 32 })
    if (lateMs === Infinity) return
    await new Promise(resolve => setTimeout(resolve, lateMs))
    await bs.write(data.subarray())
    await stream.close()
  }, { runOnLimitedConnection: true })
}

const connectionTo = (a: OosLibp2p, peer: PeerId): Connection | undefined => a.getConnections(peer).find(c => c.status === 'open')

describe('pings of a busy peer', () => {
  it('a peer that answers a ping 6 s late (past libp2p\'s 5 s) keeps its connection', async () => {
    expect(PING_TIMEOUT_MS).toBe(30_000)
    const a = await net({ intervalMs: 6_500, timeoutMs: 6_400 })
    const b = await net()
    await answerLate(b, 6_000)
    const conn = await a.dial(b.getMultiaddrs()[0])
    // the monitor sets a connection's rtt once a ping completed: one took the 6 s
    await until(() => (conn.rtt ?? 0) >= 6_000, 30_000, 'a 6 s ping completed')
    expect(conn.status).toBe('open')
    expect(connectionTo(a, b.peerId)).toBe(conn)
  }, 40_000)

  it('a peer that never answers a ping is disconnected once the timeout passes', async () => {
    const a = await net({ intervalMs: 1_500, timeoutMs: 1_000 })
    const b = await net()
    await answerLate(b, Infinity)
    const gone = nextEvent<PeerId>(a, 'peer:disconnect', p => p.equals(b.peerId))
    const conn = await a.dial(b.getMultiaddrs()[0])
    await gone
    expect(conn.status).not.toBe('open')
  }, 30_000)

  it('a ping timeout that is not less than the interval is refused (a ping would overlap the next, which fails)', async () => {
    await expect(createNet({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], ping: { intervalMs: 1_000, timeoutMs: 1_000 }, start: false })).rejects.toThrow(RangeError)
  })
})
