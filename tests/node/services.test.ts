/**
 * The node as services (issue 13): `createNode` builds a whole node from a home; its services
 * start in order and stop in reverse, once; each logs under the node's own name; each counts
 * on libp2p's `Metrics` when one is configured.
 */
import { describe, it, expect, afterAll } from 'vitest'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { disable, enable } from '@libp2p/logger'
import type { Startable } from '@libp2p/interface'
import { createNode } from '../../src/node/create.ts'
import { initHome } from '../../src/node/home.ts'
import type { OosNode } from '../../src/node/node.ts'
import type { FollowSyncedEvent, RecordAcceptedEvent } from '../../src/node/events.ts'
import { startAll, stopAll } from '../../src/node/services/service.ts'
import { parseOosMarkdown } from '../../src/oos/index.ts'
import { tempDir } from '../helpers.ts'
import { nextEvent, until } from '../net/nodes.ts'
import { MemoryMetrics } from './metrics.ts'

const doc = async (v: number) => parseOosMarkdown(await readFile(new URL(`../../examples/orgs/ledgerline/v${v}.oos.md`, import.meta.url), 'utf8')).body

const cleanups: Array<() => Promise<void>> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c().catch(() => {}) })

/** A new home named `name` and its node, built by createNode only. */
async function home (name: string, options: Partial<Parameters<typeof createNode>[0]> = {}): Promise<OosNode> {
  const dir = await tempDir()
  cleanups.push(dir.cleanup)
  const path = join(dir.path, 'home')
  await initHome(path, { name, passphrase: 'pass', scryptN: 1024 })
  const node = await createNode({ home: path, passphrase: 'pass', listen: ['/ip4/127.0.0.1/tcp/0'], antiEntropyMs: 0, ...options })
  cleanups.push(async () => { await node.stop() })
  return node
}

const via = (n: OosNode): string[] => [n.libp2p.getMultiaddrs()[0].toString()]

describe('createNode', () => {
  it('builds a node from a home and a passphrase that publishes and is followed', async () => {
    const [a, b] = await Promise.all([home('Ledgerline'), home('Carepath')])
    const v1 = await a.publish(await doc(1))
    expect(v1).toMatchObject({ status: 'accepted', seq: 1 })
    const synced = nextEvent<FollowSyncedEvent>(b, 'follow:synced', d => d.org === a.org)
    expect(await b.follow(a.org, { via: via(a) })).toEqual({ org: a.org, seq: 1 })
    expect(await synced).toEqual({ org: a.org, seq: 1 })
    // the next version reaches B by gossip (the announcer), not by the follow's sync
    const v2 = nextEvent<RecordAcceptedEvent>(b, 'record:accepted', d => d.org === a.org && d.seq === 2)
    await a.publish(await doc(2))
    expect(await v2).toMatchObject({ kind: 'oos/version', org: a.org, seq: 2 })
    expect((await b.status()).following).toMatchObject([{ org: a.org, seq: 2, state: 'synced' }])
  })

  it('without the node key nor a passphrase: INVALID_ARGUMENT, nothing built', async () => {
    const dir = await tempDir()
    cleanups.push(dir.cleanup)
    const path = join(dir.path, 'home')
    await initHome(path, { name: 'Keyless', passphrase: 'pass', scryptN: 1024 })
    await expect(createNode({ home: path })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', path: 'passphrase' })
  })

  it('starts the services in order, stops them in reverse, and a second stop does nothing', async () => {
    const a = await home('Orderly', { start: false })
    const calls: string[] = []
    for (const [name, s] of Object.entries(a.services) as Array<[string, Startable]>) {
      for (const phase of ['start', 'stop'] as const) {
        const real = s[phase].bind(s)
        s[phase] = async () => { calls.push(`${phase} ${name}`); await real() }
      }
    }
    await a.start()
    const order = ['replicator', 'hints', 'router', 'reacher', 'announcer', 'equivocation', 'binder', 'advertiser', 'regossip']
    expect(calls).toEqual(order.map(n => `start ${n}`))
    expect(a.libp2p.status).toBe('started')
    // the binder signed this node's binding during start
    expect(a.ingest.stats().accepted).toBe(1)
    calls.length = 0
    await a.stop()
    expect(calls).toEqual([...order].reverse().map(n => `stop ${n}`))
    expect(a.libp2p.status).toBe('stopped')
    await expect(a.store.head(a.org)).rejects.toThrow() // the store is closed
    calls.length = 0
    await a.stop()
    expect(calls).toEqual([])
  })

  it('a part that fails to start: those started before it are stopped, in reverse, and the failure is thrown', async () => {
    const calls: string[] = []
    const part = (name: string, fail = false): Startable => ({
      start: async () => { calls.push(`start ${name}`); if (fail) throw new Error(`${name} failed`) },
      stop: async () => { calls.push(`stop ${name}`) }
    })
    await expect(startAll([part('a'), part('b'), part('c', true), part('d')])).rejects.toThrow('c failed')
    expect(calls).toEqual(['start a', 'start b', 'start c', 'stop b', 'stop a'])
    calls.length = 0
    // every part is stopped even when one throws; the first failure is thrown after
    await expect(stopAll([part('a'), { start: async () => {}, stop: async () => { calls.push('stop b'); throw new Error('b') } }, part('c')])).rejects.toThrow('b')
    expect(calls).toEqual(['stop c', 'stop b', 'stop a'])
  })

  it('two nodes in one process log apart: oosnet:<node>:<component>', async () => {
    const lines: string[] = []
    const write = process.stderr.write.bind(process.stderr)
    process.stderr.write = ((chunk: string | Uint8Array) => { lines.push(String(chunk)); return true }) as typeof process.stderr.write
    enable('oosnet:*')
    try {
      const [a, b] = await Promise.all([home('Alpha Org'), home('Beta Org')])
      await a.publish(await doc(1))
      await b.follow(a.org, { via: via(a) })
      await until(() => lines.some(l => l.includes('oosnet:beta-org:reach')), 5_000, 'a reach line of B')
      const of = (node: string, component: string): string[] => lines.filter(l => l.includes(`oosnet:${node}:${component} `))
      expect(of('alpha-org', 'node').join('')).toContain(`started ${a.peerId.toString()}`)
      expect(of('beta-org', 'node').join('')).toContain(`started ${b.peerId.toString()}`)
      expect(of('alpha-org', 'node').join('')).not.toContain(b.peerId.toString())
      expect(of('beta-org', 'binder').join('')).toContain(`bound ${b.peerId.toString()}`)
      // only B followed: its reacher logged, A's did not
      expect(of('beta-org', 'reach').join('')).toContain(`${a.org}: reached 1 peer(s)`)
      expect(of('alpha-org', 'reach')).toEqual([])
      // the store, the ingest door and gossip log under the node's name too
      await until(() => of('beta-org', 'ingest').join('').includes('accepted oos/version'), 5_000, 'B\'s door logs the version')
      expect(of('alpha-org', 'store').join('')).toContain('opened')
      expect(of('beta-org', 'store').join('')).toContain('opened')
      expect(of('alpha-org', 'ingest').join('')).toContain('accepted oos/version')
    } finally {
      disable()
      process.stderr.write = write
    }
  })
})

describe('the metrics hook', () => {
  it('counts on libp2p\'s Metrics: A announced its version, B accepted it through a sync', async () => {
    const ma = new MemoryMetrics()
    const mb = new MemoryMetrics()
    const [a, b] = await Promise.all([home('Ledgerline', { metrics: () => ma }), home('Carepath', { metrics: () => mb })])
    const accepted: RecordAcceptedEvent[] = []
    b.addEventListener('record:accepted', (e) => { accepted.push(e.detail) })
    const announced = nextEvent(a.services.announcer, 'announced')
    await a.publish(await doc(1))
    await announced
    expect(await ma.read('oosnet_announcer_announced_total')).toBe(1)
    expect(await ma.read('oosnet_binder_signed_total')).toBe(1)
    expect(await ma.read('oosnet_ingest_accepted_total')).toBe(2) // A's binding, A's version

    expect(await mb.read('oosnet_ingest_accepted_total')).toBe(1) // B's own binding
    await b.follow(a.org, { via: via(a) })
    expect(accepted.filter(d => d.kind === 'oos/version' && d.org === a.org)).toHaveLength(1)
    expect(await mb.read('oosnet_replicator_synced_total')).toBeGreaterThanOrEqual(1)
    // every record B's door accepted is counted, the synced ones by the replicator too
    expect(await mb.read('oosnet_ingest_accepted_total')).toBe(1 + accepted.length)
    expect(await mb.read('oosnet_replicator_accepted_total')).toBeGreaterThanOrEqual(1)
    expect(await ma.read('oosnet_gossip_published_total')).toBe(a.gossip.stats().published)
    expect(await ma.read('oosnet_gossip_published_total')).toBeGreaterThanOrEqual(1) // at least the announcement
    // each service registered its counters once, with help; libp2p registered its own on the same Metrics
    for (const name of ['oosnet_replicator_synced_total', 'oosnet_announcer_announced_total', 'oosnet_advertiser_provided_total', 'oosnet_equivocation_reported_total', 'oosnet_regossip_statements_total', 'oosnet_gossip_router_items_total']) {
      expect(mb.registered.get(name)).toMatchObject({ kind: 'counter', options: { help: expect.any(String) } })
    }
    expect([...mb.registered.keys()].some(n => n.startsWith('libp2p_'))).toBe(true)
    expect(mb.connections).toBeGreaterThan(0)
  })
})
