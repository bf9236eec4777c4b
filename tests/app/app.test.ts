/**
 * The application layer (src/app/, issue 13): one `App` over a running node — what the HTTP API
 * serves — and offline over a home. Publishes are serialized by the one publish lock whichever
 * door they come in by; a publish → follow → endorse → provenance round needs nothing but app/.
 */
import { readFile } from 'node:fs/promises'
import { afterAll, describe, expect, it } from 'vitest'
import { ApiClient } from '../../src/api/client.ts'
import { apiServer, type ApiServer } from '../../src/api/server.ts'
import { nodeApp } from '../../src/app/node.ts'
import { withOfflineApp } from '../../src/app/offline.ts'
import type { App } from '../../src/app/types.ts'
import { initHome } from '../../src/app/home.ts'
import { tempDir } from '../helpers.ts'
import { makeNode, until } from '../net/nodes.ts'

type Node = Awaited<ReturnType<typeof makeNode>>

const base = (await readFile(new URL('../../examples/orgs/ledgerline/v1.oos.md', import.meta.url), 'utf8')).trimEnd()
/** revision i of one real document: a line added to its summary */
const doc = (i: number): string => `${base}\n13. Revision ${i}.\n`
const consecutive = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i)
const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b)

describe('the app layer', () => {
  const nodes: Node[] = []
  const servers: ApiServer[] = []
  afterAll(async () => {
    await Promise.all(servers.map(async s => await s.stop()))
    await Promise.all(nodes.map(async n => await n.cleanup()))
  })

  /** The node's app, and the HTTP API serving that same app (as `oos start` wires it). */
  async function serve (node: Node): Promise<{ app: App, client: ApiClient }> {
    const app = nodeApp(node, { orgKey: await node.orgSecret(), home: node.home })
    const server = apiServer()({ handlers: app })
    await server.start()
    servers.push(server)
    return { app, client: new ApiClient({ url: server.url, token: server.token }) }
  }

  it('20 concurrent publishes through the app, then 20 through the app and 20 through the API at once: consecutive versions, no equivocation', async () => {
    const [node, follower] = await Promise.all([makeNode('Solo'), makeNode('Watcher')])
    nodes.push(node, follower)
    const { app, client } = await serve(node)
    // a second app over the same node (another caller in the process): the same lock
    const other = nodeApp(node, { orgKey: await node.orgSecret() })

    const first = await Promise.all(consecutive(1, 20).map(async i => await (i % 2 === 0 ? app : other).publish({ document: doc(i), format: 'md' })))
    expect(sorted(first.map(r => r.seq))).toEqual(consecutive(1, 20))

    const both = await Promise.all([
      ...consecutive(21, 20).map(async i => (await app.publish({ document: doc(i), format: 'md' })).seq),
      ...consecutive(41, 20).map(async i => (await client.publish({ document: doc(i), format: 'md' })).seq)
    ])
    expect(sorted(both)).toEqual(consecutive(21, 40))

    expect((await app.log({ org: node.org })).map(e => e.seq).sort((a, b) => a - b)).toEqual(consecutive(1, 60))
    expect(node.ingest.stats()).toMatchObject({ equivocation: 0, rejected: 0 })
    // a follower gets the whole chain through the app's follow, and no equivocation proof against the org
    const watcher = nodeApp(follower)
    await watcher.follow({ org: node.org, via: [node.libp2p.getMultiaddrs()[0].toString()] })
    await until(async () => (await watcher.status()).following.some(f => f.org === node.org && f.seq === 60), 30_000, 'the follower at seq 60')
    expect(follower.ingest.stats().equivocation).toBe(0)
  }, 120_000)

  it('publish → follow → endorse → provenance, through app/ only', async () => {
    const [a, b] = await Promise.all([makeNode('Ledgerline'), makeNode('Carepath')])
    nodes.push(a, b)
    const appA = nodeApp(a, { orgKey: await a.orgSecret(), home: a.home })
    const appB = nodeApp(b, { orgKey: await b.orgSecret(), home: b.home })

    const published = await appA.publish({ document: base + '\n', format: 'md' })
    expect(published).toMatchObject({ org: a.org, seq: 1 })

    const [addr] = (await appA.status()).multiaddrs
    expect(await appB.follow({ org: a.org, via: [addr] })).toEqual({ org: a.org, seq: 1 })
    const [claim] = await appB.claims({ org: a.org })
    expect(claim.org).toBe(a.org)

    const endorsed = await appB.endorse({ target: claim.cid, note: 'we run the same control' })
    expect(endorsed).toMatchObject({ status: 'accepted', stance: 'endorse', target: claim.cid })

    const report = await appB.provenance({ cid: claim.cid })
    expect(report.claim.cid).toBe(claim.cid)
    expect(report.author).toMatchObject({ org: a.org, self: false, trusted: true })
    expect(report.author.chain.valid).toBe(true)
    expect(report.endorsements).toEqual([expect.objectContaining({ org: b.org, stance: 'endorse', counted: true })])
    expect(report.confirmations).toEqual([b.org])

    // the trust view of B: A followed (so trusted), and the endorsement it received from B
    const rows = await appB.trust()
    expect(rows.find(r => r.org === a.org)).toMatchObject({ followed: true, trusted: true, received: { endorse: 1, dispute: 0 } })
  }, 60_000)

  it('an app over a node given no home reads the node\'s own (aliases resolve through the API of any node)', async () => {
    const [a, b] = await Promise.all([makeNode('Ledgerline'), makeNode('Carepath')])
    nodes.push(a, b)
    await nodeApp(a, { orgKey: await a.orgSecret() }).publish({ document: base + '\n', format: 'md' })
    const server = apiServer()({ handlers: nodeApp(b) }) // no `home`: was an app that knew no alias but our own
    await server.start()
    servers.push(server)
    const client = new ApiClient({ url: server.url, token: server.token })
    expect(await client.follow({ org: a.org, via: [a.libp2p.getMultiaddrs()[0].toString()], alias: 'ledger' })).toEqual({ org: a.org, seq: 1 })
    expect((await client.log({ org: 'ledger' })).map(e => e.seq)).toEqual([1])
    expect((await client.orgs()).find(r => r.org === a.org)).toMatchObject({ alias: 'ledger', followed: true, trusted: true })
    expect(await client.claims({ org: 'Carepath' })).toEqual([]) // our own name, as before
    expect(await client.unfollow({ org: 'ledger' })).toEqual({ org: a.org, removed: true })
  }, 60_000)

  it('offline over a home: publish with the org key, read it back, and set trust; without the key publishing is NO_ORG_KEY', async () => {
    const dir = await tempDir()
    try {
      const home = `${dir.path}/home`
      const config = await initHome(home, { name: 'Offline Org', passphrase: 'pw', scryptN: 1024 })
      const { unlockOrgKey } = await import('../../src/app/home.ts')
      const orgKey = await unlockOrgKey(home, 'pw')
      const r = await withOfflineApp(home, async (app) => await app.publish({ document: doc(1), format: 'md' }), { orgKey })
      expect(r).toMatchObject({ org: config.org, seq: 1 })
      await expect(withOfflineApp(home, async (app) => await app.publish({ document: doc(2), format: 'md' }))).rejects.toMatchObject({ code: 'NO_ORG_KEY' })
      const log = await withOfflineApp(home, async (app) => await app.log({ org: config.org }))
      expect(log.map(e => e.seq)).toEqual([1])
      const other = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK'
      expect(await withOfflineApp(home, async (app) => await app.trustSet({ org: other, level: 'trusted' }))).toEqual({ org: other, level: 'trusted' })
      const rows = await withOfflineApp(home, async (app) => await app.trust())
      expect(rows.find(x => x.org === other)).toMatchObject({ trusted: true, explicit: 'trusted' })
    } finally { await dir.cleanup() }
  })
})
