import { describe, it, expect, afterAll } from 'vitest'
import { readFile } from 'node:fs/promises'
import { parseOosMarkdown } from '../../src/oos/index.ts'
import { signVersion } from '../../src/records/version.ts'
import { provenance } from '../../src/app/replay.ts'
import { claimCid } from '../../src/records/claims.ts'
import { makeNode, until } from './nodes.ts'

describe('equivocation proofs travel', () => {
  const nodes: Array<Awaited<ReturnType<typeof makeNode>>> = []
  afterAll(async () => { await Promise.all(nodes.map(async n => await n.cleanup())) })

  it('a forged second version with the same seq, signed by A\'s key: B detects it, gossips the proof, C fetches both and flags A', async () => {
    const [a, b, c] = await Promise.all([makeNode('Ledgerline'), makeNode('Carepath'), makeNode('Parcelworks')])
    nodes.push(a, b, c)
    const body = parseOosMarkdown(await readFile(new URL('../../examples/orgs/ledgerline/v1.oos.md', import.meta.url), 'utf8')).body
    const v1 = await a.publish(body)
    const addr = a.libp2p.getMultiaddrs()[0].toString()
    await b.follow(a.org, { via: [addr] })
    await c.libp2p.dial(b.libp2p.getMultiaddrs()[0])
    await c.follow(a.org, { via: [b.libp2p.getMultiaddrs()[0].toString()] })
    const topic = `/oos/1/org/${a.org}`
    await until(() => b.libp2p.services.pubsub.getSubscribers(topic).some(p => p.equals(c.peerId)), 10_000, 'B sees C on A\'s topic')
    // the forgery: same org, same seq, different content, validly signed with A's key
    const forged = signVersion({ ...body, sections: [] }, { org: a.org, seq: 1, prev: null, createdAt: Date.now() }, await a.orgSecret())
    const r = await b.ingest.ingest(forged.bytes, { source: 'test' })
    expect(r.status).toBe('equivocation')
    await until(async () => (await c.store.equivocations(a.org)).flatMap(e => e.cids).length === 2, 15_000, 'C holds the proof')
    expect(await c.store.has(forged.cid)).toBe(true)
    expect((await c.store.head(a.org))?.cid.toString()).toBe(v1.cid.toString()) // the chain is untouched
    expect(c.ingest.stats().equivocation).toBe(1)
    // both flag A: provenance of any of A's claims says so
    for (const n of [b, c]) {
      const report = await provenance(n.store, claimCid(a.org, body.claims[0]), { self: n.org })
      expect(report.equivocation.flagged).toBe(true)
      expect(report.verdict).toBe('compromised')
    }
  })
})
