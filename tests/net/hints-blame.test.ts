import { describe, it, expect, afterAll } from 'vitest'
import { readFile } from 'node:fs/promises'
import { parseOosMarkdown } from '../../src/oos/index.ts'
import { signVersion } from '../../src/records/version.ts'
import { makeNode } from './nodes.ts'

// NETWORK.md §2.2 / §7: the sender of an equivocation hint is charged BAD_GOSSIP only when it
// could not back the hint; a fetch that failed on the way (the sender went away, was
// overloaded, timed out) is no verdict, and an honest peer must never be charged for it.
describe('equivocation hints: who is charged', () => {
  const nodes: Array<Awaited<ReturnType<typeof makeNode>>> = []
  afterAll(async () => { await Promise.all(nodes.map(async n => await n.cleanup())) })

  it('a hint whose proof cannot be fetched because the sender has gone charges nobody', async () => {
    const [a, b, c] = await Promise.all([makeNode('Ledgerline'), makeNode('Carepath'), makeNode('Parcelworks')])
    nodes.push(a, b, c)
    const body = parseOosMarkdown(await readFile(new URL('../../examples/orgs/ledgerline/v1.oos.md', import.meta.url), 'utf8')).body
    const v1 = await a.publish(body)
    await c.follow(a.org, { via: [a.libp2p.getMultiaddrs()[0].toString()] })
    expect((await c.store.head(a.org))?.seq).toBe(1)
    // B holds a real equivocation of A at seq 1 (forged with A's key), then goes away before C fetches it
    const forged = signVersion({ ...body, sections: [] }, { org: a.org, seq: 1, prev: null, createdAt: Date.now() }, await a.orgSecret())
    await b.ingest.ingest((await a.store.get(v1.cid)) as Uint8Array, { source: 'test' })
    expect((await b.ingest.ingest(forged.bytes, { source: 'test' })).status).toBe('equivocation')
    await c.libp2p.dial(b.libp2p.getMultiaddrs()[0])
    const honest = b.peerId
    await b.stop()
    await c.hints.equivocation({ org: a.org, seq: 1, cids: [v1.cid, forged.cid] }, honest)
    expect(c.violations.stats().byCode.BAD_GOSSIP ?? 0).toBe(0)
  })

  it('a hint whose sender answers without the two versions is false: BAD_GOSSIP', async () => {
    const [a, b, c] = await Promise.all([makeNode('Ledgerline'), makeNode('Carepath'), makeNode('Parcelworks')])
    nodes.push(a, b, c)
    const body = parseOosMarkdown(await readFile(new URL('../../examples/orgs/ledgerline/v1.oos.md', import.meta.url), 'utf8')).body
    const v1 = await a.publish(body)
    await c.follow(a.org, { via: [a.libp2p.getMultiaddrs()[0].toString()] })
    // a version B never had: B cannot back the hint, and it is up
    const other = signVersion({ ...body, sections: [] }, { org: a.org, seq: 1, prev: null, createdAt: Date.now() }, await a.orgSecret())
    await c.libp2p.dial(b.libp2p.getMultiaddrs()[0])
    await c.hints.equivocation({ org: a.org, seq: 1, cids: [v1.cid, other.cid] }, b.peerId)
    expect(c.violations.stats().byCode.BAD_GOSSIP).toBe(1)
  })
})
