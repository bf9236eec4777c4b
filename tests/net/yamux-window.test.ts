/**
 * Yamux window updates once half a stream's window is used (src/net/yamux-window.ts): a real
 * transfer between two libp2p stacks on loopback, the frames counted where the library handles
 * them (its own methods still run).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { createLibp2p, type Libp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { YamuxStream } from '@chainsafe/libp2p-yamux/stream'
import type { Stream } from '@libp2p/interface'
import { createNet, type OosLibp2p } from '../../src/net/libp2p.ts'
import { applied } from '../../src/net/yamux-window.ts'

const PROTO = '/oosnet-test/bulk/1.0.0'
const CHUNK = 64_000
const TOTAL = 8 * 1024 * 1024

/** data frames, and window updates that return credit (no flags: not a FIN, SYN or ACK), handled on streams of PROTO */
const counts = { data: 0, updates: 0 }
interface Frame { header: { flag: number, length: number } }
const proto = YamuxStream.prototype as unknown as Record<string, (this: YamuxStream, frame: Frame) => void>
const originals = { handleData: proto.handleData, handleWindowUpdate: proto.handleWindowUpdate }
// counted where the library handles them (its own methods still run); restored after this file
beforeAll(() => {
  proto.handleData = function (frame) {
    if (this.protocol === PROTO) counts.data++
    originals.handleData.call(this, frame)
  }
  proto.handleWindowUpdate = function (frame) {
    if (this.protocol === PROTO && frame.header.flag === 0 && frame.header.length > 0) counts.updates++
    originals.handleWindowUpdate.call(this, frame)
  }
})
afterAll(() => { Object.assign(proto, originals) })

const nets: Array<OosLibp2p | Libp2p> = []
afterEach(async () => { await Promise.all(nets.splice(0).map(async n => await n.stop())) })

async function pair (): Promise<[OosLibp2p, OosLibp2p]> {
  const [a, b] = [await net(), await net()]
  await a.dial(b.getMultiaddrs()[0])
  return [a, b]
}

async function net (): Promise<OosLibp2p> {
  const n = await createNet({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })
  nets.push(n)
  return n
}

/**
 * send TOTAL bytes in CHUNK-sized writes, each on a turn of the event loop of its own (so each
 * is a data frame of its own, as a sync response's coalesced writes are), waiting for drain
 * when the stream says so; `onFull` when it does
 */
async function sendAll (stream: Stream, onFull: () => void = () => {}): Promise<void> {
  const chunk = new Uint8Array(CHUNK).fill(7)
  for (let sent = 0; sent < TOTAL; sent += CHUNK) {
    if (!stream.send(chunk.subarray(0, Math.min(CHUNK, TOTAL - sent)))) { onFull(); await stream.onDrain({ signal: AbortSignal.timeout(20_000) }) }
    await new Promise(resolve => setImmediate(resolve))
  }
  await stream.close({ signal: AbortSignal.timeout(20_000) })
}

/** `a` sends TOTAL bytes to `b` on a new stream of PROTO; the bytes `b` read */
async function transfer (a: Libp2p, b: Libp2p): Promise<number> {
  const got = Promise.withResolvers<number>()
  await b.handle(PROTO, async (stream) => {
    let n = 0
    for await (const chunk of stream) n += chunk.byteLength
    got.resolve(n)
  })
  await sendAll(await a.dialProtocol(b.getMultiaddrs()[0], PROTO))
  return await got.promise
}

describe('yamux window updates (go-yamux rule: once half the window is used)', () => {
  it('the library fits: the rule is applied', () => {
    expect(applied).toBe(true)
  })

  it('a transfer of 8 MiB gets a window update per several data frames, not one per frame, and arrives whole', async () => {
    const [a, b] = await pair()
    counts.data = 0
    counts.updates = 0
    expect(await transfer(a, b)).toBe(TOTAL)
    // the library sent one after every data frame (as many updates as data frames); this rule
    // one per half window used: at most one per two 64,000-byte frames even if the window never grows
    expect(counts.data).toBeGreaterThan(100)
    expect(counts.updates).toBeGreaterThan(0)
    expect(counts.updates).toBeLessThanOrEqual(counts.data / 2)
  })

  it('a reader that pauses until the sender is out of credit, then resumes, gets everything (no update is held back for ever)', async () => {
    const [a, b] = await pair()
    const full = Promise.withResolvers<void>()
    const got = Promise.withResolvers<number>()
    await b.handle(PROTO, async (stream) => {
      stream.pause()
      await full.promise // the sender's window and buffer are full: nothing moves until we read
      stream.resume()
      let n = 0
      for await (const chunk of stream) n += chunk.byteLength
      got.resolve(n)
    })
    const stream = await a.dialProtocol(b.getMultiaddrs()[0], PROTO)
    // the reader resumes once the sender has no credit left (not merely a full socket)
    let waited = false
    await sendAll(stream, () => {
      if (!waited && (stream as unknown as { sendWindowCapacity: number }).sendWindowCapacity === 0) { waited = true; full.resolve() }
    })
    expect(waited).toBe(true)
    expect(await got.promise).toBe(TOTAL)
  })

  it('a receiver configured with a starting window larger than the spec\'s keeps the library\'s rule: a sender at the spec\'s 256 KiB is never left waiting', async () => {
    // the remote does not know of our 1 MiB: it stops after 256 KiB, a quarter of it, and
    // waits for an update that the half-window rule would not have sent
    const b = await createLibp2p({
      privateKey: await generateKeyPair('Ed25519'),
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux({ streamOptions: { initialStreamWindowSize: 1024 * 1024 } })]
    })
    nets.push(b)
    const a = await net()
    expect(await transfer(a, b)).toBe(TOTAL)
  })
})
