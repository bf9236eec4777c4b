/**
 * The node's Prometheus metrics (node/metrics.ts, issue 17), read from its registry as a scrape
 * and parsed by a Prometheus text-format parser: records accepted and rejected by kind, code and
 * source, verify and ingest latencies, propagation delay, syncs, peers, violations, heads, the
 * store's size, and libp2p's own; counters kept by the node's parts count once per event, however
 * often they are scraped.
 */
import { readFile } from 'node:fs/promises'
import { afterAll, describe, expect, it } from 'vitest'
import { nodeApp } from '../../src/app/node.ts'
import { Registry } from '../../src/node/metrics.ts'
import { decodeDocument, parseOosMarkdown } from '../../src/oos/index.ts'
import { makeNode, until } from '../net/nodes.ts'
import { observations, parseScrape, value, type Families } from './scrape.ts'

const doc = async (v: number): Promise<ReturnType<typeof parseOosMarkdown>['body']> =>
  parseOosMarkdown(decodeDocument(await readFile(new URL(`../../examples/orgs/ledgerline/v${v}.oos.md`, import.meta.url)))).body

describe('Prometheus metrics of a node', () => {
  const nodes: Array<Awaited<ReturnType<typeof makeNode>>> = []
  afterAll(async () => { await Promise.all(nodes.map(async n => await n.cleanup())) })

  it('count what arrives, once, and measure how long it took', async () => {
    const a = await makeNode('Ledgerline')
    nodes.push(a)
    const b = await makeNode('Carepath', { registry: new Registry() })
    nodes.push(b)
    const scrape = async (): Promise<Families> => parseScrape(await nodeApp(b).metrics?.() as string)
    expect(nodeApp(a).metrics).toBeUndefined() // a node without a registry serves none

    const s0 = await scrape()
    expect(value(s0, 'oosnet_records_accepted_total', { kind: 'oos/version' })).toBe(0)
    expect(value(s0, 'oosnet_head_seq', { org: b.org, self: 'true' })).toBe(0)
    expect(s0.types.get('process_cpu_seconds_total')).toBe('COUNTER') // prom-client's process metrics, with libp2p's

    await a.publish(await doc(1))
    await b.follow(a.org, { via: [a.libp2p.getMultiaddrs()[0].toString()] })
    const s1 = await scrape()
    expect(value(s1, 'oosnet_records_accepted_total', { kind: 'oos/version', source: 'sync' })).toBe(1)
    expect(value(s1, 'oosnet_head_seq', { org: a.org, name: 'Ledgerline', self: 'false' })).toBe(1)
    expect(value(s1, 'oosnet_followed_orgs')).toBe(1)
    expect(value(s1, 'oosnet_peers')).toBeGreaterThanOrEqual(1)
    expect(observations(s1, 'oosnet_propagation_delay_seconds', { kind: 'oos/version' })).toBe(1)
    expect(observations(s1, 'oosnet_verify_seconds')).toBeGreaterThan(observations(s0, 'oosnet_verify_seconds'))
    expect(observations(s1, 'oosnet_ingest_seconds', { source: 'sync' })).toBeGreaterThanOrEqual(1)
    expect(observations(s1, 'oosnet_replicator_sync_seconds', { result: 'completed' })).toBeGreaterThanOrEqual(1)
    expect(value(s1, 'libp2p_data_transfer_bytes_total')).toBeGreaterThan(0)
    expect(value(s1, 'oosnet_store_bytes')).toBeGreaterThan(0)

    // counters the node's parts keep are counted once, however often they are scraped
    // (records may still arrive meanwhile, a peer's binding: each scrape lies between the door's counts before and after it)
    for (let i = 0; i < 3; i++) {
      const before = b.ingest.stats().accepted
      const scraped = value(await scrape(), 'oosnet_ingest_accepted_total')
      expect(scraped).toBeGreaterThanOrEqual(before)
      expect(scraped).toBeLessThanOrEqual(b.ingest.stats().accepted)
    }

    // a new version, gossiped: the counters move
    await until(() => a.libp2p.services.pubsub.getSubscribers(`/oos/1/org/${a.org}`).length > 0, 15_000, 'b subscribed to a\'s topic')
    await a.publish(await doc(2))
    await until(async () => (await b.store.head(a.org))?.seq === 2, 15_000, 'version 2 at b')
    // the door decides (the head is stored) and then tells its listeners: the scrape is waited for too
    let s2 = await scrape()
    await until(async () => observations(s2 = await scrape(), 'oosnet_propagation_delay_seconds', { kind: 'oos/version' }) === 2, 15_000, 'the second version counted')
    expect(value(s2, 'oosnet_records_accepted_total', { kind: 'oos/version' })).toBe(2)
    expect(value(s2, 'oosnet_head_seq', { org: a.org })).toBe(2)

    // a rejection, by code and source; a violation, by code
    await expect(b.ingest.ingest(new Uint8Array([0xa1, 0x61, 0x78, 0x01]), { source: 'gossip' })).rejects.toMatchObject({ code: expect.any(String) })
    const code = Object.keys(b.ingest.stats().rejections)[0]
    b.violations.report(a.peerId, 'BAD_MESSAGE')
    const s3 = await scrape()
    expect(value(s3, 'oosnet_records_rejected_total', { code, source: 'gossip' })).toBe(1)
    expect(value(s3, 'oosnet_peer_violations_total', { code: 'BAD_MESSAGE' })).toBe(1)
    expect(value(s3, 'oosnet_peer_bans_total')).toBe(0)
  })
})
