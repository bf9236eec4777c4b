/**
 * Bounded serving (protocol/NETWORK-reqresp.md §6, "Serving budgets"; NETWORK.md §7): peers
 * that ask for an org's chain and never read the answer. Real nodes and raw libp2p peers on
 * loopback; the server's budgets are set small so that the attack exceeds them.
 */
import { describe, it, expect, afterAll } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import * as dagCbor from '@ipld/dag-cbor'
import * as lp from 'it-length-prefixed'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import type { PeerId, Stream } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import { createNet, type OosLibp2p } from '../../src/net/libp2p.ts'
import { PROTOCOLS } from '../../src/net/reqresp/index.ts'
import { parseOosMarkdown } from '../../src/oos/index.ts'
import { signVersion } from '../../src/records/version.ts'
import type { EphemeralNode } from '../../src/node/ephemeral.ts'
import type { OosNodeInit } from '../../src/node/node.ts'
import { testKey } from '../../protocol/vectors/generate.ts'
import { makeNode, until } from './nodes.ts'
import { tempDir } from '../helpers.ts'
import { oosIn } from '../cli/run.ts'
import { startNode } from '../cli/start.ts'

const KiB = 1024
const cleanups: Array<() => Promise<void>> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

const example = parseOosMarkdown(readFileSync(new URL('../fixtures/example.oos.md', import.meta.url), 'utf8')).body

/** A node holding a chain of `n` versions of ~10.8 KB, signed with its org key. */
async function serverWith (n: number, reqresp: OosNodeInit['reqresp']): Promise<EphemeralNode> {
  const node = await makeNode('Server', { reqresp })
  cleanups.push(node.cleanup)
  const key = await node.orgSecret()
  const records: Uint8Array[] = []
  let prev: CID | null = null
  const t0 = Date.now() - n * 1000
  for (let seq = 1; seq <= n; seq++) {
    const v = signVersion(example, { org: node.org, seq, prev, createdAt: t0 + seq }, key)
    records.push(v.bytes)
    prev = v.cid
  }
  const results = await node.ingest.ingestMany(records, { source: 'test' })
  expect(results.filter(r => r instanceof Error)).toEqual([])
  return node
}

async function stranger (): Promise<OosLibp2p> {
  const net = await createNet({ privateKey: await generateKeyPairFromSeed('Ed25519', randomBytes(32)), listen: ['/ip4/127.0.0.1/tcp/0'] })
  cleanups.push(async () => { await net.stop() })
  return net
}

/**
 * A peer that keeps `streams` sync requests open for the whole chain and never reads: each
 * stream is paused (no yamux window updates, so the server's send window runs out); when
 * the server ends one, it opens another, until it can no longer reach the server.
 */
async function slowReader (net: OosLibp2p, server: PeerId, org: string, streams: number): Promise<void> {
  await Promise.all(Array.from({ length: streams }, async () => {
    for (;;) {
      let s: Stream
      try { s = await net.dialProtocol(server, PROTOCOLS.sync) } catch { return }
      if (s.status !== 'open') continue // refused at once
      const closed = new Promise(resolve => { s.addEventListener('close', resolve, { once: true }) })
      try {
        s.pause()
        s.send(lp.encode.single(dagCbor.encode({ org, from: 1 })))
        await s.close()
      } catch { /* reset meanwhile */ }
      if (s.status === 'open') await closed
    }
  }))
}

/** bytes waiting in the server's own write buffers of sync streams, measured on the streams */
function syncWriteBuffers (node: EphemeralNode): number {
  return node.libp2p.getConnections().flatMap(c => c.streams).filter(s => s.protocol === PROTOCOLS.sync).reduce((n, s) => n + s.writeBufferLength, 0)
}

describe('peers that never read their sync responses', () => {
  it('are cut (SLOW_READER) and blocked; what the server holds stays within its budgets; an honest follower gets the whole chain meanwhile', async () => {
    const N = 400
    const budgets = { window: 64 * KiB, perPeerBytes: 256 * KiB, totalBytes: 1024 * KiB, stallMs: 1500 }
    const server = await serverWith(N, { serving: budgets })
    const addr = server.libp2p.getMultiaddrs()[0]

    // six strangers, eight paused sync requests each, kept up: 48 responses wanted, room for 16
    const attackers = await Promise.all(Array.from({ length: 6 }, stranger))
    for (const a of attackers) await a.dial(addr)
    const attacks = attackers.map(a => slowReader(a, server.peerId, server.org, 8))
    let measured = 0
    const sample = (): void => { measured = Math.max(measured, syncWriteBuffers(server)) }
    await until(() => { sample(); return server.reqresp.stats().protocols.sync.inbound >= 24 }, 15_000, 'the slow readers hold responses')

    // an honest follower, during the attack
    const follower = await makeNode('Follower')
    cleanups.push(follower.cleanup)
    const t = performance.now()
    const sampling = setInterval(sample, 20)
    const followed = await follower.follow(server.org, { via: [addr.toString()] })
    console.log(`honest follow of ${N} versions under attack: ${(performance.now() - t).toFixed(0)} ms`)
    expect(followed).toEqual({ org: server.org, seq: N })
    let held = 0
    for await (const _ of follower.store.chain(server.org)) held++
    expect(held).toBe(N)

    // every slow reader is cut, counted and blocked, then disconnected; their loops end
    await until(() => { sample(); return attackers.every(a => server.violations.stats().blockedNow.includes(a.peerId.toString())) }, 30_000, 'every slow reader blocked')
    await until(() => attackers.every(a => !server.libp2p.getPeers().some(p => p.equals(a.peerId))), 10_000, 'slow readers disconnected')
    await Promise.all(attacks)
    clearInterval(sampling)
    const stats = server.reqresp.stats()
    expect(stats.violations.SLOW_READER).toBeGreaterThanOrEqual(attackers.length * 5)
    expect(server.violations.stats().byCode.SLOW_READER).toBe(stats.violations.SLOW_READER)

    // memory: what the responses held, by the server's account and measured on its streams
    console.log('serving under attack:', JSON.stringify(stats.serving), `peak sync write buffers measured: ${measured} B`)
    expect(stats.serving.peakBytes).toBeGreaterThan(0)
    expect(stats.serving.peakBytes).toBeLessThanOrEqual(budgets.totalBytes)
    expect(stats.serving.peakPeerBytes).toBeLessThanOrEqual(budgets.perPeerBytes)
    expect(stats.serving.peakResponses).toBeLessThanOrEqual(budgets.totalBytes / budgets.window)
    expect(measured).toBeLessThanOrEqual(budgets.totalBytes)
    expect(stats.serving.busy + stats.serving.queued).toBeGreaterThan(0) // the attack did exceed the budgets
    // after the attack nothing is held
    await until(() => server.reqresp.stats().serving.responses === 0, 10_000, 'no responses left')
    expect(server.reqresp.stats().serving).toMatchObject({ bytes: 0, reserved: 0 })
  })
})

describe('a requester that resets its stream while the response waits for it', () => {
  it('is not a slow reader: the response ends at once, nothing is counted', async () => {
    const server = await serverWith(100, { serving: { stallMs: 1000 } })
    const peer = await stranger()
    await peer.dial(server.libp2p.getMultiaddrs()[0])
    const s = await peer.dialProtocol(server.peerId, PROTOCOLS.sync)
    s.pause()
    s.send(lp.encode.single(dagCbor.encode({ org: server.org, from: 1 })))
    await s.close()
    // the server's send window runs out: its response holds bytes, waiting for the reader
    await until(() => server.reqresp.stats().serving.bytes > 0 && syncWriteBuffers(server) > 0, 10_000, 'the response waits')
    s.abort(new Error('gone'))
    await until(() => server.reqresp.stats().serving.responses === 0, 10_000, 'the response ended')
    expect(server.reqresp.stats().violations.SLOW_READER).toBe(0)
    expect(server.violations.stats().byCode).toEqual({})
  })
})

describe('a follow whose syncs are all refused', () => {
  it('is not reported as a successful 0-version follow: synced false with the reason, after retrying', async () => {
    // a peer that refuses every request as a busy responder does: it resets the stream
    const busy = await stranger()
    let asked = 0
    await busy.handle([PROTOCOLS.sync, PROTOCOLS.heads], (stream) => { asked++; stream.abort(new Error('busy')) })
    const follower = await makeNode('Follower')
    cleanups.push(follower.cleanup)
    const org = testKey('alice').did
    const r = await follower.follow(org, { via: [busy.getMultiaddrs()[0].toString()] })
    expect(r).toMatchObject({ org, seq: 0, synced: false, error: { code: 'STREAM_RESET' } })
    expect(asked).toBeGreaterThanOrEqual(5) // one try and four retries, not one
    expect(follower.follows.list().map(f => f.org)).toContain(org) // still followed: the node keeps trying
  })

  it('makes `oos follow` exit 1 and say why, against a real `oos start`', async () => {
    const busy = await stranger()
    await busy.handle([PROTOCOLS.sync, PROTOCOLS.heads], (stream) => { stream.abort(new Error('busy')) })
    const dir = await tempDir()
    cleanups.push(dir.cleanup)
    const home = join(dir.path, 'b')
    expect((await oosIn(['init', '--name', 'Carepath', '--home', home])).code).toBe(0)
    const node = await startNode(home)
    cleanups.push(async () => { await node.stop() })
    const org = testKey('alice').did
    const r = await oosIn(['follow', org, '--via', busy.getMultiaddrs()[0].toString(), '--home', home, '--json'])
    expect(r.code, r.stderr).toBe(1)
    expect(r.json()).toMatchObject({ org, seq: 0, synced: false, error: { code: 'STREAM_RESET' } })
  })
})
