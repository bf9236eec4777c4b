import { describe, it, expect, afterAll } from 'vitest'
import { readFile } from 'node:fs/promises'
import { parseOosMarkdown } from '../../src/oos/index.ts'
import { makeNode, until } from './nodes.ts'

describe('discovery through the DHT', () => {
  const nodes: Array<Awaited<ReturnType<typeof makeNode>>> = []
  afterAll(async () => { await Promise.all(nodes.map(async n => await n.cleanup())) })

  it('a node that knows only A\'s did finds A\'s latest head and providers from a bootstrap peer, then follows it', async () => {
    const a = await makeNode('Ledgerline')
    const b = await makeNode('Bootstrap', { bootstrap: [a.libp2p.getMultiaddrs()[0].toString()] })
    nodes.push(a, b)
    await until(() => b.libp2p.getPeers().some(p => p.equals(a.peerId)), 10_000, 'B connected to A')
    for (const v of [1, 2]) {
      await a.publish(parseOosMarkdown(await readFile(new URL(`../../examples/orgs/ledgerline/v${v}.oos.md`, import.meta.url), 'utf8')).body)
    }
    // C knows B's address (bootstrap) and A's did, nothing else
    const c = await makeNode('Parcelworks', { bootstrap: [b.libp2p.getMultiaddrs()[0].toString()] })
    nodes.push(c)
    await until(() => c.libp2p.getPeers().length > 0, 10_000, 'C connected to its bootstrap peer')
    let head
    await until(async () => { head = await c.findHead(a.org, { signal: AbortSignal.timeout(2000) }); return head?.seq === 2 }, 20_000, 'head record with seq 2')
    expect(head).toMatchObject({ org: a.org, seq: 2 })
    let providers: string[] = []
    await until(async () => { providers = (await c.findProviders(a.org, { signal: AbortSignal.timeout(2000) })).map(String); return providers.includes(a.peerId.toString()) }, 20_000, 'A among the providers')
    const r = await c.follow(a.org)
    expect(r).toEqual({ org: a.org, seq: 2 })
    expect((await c.store.head(a.org))?.cid.toString()).toBe((await a.store.head(a.org))?.cid.toString())
  })
})
