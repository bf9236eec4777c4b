import { describe, it, expect, afterAll } from 'vitest'
import { readFile } from 'node:fs/promises'
import { parseOosMarkdown } from '../../src/oos/index.ts'
import { verifyStored } from '../../src/node/verify.ts'
import type { FollowSyncedEvent } from '../../src/node/events.ts'
import { makeNode, nextEvent, until } from './nodes.ts'

const doc = async (org: string, v: number) => parseOosMarkdown(await readFile(new URL(`../../examples/orgs/${org}/v${v}.oos.md`, import.meta.url), 'utf8')).body

describe('three organizations on loopback, in process', () => {
  const nodes: Array<Awaited<ReturnType<typeof makeNode>>> = []
  afterAll(async () => { await Promise.all(nodes.map(async n => await n.cleanup())) })

  it('publish on A: B and C receive the announcement, fetch, verify and store it', async () => {
    const [a, b, c] = await Promise.all([makeNode('Ledgerline'), makeNode('Carepath'), makeNode('Parcelworks')])
    nodes.push(a, b, c)
    await a.publish(await doc('ledgerline', 1))
    const addr = a.libp2p.getMultiaddrs()[0].toString()
    // B follows A directly; C follows A through B (C knows only B's address)
    expect(await b.follow(a.org, { via: [addr] })).toEqual({ org: a.org, seq: 1 })
    await c.libp2p.dial(b.libp2p.getMultiaddrs()[0])
    await c.follow(a.org, { via: [b.libp2p.getMultiaddrs()[0].toString()] })
    expect((await c.store.head(a.org))?.seq).toBe(1)
    // wait until the gossip mesh on A's topic reaches B and C
    const topic = `/oos/1/org/${a.org}`
    await until(() => a.libp2p.services.pubsub.getSubscribers(topic).length >= 1, 10_000, 'subscribers')
    // B and C each tell when a sync brought them version 2 (listening before A publishes it)
    const at2 = [b, c].map(async n => await nextEvent<FollowSyncedEvent>(n, 'follow:synced', d => d.org === a.org && d.seq === 2))
    const r = await a.publish(await doc('ledgerline', 2))
    expect(await Promise.all(at2)).toEqual([{ org: a.org, seq: 2 }, { org: a.org, seq: 2 }])
    for (const n of [b, c]) {
      expect((await n.store.head(a.org))?.cid.toString()).toBe(r.cid.toString())
      const report = await verifyStored(n.store, r.cid)
      expect(report.valid).toBe(true)
    }
    // A's node binding reached B by gossip or is held by A
    expect((await b.status()).following).toEqual([expect.objectContaining({ org: a.org, seq: 2 })])
  })
})
