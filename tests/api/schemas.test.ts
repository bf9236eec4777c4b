/**
 * The API's schemas come from protocol/openapi.yaml (src/api/spec.ts): the spec and the route
 * table agree both ways, every documented operation is served over HTTP, a request that
 * violates its schema is refused with a typed code before any handler runs, and an answer
 * that matches no schema is not sent (a generic 500 INTERNAL).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { request } from 'node:http'
import { routeTable } from '../../src/api/http.ts'
import { ROUTES, apiServer, type ApiServer } from '../../src/api/server.ts'
import { loadSpec, type ApiSpec } from '../../src/api/spec.ts'
import type { ApiHandlers } from '../../src/api/types.ts'

const ORG = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK'
const CID = 'bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'

interface Answer { status: number, text: string, json: any, headers: Record<string, unknown> }

async function call (server: ApiServer, method: string, path: string, options: { body?: string, type?: string, token?: boolean } = {}): Promise<Answer> {
  return await new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {}
    if (options.token !== false) headers.authorization = `Bearer ${server.token}`
    if (options.body !== undefined) {
      headers['content-type'] = options.type ?? 'application/json'
      headers['content-length'] = Buffer.byteLength(options.body)
    }
    const req = request(server.url + path, { method, headers, agent: false }, (res) => {
      const parts: Buffer[] = []
      res.on('data', (c: Buffer) => parts.push(c))
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8')
        let json: any
        try { json = JSON.parse(text) } catch { json = undefined }
        resolve({ status: res.statusCode ?? 0, text, json, headers: res.headers })
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(options.body)
  })
}

/** `/v1/versions/{ref}` with every path parameter filled */
const concrete = (path: string): string => path.replace(/\{\w+\}/g, 'x')

describe('the route table and protocol/openapi.yaml', () => {
  it('agree both ways: each operation has its route, each route its operation', () => {
    const spec = loadSpec()
    const pairs = routeTable(spec)
    expect(pairs.map(([op]) => `${op.method} ${op.path} ${op.operationId}`).sort())
      .toEqual(ROUTES.map(r => `${r.method} ${r.path} ${r.operationId}`).sort())
    // an operation without a route, or a route without its operation, stops the server from being built
    const extra: ApiSpec = { ...spec, operations: [...spec.operations, { ...spec.operations[0], path: '/v1/nothing', operationId: 'nothing' }] }
    expect(() => routeTable(extra)).toThrow(expect.objectContaining({ code: 'INTERNAL', message: expect.stringMatching(/documents GET \/v1\/nothing \(nothing\), which no route serves/) }))
    const fewer: ApiSpec = { ...spec, operations: spec.operations.filter(op => op.operationId !== 'trustSet') }
    expect(() => routeTable(fewer)).toThrow(expect.objectContaining({ code: 'INTERNAL', message: expect.stringMatching(/POST \/v1\/trust \(trustSet\) is not in openapi.yaml/) }))
  })
})

describe('schemas from protocol/openapi.yaml, enforced', () => {
  let server: ApiServer
  const calls: string[] = []
  /** what each handler answers (a test may break one) */
  const answers: Record<string, unknown> = {}

  beforeAll(async () => {
    const handler = (name: string, fallback: (input: any) => unknown) => async (input: any) => {
      calls.push(name)
      return name in answers ? answers[name] : fallback(input)
    }
    const handlers = {
      status: handler('status', () => ({ org: ORG, name: 'Ledgerline', peerId: '12D3KooWFake', multiaddrs: [], peers: [], following: [], head: 0 })),
      publish: handler('publish', () => ({ org: ORG, seq: 1, cid: CID, claims: 3, corrections: [] })),
      unfollow: handler('unfollow', ({ org }) => ({ org, removed: false })),
      follow: handler('follow', ({ org }) => ({ org, seq: 0 })),
      endorse: handler('endorse', ({ target, stance }) => ({ cid: CID, status: 'accepted', target, ...(stance !== undefined ? { stance } : {}) })),
      log: handler('log', () => []),
      claims: handler('claims', () => []),
      show: handler('show', () => { throw Object.assign(new Error('not wanted here')) })
    }
    server = apiServer()({ handlers: handlers as unknown as ApiHandlers })
    await server.start()
  })

  afterAll(async () => { await server?.stop() })

  it('every operation of openapi.yaml is served, with its own schemas; no other path is', async () => {
    for (const op of loadSpec().operations) {
      const where = `${op.method} ${op.path}`
      if (op.method === 'POST') {
        // the route is there: its body checks answer (an unknown route would be a 404 or 405)
        const r = await call(server, 'POST', concrete(op.path), { body: 'x', type: 'text/plain' })
        expect([r.status, r.json.error.code], where).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE'])
      } else {
        // the route is there, with the query schema of its operation
        const r = await call(server, 'GET', `${concrete(op.path)}?zz=1`)
        expect([r.status, r.json.error], where).toEqual([400, { code: 'BAD_REQUEST', message: 'unknown query parameter "zz"', path: 'zz' }])
      }
    }
    expect(calls).toEqual([])
    for (const path of ['/v1/statuses', '/v1/status/', '/v1', '/v2/status', '/v1/versions', '/v1/versions/a/b']) {
      const r = await call(server, 'GET', path)
      expect([r.status, r.json.error.code], path).toEqual([404, 'NOT_FOUND'])
    }
  })

  it('a request that violates its schema is refused with its typed code, and no handler runs', async () => {
    const json = (value: unknown): { body: string } => ({ body: JSON.stringify(value) })
    const cases: Array<[string, string, { body?: string }, number, string, string | undefined]> = [
      ['POST', '/v1/publish', json({}), 400, 'BAD_REQUEST', 'document'],
      ['POST', '/v1/publish', json({ document: '' }), 400, 'BAD_REQUEST', 'document'],
      ['POST', '/v1/publish', json({ document: 7 }), 400, 'BAD_REQUEST', 'document'],
      ['POST', '/v1/unfollow', json({ org: ['a'] }), 400, 'BAD_REQUEST', 'org'],
      ['POST', '/v1/follow', json({ org: ORG, via: '/ip4/127.0.0.1/tcp/1' }), 400, 'BAD_REQUEST', 'via'],
      ['POST', '/v1/follow', json({ org: ORG, via: ['/ip4/127.0.0.1/tcp/1', 5] }), 400, 'BAD_REQUEST', 'via[1]'],
      ['POST', '/v1/endorse', json({ target: CID, evidence: { type: 'OBSERVED_ONCE' } }), 400, 'BAD_REQUEST', 'evidence.text'],
      ['POST', '/v1/endorse', json({ target: CID, evidence: { type: 'OBSERVED_ONCE', text: 'x', by: 'me' } }), 400, 'BAD_REQUEST', 'evidence.by'],
      ['POST', '/v1/endorse', json({ target: CID, expiresAt: 1.5 }), 400, 'BAD_REQUEST', 'expiresAt'],
      ['POST', '/v1/endorse', json({ target: CID, expiresAt: 2 ** 60 }), 400, 'BAD_REQUEST', 'expiresAt'],
      ['POST', '/v1/export', json({ org: ORG, path: '/tmp/x.car', force: 'yes' }), 400, 'BAD_REQUEST', 'force'],
      ['POST', '/v1/trust', json({ org: ORG }), 400, 'BAD_REQUEST', 'level'],
      ['POST', '/v1/stop', json({ now: true }), 400, 'BAD_REQUEST', 'now'],
      ['GET', `/v1/versions/${ORG}?seq=abc`, {}, 400, 'INVALID_ARGUMENT', 'seq'],
      ['GET', `/v1/versions/${ORG}?seq=1.5`, {}, 400, 'INVALID_ARGUMENT', 'seq'],
      ['GET', `/v1/log/${ORG}?limit=0`, {}, 400, 'INVALID_ARGUMENT', 'limit'],
      ['GET', `/v1/log/${ORG}?limit=1&limit=2`, {}, 400, 'BAD_REQUEST', 'limit']
    ]
    for (const [method, path, options, status, code, at] of cases) {
      const r = await call(server, method, path, options)
      const where = `${method} ${path} ${options.body ?? ''}`
      expect([r.status, r.json.error.code, r.json.error.path], where).toEqual([status, code, at])
      expect(r.json.error.message, where).toEqual(expect.any(String))
    }
    expect(calls).toEqual([])
    // what the schemas admit reaches the handlers: case-insensitive values, empty query values left out
    expect((await call(server, 'GET', '/v1/claims?confidence=high&evidence=inference&org=')).status).toBe(200)
    expect((await call(server, 'GET', `/v1/log/${ORG}?limit=`)).status).toBe(200)
    expect((await call(server, 'POST', '/v1/endorse', json({ target: CID, stance: 'dispute', evidence: { type: 'observed_once', text: 'x' } }))).json).toMatchObject({ stance: 'dispute' })
    expect(calls).toEqual(['claims', 'log', 'endorse'])
  })

  it('an answer that matches no schema is not sent: a 500 INTERNAL with a generic message, counted', async () => {
    const before = server.stats()
    answers.publish = { org: ORG, seq: 'one', cid: CID, claims: 3, corrections: [] }
    answers.status = { org: ORG, name: 'Ledgerline' }
    answers.unfollow = { org: ORG, removed: false, secret: '/home/someone/.oosnet' }
    try {
      for (const [method, path, body] of [['POST', '/v1/publish', { document: 'x' }], ['GET', '/v1/status', undefined], ['POST', '/v1/unfollow', { org: ORG }]] as const) {
        const r = await call(server, method, path, body !== undefined ? { body: JSON.stringify(body) } : {})
        expect([r.status, r.json], path).toEqual([500, { error: { code: 'INTERNAL', message: 'internal error in the node (see its log)' } }])
        expect(r.text).not.toMatch(/one|secret|oosnet|schema/)
      }
    } finally {
      delete answers.publish
      delete answers.status
      delete answers.unfollow
    }
    const after = server.stats()
    expect(after.byCode.INTERNAL - (before.byCode.INTERNAL ?? 0)).toBe(3)
    expect(after.byStatus[500] - (before.byStatus[500] ?? 0)).toBe(3)
    expect(after.byStatus[200] ?? 0).toBe(before.byStatus[200] ?? 0)
    // the same routes answer when the answer is right
    expect((await call(server, 'POST', '/v1/unfollow', { body: JSON.stringify({ org: ORG }) })).json).toEqual({ org: ORG, removed: false })
    expect((await call(server, 'GET', '/v1/status')).json).toMatchObject({ org: ORG, api: { requests: expect.any(Number) } })
  })

  it('answers carry the headers they carried before fastify, and no others', async () => {
    const names = (a: Answer): string[] => Object.keys(a.headers).filter(h => !['date', 'connection', 'keep-alive'].includes(h)).sort()
    const ok = await call(server, 'GET', '/v1/status')
    expect(ok.headers).toMatchObject({ 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(ok.text)), 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' })
    expect(names(ok)).toEqual(['cache-control', 'content-length', 'content-type', 'x-content-type-options'])
    const bad = await call(server, 'POST', '/v1/publish', { body: '{}' })
    expect(names(bad)).toEqual(['cache-control', 'content-length', 'content-type', 'x-content-type-options'])
    expect(names(await call(server, 'GET', '/v1/status', { token: false }))).toEqual(['cache-control', 'content-length', 'content-type', 'www-authenticate', 'x-content-type-options'])
  })

  it('a path that does not decode is a 400 for the token holder, and a 401 for anyone else', async () => {
    const bad = await call(server, 'GET', '/v1/log/%E0%A4%A')
    expect([bad.status, bad.json.error.code]).toEqual([400, 'BAD_REQUEST'])
    const anon = await call(server, 'GET', '/v1/log/%E0%A4%A', { token: false })
    expect([anon.status, anon.json.error.code]).toEqual([401, 'UNAUTHORIZED'])
    const unknown = await call(server, 'GET', '/v1/nothing', { token: false })
    expect([unknown.status, unknown.json.error.code]).toEqual([401, 'UNAUTHORIZED'])
  })
})
