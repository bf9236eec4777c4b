import { describe, it, expect, afterEach } from 'vitest'
import { readFileSync } from 'node:fs'
import { createLibp2p, type Libp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import type { PeerId, Stream } from '@libp2p/interface'
import * as dagCbor from '@ipld/dag-cbor'
import * as lp from 'it-length-prefixed'
import { CID } from 'multiformats/cid'
import { testKey } from '../../protocol/vectors/generate.ts'
import { smallBody } from '../../protocol/vectors/bodies.ts'
import { parseOosMarkdown } from '../../src/oos/index.ts'
import { signVersion } from '../../src/records/version.ts'
import { encodeSigned } from '../../src/records/codec.ts'
import { cidOf, sha256 } from '../../src/records/cid.ts'
import type { OosBody } from '../../src/oos/types.ts'
import type { UnsignedRecord } from '../../src/records/types.ts'
import { reqResp, decodeSyncRequest, PROTOCOLS, type ReqResp, type ReqRespInit, type ViolationCode, type WindowedSyncResult } from '../../src/net/reqresp/index.ts'
import { dump, openNode } from '../helpers.ts'
import { sendRaw } from '../../chaos/lib.ts'

const alice = testKey('alice')
const alice2 = testKey('alice-2')
const bob = testKey('bob')
const T0 = Date.now() - 86_400_000

function chain (n: number, body: (seq: number) => OosBody = seq => smallBody('Alice', seq), key = alice): Array<{ bytes: Uint8Array, cid: CID }> {
  const out: Array<{ bytes: Uint8Array, cid: CID }> = []
  let prev: CID | null = null
  for (let seq = 1; seq <= n; seq++) {
    const v = signVersion(body(seq), { org: key.did, seq, prev, createdAt: T0 + seq * 1000 }, key.secretKey)
    out.push({ bytes: v.bytes, cid: v.cid })
    prev = v.cid
  }
  return out
}

interface Peer {
  libp2p: Libp2p
  node: Awaited<ReturnType<typeof openNode>>
  rr: ReqResp
  violations: Array<[string, ViolationCode]>
}

const cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

async function bareLibp2p (): Promise<Libp2p> {
  const libp2p = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() },
    connectionManager: { inboundConnectionThreshold: Infinity }
  })
  cleanup.push(async () => { await libp2p.stop() })
  return libp2p
}

async function peer (init: ReqRespInit = {}): Promise<Peer> {
  const libp2p = await bareLibp2p()
  const node = await openNode()
  const violations: Array<[string, ViolationCode]> = []
  const rr = reqResp({ ...init, onViolation: (p: PeerId, code: ViolationCode) => { violations.push([p.toString(), code]) } })({ libp2p, store: node.store, ingest: node.ingest })
  await rr.start()
  cleanup.push(async () => { await rr.stop(); await node.close() })
  return { libp2p, node, rr, violations }
}

async function connect (a: Libp2p, b: Libp2p): Promise<void> {
  await a.dial(b.getMultiaddrs()[0])
}

async function holding (records: Array<{ bytes: Uint8Array }>, init?: ReqRespInit): Promise<Peer> {
  const p = await peer(init)
  const results = await p.node.ingest.ingestMany(records.map(r => r.bytes), { source: 'test' })
  expect(results.filter(r => r instanceof Error)).toEqual([])
  return p
}


async function serveOnce (libp2p: Libp2p, protocol: string, respond: (stream: Stream, request: Uint8Array) => Promise<void>): Promise<void> {
  await libp2p.handle(protocol, async (stream) => {
    for await (const req of lp.decode(stream)) {
      await respond(stream, req.subarray())
      return
    }
  })
}

describe('/oos/fetch/1.0.0', () => {
  it('fetches held records and reports the missing ones', async () => {
    const versions = chain(3)
    const b = await holding(versions)
    const a = await peer()
    await connect(a.libp2p, b.libp2p)
    const absent = cidOf(new Uint8Array([1, 2, 3]))
    const r = await a.rr.fetch(b.libp2p.peerId, [versions[0].cid, absent, versions[1].cid])
    expect(r).toMatchObject({ received: 2, accepted: 2, rejected: 0 })
    expect(r.missing.map(String)).toEqual([absent.toString()])
    expect(await a.node.store.get(versions[1].cid)).toEqual(versions[1].bytes)
    expect((await a.node.store.head(alice.did))?.seq).toBe(2)
    // a record out of chain order is received, then rejected by the ingest door
    const gap = await a.rr.fetch(b.libp2p.peerId, [versions[2].cid, versions[0].cid])
    expect(gap).toMatchObject({ received: 2, accepted: 1, duplicate: 1 })
    expect(b.rr.stats().protocols.fetch).toMatchObject({ inbound: 2, served: 2 })
  })

  it('refuses a block that was not asked for: UNEXPECTED_BLOCK, nothing stored', async () => {
    const versions = chain(2)
    const a = await peer()
    const m = await bareLibp2p()
    await serveOnce(m, PROTOCOLS.fetch, async (stream) => {
      stream.send(lp.encode.single(versions[1].bytes)) // asked for version 1, sends version 2
      await stream.close()
    })
    await connect(a.libp2p, m)
    const before = await dump(a.node.store)
    const err = await a.rr.fetch(m.peerId, [versions[0].cid]).catch(e => e)
    expect(err.code).toBe('UNEXPECTED_BLOCK')
    expect(a.rr.stats().violations.UNEXPECTED_BLOCK).toBe(1)
    expect(a.violations).toEqual([[m.peerId.toString(), 'UNEXPECTED_BLOCK']])
    expect(await dump(a.node.store)).toEqual(before)
  })
})

describe('/oos/sync/1.0.0', () => {
  const example = parseOosMarkdown(readFileSync(new URL('../fixtures/example.oos.md', import.meta.url), 'utf8')).body
  let big: Array<{ bytes: Uint8Array, cid: CID }> | undefined
  const bigChain = (): Array<{ bytes: Uint8Array, cid: CID }> => (big ??= chain(1000, () => example))

  it('syncs 1,000 versions of ~10 KB from empty', async () => {
    const versions = bigChain()
    const b = await holding(versions)
    const a = await peer()
    await connect(a.libp2p, b.libp2p)
    const t = performance.now()
    const r = await a.rr.sync(b.libp2p.peerId, alice.did, { from: 1 })
    const ms = performance.now() - t
    const mb = versions.reduce((n, v) => n + v.bytes.length, 0) / 1e6
    console.log(`sync of ${versions.length} versions (${mb.toFixed(1)} MB, ${versions[0].bytes.length} B each) over loopback: ${ms.toFixed(0)} ms (${(versions.length / ms * 1000).toFixed(0)} versions/s)`)
    // windows of 500 (NETWORK-reqresp.md §4.2): two full ones, and the one after them comes back empty
    expect(r).toMatchObject({ received: 1000, accepted: 1000, rejected: 0, requests: 3, refetched: 0 })
    // the second window was asked while the first was still going into the door
    expect((r as WindowedSyncResult).maxInFlight).toBeGreaterThan(1)
    expect(r.head?.seq).toBe(1000)
    let n = 0
    for await (const e of a.node.store.chain(alice.did)) {
      expect(e.cid.toString()).toBe(versions[n].cid.toString())
      expect(Buffer.from((await a.node.store.get(e.cid)) as Uint8Array).equals(versions[n].bytes)).toBe(true)
      n++
    }
    expect(n).toBe(1000)
  })

  it('resumes from a middle seq, page by page', async () => {
    const versions = chain(50)
    const b = await holding(versions)
    const a = await holding(versions.slice(0, 20))
    await connect(a.libp2p, b.libp2p)
    const r = await a.rr.sync(b.libp2p.peerId, alice.did, { limit: 8 }) // from: local head + 1 = 21
    expect(r).toMatchObject({ received: 30, accepted: 30, duplicate: 0, rejected: 0, requests: 4 })
    expect(r.head?.seq).toBe(50)
    // caught up: one request, nothing new
    expect(await a.rr.sync(b.libp2p.peerId, alice.did)).toMatchObject({ received: 0, requests: 1 })
    // from an earlier seq: duplicates are fine
    expect(await a.rr.sync(b.libp2p.peerId, alice.did, { from: 45 })).toMatchObject({ received: 6, duplicate: 6 })
  })

  it('sends the key rotations first, so versions signed by the new key are accepted', async () => {
    const v1 = signVersion(smallBody('Alice', 1), { org: alice.did, seq: 1, prev: null, createdAt: T0 }, alice.secretKey)
    const v2 = signVersion(smallBody('Alice', 2), { org: alice.did, seq: 2, prev: v1.cid, createdAt: T0 + 1000 }, alice.secretKey)
    const rotation = encodeSigned({ type: 'oos/key-rotation', org: alice.did, createdAt: T0 + 2000, seq: 1, prev: null, oldKey: alice.did, newKey: alice2.did, effectiveSeq: 3, nextKeyDigest: sha256(testKey('alice-3').publicKey), reason: 'scheduled rotation' } as UnsignedRecord, [alice.secretKey, alice2.secretKey])
    const v3 = signVersion(smallBody('Alice', 3), { org: alice.did, seq: 3, prev: v2.cid, createdAt: T0 + 3000, key: alice2.did }, alice2.secretKey)
    const v4 = signVersion(smallBody('Alice', 4), { org: alice.did, seq: 4, prev: v3.cid, createdAt: T0 + 4000, key: alice2.did }, alice2.secretKey)
    const b = await holding([v1, v2, rotation, v3, v4])
    const a = await peer()
    await connect(a.libp2p, b.libp2p)
    const r = await a.rr.sync(b.libp2p.peerId, alice.did)
    expect(r).toMatchObject({ received: 5, accepted: 5, rejected: 0 })
    expect(r.head?.seq).toBe(4)
    expect((await a.node.store.rotationCid(alice.did, 1))?.equals(rotation.cid)).toBe(true)
    // a later sync from seq 4 sends the rotation again (a duplicate) and version 4
    expect(await a.rr.sync(b.libp2p.peerId, alice.did, { from: 4 })).toMatchObject({ received: 2, duplicate: 2 })
  })

  it('keeps a page cut by the response timeout on a slow link and asks again for less', async () => {
    const versions = chain(12)
    const a = await peer({ timeouts: { response: 500 } })
    const m = await bareLibp2p()
    await m.handle(PROTOCOLS.sync, async (stream) => {
      for await (const frame of lp.decode(stream)) {
        const req = decodeSyncRequest(frame.subarray())
        for (const v of versions.slice(req.from - 1, req.from - 1 + (req.limit ?? 1000))) {
          await new Promise(resolve => setTimeout(resolve, 100)) // ~10 versions/s
          stream.send(lp.encode.single(v.bytes))
        }
        await stream.close()
        return
      }
    })
    await connect(a.libp2p, m)
    const r = await a.rr.sync(m.peerId, alice.did)
    expect(r).toMatchObject({ accepted: 12, rejected: 0 })
    expect(r.cut).toBeGreaterThan(0)
    expect(r.head?.seq).toBe(12)
    expect(a.rr.stats().violations.TIMEOUT).toBe(0)
  })

  it('refuses versions that were not asked for: UNEXPECTED_BLOCK', async () => {
    const versions = chain(3)
    const a = await peer()
    const m = await bareLibp2p()
    await serveOnce(m, PROTOCOLS.sync, async (stream) => {
      stream.send(lp.encode.single(versions[0].bytes))
      stream.send(lp.encode.single(versions[2].bytes)) // skips version 2
      await stream.close()
    })
    await connect(a.libp2p, m)
    const err = await a.rr.sync(m.peerId, alice.did).catch(e => e)
    expect(err.code).toBe('UNEXPECTED_BLOCK')
    expect(a.violations).toEqual([[m.peerId.toString(), 'UNEXPECTED_BLOCK']])
    expect(await a.node.store.get(versions[2].cid)).toBeUndefined()
  })
})

describe('/oos/heads/1.0.0', () => {
  it('returns the heads the peer has, for the orgs asked', async () => {
    const versions = chain(5)
    const b = await holding(versions)
    const a = await peer()
    await connect(a.libp2p, b.libp2p)
    const heads = await a.rr.heads(b.libp2p.peerId, [bob.did, alice.did])
    expect(heads.map(h => ({ ...h, cid: h.cid.toString() }))).toEqual([{ org: alice.did, seq: 5, cid: versions[4].cid.toString() }])
    expect(await a.rr.heads(b.libp2p.peerId, [bob.did])).toEqual([])
  })
})

describe('limits and abuse', () => {
  it('counts oversized and malformed requests and keeps serving others', async () => {
    const versions = chain(2)
    const b = await holding(versions)
    const a = await peer()
    const c = await peer()
    await connect(a.libp2p, b.libp2p)
    await connect(c.libp2p, b.libp2p)
    // a sync request over its 1 KiB cap
    const tooBig = dagCbor.encode({ org: alice.did, from: 1, pad: 'x'.repeat(2000) })
    expect(await sendRaw(a.libp2p, b.libp2p.peerId, PROTOCOLS.sync, lp.encode.single(tooBig).subarray())).toBe('reset')
    // a fetch request that is not { cids }
    expect(await sendRaw(a.libp2p, b.libp2p.peerId, PROTOCOLS.fetch, lp.encode.single(dagCbor.encode({ cids: [] })).subarray())).toBe('reset')
    // junk
    expect(await sendRaw(a.libp2p, b.libp2p.peerId, PROTOCOLS.heads, lp.encode.single(new Uint8Array([0xff, 0x00])).subarray())).toBe('reset')
    await expect.poll(() => b.rr.stats().violations).toMatchObject({ FRAME_TOO_LARGE: 1, BAD_REQUEST: 2 })
    expect(b.violations.map(v => v[0])).toEqual(Array(3).fill(a.libp2p.peerId.toString()))
    // the responder keeps serving (others and, under the limits, the same peer)
    expect(await c.rr.fetch(b.libp2p.peerId, [versions[0].cid])).toMatchObject({ accepted: 1 })
    expect((await a.rr.heads(b.libp2p.peerId, [alice.did]))[0].seq).toBe(2)
  })

  it('rate limits a peer (RATE_LIMITED, stream reset) and serves it again after the window', async () => {
    const b = await holding(chain(1), { protocols: { heads: { perPeer: { rate: 2, burst: 3 } } } })
    const a = await peer()
    await connect(a.libp2p, b.libp2p)
    const results = []
    for (let i = 0; i < 6; i++) results.push(await a.rr.heads(b.libp2p.peerId, [alice.did]).then(() => 'ok', e => e.code))
    expect(results.slice(0, 3)).toEqual(['ok', 'ok', 'ok'])
    expect(results.slice(3)).toContain('STREAM_RESET')
    const limited = results.filter(r => r !== 'ok').length
    expect(b.rr.stats().violations.RATE_LIMITED).toBe(limited)
    expect(b.rr.stats().protocols.heads.refused).toBe(limited)
    expect(b.violations.every(([p, code]) => p === a.libp2p.peerId.toString() && code === 'RATE_LIMITED')).toBe(true)
    // other protocols have their own limits
    expect((await a.rr.sync(b.libp2p.peerId, alice.did)).accepted).toBe(1)
    await new Promise(resolve => setTimeout(resolve, 1100))
    expect((await a.rr.heads(b.libp2p.peerId, [alice.did]))[0].seq).toBe(1)
  })

  it('an honest requester under the default limits is never refused', async () => {
    const versions = chain(3)
    const b = await holding(versions)
    const a = await peer()
    await connect(a.libp2p, b.libp2p)
    // 50 requests at once: the requester queues and paces itself below the responder's limits
    const all = await Promise.allSettled(Array.from({ length: 50 }, async () => await a.rr.fetch(b.libp2p.peerId, [versions[0].cid])))
    expect(all.filter(r => r.status === 'rejected')).toEqual([])
    expect(b.rr.stats().violations.RATE_LIMITED).toBe(0)
  })

  it('times out a slow responder (TIMEOUT) and a requester that never sends its request', async () => {
    // no lenience budget: each timeout is charged at once (the budget: tests/net/honest-faults.test.ts)
    const strict = { lenience: { rate: 1, burst: 0 } }
    const a = await peer({ timeouts: { firstByte: 300, response: 800 }, ...strict })
    const m = await bareLibp2p()
    await serveOnce(m, PROTOCOLS.heads, async () => { await new Promise(resolve => setTimeout(resolve, 2000)) })
    const versions = chain(1)
    await serveOnce(m, PROTOCOLS.fetch, async (stream) => {
      stream.send(lp.encode.single(versions[0].bytes).subarray(0, 100)) // starts, never finishes
      await new Promise(resolve => setTimeout(resolve, 2000))
    })
    await connect(a.libp2p, m)
    let t = performance.now()
    expect((await a.rr.heads(m.peerId, [alice.did]).catch(e => e)).code).toBe('TIMEOUT')
    expect(performance.now() - t).toBeLessThan(1800)
    t = performance.now()
    expect((await a.rr.fetch(m.peerId, [versions[0].cid]).catch(e => e)).code).toBe('TIMEOUT')
    expect(performance.now() - t).toBeGreaterThan(700)
    expect(a.rr.stats().violations.TIMEOUT).toBe(2)
    expect(a.violations).toEqual([[m.peerId.toString(), 'TIMEOUT'], [m.peerId.toString(), 'TIMEOUT']])
    expect(await a.node.store.get(versions[0].cid)).toBeUndefined()
    // responder side: a stream opened and left silent
    const b = await peer({ timeouts: { firstByte: 300 }, ...strict })
    await connect(a.libp2p, b.libp2p)
    const s = await a.libp2p.dialProtocol(b.libp2p.peerId, PROTOCOLS.sync)
    await expect.poll(() => b.rr.stats().violations.TIMEOUT, { timeout: 2000 }).toBe(1)
    s.abort(new Error('done'))
  })

  it('aborts on the caller\'s signal', async () => {
    const a = await peer()
    const m = await bareLibp2p()
    await serveOnce(m, PROTOCOLS.heads, async () => { await new Promise(resolve => setTimeout(resolve, 2000)) })
    await connect(a.libp2p, m)
    const err = await a.rr.heads(m.peerId, [alice.did], { signal: AbortSignal.timeout(200) }).catch(e => e)
    expect(err.code).toBe('ABORTED')
    expect(a.rr.stats().violations.TIMEOUT).toBe(0)
  })
})
