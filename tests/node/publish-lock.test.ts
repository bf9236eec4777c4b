/**
 * One publish lock per org (SPEC §6): publishes through the node, through its HTTP API and
 * both at once give consecutive versions, never two versions of one seq.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { ApiClient } from '../../src/api/client.ts'
import { apiServer, type ApiServer } from '../../src/api/server.ts'
import { nodeApp } from '../../src/app/node.ts'
import { readFile } from 'node:fs/promises'
import { parseOosMarkdown } from '../../src/oos/index.ts'
import { makeNode, until } from '../net/nodes.ts'

type Node = Awaited<ReturnType<typeof makeNode>>

/** The node's API as `oos start` serves it: the app over the node with its key, over HTTP on loopback. */
async function serve (node: Node): Promise<{ server: ApiServer, client: ApiClient }> {
  const server = apiServer()({ handlers: nodeApp(node, { orgKey: await node.orgSecret(), home: node.home }) })
  await server.start()
  return { server, client: new ApiClient({ url: server.url, token: server.token }) }
}

describe('publishes of one org are serialized', () => {
  const nodes: Node[] = []
  const servers: ApiServer[] = []
  afterAll(async () => {
    await Promise.all(servers.map(async s => await s.stop()))
    await Promise.all(nodes.map(async n => await n.cleanup()))
  })

  it('20 through node.publish, then 20 through the API, then 20 + 20 at once: 80 consecutive versions, no equivocation, none gossiped', async () => {
    const [node, follower] = await Promise.all([makeNode('Solo'), makeNode('Watcher')])
    nodes.push(node, follower)
    const { server, client } = await serve(node)
    servers.push(server)
    await follower.follow(node.org, { via: [node.libp2p.getMultiaddrs()[0].toString()] }).catch(() => {}) // nothing published yet: the follow is recorded
    // revision i of one real document: a line added to its summary
    const base = (await readFile(new URL('../../examples/orgs/ledgerline/v1.oos.md', import.meta.url), 'utf8')).trimEnd()
    const doc = (i: number): string => `${base}\n13. Revision ${i}.\n`
    const body = (i: number) => parseOosMarkdown(doc(i)).body

    const direct = await Promise.all(Array.from({ length: 20 }, async (_, i) => await node.publish(body(1 + i))))
    expect(direct.map(r => r.status)).toEqual(Array(20).fill('accepted'))
    expect(direct.map(r => r.seq).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(Array.from({ length: 20 }, (_, i) => 1 + i))

    const api = await Promise.all(Array.from({ length: 20 }, async (_, i) => await client.publish({ document: doc(21 + i), format: 'md' })))
    expect(api.map(r => r.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => 21 + i))

    // the two doors at once
    const both = await Promise.all([
      ...Array.from({ length: 20 }, async (_, i) => (await node.publish(body(41 + i))).seq),
      ...Array.from({ length: 20 }, async (_, i) => (await client.publish({ document: doc(61 + i), format: 'md' })).seq)
    ])
    expect(both.sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(Array.from({ length: 40 }, (_, i) => 41 + i))

    expect((await node.store.head(node.org))?.seq).toBe(80)
    expect(node.ingest.stats()).toMatchObject({ equivocation: 0, rejected: 0 })
    // the follower gets the whole chain, and no equivocation proof against the org
    await until(async () => (await follower.store.head(node.org))?.seq === 80, 30_000, 'the follower at seq 80')
    expect(follower.ingest.stats().equivocation).toBe(0)
  }, 120_000)
})
