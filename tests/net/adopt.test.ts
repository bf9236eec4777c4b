import { describe, it, expect, afterAll } from 'vitest'
import { readFile } from 'node:fs/promises'
import { parseOosMarkdown } from '../../src/oos/index.ts'
import { claimCid } from '../../src/records/claims.ts'
import { getVersion } from '../../src/node/queries.ts'
import { adopt } from '../../src/trust/adopt.ts'
import { makeNode } from './nodes.ts'

const doc = async (org: string, v: number) => parseOosMarkdown(await readFile(new URL(`../../examples/orgs/${org}/v${v}.oos.md`, import.meta.url), 'utf8')).body

describe('adopted claims across the network', () => {
  const nodes: Array<Awaited<ReturnType<typeof makeNode>>> = []
  afterAll(async () => { await Promise.all(nodes.map(async n => await n.cleanup())) })

  it('C follows only B, whose version adopts a claim of A: C fetches A\'s chain as the source first, then B\'s version verifies', async () => {
    const [a, b, c] = await Promise.all([makeNode('Ledgerline'), makeNode('Carepath'), makeNode('Parcelworks')])
    nodes.push(a, b, c)
    await a.publish(await doc('ledgerline', 1))
    await b.follow(a.org, { via: [a.libp2p.getMultiaddrs()[0].toString()] })
    const source = (await getVersion(b.store, a.org, 1)).signed.rec.body.claims[0]
    const sourceCid = claimCid(a.org, source)
    const r = await adopt(b.store, sourceCid, await doc('carepath', 1), { self: b.org })
    expect(r.added?.derived_from?.[0].equals(sourceCid)).toBe(true)
    const published = await b.publish(r.body)
    // C knows only B
    const got = await c.follow(b.org, { via: [b.libp2p.getMultiaddrs()[0].toString()] })
    expect(got).toEqual({ org: b.org, seq: 1 })
    expect((await c.store.head(b.org))?.cid.toString()).toBe(published.cid.toString())
    expect((await c.store.head(a.org))?.seq).toBe(1) // the source's chain, fetched to check the link
    expect((await c.store.claimSightings(sourceCid))[0]?.org).toBe(a.org)
  })
})
