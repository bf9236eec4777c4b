/**
 * Yamux window updates once half a stream's window is used (src/net/yamux-window.ts): a real
 * transfer between two libp2p stacks on loopback, the frames counted where the library handles
 * them (its own methods still run).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { YamuxStream } from '@chainsafe/libp2p-yamux/stream'
import type { Stream } from '@libp2p/interface'
import { createNet, type OosLibp2p } from '../../src/net/libp2p.ts'
import { applied } from '../../src/net/yamux-window.ts'

const PROTO = '/oosnet-test/bulk/1.0.0'
const CHUNK = 64_000
const TOTAL = 8 * 1024 * 1024

/** data frames and window updates handled on streams of PROTO, by the receiving and the sending side */
const counts = { data: 0, updates: 0 }
const proto = YamuxStream.prototype as unknown as Record<string, (this: YamuxStream, frame: unknown) => void>
for (const [name, key] of [['handleData', 'data'], ['handleWindowUpdate', 'updates']] as const) {
  const original = proto[name]
  proto[name] = function (frame) {
    if (this.protocol === PROTO) counts[key]++
    original.call(this, frame)
  }
}

const nets: OosLibp2p[] = []
afterEach(async () => { await Promise.all(nets.splice(0).map(async n => await n.stop())) })

async function pair (): Promise<[OosLibp2p, OosLibp2p]> {
  for (let i = 0; i < 2; i++) nets.push(await createNet({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] }))
  await nets[0].dial(nets[1].getMultiaddrs()[0])
  return [nets[0], nets[1]]
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

describe('yamux window updates (go-yamux rule: once half the window is used)', () => {
  it('the library fits: the rule is applied', () => {
    expect(applied).toBe(true)
  })

  it('a transfer of 8 MiB gets a window update per several data frames, not one per frame, and arrives whole', async () => {
    const [a, b] = await pair()
    counts.data = 0
    counts.updates = 0
    const got = Promise.withResolvers<number>()
    await b.handle(PROTO, async (stream) => {
      let n = 0
      for await (const chunk of stream) n += chunk.byteLength
      got.resolve(n)
    })
    const stream = await a.dialProtocol(b.getMultiaddrs()[0], PROTO)
    await sendAll(stream)
    expect(await got.promise).toBe(TOTAL)
    // the library sent one after every data frame (updates === data frames)
    expect(counts.data).toBeGreaterThan(40)
    expect(counts.updates).toBeGreaterThan(0)
    expect(counts.updates).toBeLessThan(counts.data / 4)
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
    let waited = false
    await sendAll(stream, () => { if (!waited) { waited = true; full.resolve() } })
    expect(waited).toBe(true)
    expect(await got.promise).toBe(TOTAL)
  })
})
