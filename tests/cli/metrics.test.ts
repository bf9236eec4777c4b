/**
 * `GET /metrics` of a real `oos start` process in a 3-node federation (issue 17, Must show):
 * scraped with the API's bearer token and parsed by a Prometheus text-format parser, before and
 * after records arrive (versions by sync and by gossip, an endorsement); the counters move. The
 * Grafana dashboard in examples/grafana uses only metric names such a scrape exports.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { nodeApp } from '../../src/app/node.ts'
import { decodeDocument, parseOosMarkdown } from '../../src/oos/index.ts'
import { tempDir } from '../helpers.ts'
import { makeNode, until } from '../net/nodes.ts'
import { observations, parseScrape, value, type Families } from '../node/scrape.ts'
import { oosIn } from './run.ts'
import { startNode, type NodeProcess } from './start.ts'
import { homePaths } from '../../src/node/home.ts'
import { writeFile } from 'node:fs/promises'

const doc = async (slug: string, v: number): Promise<ReturnType<typeof parseOosMarkdown>['body']> =>
  parseOosMarkdown(decodeDocument(await readFile(new URL(`../../examples/orgs/${slug}/v${v}.oos.md`, import.meta.url)))).body

/** The metric families a dashboard's queries name (a histogram's by its base name). */
export function dashboardMetrics (dashboard: { panels: Array<{ targets?: Array<{ expr: string }> }>, templating: { list: Array<{ query?: unknown }> } }): Set<string> {
  const exprs = [
    ...dashboard.panels.flatMap(p => (p.targets ?? []).map(t => t.expr)),
    ...dashboard.templating.list.map(v => JSON.stringify(v.query ?? ''))
  ]
  const names = exprs.flatMap(e => [...e.matchAll(/\b((?:oosnet|libp2p|process|nodejs)_[a-z0-9_]+)/g)].map(m => m[1]))
  return new Set(names.map(n => n.replace(/_(bucket|sum|count)$/, '')))
}

describe('GET /metrics during a federation', () => {
  const cleanup: Array<() => Promise<unknown>> = []
  afterAll(async () => { for (const c of cleanup.reverse()) await c() })

  it('is scraped with the token, parses, and its counters move as records arrive', async () => {
    const ledger = await makeNode('Ledgerline')
    cleanup.push(ledger.cleanup)
    const parcel = await makeNode('Parcelworks')
    cleanup.push(parcel.cleanup)
    await ledger.publish(await doc('ledgerline', 1))
    await parcel.publish(await doc('parcelworks', 1))
    const ledgerAddr = ledger.libp2p.getMultiaddrs()[0].toString()
    const parcelAddr = parcel.libp2p.getMultiaddrs()[0].toString()

    const dir = await tempDir()
    cleanup.push(dir.cleanup)
    const home = join(dir.path, 'carepath')
    expect((await oosIn(['init', '--name', 'Carepath', '--home', home])).code).toBe(0)
    const carepath: NodeProcess = await startNode(home)
    cleanup.push(carepath.stop)
    const api = JSON.parse(await readFile(join(home, 'api.json'), 'utf8')) as { url: string, token: string }
    const get = async (token?: string): Promise<Response> => await fetch(`${api.url}/metrics`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } })
    const scrape = async (): Promise<Families> => {
      const r = await get(api.token)
      expect(r.status).toBe(200)
      expect(r.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
      return parseScrape(await r.text())
    }

    expect((await get()).status).toBe(401)
    expect((await get('x'.repeat(43))).status).toBe(401)
    const s0 = await scrape()
    expect(value(s0, 'oosnet_records_accepted_total', { kind: 'oos/version' })).toBe(0)
    expect(s0.types.get('libp2p_data_transfer_bytes_total')).toBe('COUNTER')

    // follows through the API: both chains synced
    expect((await oosIn(['follow', ledger.org, '--via', ledgerAddr, '--home', home])).code).toBe(0)
    expect((await oosIn(['follow', parcel.org, '--via', parcelAddr, '--home', home])).code).toBe(0)
    let s1 = s0
    await until(async () => value(s1 = await scrape(), 'oosnet_records_accepted_total', { kind: 'oos/version' }) >= 2, 20_000, 'two versions counted')
    expect(value(s1, 'oosnet_head_seq', { org: ledger.org, name: 'Ledgerline' })).toBe(1)
    expect(value(s1, 'oosnet_head_seq', { org: parcel.org, name: 'Parcelworks' })).toBe(1)
    expect(value(s1, 'oosnet_followed_orgs')).toBe(2)
    expect(value(s1, 'oosnet_peers')).toBeGreaterThanOrEqual(2)
    expect(observations(s1, 'oosnet_replicator_sync_seconds', { result: 'completed' })).toBeGreaterThanOrEqual(2)

    // a new version announced (and synced), an endorsement gossiped: the counters move again
    await until(() => ledger.libp2p.services.pubsub.getSubscribers(`/oos/1/org/${ledger.org}`).some(p => p.toString() === carepath.info.peerId), 20_000, 'Carepath subscribed to Ledgerline')
    await ledger.publish(await doc('ledgerline', 2))
    let s2 = s1
    await until(async () => value(s2 = await scrape(), 'oosnet_head_seq', { org: ledger.org }) === 2 && observations(s2, 'oosnet_propagation_delay_seconds', { kind: 'oos/version' }) === 3, 20_000, 'version 2 counted')
    await parcel.follow(ledger.org, { via: [ledgerAddr] })
    const topic = `/oos/1/org/${ledger.org}`
    await until(() => parcel.libp2p.services.pubsub.getSubscribers(topic).some(p => p.toString() === carepath.info.peerId), 20_000, 'Parcelworks sees Carepath on Ledgerline\'s topic')
    const claim = (await nodeApp(parcel).claims({ org: ledger.org }))[0]
    await nodeApp(parcel, { orgKey: await parcel.orgSecret() }).endorse({ target: claim.cid, note: 'the same lesson' })
    await until(async () => value(s2 = await scrape(), 'oosnet_records_accepted_total', { kind: 'oos/endorsement' }) === 1, 20_000, 'the endorsement counted')
    expect(value(s2, 'oosnet_records_accepted_total')).toBeGreaterThan(value(s1, 'oosnet_records_accepted_total'))
    expect(value(s2, 'oosnet_ingest_accepted_total')).toBeGreaterThan(value(s1, 'oosnet_ingest_accepted_total'))
    expect(observations(s2, 'oosnet_ingest_seconds')).toBeGreaterThan(observations(s1, 'oosnet_ingest_seconds'))
    expect(observations(s2, 'oosnet_verify_seconds')).toBeGreaterThan(observations(s1, 'oosnet_verify_seconds'))
    expect(value(s2, 'libp2p_data_transfer_bytes_total')).toBeGreaterThan(value(s0, 'libp2p_data_transfer_bytes_total'))
    expect(value(s2, 'process_cpu_seconds_total')).toBeGreaterThan(0)

    // the dashboard asks only for what the node exports
    const dashboard = JSON.parse(await readFile(new URL('../../examples/grafana/oosnet.json', import.meta.url), 'utf8'))
    const used = dashboardMetrics(dashboard)
    expect(used.size).toBeGreaterThan(20)
    expect([...used].filter(n => !s2.types.has(n))).toEqual([])
    expect(await carepath.stop()).toBe(0)
  })

  it('is off with --no-metrics, OOS_METRICS=0 or "metrics": false in config.json (NOT_FOUND); a bad setting is HOME_CORRUPT', async () => {
    const dir = await tempDir()
    cleanup.push(dir.cleanup)
    const home = join(dir.path, 'quiet')
    expect((await oosIn(['init', '--name', 'Quiet', '--home', home])).code).toBe(0)
    const config = JSON.parse(await readFile(homePaths(home).config, 'utf8'))
    const scrapeOf = async (node: NodeProcess): Promise<{ status: number, code?: string }> => {
      const api = JSON.parse(await readFile(join(home, 'api.json'), 'utf8')) as { url: string, token: string }
      const r = await fetch(`${api.url}/metrics`, { headers: { authorization: `Bearer ${api.token}` } })
      const code = r.status === 200 ? undefined : (await r.json() as { error: { code: string } }).error.code
      expect(await node.stop()).toBe(0)
      return { status: r.status, ...(code !== undefined ? { code } : {}) }
    }
    expect(await scrapeOf(await startNode(home, ['--no-metrics']))).toEqual({ status: 404, code: 'NOT_FOUND' })
    process.env.OOS_METRICS = '0' // read by the child's environment (run.ts oosEnv copies process.env)
    try {
      expect(await scrapeOf(await startNode(home))).toEqual({ status: 404, code: 'NOT_FOUND' })
    } finally {
      delete process.env.OOS_METRICS
    }
    await writeFile(homePaths(home).config, JSON.stringify({ ...config, metrics: false }))
    expect(await scrapeOf(await startNode(home))).toEqual({ status: 404, code: 'NOT_FOUND' })
    await writeFile(homePaths(home).config, JSON.stringify({ ...config, metrics: true }))
    expect(await scrapeOf(await startNode(home))).toEqual({ status: 200 })
    await writeFile(homePaths(home).config, JSON.stringify({ ...config, metrics: 'yes' }))
    const bad = await oosIn(['start', '--home', home])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/config\.json: "metrics" must be true or false \[HOME_CORRUPT\]/)
  })
})
