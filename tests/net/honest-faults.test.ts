/**
 * What honest nodes do under load is not charged (protocol/NETWORK-reqresp.md §7, "Stream
 * endings" and "Faults that cost little"), while a peer that does the same past its budget
 * still is:
 *
 * - a requester that gives up (its own timeout or a cancelled sync) resets its stream; when
 *   the reset lands before a loaded responder's handler begins to read, libp2p ends the
 *   stream's reading without an error, as a close would: a reset, not "no request";
 * - a connection this node aborts (a failed ping, a socket error) fails the stream under the
 *   handler: nobody's request was bad;
 * - a timeout during which this node's own event loop stalled is this node's overload;
 * - an early end or a timeout that remains is counted against the peer's lenience budget
 *   and charged only past it.
 */
import { describe, it, expect, afterAll } from 'vitest'
import { readFile } from 'node:fs/promises'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Connection, Stream } from '@libp2p/interface'
import { parseOosMarkdown } from '../../src/oos/index.ts'
import { createNet, type OosLibp2p } from '../../src/net/libp2p.ts'
import { encodeHeadsRequest, PROTOCOLS } from '../../src/net/reqresp/index.ts'
import { writeFrame } from '../../src/net/reqresp/frames.ts'
import type { NodeConfig } from '../../src/node/create.ts'
import type { EphemeralNode } from '../../src/node/ephemeral.ts'
import { makeNode, until } from './nodes.ts'

const cleanups: Array<() => Promise<void>> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

async function node (name: string, reqresp: NodeConfig['reqresp']): Promise<EphemeralNode> {
  const n = await makeNode(name, { reqresp })
  cleanups.push(n.cleanup)
  const text = await readFile(new URL('../../examples/orgs/ledgerline/v1.oos.md', import.meta.url), 'utf8')
  await n.publish(parseOosMarkdown(text).body)
  return n
}

async function stranger (target: EphemeralNode): Promise<OosLibp2p> {
  const net = await createNet({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })
  cleanups.push(async () => { await net.stop() })
  await net.dial(target.libp2p.getMultiaddrs()[0])
  return net
}

const heads = (n: EphemeralNode): ReturnType<EphemeralNode['reqresp']['stats']>['protocols']['heads'] => n.reqresp.stats().protocols.heads
/** no budget: every early end and timeout that is the peer's is charged at once */
const strict = { lenience: { rate: 1, burst: 0 } }

/** Hold each inbound heads stream of `n` before its handler (a loaded node), until `release` says go. */
function holdHandlers (n: EphemeralNode, release: (stream: Stream, connection: Connection) => Promise<void>): void {
  n.libp2p.use(PROTOCOLS.heads, async (stream, connection, next) => {
    await release(stream, connection)
    next(stream, connection)
  })
}

/** a busy loop: this process's event loop stalls `ms` */
function stall (ms: number): void {
  const end = performance.now() + ms
  while (performance.now() < end) { /* the node's overload */ }
}

describe('honest endings under load', () => {
  it('a requester that gives up before a loaded responder reads its stream is not charged (its reset is told from a close)', async () => {
    const b = await node('Loaded responder', strict)
    // the requester: a bare libp2p stack, with no replicator of its own, so the one heads stream
    // B holds is this one (a node as requester also checks B's heads on each identify, and a
    // second identify under load once made B hold that stream instead: CI, seventh session)
    const a = await stranger(b)
    let held: Stream | undefined
    let released = false
    const reached = Promise.withResolvers<void>()
    // the responder's handler of that request starts only after the requester's reset arrived
    holdHandlers(b, async (stream) => {
      if (held !== undefined) return
      held = stream
      reached.resolve()
      await until(() => stream.status !== 'open', 5_000, 'the requester reset its stream')
      released = true
    })
    const s = await a.dialProtocol(b.peerId, PROTOCOLS.heads)
    await writeFrame(s, encodeHeadsRequest([b.org]), AbortSignal.timeout(5_000))
    await reached.promise
    s.abort(new Error('the requester gave up')) // its reset, before B's handler reads the request
    // its handler ran on the reset stream, and the verdict is in (an early end waits out the end grace)
    await until(() => released && heads(b).judging === 0, 10_000, 'the responder judged the stream')
    expect(held?.status).toBe('reset')
    expect(b.violations.stats().byCode).toEqual({})
    expect(a.getConnections(b.peerId).length).toBeGreaterThan(0)
  })

  it('a stream failed by this node aborting its connection (a failed ping) charges nobody', async () => {
    const b = await node('Pinging responder', strict)
    const slow = await stranger(b)
    const s = await slow.dialProtocol(b.peerId, PROTOCOLS.heads)
    await until(() => heads(b).inbound === 1, 5_000, 'the handler reading')
    // libp2p's connection monitor aborts a connection whose ping timed out, with the timeout's error
    for (const c of b.libp2p.getConnections(slow.peerId)) c.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'))
    await until(() => s.status !== 'open' && heads(b).judging === 0, 5_000, 'the stream failed')
    await until(() => b.libp2p.getConnections(slow.peerId).length === 0, 5_000, 'the connection gone')
    expect(b.violations.stats().byCode).toEqual({})
  })
})

describe('faults that cost little: a budget per peer', () => {
  it('streams ended before their request: forgiven up to the budget, charged past it', async () => {
    const b = await node('Budgeted', { lenience: { rate: 1 / 60, burst: 3 }, timeouts: { endGrace: 200 } })
    const rogue = await stranger(b)
    for (let i = 1; i <= 4; i++) {
      const s = await rogue.dialProtocol(b.peerId, PROTOCOLS.heads)
      await s.close()
      await until(() => heads(b).forgiven + (b.violations.stats().byCode.BAD_REQUEST ?? 0) === i, 10_000, `early end ${i} judged`)
    }
    expect(heads(b).forgiven).toBe(3)
    expect(b.violations.stats().byCode).toEqual({ BAD_REQUEST: 1 })
    expect(heads(b).cut).toBe(0)
  })

  it('a timeout while this node stalled is not charged nor counted against the peer; one without a stall is, past the budget', async () => {
    const b = await node('Stalling', { lenience: { rate: 1 / 60, burst: 1 }, timeouts: { firstByte: 300 } })
    const rogue = await stranger(b)
    const silent = async (n: number, during: () => void): Promise<void> => {
      await rogue.dialProtocol(b.peerId, PROTOCOLS.heads) // and never a request
      await until(() => heads(b).inbound === n, 5_000, `silent stream ${n} being read`)
      during()
      await until(() => heads(b).stalled + heads(b).forgiven + (b.violations.stats().byCode.TIMEOUT ?? 0) === n, 5_000, `timeout ${n} judged`)
    }
    await silent(1, () => { stall(1_500) })
    expect(heads(b).stalled).toBe(1)
    await silent(2, () => {})
    expect(heads(b).forgiven).toBe(1)
    await silent(3, () => {})
    expect(b.violations.stats().byCode).toEqual({ TIMEOUT: 1 })
    expect(heads(b).stalled).toBe(1)
  })
})
