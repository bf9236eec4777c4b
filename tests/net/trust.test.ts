import { describe, it, expect, afterAll } from 'vitest'
import { readFile } from 'node:fs/promises'
import { parseOosMarkdown } from '../../src/oos/index.ts'
import { claimCid } from '../../src/records/claims.ts'
import { getVersion } from '../../src/node/queries.ts'
import { makeEndorsement, makeRetraction } from '../../src/trust/statements.ts'
import { provenance } from '../../src/app/replay.ts'
import { decodeRecord } from '../../src/records/codec.ts'
import { makeNode, until } from './nodes.ts'

const doc = async (v: number) => parseOosMarkdown(await readFile(new URL(`../../examples/orgs/ledgerline/v${v}.oos.md`, import.meta.url), 'utf8')).body

async function count (it: AsyncIterable<unknown>): Promise<number> { let n = 0; for await (const _ of it) n++; return n }

describe('endorsements across the network', () => {
  const nodes: Array<Awaited<ReturnType<typeof makeNode>>> = []
  afterAll(async () => { await Promise.all(nodes.map(async n => await n.cleanup())) })

  it('C endorses A\'s claim; B (following A) receives it; it stays attached, turns to an earlier wording, is retracted, expires', async () => {
    const [a, b, c] = await Promise.all([makeNode('Ledgerline'), makeNode('Carepath'), makeNode('Parcelworks')])
    nodes.push(a, b, c)
    await a.publish(await doc(1))
    const addr = a.libp2p.getMultiaddrs()[0].toString()
    await b.follow(a.org, { via: [addr] })
    await c.follow(a.org, { via: [addr] })
    await c.libp2p.dial(b.libp2p.getMultiaddrs()[0])
    const topic = `/oos/1/org/${a.org}`
    await until(() => c.libp2p.services.pubsub.getSubscribers(topic).some(p => p.equals(b.peerId)), 10_000, 'C sees B on A\'s topic')
    await until(() => a.libp2p.services.pubsub.getSubscribers(topic).some(p => p.equals(b.peerId)), 10_000, 'A sees B on A\'s topic')

    const v1 = (await getVersion(c.store, a.org, 1)).signed.rec
    const c001 = claimCid(a.org, v1.body.claims.find(x => x.claim_id === 'C001')!)
    const c003old = claimCid(a.org, v1.body.claims.find(x => x.claim_id === 'C003')!)
    const c005 = claimCid(a.org, v1.body.claims.find(x => x.claim_id === 'C005')!)
    const secret = await c.orgSecret()
    const endorse = async (target: typeof c001, extra: object = {}): Promise<string> => {
      const bytes = await makeEndorsement({ org: c.org, secretKey: secret, target, stance: 'endorse', note: 'Held in our depots for 3 months.', ...extra }, c.store)
      return (await c.ingest.ingest(bytes, { source: 'local' })).cid.toString()
    }
    const e1 = await endorse(c001)
    await endorse(c003old)
    await endorse(c005, { now: Date.now() - 60_000, expiresAt: Date.now() - 1000 })
    await until(async () => await count(b.store.statementsBy(c.org)) === 3, 15_000, 'B holds C\'s three statements')

    const statusOf = async (claim: typeof c001): Promise<any> => {
      const r = await provenance(b.store, claim, { self: b.org, trusted: new Set([a.org]) })
      return { report: r, c: r.endorsements.find((e: any) => e.org === c.org) }
    }
    let p = await statusOf(c001)
    expect(p.report).toMatchObject({ claim: expect.anything(), author: { org: a.org }, verdict: expect.any(String) })
    expect(p.c).toMatchObject({ org: c.org, stance: 'endorse', status: 'valid' })
    expect(p.c.trusted).toBe(false) // C is not followed or trusted by B: shown, not counted
    expect(p.report.confirmations).toEqual([])
    // the signature B holds is C's, valid
    expect(decodeRecord((await b.store.get((await import('multiformats/cid')).CID.parse(e1)))!).signed.rec.org).toBe(c.org)
    expect((await statusOf(c005)).c.status).toBe('expired')

    // the author's chain verifies, and its node binding (A signed the peer ids that serve it) reached B
    expect(p.report.author.chain.valid).toBe(true)
    await until(async () => (await statusOf(c001)).report.author.binding.present, 10_000, 'A\'s node binding at B')
    expect((await statusOf(c001)).report.author.binding).toMatchObject({ present: true, signed: true, peers: [a.peerId.toString()] })
    // A publishes v2: C001 unchanged (still attached), C003 reworded (an earlier wording)
    await a.publish(await doc(2))
    await until(async () => (await b.store.head(a.org))?.seq === 2, 15_000, 'B at seq 2')
    p = await statusOf(c001)
    expect(p.c.status).toBe('valid')
    const v2 = (await getVersion(b.store, a.org, 2)).signed.rec
    const c003new = claimCid(a.org, v2.body.claims.find(x => x.claim_id === 'C003')!)
    expect(c003new.equals(c003old)).toBe(false)
    expect((await statusOf(c003new)).c.status).toBe('earlier-wording')

    // C retracts its endorsement of C001: B shows it retracted, never deletes it
    const r = await makeRetraction({ org: c.org, secretKey: secret, target: (await import('multiformats/cid')).CID.parse(e1), reason: 'endorsed by mistake' }, c.store)
    await c.ingest.ingest(r, { source: 'local' })
    await until(async () => (await statusOf(c001)).c?.status === 'retracted', 15_000, 'retraction at B')

    // a statement signed while the node was down (ingested without gossip) reaches B when C re-gossips at start
    const c002 = claimCid(a.org, v2.body.claims.find(x => x.claim_id === 'C002')!)
    const offline = await makeEndorsement({ org: c.org, secretKey: secret, target: c002, stance: 'dispute', note: 'did not hold for us' }, c.store)
    await c.ingest.ingest(offline, { source: 'cli' })
    expect((await statusOf(c002)).c).toBeUndefined()
    expect(await c.regossipStatements()).toBeGreaterThanOrEqual(5)
    await until(async () => (await statusOf(c002)).c?.stance === 'dispute', 15_000, 'offline dispute at B')
  })
})
