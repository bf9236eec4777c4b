/**
 * The DHT advertise is off the publish path (services/advertiser.ts): a burst of publishes
 * makes one head put per window and no provide per publish; provides go out in rounds on a
 * timer; a follower still finds the latest head and the publisher through the DHT.
 */
import { describe, it, expect, afterAll } from 'vitest'
import { readFile } from 'node:fs/promises'
import { parseOosMarkdown } from '../../src/oos/index.ts'
import { MemoryMetrics } from '../node/metrics.ts'
import { makeNode, nextEvent, until } from './nodes.ts'

const nodes: Array<Awaited<ReturnType<typeof makeNode>>> = []
afterAll(async () => { await Promise.all(nodes.map(async n => await n.cleanup())) })

const doc = async (v: number): Promise<ReturnType<typeof parseOosMarkdown>['body']> =>
  parseOosMarkdown(await readFile(new URL(`../../examples/orgs/ledgerline/v${v}.oos.md`, import.meta.url), 'utf8')).body

describe('the DHT advertise', () => {
  it('a burst of publishes: one head put per window, no provide per publish; a follower finds the latest head and the publisher', async () => {
    const metrics = new MemoryMetrics()
    const read = async (what: 'provided' | 'heads'): Promise<number> => await metrics.read(`oosnet_advertiser_${what}_total`) as number
    const a = await makeNode('Ledgerline', { metrics: () => metrics, advertise: { headDebounceMs: 1_500 } })
    const b = await makeNode('Bootstrap', { bootstrap: [a.libp2p.getMultiaddrs()[0].toString()] })
    nodes.push(a, b)
    await until(() => b.libp2p.getPeers().some(p => p.equals(a.peerId)), 10_000, 'B connected to A')
    // three versions at once: each is announced, none waits on the DHT
    const announced = [1, 2, 3].map(async seq => await nextEvent(a.services.announcer, 'announced', (d: { seq: number }) => d.seq === seq))
    for (const v of [1, 2, 3]) await a.publish(await doc(v))
    await Promise.all(announced)
    expect(await read('heads')).toBe(0) // the put waits for the end of its window
    await until(async () => await read('heads') >= 1, 15_000, 'a head put')

    // C knows B's address (bootstrap) and A's did, nothing else
    const c = await makeNode('Parcelworks', { bootstrap: [b.libp2p.getMultiaddrs()[0].toString()] })
    nodes.push(c)
    await until(() => c.libp2p.getPeers().length > 0, 10_000, 'C connected to its bootstrap peer')
    let head
    await until(async () => { head = await c.findHead(a.org, { signal: AbortSignal.timeout(2000) }); return head?.seq === 3 }, 20_000, 'head record with seq 3')
    expect(head).toMatchObject({ org: a.org, seq: 3 })
    await until(async () => (await c.findProviders(a.org, { signal: AbortSignal.timeout(2000) })).some(p => p.equals(a.peerId)), 20_000, 'A among the providers')
    // one put for the burst; the first version of A's org was provided once with it, not per publish
    expect({ heads: await read('heads'), provided: await read('provided') }).toEqual({ heads: 1, provided: 1 })
  })

  it('a follower provides an org it newly follows within the batch window, not at the next round', async () => {
    const ma = new MemoryMetrics()
    const mf = new MemoryMetrics()
    const a = await makeNode('Ledgerline', { metrics: () => ma })
    const f = await makeNode('Carepath', { metrics: () => mf, bootstrap: [a.libp2p.getMultiaddrs()[0].toString()] })
    nodes.push(a, f)
    await a.publish(await doc(1))
    await until(async () => await ma.read('oosnet_advertiser_heads_total') === 1, 15_000, 'A\'s head put')
    // F holds no version of its own org: its start round provided nothing; the next round is 10 min away
    expect(await mf.read('oosnet_advertiser_provided_total')).toBe(0)
    expect(await f.follow(a.org, { via: [a.libp2p.getMultiaddrs()[0].toString()] })).toEqual({ org: a.org, seq: 1 })
    await until(async () => await mf.read('oosnet_advertiser_provided_total') === 1, 15_000, 'F provides A\'s org')
    await until(async () => (await a.findProviders(a.org, { signal: AbortSignal.timeout(2000) })).some(p => p.equals(f.peerId)), 20_000, 'F among the providers of A\'s org')
  })

  it('provides every held org in rounds on a timer, without publishing', async () => {
    const metrics = new MemoryMetrics()
    const a = await makeNode('Ledgerline', { metrics: () => metrics, advertise: { provideIntervalMs: 300 } })
    const b = await makeNode('Bootstrap', { bootstrap: [a.libp2p.getMultiaddrs()[0].toString()] })
    nodes.push(a, b)
    await until(() => b.libp2p.getPeers().some(p => p.equals(a.peerId)), 10_000, 'B connected to A')
    await a.publish(await doc(1))
    await until(async () => await metrics.read('oosnet_advertiser_heads_total') === 1, 15_000, 'the head put')
    // (the first provide round ran at start, before A held a version: nothing to provide then)
    const after = await metrics.read('oosnet_advertiser_provided_total') as number
    // no more publishes: the rounds provide A's org again
    await until(async () => (await metrics.read('oosnet_advertiser_provided_total') as number) >= after + 2, 15_000, 'two more provide rounds')
    expect(await metrics.read('oosnet_advertiser_heads_total')).toBe(1)
  })
})
