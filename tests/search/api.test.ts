import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { ApiClient } from '../../src/api/client.ts'
import { apiServer, type ApiServer } from '../../src/api/server.ts'
import type { ApiHandlers } from '../../src/api/types.ts'
import { localApp } from '../../src/app/local.ts'
import type { LocalApp } from '../../src/app/types.ts'
import { openNode } from '../helpers.ts'
import { raw } from '../api/raw.ts'
import { publishExamples, type Published } from './examples.ts'

describe('GET /v1/search and GET /v1/claims/{cid}/similar', () => {
  let node: Awaited<ReturnType<typeof openNode>>
  let server: ApiServer
  let client: ApiClient
  let app: LocalApp
  let p: Published
  let auth: Record<string, string>

  beforeAll(async () => {
    node = await openNode()
    p = await publishExamples(node.ingest)
    app = localApp(node.store, node.ingest, { org: p.did.carepath, name: 'Care' })
    // the app the server answers with: what a node serves (status is the node's, not under test here)
    const handlers: ApiHandlers = { ...app, status: async () => { throw new Error('not asked') } }
    server = apiServer()({ handlers })
    await server.start()
    auth = { authorization: `Bearer ${server.token}` }
    client = new ApiClient({ url: server.url, token: server.token })
  })
  afterAll(async () => { await server.stop(); await node.close() })

  it('answers what the app answers, through its 200 schema, filters included', async () => {
    for (const input of [{ text: 'single writer', limit: 5 }, { text: 'booking', confidence: 'HIGH' as const, section: 'core_operating_rules', trusted: true }]) {
      const got = await client.search(input)
      expect(got.length).toBeGreaterThan(0)
      expect(got).toEqual(JSON.parse(JSON.stringify(await app.search(input))))
    }
  })

  it('GET /v1/claims/{cid}/similar answers what the app answers, through its 200 schema; NOT_FOUND, INVALID_ARGUMENT', async () => {
    const input = { cid: p.claim('ledgerline', 'C009'), limit: 3 }
    const got = await client.similar(input)
    expect(got.map(h => [h.claim_id, h.relation])[0]).toEqual(['C008', 'contradicts'])
    expect(got).toEqual(JSON.parse(JSON.stringify(await app.similar(input))))
    for (const [path, status, code] of [['/v1/claims/nope/similar', 400, 'INVALID_ARGUMENT'], ['/v1/claims/bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy/similar', 404, 'NOT_FOUND'], [`/v1/claims/${input.cid}/similar?limit=101`, 400, 'INVALID_ARGUMENT']] as const) {
      const r = await raw(server.url, { path, headers: auth })
      expect([r.status, r.json.error.code], path).toEqual([status, code])
    }
  })

  it('takes the confidence case-insensitively, and refuses a missing or empty q and an unknown parameter', async () => {
    const low = await raw(server.url, { path: '/v1/search?q=approval&confidence=low', headers: auth })
    expect([low.status, low.json.every((h: { confidence: string }) => h.confidence === 'LOW')]).toEqual([200, true])
    for (const [path, code] of [['/v1/search', 'INVALID_ARGUMENT'], ['/v1/search?q=', 'INVALID_ARGUMENT'], ['/v1/search?q=fee&limit=0', 'INVALID_ARGUMENT'], ['/v1/search?q=fee&org=x', 'BAD_REQUEST']]) {
      const r = await raw(server.url, { path, headers: auth })
      expect([r.status, r.json.error.code], path).toEqual([400, code])
    }
    expect((await raw(server.url, { path: '/v1/search?q=fee' })).status).toBe(401)
  })
})
