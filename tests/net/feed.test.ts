/**
 * The feed (issue 17): three orgs publish, endorse, dispute, adopt and retract; a fourth, which
 * follows them, has each of those records as one event, in order, in its history
 * (`App.feed`, `GET /v1/feed`) and live (`GET /v1/events` through the API client), the same
 * events with the same ids. The event stream pings, needs the token, and leaves no listener
 * on the node when its client goes away or the node stops.
 */
import { describe, it, expect, afterAll, beforeAll } from 'vitest'
import { request } from 'node:http'
import { CID } from 'multiformats/cid'
import { apiServer, type ApiServer } from '../../src/api/server.ts'
import { ApiClient } from '../../src/api/client.ts'
import { nodeApp } from '../../src/app/node.ts'
import type { App, FeedEvent } from '../../src/app/types.ts'
import type { EphemeralNode } from '../../src/node/ephemeral.ts'
import { makeNode, until } from './nodes.ts'
import { raw } from '../api/raw.ts'
import { feedScenario, threeOrgs, type Org, type Scenario } from './feed-scenario.ts'

const LISTENED = ['record:accepted', 'org:flagged', 'node:stopping'] as const
const listeners = (n: EphemeralNode): number[] => LISTENED.map(t => n.listenerCount(t))

describe('the feed of a fourth org', () => {
  let orgs: { a: Org, b: Org, c: Org, cleanup: () => Promise<void> }
  let d: EphemeralNode
  let observer: App
  let server: ApiServer
  let client: ApiClient
  let baseline: number[]
  const live: FeedEvent[] = []
  const stream = new AbortController()
  let streaming: Promise<void>

  beforeAll(async () => {
    [orgs, d] = await Promise.all([threeOrgs(), makeNode('Observer')])
    observer = nodeApp(d, { orgKey: await d.orgSecret(), home: d.home })
    server = apiServer({ pingMs: 50 })({ handlers: observer })
    await server.start()
    client = new ApiClient({ url: server.url, token: server.token })
    baseline = listeners(d)
  })
  afterAll(async () => {
    stream.abort()
    await server?.stop()
    await Promise.all([orgs?.cleanup(), d?.cleanup()])
  })

  it('three orgs publish, endorse, dispute, adopt and retract: the fourth\'s feed lists exactly those events, in order, in its history and live', async () => {
    // D listens live from the start (the stream is open once its headers came: the node listens)
    let opened = false
    const iterator = client.events({ signal: stream.signal, onOpen: () => { opened = true } })[Symbol.asyncIterator]()
    const first = iterator.next()
    await until(() => opened, 5000, 'the stream to open')
    expect(listeners(d)).toEqual(baseline.map(n => n + 1))
    streaming = (async () => {
      for (let r = await first; r.done !== true; r = await iterator.next()) live.push(r.value)
    })()

    const { made, claims, adopted, endorsement: endorsed }: Scenario = await feedScenario(orgs, {
      follow: async (org, via) => { await d.follow(org, { via }) },
      holds: async (cid) => { await until(async () => (await d.store.stored(CID.parse(cid))) !== undefined, 20_000, `D holds ${cid}`) }
    })
    const [a, b, c] = [orgs.a.node, orgs.b.node, orgs.c.node]
    const [x, y] = [claims[0].cid, claims[1].cid]

    const history = await client.feed({})
    expect(history.map(e => [e.kind, e.org, e.id])).toEqual(made)
    expect(await observer.feed({})).toEqual(history)
    await until(() => live.length >= made.length, 10_000, 'every event live')
    expect(live).toEqual(history)

    // what each event says
    const [v1, , , endorsement, dispute, adoption, v2, retraction] = history
    expect(v1).toMatchObject({ seq: 1, label: { trust: 'trusted' }, summary: 'Ledgerline v1: first version, 16 claims', detail: { name: 'Ledgerline' } })
    expect(endorsement).toMatchObject({ target: x, summary: `Carepath endorses Ledgerline's ${claims[0].claim_id}: we do the same`, detail: { stance: 'endorse', targetOrg: a.org, note: 'we do the same', claim_id: claims[0].claim_id } })
    expect(dispute).toMatchObject({ org: c.org, target: y, summary: `Parcelworks disputes Ledgerline's ${claims[1].claim_id}: fails for us`, detail: { stance: 'dispute', claim_id: claims[1].claim_id } })
    expect(adoption).toMatchObject({ seq: 2, target: x, detail: { added: 1, adopted: [{ source: x, sourceOrg: a.org, claim_id: adopted.added?.claim_id }] } })
    expect(adoption.summary).toBe(`Parcelworks v2 adopted Ledgerline's ${claims[0].claim_id} as ${adopted.added?.claim_id}; 1 added`)
    // examples/orgs/CHANGES.md, ledgerline v1 → v2: C017 added, C002 and C003 reworded, agent AGT-008 added, the humans' approvals changed
    expect(v2).toMatchObject({ seq: 2, detail: { claims: 17, added: 1, reworded: 2, changed: 0, retired: 0, authority: ['AGT-008', 'HMN-001', 'HMN-002'] } })
    expect(v2.summary).toBe('Ledgerline v2: 1 added, 2 reworded; authority: +AGT-008, HMN-001, HMN-002')
    expect(retraction).toMatchObject({ org: b.org, target: endorsed, summary: `Carepath retracted its endorsement of Ledgerline's ${claims[0].claim_id}: wrong claim` })

    // since and limit: the newest N at or after a time, oldest first
    expect((await client.feed({ since: dispute.at })).map(e => e.id)).toEqual(history.slice(4).map(e => e.id))
    expect((await client.feed({ limit: 2 })).map(e => e.id)).toEqual(history.slice(-2).map(e => e.id))
    await expect(observer.feed({ limit: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    // what a node signs itself is not news to it
    expect((await orgs.a.app.feed({})).map(e => e.org)).not.toContain(a.org)
  })

  it('the stream needs the token, pings, and forgets a client that goes away', async () => {
    expect((await raw(server.url, { path: '/v1/events' })).status).toBe(401)
    const before = listeners(d)
    const got = await new Promise<string>((resolve, reject) => {
      const req = request(server.url + '/v1/events', { headers: { authorization: `Bearer ${server.token}` } }, (res) => {
        expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8')
        let seen = ''
        res.setEncoding('utf8')
        res.on('data', (t: string) => { seen += t; if (seen.includes(': ping\n\n')) { req.destroy(); resolve(seen) } })
      })
      req.on('error', (e) => { if (!req.destroyed) reject(e) })
      req.end()
    })
    expect(got.startsWith(': ok\n\n')).toBe(true)
    await until(() => listeners(d).join() === before.join(), 5000, 'the stream\'s listeners to be removed')
  })

  it('an API without a running node has no stream (NOT_FOUND); a bad since or limit is INVALID_ARGUMENT', async () => {
    const offline = apiServer()({ handlers: { ...observer, events: undefined } })
    await offline.start()
    try {
      const call = async (path: string): Promise<[number, string]> => { const r = await raw(offline.url, { path, headers: { authorization: `Bearer ${offline.token}` } }); return [r.status, r.json.error.code] }
      expect(await call('/v1/events')).toEqual([404, 'NOT_FOUND'])
      expect(await call('/v1/feed?since=yesterday')).toEqual([400, 'INVALID_ARGUMENT'])
      expect(await call('/v1/feed?limit=10001')).toEqual([400, 'INVALID_ARGUMENT'])
    } finally {
      await offline.stop()
    }
  })

  it('the stream ends when the node stops, and leaves no listener on it', async () => {
    const ended = (async () => { for await (const e of client.events()) live.push(e) })()
    await until(() => listeners(d)[2] > baseline[2] + 1, 5000, 'a second stream to listen')
    await d.stop()
    await ended
    await streaming
    expect(listeners(d)).toEqual(baseline)
  })
})
