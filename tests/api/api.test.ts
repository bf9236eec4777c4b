import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { spawn } from 'node:child_process'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { createServer as createTcpServer, type Socket } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ApiClient, readApiFile, removeApiFile, writeApiFile } from '../../src/api/client.ts'
import { ApiNotLoopbackError, ApiUnavailableError } from '../../src/api/errors.ts'
import { localApp } from '../../src/app/local.ts'
import { apiServer, httpStatusFor, isLoopbackHost, type ApiServer } from '../../src/api/server.ts'
import type { ApiHandlers } from '../../src/api/types.ts'
import { OosError } from '../../src/errors.ts'
import { generateKeyPair, isDid, publicKeyToDid } from '../../src/identity/index.ts'
import { InvalidArgumentError, NotFoundError, UnchangedBodyError } from '../../src/node/errors.ts'
import { homePaths } from '../../src/node/home.ts'
import { OosParseError } from '../../src/oos/index.ts'
import { openNode } from '../helpers.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const example = async (org: string, v: number): Promise<string> => await readFile(join(ROOT, 'examples', 'orgs', org, `v${v}.oos.md`), 'utf8')

interface Raw { status: number, headers: Record<string, string | string[] | undefined>, text: string, json: any }

/** One HTTP request with full control over the headers (node:http, no fetch defaults). */
async function raw (url: string, options: { method?: string, path: string, headers?: Record<string, string | number>, body?: string | Buffer, chunks?: Buffer[] }): Promise<Raw> {
  return await new Promise((resolve, reject) => {
    const headers = { ...options.headers, ...(options.body !== undefined ? { 'content-length': Buffer.byteLength(options.body) } : {}) }
    const req = request(url + options.path, { method: options.method ?? 'GET', headers, agent: false }, (res) => {
      const parts: Buffer[] = []
      res.on('data', (c: Buffer) => parts.push(c))
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8')
        let json: any
        try { json = JSON.parse(text) } catch { json = undefined }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json })
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    if (options.chunks !== undefined) {
      for (const c of options.chunks) req.write(c)
      req.end()
    } else {
      req.end(options.body)
    }
  })
}

async function deadPid (): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' })
  const pid = child.pid as number
  await new Promise(resolve => child.on('exit', resolve))
  return pid
}

describe('the local API', () => {
  let node: Awaited<ReturnType<typeof openNode>>
  let server: ApiServer
  let client: ApiClient
  let org: string
  let auth: Record<string, string>
  const followed = new Map<string, string[] | undefined>()

  beforeAll(async () => {
    node = await openNode()
    const keys = generateKeyPair()
    org = publicKeyToDid(keys.publicKey)
    const handlers: ApiHandlers = {
      ...localApp(node.store, node.ingest, { org }, { secretKey: keys.secretKey }),
      status: async () => ({
        org,
        name: 'Ledgerline',
        peerId: '12D3KooWFakeFakeFake',
        multiaddrs: [],
        peers: [],
        following: [...followed.keys()].map(o => ({ org: o, seq: 0, since: new Date(0).toISOString() })),
        head: (await node.store.head(org))?.seq ?? 0
      }),
      follow: async ({ org, via }) => {
        if (!isDid(org)) throw new InvalidArgumentError(`${org} is not an org did`, { path: 'org' })
        followed.set(org, via)
        return { org, seq: 0 }
      },
      unfollow: async ({ org }) => ({ org, removed: followed.delete(org) })
    }
    server = apiServer()({ handlers })
    await server.start()
    await writeApiFile(node.path, { url: server.url, token: server.token, pid: process.pid })
    auth = { authorization: `Bearer ${server.token}` }
    const c = await ApiClient.fromHome(node.path)
    if (c === undefined) throw new Error('no client')
    client = c
  })

  afterAll(async () => {
    await server?.stop()
    await node?.close()
  })

  it('listens on loopback, with a fresh 32-byte base64url token', () => {
    const { host, port } = server.address()
    expect(host).toBe('127.0.0.1')
    expect(port).toBeGreaterThan(0)
    expect(server.url).toBe(`http://127.0.0.1:${port}`)
    expect(server.token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(Buffer.from(server.token, 'base64url')).toHaveLength(32)
  })

  it('refuses to listen anywhere but loopback', async () => {
    const handlers = {} as ApiHandlers
    for (const host of ['0.0.0.0', '::', '192.168.1.10', '10.0.0.1', 'example.com', '::ffff:127.0.0.1']) {
      const s = apiServer({ host })({ handlers })
      const err = await s.start().then(() => undefined, (e: unknown) => e)
      expect(err, host).toBeInstanceOf(ApiNotLoopbackError)
      expect((err as OosError).code).toBe('API_NOT_LOOPBACK')
      expect(() => s.address()).toThrow(/not running/)
    }
    for (const h of ['127.0.0.1', '127.3.2.1', '::1', '[::1]', '0:0:0:0:0:0:0:1', 'localhost', 'LOCALHOST']) expect(isLoopbackHost(h), h).toBe(true)
    for (const h of ['128.0.0.1', '0.0.0.0', '::', '::2', 'localhost.example.com', '127.0.0.1.nip.io', '']) expect(isLoopbackHost(h), h).toBe(false)
    // the default: 127.0.0.1, any port
    const s = apiServer({ host: 'localhost' })({ handlers })
    await s.start()
    expect(isLoopbackHost(s.address().host)).toBe(true)
    await s.stop()
  })

  it('a port in use is ADDRESS_IN_USE, and the server is not running', async () => {
    const first = apiServer()({ handlers: {} as ApiHandlers })
    await first.start()
    const second = apiServer({ port: first.address().port })({ handlers: {} as ApiHandlers })
    await expect(second.start()).rejects.toMatchObject({ code: 'ADDRESS_IN_USE', message: `the API address 127.0.0.1:${first.address().port} is in use by another process` })
    expect(() => second.address()).toThrow(/not running/)
    await first.stop()
  })

  it('POST /v1/stop on a server without a stop handler (not a node of its own): NOT_FOUND', async () => {
    await expect(client.stop()).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })

  it('401 without the token, or with a wrong one', async () => {
    const none = await raw(server.url, { path: '/v1/status' })
    expect(none.status).toBe(401)
    expect(none.json).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.any(String) } })
    expect(none.headers['www-authenticate']).toBe('Bearer')
    const wrong = Buffer.from(server.token, 'base64url')
    wrong[0] ^= 1
    for (const value of [`Bearer ${wrong.toString('base64url')}`, `Bearer ${server.token}x`, `Bearer ${server.token.slice(0, -1)}`, `Basic ${server.token}`, server.token, 'Bearer ']) {
      const r = await raw(server.url, { path: '/v1/status', headers: { authorization: value } })
      expect(r.status, value).toBe(401)
      expect(r.json.error.code).toBe('UNAUTHORIZED')
    }
    // a POST with a body, no token: 401 before the body is read
    const post = await raw(server.url, { method: 'POST', path: '/v1/publish', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ document: await example('ledgerline', 1) }) })
    expect(post.status).toBe(401)
    expect((await raw(server.url, { path: '/v1/status', headers: auth })).status).toBe(200)
    const client2 = new ApiClient({ url: server.url, token: 'A'.repeat(43) })
    await expect(client2.status()).rejects.toMatchObject({ code: 'UNAUTHORIZED' })
  })

  it('403 for a browser (Origin header) or a foreign Host header, token or not', async () => {
    const { port } = server.address()
    const origin = await raw(server.url, { path: '/v1/status', headers: { ...auth, origin: 'http://evil.example' } })
    expect(origin.status).toBe(403)
    expect(origin.json.error.code).toBe('FORBIDDEN')
    expect((await raw(server.url, { path: '/v1/status', headers: { ...auth, origin: 'null' } })).status).toBe(403)
    for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1:${port + 1}`, '127.0.0.1', `localhost.evil.example:${port}`, `192.168.1.1:${port}`]) {
      const r = await raw(server.url, { path: '/v1/status', headers: { ...auth, host } })
      expect(r.status, host).toBe(403)
      expect(r.json.error.code).toBe('FORBIDDEN')
    }
    expect((await raw(server.url, { path: '/v1/status', headers: { host: 'evil.example' } })).status).toBe(403)
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `LOCALHOST:${port}`]) {
      expect((await raw(server.url, { path: '/v1/status', headers: { ...auth, host } })).status, host).toBe(200)
    }
  })

  it('413 for bodies over the limit (2 MiB publish, 64 KiB otherwise), declared or chunked', async () => {
    const json = { ...auth, 'content-type': 'application/json' }
    const big = JSON.stringify({ document: 'x'.repeat(2 * 1024 * 1024) })
    const r1 = await raw(server.url, { method: 'POST', path: '/v1/publish', headers: json, body: big })
    expect(r1.status).toBe(413)
    expect(r1.json.error.code).toBe('PAYLOAD_TOO_LARGE')
    // chunked, no content-length
    const chunks = Array.from({ length: 40 }, () => Buffer.alloc(64 * 1024, 0x20))
    const r2 = await raw(server.url, { method: 'POST', path: '/v1/publish', headers: json, chunks })
    expect(r2.status).toBe(413)
    const r3 = await raw(server.url, { method: 'POST', path: '/v1/follow', headers: json, body: JSON.stringify({ org, via: ['x'.repeat(65 * 1024)] }) })
    expect(r3.status).toBe(413)
    const r4 = await raw(server.url, { method: 'GET', path: '/v1/status', headers: auth, body: 'x'.repeat(65 * 1024) })
    expect(r4.status).toBe(413)
    // under the limit, a follow is fine
    const body = JSON.stringify({ org, via: Array.from({ length: 2350 }, () => '/ip4/127.0.0.1/tcp/4710') })
    expect(body.length).toBeGreaterThan(56 * 1024)
    const ok = await raw(server.url, { method: 'POST', path: '/v1/follow', headers: json, body })
    expect(ok.status).toBe(200)
    await client.unfollow({ org })
  })

  it('JSON only, known routes only, strict input', async () => {
    const bad = async (method: string, path: string, headers: Record<string, string>, body?: string): Promise<Raw> => await raw(server.url, { method, path, headers: { ...auth, ...headers }, body })
    const text = await bad('POST', '/v1/follow', { 'content-type': 'text/plain' }, JSON.stringify({ org }))
    expect([text.status, text.json.error.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE'])
    const form = await bad('POST', '/v1/follow', { 'content-type': 'application/x-www-form-urlencoded' }, 'org=x')
    expect(form.status).toBe(415)
    const broken = await bad('POST', '/v1/follow', { 'content-type': 'application/json' }, '{"org":')
    expect([broken.status, broken.json.error.code]).toEqual([400, 'BAD_REQUEST'])
    const array = await bad('POST', '/v1/follow', { 'content-type': 'application/json; charset=utf-8' }, '[]')
    expect([array.status, array.json.error.code]).toEqual([400, 'BAD_REQUEST'])
    const extra = await bad('POST', '/v1/follow', { 'content-type': 'application/json' }, JSON.stringify({ org, evil: 1 }))
    expect(extra.json.error).toMatchObject({ code: 'BAD_REQUEST', path: 'evil' })
    const notDid = await bad('POST', '/v1/follow', { 'content-type': 'application/json' }, JSON.stringify({ org: 'acme' }))
    expect([notDid.status, notDid.json.error.code]).toEqual([400, 'INVALID_ARGUMENT'])
    const format = await bad('POST', '/v1/publish', { 'content-type': 'application/json' }, JSON.stringify({ document: 'x', format: 'yaml' }))
    expect(format.json.error).toMatchObject({ code: 'BAD_REQUEST', path: 'format' })
    const none = await bad('GET', '/v1/nothing', {})
    expect([none.status, none.json.error.code]).toEqual([404, 'NOT_FOUND'])
    const method = await bad('DELETE', '/v1/status', {})
    expect([method.status, method.json.error.code, method.headers.allow]).toEqual([405, 'METHOD_NOT_ALLOWED', 'GET'])
    const getPublish = await bad('GET', '/v1/publish', {})
    expect(getPublish.status).toBe(405)
    const query = await bad('GET', '/v1/status?x=1', {})
    expect(query.json.error).toMatchObject({ code: 'BAD_REQUEST', path: 'x' })
    const seq = await bad('GET', `/v1/versions/${encodeURIComponent(org)}?seq=0`, {})
    expect(seq.json.error).toMatchObject({ code: 'INVALID_ARGUMENT', path: 'seq' })
    const conf = await bad('GET', '/v1/claims?confidence=SURE', {})
    expect(conf.json.error).toMatchObject({ code: 'INVALID_ARGUMENT', path: 'confidence' })
    const pct = await bad('GET', '/v1/log/%E0%A4%A', {})
    expect(pct.json.error.code).toBe('BAD_REQUEST')
    expect(server.stats().byCode).toMatchObject({ UNSUPPORTED_MEDIA_TYPE: 2, METHOD_NOT_ALLOWED: 2 })
  })

  it('publishes the ledgerline example, then log, show, claims and verify read it through the client', async () => {
    expect(await client.log({ org })).toEqual([])
    expect(await client.log({ org: 'Ledgerline' }).catch((e: OosError) => e.code)).toBe('NOT_FOUND')
    const p = await client.publish({ document: await example('ledgerline', 1), format: 'md' })
    expect(p).toMatchObject({ org, seq: 1 })
    expect(p.cid).toMatch(/^bafyrei/)
    expect(p.claims).toBe(16)
    expect(Array.isArray(p.corrections)).toBe(true)

    const log = await client.log({ org })
    expect(log).toEqual([{ seq: 1, cid: p.cid, createdAt: expect.any(String), claims: 16, name: 'Ledgerline' }])
    expect(await client.log({ org: 'Ledgerline' })).toEqual(log)

    const shown = await client.show({ ref: org })
    expect(shown.cid).toBe(p.cid)
    expect(shown.rec).toMatchObject({ type: 'oos/version', org, seq: 1, prev: null })
    expect(shown.rec.body.claims).toHaveLength(16)
    expect(Buffer.from(shown.sig, 'base64')).toHaveLength(64)
    expect((await client.show({ ref: p.cid })).cid).toBe(p.cid)
    expect((await client.show({ ref: 'ledgerline', seq: 1 })).cid).toBe(p.cid)
    await expect(client.show({ ref: org, seq: 2 })).rejects.toMatchObject({ code: 'NOT_FOUND', name: NotFoundError.name })

    const claims = await client.claims({ org })
    expect(claims).toHaveLength(16)
    expect(claims[0]).toMatchObject({ org, name: 'Ledgerline', seq: 1, version: p.cid, cid: expect.stringMatching(/^bafyrei/) })
    const high = await client.claims({ confidence: 'HIGH' })
    expect(high).toHaveLength(9)
    expect(high.every(c => c.confidence === 'HIGH')).toBe(true)
    const lower = await raw(server.url, { path: '/v1/claims?confidence=high', headers: auth })
    expect(lower.json).toHaveLength(9)
    const found = await client.claims({ search: claims[0].rule.slice(0, 20) })
    expect(found.map(c => c.cid)).toContain(claims[0].cid)

    const v = await client.verify({ cid: p.cid })
    expect(v).toMatchObject({ valid: true, cid: p.cid, kind: 'oos/version', org, seq: 1, rejected: 0 })
    expect(v).not.toHaveProperty('results')
    await expect(client.verify({ cid: 'not-a-cid' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    await expect(client.verify({ cid: claims[0].cid })).rejects.toMatchObject({ code: 'NOT_FOUND' })

    const status = await client.status()
    expect(status).toMatchObject({ org, head: 1 })
    expect(status.api?.requests).toBeGreaterThan(10)
  })

  it('an unchanged document is UNCHANGED_BODY; two publishes at once get consecutive versions', async () => {
    const again = await client.publish({ document: await example('ledgerline', 1), format: 'md' }).catch((e: unknown) => e)
    expect(again).toBeInstanceOf(OosError)
    expect(again).toMatchObject({ code: 'UNCHANGED_BODY', name: UnchangedBodyError.name })
    expect((again as OosError).message).toMatch(/^nothing to publish/)
    const [a, b] = await Promise.all([
      client.publish({ document: await example('ledgerline', 2), format: 'md' }),
      client.publish({ document: await example('ledgerline', 3), format: 'md' })
    ])
    expect([a.seq, b.seq]).toEqual([2, 3])
    const log = await client.log({ org, limit: 2 })
    expect(log.map(e => e.seq)).toEqual([3, 2])
    expect((await client.verify({ cid: b.cid })).valid).toBe(true)
    expect(node.ingest.stats().equivocation).toBe(0)
  })

  it('a document that does not parse: PARSE_ERROR, rebuilt as the typed error by the client', async () => {
    const broken = '---\noos_version: "1.1"\norg_pseudonym: [unclosed\n---\n# nothing\n'
    const err = await client.publish({ document: broken, format: 'md' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OosError)
    expect(err).toMatchObject({ code: 'PARSE_ERROR', name: OosParseError.name })
    const r = await raw(server.url, { method: 'POST', path: '/v1/publish', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ document: broken, format: 'md' }) })
    expect(r.status).toBe(400)
    expect(r.json.error).toMatchObject({ code: 'PARSE_ERROR', message: (err as Error).message })
    if ((err as OosError).path !== undefined) expect(r.json.error.path).toBe((err as OosError).path)
    const json = await client.publish({ document: '{"frontmatter": ', format: 'json' }).catch((e: OosError) => e)
    expect((json as OosError).code).toBe('PARSE_ERROR')
    const schema = await client.publish({ document: JSON.stringify({ frontmatter: {}, claims: [] }), format: 'json' }).catch((e: OosError) => e)
    expect((schema as OosError).code).toBe('SCHEMA_INVALID')
    expect(httpStatusFor('SCHEMA_INVALID')).toBe(400)
  })

  it('follow and unfollow go to the node\'s handlers', async () => {
    const other = publicKeyToDid(generateKeyPair().publicKey)
    expect(await client.follow({ org: other, via: ['/ip4/127.0.0.1/tcp/4710'] })).toEqual({ org: other, seq: 0 })
    expect(followed.get(other)).toEqual(['/ip4/127.0.0.1/tcp/4710'])
    expect((await client.status()).following.map(f => f.org)).toEqual([other])
    expect(await client.unfollow({ org: other })).toEqual({ org: other, removed: true })
    expect(await client.unfollow({ org: other })).toEqual({ org: other, removed: false })
    await expect(client.follow({ org: 'not a did' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', name: InvalidArgumentError.name, path: 'org' })
    // an address that is not a multiaddr is refused before the node would dial it (it used to be a 500)
    await expect(client.follow({ org: other, via: ['/ip4/127.0.0.1/tcp/4710', 'junk'] })).rejects.toMatchObject({ code: 'BAD_REQUEST', path: 'via[1]' })
    expect(followed.has(other)).toBe(false)
  })

  it('a node without the org key cannot publish (NO_ORG_KEY, 409)', async () => {
    const h = localApp(node.store, node.ingest, { org })
    await expect(h.publish({ document: await example('ledgerline', 1), format: 'md' })).rejects.toMatchObject({ code: 'NO_ORG_KEY' })
    expect(httpStatusFor('NO_ORG_KEY')).toBe(409)
    expect(httpStatusFor('WRONG_PREV')).toBe(422)
    expect(httpStatusFor('SOMETHING_NEW')).toBe(400)
  })

  it('unexpected failures are a 500 with a generic message; stack and detail stay in the node', async () => {
    const failing = apiServer()({
      handlers: {
        status: async () => { throw new Error('secret detail at /home/someone/.oosnet') },
        show: async () => { throw new OosError('STORE_NOT_STARTED', 'the store is closed') }
      } as unknown as ApiHandlers
    })
    await failing.start()
    try {
      const r = await raw(failing.url, { path: '/v1/status', headers: { authorization: `Bearer ${failing.token}` } })
      expect(r.status).toBe(500)
      expect(r.json).toEqual({ error: { code: 'INTERNAL', message: expect.any(String) } })
      expect(r.text).not.toMatch(/secret|oosnet|at /)
      const c = new ApiClient({ url: failing.url, token: failing.token })
      await expect(c.status()).rejects.toMatchObject({ code: 'INTERNAL' })
      const s = await raw(failing.url, { path: '/v1/versions/x', headers: { authorization: `Bearer ${failing.token}` } })
      expect(s.status).toBe(503)
      expect(failing.stats()).toMatchObject({ requests: 3, errors: 3, byStatus: { 500: 2, 503: 1 }, byCode: { INTERNAL: 2, STORE_NOT_STARTED: 1 } })
    } finally {
      await failing.stop()
    }
  })

  it('api.json: mode 0600, found by fromHome; absent, stale or silent means no client', async () => {
    const path = homePaths(node.path).api
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    expect(await readApiFile(node.path)).toEqual({ url: server.url, token: server.token, pid: process.pid })

    const dir = await openNode()
    try {
      expect(await ApiClient.fromHome(dir.path)).toBeUndefined() // absent
      await writeFile(homePaths(dir.path).api, '{"url": ', { mode: 0o600 })
      expect(await ApiClient.fromHome(dir.path)).toBeUndefined() // malformed
      // stale: the process that wrote it is gone (the server itself still answers)
      const dead = await deadPid()
      await writeApiFile(dir.path, { url: server.url, token: server.token, pid: dead })
      expect((await stat(homePaths(dir.path).api)).mode & 0o777).toBe(0o600)
      expect(await ApiClient.fromHome(dir.path)).toBeUndefined()
      // alive, but nothing answers there (the port accepts and never replies): given up after 1 s
      const sockets = new Set<Socket>()
      const silent = createTcpServer(s => { sockets.add(s) })
      await new Promise<void>(resolve => silent.listen(0, '127.0.0.1', resolve))
      const port = (silent.address() as { port: number }).port
      await writeApiFile(dir.path, { url: `http://127.0.0.1:${port}`, token: 'x', pid: process.pid })
      const t0 = Date.now()
      expect(await ApiClient.fromHome(dir.path)).toBeUndefined()
      expect(Date.now() - t0).toBeGreaterThanOrEqual(900)
      expect(Date.now() - t0).toBeLessThan(5000)
      for (const s of sockets) s.destroy()
      await new Promise<void>(resolve => silent.close(() => { resolve() }))
      // a token is never sent off loopback, whatever api.json says
      await writeApiFile(dir.path, { url: 'http://192.0.2.1:4711', token: server.token, pid: process.pid })
      expect(await ApiClient.fromHome(dir.path)).toBeUndefined()
      expect(() => new ApiClient({ url: 'http://example.com', token: 't' })).toThrow(ApiUnavailableError)
      // live: it answers
      await writeApiFile(dir.path, { url: server.url, token: server.token, pid: process.pid })
      expect(await ApiClient.fromHome(dir.path)).toBeInstanceOf(ApiClient)
      // removal: only by the process it names, unless forced
      expect(await removeApiFile(dir.path, { pid: dead })).toBe(false)
      expect(await readApiFile(dir.path)).toBeDefined()
      expect(await removeApiFile(dir.path)).toBe(true)
      expect(await readApiFile(dir.path)).toBeUndefined()
      expect(await removeApiFile(dir.path)).toBe(false)
      await writeApiFile(dir.path, { url: server.url, token: server.token, pid: dead })
      expect(await removeApiFile(dir.path, { force: true })).toBe(true)
    } finally {
      await dir.close()
    }
  })

  it('after stop: no answer (API_UNAVAILABLE); a restart makes a new token', async () => {
    // a whole status: an answer that does not match its schema is not sent (a 500)
    const s = apiServer()({ handlers: { status: async () => ({ org, name: 'Ledgerline', peerId: '12D3KooWFake', multiaddrs: [], peers: [], following: [], head: 0 }) } as unknown as ApiHandlers })
    await s.start()
    const first = s.token
    const c = new ApiClient({ url: s.url, token: first })
    expect(await c.status()).toMatchObject({ org })
    await s.stop()
    expect(() => s.token).toThrow(/not running/)
    const err = await c.status().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiUnavailableError)
    expect((err as OosError).code).toBe('API_UNAVAILABLE')
    await s.start()
    expect(s.token).not.toBe(first)
    await s.stop()
  })
})
