/**
 * The lines `oos start` writes while its node runs (cli/nodelog.ts), for the events that a
 * process test cannot provoke cheaply: violations counted against a peer, its ban, and the
 * hang-up that follows — two real nodes on loopback, the node's own violation counter.
 */
import { describe, it, expect, afterAll } from 'vitest'
import { ephemeralNode, nodeApp, type EphemeralNode } from '../../src/app/runtime.ts'
import { logNode } from '../../src/cli/nodelog.ts'
import { until } from '../net/nodes.ts'

describe('the node\'s log lines: violations, bans, peers leaving', () => {
  const nodes: EphemeralNode[] = []
  afterAll(async () => { for (const n of nodes) await n.cleanup() })

  it('each violation, the ban past the threshold and the peer hung up on are one line each, human and JSON', async () => {
    const a = await ephemeralNode('Ledgerline')
    nodes.push(a)
    const b = await ephemeralNode('Carepath')
    nodes.push(b)
    const human: string[] = []
    const json: string[] = []
    const app = nodeApp(a)
    const offs = [logNode(a, app, 'human', (l) => human.push(l)), logNode(a, app, 'json', (l) => json.push(l)), logNode(a, app, 'off', () => { throw new Error('off logs nothing') })]
    await b.libp2p.dial(a.libp2p.getMultiaddrs()[0])
    const peer = b.libp2p.peerId.toString()
    await until(() => human.some(l => l.endsWith(`peer joined ${peer} (1 connected)`)), 15_000, 'the join')
    for (let i = 0; i < 5; i++) a.violations.report(b.libp2p.peerId, 'SCHEMA_INVALID')
    await until(() => human.some(l => l.includes(`peer left ${peer}`)), 15_000, 'the hang-up after the ban')
    const lines = human.map(l => l.replace(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ /, ''))
    expect(lines.filter(l => l === `violation by peer ${peer}: SCHEMA_INVALID`)).toHaveLength(5)
    expect(lines).toContain(`banned peer ${peer} after 5 violations (last: SCHEMA_INVALID)`)
    const events = json.map(l => JSON.parse(l))
    expect(events.map(e => e.event)).toEqual(expect.arrayContaining(['peer:connect', 'peer:violation', 'peer:banned', 'peer:disconnect']))
    expect(events.find(e => e.event === 'peer:banned')).toMatchObject({ peer, code: 'SCHEMA_INVALID', count: 5 })
    // unsubscribed: nothing more is written
    for (const off of offs) off()
    const before = human.length
    a.violations.report(b.libp2p.peerId, 'SCHEMA_INVALID')
    await app.orgs() // a turn of the event loop and the store
    expect(human).toHaveLength(before)
  }, 60_000)
})
