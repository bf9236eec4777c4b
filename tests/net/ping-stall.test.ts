/**
 * A busy peer is not a dead one (net/libp2p.ts, PING_TIMEOUT_MS; NETWORK.md §1): libp2p's
 * connection monitor closes a connection whose ping takes longer than its timeout, 5 s by
 * libp2p's default; a ping is answered by the peer's event loop, so a peer whose host was busy
 * for a few seconds lost every connection (the 100-org simulation, bench/README.md). Here B
 * answers pings 6 s late (its handler holds the answer, as a stalled event loop would), A pings
 * it every 8.5 s and waits up to 8 s (the default, PING_TIMEOUT_MS, is 30 s under a minute;
 * shortened so the test takes seconds): the connection outlives the first ping and carries the
 * next. A peer that never answers is disconnected once the timeout passes. And a ping of
 * kad-dht's in flight (it pings a new contact) does not make the monitor's fail beside it.
 */
import { describe, it, expect, afterEach } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { byteStream } from '@libp2p/utils'
import type { Connection, PeerId } from '@libp2p/interface'
import { createNet, PING_TIMEOUT_MS, type OosLibp2p } from '../../src/net/libp2p.ts'
import { nextEvent, until } from './nodes.ts'

const PING = '/ipfs/ping/1.0.0'
const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c() })

async function net (ping?: { intervalMs?: number, timeoutMs?: number }): Promise<OosLibp2p> {
  const n = await createNet({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], ping })
  cleanups.push(async () => { await n.stop() })
  return n
}

/**
 * B answers each ping `lateMs` after it came (never, for Infinity), as a peer whose event loop
 * is held up would (`lateMs` a function: of the ping's number, from 1); returns how many came
 */
async function answerLate (b: OosLibp2p, late: number | ((n: number) => number)): Promise<() => number> {
  let pings = 0
  const timers = new Set<ReturnType<typeof setTimeout>>()
  cleanups.push(async () => { for (const t of timers) clearTimeout(t) })
  await b.unhandle(PING)
  await b.handle(PING, async (stream) => {
    pings++
    const lateMs = typeof late === 'number' ? late : late(pings)
    const bs = byteStream(stream)
    const data = await bs.read({ bytes: 32 })
    if (lateMs === Infinity) return
    await new Promise<void>(resolve => { const t = setTimeout(() => { timers.delete(t); resolve() }, lateMs); timers.add(t) })
    await bs.write(data.subarray())
    await stream.close()
  }, { runOnLimitedConnection: true })
  return () => pings
}

const connectionTo = (a: OosLibp2p, peer: PeerId): Connection | undefined => a.getConnections(peer).find(c => c.status === 'open')

describe('pings of a busy peer', () => {
  it('a peer that answers a ping 6 s late (past libp2p\'s 5 s) keeps its connection', async () => {
    expect(PING_TIMEOUT_MS).toBe(30_000)
    const a = await net({ intervalMs: 8_500, timeoutMs: 8_000 })
    const b = await net()
    const pings = await answerLate(b, 6_000)
    const conn = await a.dial(b.getMultiaddrs()[0])
    // the monitor sets a connection's rtt once a ping completed: the first took the 6 s
    await until(() => (conn.rtt ?? 0) >= 6_000, 30_000, 'a 6 s ping completed')
    // and the connection outlived it: the next ping comes over it
    await until(() => pings() >= 2, 30_000, 'a second ping')
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

  it('the DHT\'s ping of a new contact, still in flight, does not close the connection when the monitor pings beside it', async () => {
    // kad-dht pings a peer when it connects (a new contact for its table); B answers that one
    // 4 s late and the others at once; the monitor pings at 1.5 s, 3 s, …: with one outbound
    // ping allowed (libp2p's default) its first failed as the second stream, which closed the
    // connection
    const a = await net({ intervalMs: 1_500, timeoutMs: 1_000 })
    const b = await net()
    const pings = await answerLate(b, n => n === 1 ? 4_000 : 0)
    const conn = await a.dial(b.getMultiaddrs()[0])
    await until(() => pings() >= 3, 20_000, 'the DHT\'s ping and two of the monitor\'s')
    expect(conn.status).toBe('open')
    expect(connectionTo(a, b.peerId)).toBe(conn)
  }, 30_000)

  it('a ping timeout not under the interval, or an interval a timer cannot hold, is refused; the default timeout fits a shorter interval', async () => {
    const key = await generateKeyPair('Ed25519')
    const make = async (ping: { intervalMs?: number, timeoutMs?: number }): Promise<OosLibp2p> => await createNet({ privateKey: key, listen: ['/ip4/127.0.0.1/tcp/0'], ping, start: false })
    await expect(make({ intervalMs: 1_000, timeoutMs: 1_000 })).rejects.toThrow(RangeError)
    await expect(make({ intervalMs: 2 ** 31 })).rejects.toThrow(RangeError)
    // 20 s of interval: the timeout is half of it, not the 30 s default
    const n = await make({ intervalMs: 20_000 })
    await n.stop()
  })
})
