import { describe, it, expect, afterAll } from 'vitest'
import { readFile } from 'node:fs/promises'
import type { Stream } from '@libp2p/interface'
import * as lp from 'it-length-prefixed'
import { parseOosMarkdown } from '../../src/oos/index.ts'
import { signVersion } from '../../src/records/version.ts'
import type { CID } from 'multiformats/cid'
import { readOneFrame } from '../../src/net/reqresp/frames.ts'
import { COALESCE_BYTES } from '../../src/net/reqresp/serving.ts'
import { PROTOCOLS, SYNC_1_1, decodeSyncRequest11, encodeHeadsResponse, encodeSyncRequest } from '../../src/net/reqresp/index.ts'
import { makeNode, throwaway, until } from './nodes.ts'

type Node = Awaited<ReturnType<typeof makeNode>>

// NETWORK-reqresp.md §4.1–§4.2: catch-up in pipelined windows, from several providers at once.
describe('catch-up windows', () => {
  const nodes: Node[] = []
  const closers: Array<() => Promise<void>> = []
  afterAll(async () => {
    await Promise.all(closers.map(async c => { await c() }))
    await Promise.all(nodes.map(async n => { await n.cleanup() }))
  })

  /** `n` signed versions of `a`'s org (10.8 KB each), in A's store */
  const chainOf = async (a: Node, n: number): Promise<Array<{ cid: CID, bytes: Uint8Array }>> => {
    const body = parseOosMarkdown(await readFile(new URL('../fixtures/example.oos.md', import.meta.url), 'utf8')).body
    const key = await a.orgSecret()
    const out: Array<{ cid: CID, bytes: Uint8Array }> = []
    let prev: CID | null = null
    const t0 = Date.now() - n - 1000
    for (let seq = 1; seq <= n; seq++) {
      const v = signVersion(body, { org: a.org, seq, prev, createdAt: t0 + seq }, key)
      out.push({ cid: v.cid, bytes: v.bytes })
      prev = v.cid
    }
    key.fill(0)
    const results = await a.ingest.ingestMany(out.map(v => v.bytes), { source: 'test' })
    expect(results.every(r => !(r instanceof Error))).toBe(true)
    return out
  }
  const connect = async (x: Node, y: Node): Promise<void> => {
    await x.libp2p.dial(y.libp2p.getMultiaddrs()[0])
    await until(async () => await x.libp2p.peerStore.get(y.peerId).then(p => p.protocols.includes(SYNC_1_1), () => false), 10_000, 'identify')
  }
  const violations = (n: Node): number => Object.values(n.violations.stats().byCode).reduce((s, x) => s + x, 0)

  it('a responder hands its frames to the stream in chunks, not one send per record', async () => {
    const a = await makeNode('Chunked')
    nodes.push(a)
    const versions = await chainOf(a, 20)
    const m = await throwaway('127.0.0.1')
    closers.push(async () => { await m.stop() })
    const stream = await m.dialProtocol(a.libp2p.getMultiaddrs()[0], PROTOCOLS.sync)
    stream.send(lp.encode.single(encodeSyncRequest({ org: a.org, from: 1 })))
    await stream.close()
    let chunks = 0
    let bytes = 0
    for await (const c of stream) { chunks++; bytes += c.byteLength }
    expect(bytes).toBeGreaterThan(versions.reduce((s, v) => s + v.bytes.length, 0))
    // 20 × 10.8 KB: one chunk per record before; now one per COALESCE_BYTES
    expect(chunks).toBeLessThanOrEqual(Math.ceil(bytes / COALESCE_BYTES) + 1)
  })

  it('streams a chain in windows, the next asked while the first goes into the door; a window stops at its bytes', async () => {
    const [a, b] = [await makeNode('Origin'), await makeNode('Follower', { reqresp: { windows: { window: 40, windowBytes: 100_000 } } })]
    nodes.push(a, b)
    await chainOf(a, 120)
    await connect(b, a)
    const r = await b.reqresp.syncFrom([a.peerId], a.org)
    expect((await b.store.head(a.org))?.seq).toBe(120)
    expect(r).toMatchObject({ accepted: 120, rejected: 0, hedged: 0 })
    expect(r.maxInFlight).toBeGreaterThan(1)
    // 100,000 bytes hold 9 versions of 10.8 KB plus the one that reaches it: never more in flight than 3 windows of that
    expect(r.requests).toBeGreaterThanOrEqual(12)
    expect(r.peakBufferedBytes).toBeLessThanOrEqual(3 * (100_000 + 11_000))
    expect(violations(a) + violations(b)).toBe(0)
  })

  it('a provider probed first (a peer not known to hold the org) is asked its head, and no window when it holds nothing new', async () => {
    const [a, b, c] = [await makeNode('Probed origin'), await makeNode('Probing'), await makeNode('Unrelated')]
    nodes.push(a, b, c)
    await chainOf(a, 3)
    await connect(b, a)
    await connect(b, c)
    await b.replicator.idle()
    const asked = (n: Node): number => n.reqresp.stats().protocols.sync.inbound
    const before = { heads: c.reqresp.stats().protocols.heads.inbound, sync: asked(c) }
    const none = await b.reqresp.syncFrom([c.peerId], a.org, { probe: true })
    expect(none).toMatchObject({ accepted: 0, requests: 0 })
    expect(c.reqresp.stats().protocols.heads.inbound).toBeGreaterThan(before.heads)
    expect(asked(c)).toBe(before.sync)
    // without the probe a single provider is asked at once
    await b.reqresp.syncFrom([c.peerId], a.org)
    expect(asked(c)).toBe(before.sync + 1)
    expect(await b.reqresp.syncFrom([a.peerId], a.org, { probe: true })).toMatchObject({ accepted: 3 })
    expect(a.reqresp.stats().protocols.heads.inbound).toBeGreaterThanOrEqual(1)
  })

  it('one provider stalls (its handler slowed by a test hook): the sync completes from another, nobody charged', async () => {
    let release = (): void => {}
    const stalled = new Promise<void>(resolve => { release = resolve })
    closers.push(async () => { release() })
    const slow = async (name: string, _peer: unknown, signal: AbortSignal): Promise<void> => {
      if (name !== 'sync') return
      await Promise.race([stalled, new Promise(resolve => { signal.addEventListener('abort', resolve, { once: true }) })])
    }
    const a = await makeNode('Origin')
    const c = await makeNode('Mirror', { reqresp: { beforeRespond: slow } })
    const b = await makeNode('Follower', { reqresp: { windows: { window: 50, hedgeMs: 300 } } })
    nodes.push(a, b, c)
    const versions = await chainOf(a, 200)
    expect((await c.ingest.ingestMany(versions.map(v => v.bytes), { source: 'test' })).every(r => !(r instanceof Error))).toBe(true)
    await connect(b, a)
    await connect(b, c)
    // the mirror first: it gets the first window, and stalls on it
    const r = await b.reqresp.syncFrom([c.peerId, a.peerId], a.org)
    expect((await b.store.head(a.org))?.seq).toBe(200)
    expect(r.accepted).toBe(200)
    expect(r.hedged).toBeGreaterThanOrEqual(1)
    const mirror = r.providers.find(p => p.peer === c.peerId.toString())
    expect(mirror?.hedged).toBeGreaterThanOrEqual(1)
    expect(r.providers.find(p => p.peer === a.peerId.toString())?.versions).toBe(200)
    expect(violations(b)).toBe(0)
  })

  it('a lying provider (a forged version) is charged UNEXPECTED_BLOCK and its range is fetched from another', async () => {
    const a = await makeNode('Origin')
    // no hedging: on a loaded machine the liar's window could go to the honest provider before its lie arrives
    const b = await makeNode('Follower', { reqresp: { windows: { window: 25, hedgeMs: 600_000 } } })
    nodes.push(a, b)
    const versions = await chainOf(a, 60)
    await connect(b, a)
    // the liar: a bare libp2p peer that says it holds the chain and serves version 3 with a broken signature
    const liar = await throwaway('127.0.0.1')
    closers.push(async () => { await liar.stop() })
    await liar.handle(PROTOCOLS.heads, async (stream: Stream) => {
      await readOneFrame(stream, 16 * 1024)
      stream.send(lp.encode.single(encodeHeadsResponse([{ org: a.org, seq: 60, cid: versions[59].cid }])))
      await stream.close()
    })
    await liar.handle(SYNC_1_1, async (stream: Stream) => {
      const req = decodeSyncRequest11((await readOneFrame(stream, 1024)) as Uint8Array)
      for (let seq = req.from; seq < req.from + (req.limit ?? 1000) && seq <= 60; seq++) {
        const bytes = versions[seq - 1].bytes
        const sent = seq === 3 ? Uint8Array.from(bytes, (x, i) => i === bytes.length - 1 ? x ^ 1 : x) : bytes
        stream.send(lp.encode.single(sent))
      }
      await stream.close()
    })
    await liar.dial(b.libp2p.getMultiaddrs()[0])
    // the dialler's side is up first: B asks over the connection once it has it too
    await until(() => b.libp2p.getConnections(liar.peerId).length > 0, 10_000, 'B connected to the liar')
    const r = await b.reqresp.syncFrom([liar.peerId, a.peerId], a.org)
    expect((await b.store.head(a.org))?.seq).toBe(60)
    expect(r.rejections).toMatchObject({ BAD_SIGNATURE: 1 })
    expect(r.providers.find(p => p.peer === liar.peerId.toString())?.charged).toBe(1)
    expect(b.violations.stats().byCode).toMatchObject({ UNEXPECTED_BLOCK: 1 })
  })

  it('a responder that sends past the bytes asked for is charged UNEXPECTED_BLOCK', async () => {
    const a = await makeNode('Origin')
    const b = await makeNode('Follower', { reqresp: { windows: { windowBytes: 20_000 } } })
    nodes.push(a, b)
    const versions = await chainOf(a, 5)
    const rogue = await throwaway('127.0.0.1')
    closers.push(async () => { await rogue.stop() })
    const asked: Array<number | undefined> = []
    await rogue.handle(SYNC_1_1, async (stream: Stream) => {
      asked.push(decodeSyncRequest11((await readOneFrame(stream, 1024)) as Uint8Array).bytes)
      for (const v of versions) stream.send(lp.encode.single(v.bytes)) // 5 × 10.8 KB, past 20,000
      await stream.close()
    })
    await rogue.dial(b.libp2p.getMultiaddrs()[0])
    // the dialler's side is up first: B asks over the connection once it has it too
    await until(() => b.libp2p.getConnections(rogue.peerId).length > 0, 10_000, 'B connected to the rogue')
    const err = await b.reqresp.syncFrom([rogue.peerId], a.org).catch((e: Error) => e)
    expect(asked).toEqual([20_000])
    expect((err as { code?: string }).code).toBe('UNEXPECTED_BLOCK')
    expect(b.violations.stats().byCode).toMatchObject({ UNEXPECTED_BLOCK: 1 })
    // what arrived within the bound went through the door (two versions reach 20,000 bytes)
    expect((await b.store.head(a.org))?.seq).toBe(2)
  })
})
