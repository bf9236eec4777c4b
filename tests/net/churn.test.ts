/**
 * Connection churn is not a violation (protocol/NETWORK-reqresp.md §6, "Stream endings"): an
 * exchange cut because its connection closed — pruned by a connection manager, a duplicate
 * closed, a node hanging up or stopping mid-request — charges nobody, on either side. A peer
 * that ends a stream early on a connection it keeps open is still charged.
 */
import { describe, it, expect, afterAll } from 'vitest'
import { readFile } from 'node:fs/promises'
import * as lp from 'it-length-prefixed'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { parseOosMarkdown } from '../../src/oos/index.ts'
import { createNet } from '../../src/net/libp2p.ts'
import { PROTOCOLS } from '../../src/net/reqresp/index.ts'
import type { EphemeralNode } from '../../src/node/ephemeral.ts'
import { makeNode, until } from './nodes.ts'

const cleanups: Array<() => Promise<void>> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

const body = async (org: string): Promise<ReturnType<typeof parseOosMarkdown>['body']> =>
  parseOosMarkdown(await readFile(new URL(`../../examples/orgs/${org}/v1.oos.md`, import.meta.url), 'utf8')).body

async function nodes (n: number): Promise<EphemeralNode[]> {
  const names = ['ledgerline', 'carepath', 'parcelworks']
  const all = await Promise.all(Array.from({ length: n }, async (_, i) => await makeNode(`Churn ${i}`)))
  for (const node of all) cleanups.push(node.cleanup)
  await Promise.all(all.map(async (node, i) => await node.publish(await body(names[i % names.length]))))
  return all
}

/** every violation any of `all` counted, by code */
function charged (all: EphemeralNode[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const node of all) for (const [code, n] of Object.entries(node.violations.stats().byCode)) out[code] = (out[code] ?? 0) + n
  return out
}

/** exchanges cut by their connection closing, on all nodes */
const cut = (all: EphemeralNode[]): number => all.reduce((n, node) => n + Object.values(node.reqresp.stats().protocols).reduce((m, p) => m + p.cut, 0), 0)

/** exchanges that ended early and wait out the end grace before their verdict */
const judging = (all: EphemeralNode[]): number => all.reduce((n, node) => n + Object.values(node.reqresp.stats().protocols).reduce((m, p) => m + p.judging, 0), 0)
/** every request/response stream of ours has ended (so each early end has been seen) and every verdict on one is in */
const settled = (all: EphemeralNode[]): boolean =>
  all.every(n => n.libp2p.getConnections().every(c => c.streams.every(s => !(s.protocol ?? '').startsWith('/oos/')))) && judging(all) === 0

/** requests from `from` to `to` (heads, sync, fetch), failures ignored: the churn cuts some of them */
function traffic (from: EphemeralNode, to: EphemeralNode, orgs: string[]): Array<Promise<unknown>> {
  const rr = from.reqresp
  return [
    ...Array.from({ length: 4 }, async () => await rr.heads(to.peerId, orgs)),
    ...orgs.map(async org => await rr.sync(to.peerId, org, { from: 1 }))
  ].map(async p => await p.catch(() => undefined))
}

describe('connection churn among honest nodes', () => {
  it('hang-ups in both directions while heads and syncs are in flight charge no violation', async () => {
    const all = await nodes(4)
    const orgs = all.map(n => n.org)
    // six rounds at least, and until the churn has cut some exchange (on a fast or a loaded
    // machine the exchanges may all finish before a hang-up lands in a round)
    for (let round = 0; round < 6 || (cut(all) === 0 && round < 40); round++) {
      // everyone dials everyone at once: both directions, so duplicate connections happen
      await Promise.all(all.flatMap(a => all.filter(b => b !== a).map(async b => await a.libp2p.dial(b.libp2p.getMultiaddrs()[0]).catch(() => undefined))))
      const inFlight = all.flatMap(a => all.filter(b => b !== a).flatMap(b => traffic(a, b, orgs)))
      // then connections close under them: some nodes hang up on the others, at once and a little later
      const closer = all[round % all.length]
      const hangUps = all.filter(b => b !== closer).map(async (b, i) => {
        if (i > 0) await new Promise(resolve => setImmediate(resolve))
        await (i % 2 === 0 ? closer.libp2p.hangUp(b.peerId) : b.libp2p.hangUp(closer.peerId)).catch(() => undefined)
      })
      await Promise.all([...inFlight, ...hangUps])
    }
    // once the verdicts on the last cut exchanges are in (after the end grace, 2 s), nobody was charged…
    await until(() => settled(all), 10_000, 'every stream ended and every early end judged')
    expect(charged(all)).toEqual({})
    expect(all.reduce((n, node) => n + Object.values(node.reqresp.stats().violations).reduce((a, b) => a + b, 0), 0)).toBe(0)
    // …though the churn did cut exchanges
    expect(cut(all)).toBeGreaterThan(0)
  })

  it('nodes stopping mid-request charge no violation', async () => {
    const all = await nodes(5)
    const orgs = all.map(n => n.org)
    const staying = all.slice(0, 2)
    const stopping = all.slice(2)
    await Promise.all(all.flatMap(a => all.filter(b => b !== a).map(async b => await a.libp2p.dial(b.libp2p.getMultiaddrs()[0]).catch(() => undefined))))
    const inFlight = all.flatMap(a => all.filter(b => b !== a).flatMap(b => traffic(a, b, orgs)))
    await Promise.all([...inFlight, ...stopping.map(async n => { await new Promise(resolve => setImmediate(resolve)); await n.stop() })])
    await until(() => settled(staying), 10_000, 'every stream ended and every early end judged') // after the end grace (2 s)
    expect(charged(staying)).toEqual({})
  })
})

describe('a peer that ends a stream early on purpose', () => {
  it('is still charged: a stream closed without a request (BAD_REQUEST), a response closed without its heads frame (UNEXPECTED_BLOCK)', async () => {
    // no lenience budget here: each early end is charged (the budget: tests/net/honest-faults.test.ts)
    const a = await makeNode('Churn strict', { reqresp: { lenience: { rate: 1, burst: 0 } } })
    cleanups.push(a.cleanup)
    const rogue = await createNet({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })
    cleanups.push(async () => { await rogue.stop() })
    await rogue.dial(a.libp2p.getMultiaddrs()[0])
    // requester side of the rogue: open a heads stream and close it without a request
    const s = await rogue.dialProtocol(a.peerId, PROTOCOLS.heads)
    await s.close()
    await until(() => (a.violations.stats().byCode.BAD_REQUEST ?? 0) === 1, 10_000, 'BAD_REQUEST charged')
    // responder side of the rogue: read the request, close without a frame
    await rogue.handle(PROTOCOLS.heads, async (stream) => {
      for await (const _ of lp.decode(stream)) break
      await stream.close()
    })
    const err = await a.reqresp.heads(rogue.peerId, [a.org]).catch(e => e)
    expect(err.code).toBe('UNEXPECTED_BLOCK')
    await until(() => (a.violations.stats().byCode.UNEXPECTED_BLOCK ?? 0) === 1, 10_000, 'UNEXPECTED_BLOCK charged')
    expect(a.violations.stats().byCode).toEqual({ BAD_REQUEST: 1, UNEXPECTED_BLOCK: 1 })
    expect(Object.values(a.reqresp.stats().protocols).reduce((n, p) => n + p.cut, 0)).toBe(0)
    // the connection stayed open throughout: both were the rogue's doing
    expect(a.libp2p.getConnections(rogue.peerId).length).toBeGreaterThan(0)
  })
})
