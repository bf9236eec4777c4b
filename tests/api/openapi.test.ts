import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import YAML from 'yaml'
import _Ajv2020 from 'ajv/dist/2020.js'
import _addFormats from 'ajv-formats'
import { ApiClient } from '../../src/api/client.ts'
import { localApp } from '../../src/app/local.ts'
import { API_ROUTES, ERROR_STATUS, ROUTES, apiServer, httpStatusFor, type ApiServer } from '../../src/api/server.ts'
import type { ApiHandlers } from '../../src/api/types.ts'
import { generateKeyPair, publicKeyToDid } from '../../src/identity/index.ts'
import { openNode, tempDir } from '../helpers.ts'
import { testKey } from '../../protocol/vectors/generate.ts'
import { smallBody } from '../../protocol/vectors/bodies.ts'
import { signVersion } from '../../src/records/version.ts'
import { claimCid } from '../../src/records/claims.ts'
import { writeOosMarkdown } from '../../src/oos/index.ts'
import { starterBody } from '../../src/app/starter.ts'

const Ajv2020 = ((_Ajv2020 as unknown as { default?: typeof _Ajv2020 }).default ?? _Ajv2020) as unknown as typeof _Ajv2020.default
const addFormats = ((_addFormats as unknown as { default?: typeof _addFormats }).default ?? _addFormats) as unknown as typeof _addFormats.default

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']
const ID = 'https://oosnet.invalid/openapi'

async function loadDoc (): Promise<any> {
  return YAML.parse(await readFile(join(ROOT, 'protocol', 'openapi.yaml'), 'utf8'))
}

describe('protocol/openapi.yaml', () => {
  let doc: any
  beforeAll(async () => { doc = await loadDoc() })

  it('is OpenAPI 3.1 with bearer security on everything', () => {
    expect(doc.openapi).toMatch(/^3\.1\./)
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' })
    expect(doc.security).toEqual([{ bearer: [] }])
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      for (const m of METHODS) if (item[m]?.security !== undefined) expect(item[m].security, `${m} ${path}`).toEqual([{ bearer: [] }])
    }
  })

  it('documents every route of the server, and no other', () => {
    const documented = Object.entries<any>(doc.paths).flatMap(([path, item]) => METHODS.filter(m => item[m] !== undefined).map(m => `${m.toUpperCase()} ${path}`))
    const served = API_ROUTES.map(r => `${r.method} ${r.path}`)
    expect(documented.sort()).toEqual([...served].sort())
  })

  it('documents the parameters each route reads', () => {
    for (const route of ROUTES) {
      const op = doc.paths[route.path][route.method.toLowerCase()]
      const params: any[] = op.parameters ?? []
      const pathParams = [...route.path.matchAll(/\{(\w+)\}/g)].map(m => m[1])
      expect(params.filter(p => p.in === 'path').map(p => p.name).sort(), route.path).toEqual(pathParams.sort())
      for (const p of params.filter(p => p.in === 'path')) expect(p.required).toBe(true)
      expect(params.filter(p => p.in === 'query').map(p => p.name).sort(), route.path).toEqual([...(route.query ?? [])].sort())
      expect(op.requestBody !== undefined, route.path).toBe(route.method === 'POST')
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '401', '403', '500']))
      for (const [status, r] of Object.entries<any>(op.responses)) {
        if (status === '200') continue
        const schema = r.$ref !== undefined ? doc.components.responses[r.$ref.split('/').pop()].content['application/json'].schema : undefined
        expect(schema, `${route.path} ${status}`).toEqual({ $ref: '#/components/schemas/Error' })
      }
    }
  })

  it('documents the status of every error code the server maps', () => {
    expect(doc.components.schemas.ErrorCode['x-http-status']).toEqual(ERROR_STATUS)
    // every status a route can answer with is a documented response (per route or in the overview)
    const statuses = new Set(Object.values(ERROR_STATUS).map(String))
    const described = new Set(Object.values<any>(doc.paths).flatMap(item => METHODS.flatMap(m => Object.keys(item[m]?.responses ?? {}))))
    for (const s of statuses) {
      if (['405', '503'].includes(s)) continue // any route; described in info.description and x-http-status
      expect(described.has(s), s).toBe(true)
    }
    expect(doc.info.description).toMatch(/METHOD_NOT_ALLOWED/)
  })

  it('every $ref resolves', () => {
    const refs = new Set<string>()
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) { v.forEach(walk); return }
      if (v !== null && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) { if (k === '$ref' && typeof x === 'string') refs.add(x); else walk(x) }
      }
    }
    walk(doc)
    for (const ref of refs) {
      const target = ref.replace(/^#\//, '').split('/').reduce<any>((o, k) => o?.[k], doc)
      expect(target, ref).toBeDefined()
    }
  })
})

describe('the API answers as documented', () => {
  let doc: any
  let node: Awaited<ReturnType<typeof openNode>>
  let server: ApiServer
  let client: ApiClient
  let org: string
  let ajv: InstanceType<typeof Ajv2020>
  let out: Awaited<ReturnType<typeof tempDir>>

  /** The schema of a route's response (200 or an error status), with refs made absolute. */
  function check (method: string, path: string, status: string, value: unknown): void {
    const op = doc.paths[path][method]
    let r = op.responses[status]
    expect(r, `${method} ${path} ${status} documented`).toBeDefined()
    if (r.$ref !== undefined) r = doc.components.responses[r.$ref.split('/').pop()]
    const schema = JSON.parse(JSON.stringify(r.content['application/json'].schema).replaceAll('#/components/schemas/', `${ID}#/$defs/`))
    const validate = ajv.compile(schema)
    const ok = validate(value)
    expect(validate.errors ?? [], `${method} ${path} ${status}`).toEqual([])
    expect(ok).toBe(true)
  }

  beforeAll(async () => {
    doc = await loadDoc()
    ajv = new Ajv2020({ strict: false, allErrors: true })
    addFormats(ajv)
    const defs = JSON.parse(JSON.stringify(doc.components.schemas).replaceAll('#/components/schemas/', '#/$defs/'))
    ajv.addSchema({ $id: ID, $defs: defs })
    node = await openNode()
    out = await tempDir()
    const keys = generateKeyPair()
    org = publicKeyToDid(keys.publicKey)
    const handlers: ApiHandlers = {
      ...localApp(node.store, node.ingest, { org }, { secretKey: keys.secretKey }, node.path),
      status: async () => ({ org, name: 'Ledgerline', peerId: '12D3KooWFake', multiaddrs: ['/ip4/127.0.0.1/tcp/4710'], peers: [], following: [], head: (await node.store.head(org))?.seq ?? 0, ingest: node.ingest.stats() }),
      follow: async ({ org }) => ({ org, seq: 0 }),
      unfollow: async ({ org }) => ({ org, removed: false }),
      stop: async () => ({ stopping: true, pid: process.pid })
    }
    server = apiServer()({ handlers })
    await server.start()
    client = new ApiClient({ url: server.url, token: server.token })
  })

  afterAll(async () => {
    await server?.stop()
    await node?.close()
    await out?.cleanup()
  })

  it('200s match their response schemas', async () => {
    const text = await readFile(join(ROOT, 'examples', 'orgs', 'ledgerline', 'v1.oos.md'), 'utf8')
    const p = await client.publish({ document: text, format: 'md' })
    check('post', '/v1/publish', '200', p)
    const text2 = await readFile(join(ROOT, 'tests', 'fixtures', 'example.oos.md'), 'utf8')
    const p2 = await client.publish({ document: text2, format: 'md' })
    expect(p2.corrections.length).toBeGreaterThan(0)
    check('post', '/v1/publish', '200', p2)
    check('get', '/v1/status', '200', await client.status())
    check('post', '/v1/follow', '200', await client.follow({ org }))
    check('post', '/v1/unfollow', '200', await client.unfollow({ org }))
    check('post', '/v1/stop', '200', await client.stop())
    check('get', '/v1/versions/{ref}', '200', await client.show({ ref: org, seq: 1 }))
    check('get', '/v1/versions/{ref}', '200', await client.show({ ref: p2.cid }))
    check('get', '/v1/log/{org}', '200', await client.log({ org }))
    check('get', '/v1/claims', '200', await client.claims({}))
    check('get', '/v1/verify/{cid}', '200', await client.verify({ cid: p2.cid }))
  })

  it('POST /v1/validate: every error with its line, the corrections, nothing stored; a starter\'s placeholders are errors, and publish refuses them', async () => {
    const text = await readFile(join(ROOT, 'examples', 'orgs', 'ledgerline', 'v1.oos.md'), 'utf8')
    const lines = text.split('\n')
    const bad = text.replace('- **Confidence:** HIGH', '- **Confidence:** SURE').replace('- **Confidence:** MEDIUM', '- **Confidence:** PERHAPS').replace('claim_count: 16', 'claim_count: 3')
    const r = await client.validate({ document: bad, format: 'md' })
    check('post', '/v1/validate', '200', r)
    expect(r.valid).toBe(false)
    expect(r.errors.map(e => [e.code, e.line])).toEqual([['SCHEMA_INVALID', lines.indexOf('- **Confidence:** HIGH') + 1], ['SCHEMA_INVALID', lines.indexOf('- **Confidence:** MEDIUM') + 1]])
    expect(r.corrections).toContainEqual({ field: 'frontmatter.claim_count', declared: 3, actual: 16 })
    const good = await client.validate({ document: text, format: 'md' })
    check('post', '/v1/validate', '200', good)
    expect(good).toMatchObject({ valid: true, errors: [] })
    // the starter `oos new` writes: its placeholders, through the API as through the CLI
    const starter = writeOosMarkdown(starterBody('agent_army'))
    const s = await client.validate({ document: starter, format: 'md' })
    check('post', '/v1/validate', '200', s)
    expect(s.valid).toBe(false)
    expect(s.errors.length).toBeGreaterThan(10)
    expect(s.errors[0]).toMatchObject({ code: 'SCHEMA_INVALID', path: 'frontmatter.org_pseudonym', line: 3, message: expect.stringContaining('placeholder') })
    const head = await node.store.head(org)
    const refused: any = await client.publish({ document: starter, format: 'md' }).then(() => undefined, (e: unknown) => e)
    expect(refused).toMatchObject({ code: 'SCHEMA_INVALID', path: 'frontmatter.org_pseudonym', message: expect.stringMatching(/placeholder.*more problems/) })
    expect(await node.store.head(org)).toEqual(head) // nothing published
  })

  it('the trust routes answer as documented: endorse, provenance, trust, trust set, retract, adopt', async () => {
    const alice = testKey('alice')
    const v1 = signVersion(smallBody('Alice Logistics', 1), { org: alice.did, seq: 1, prev: null, createdAt: Date.now() - 1000 }, alice.secretKey)
    await node.ingest.ingest(v1.bytes)
    const claim = claimCid(alice.did, v1.signed.rec.body.claims[0]).toString()
    const e = await client.endorse({ target: claim, stance: 'dispute', note: 'not in our depots', evidence: { type: 'OBSERVED_ONCE', text: 'one depot' }, expiresAt: Date.now() + 86_400_000 })
    check('post', '/v1/endorse', '200', e)
    expect(e).toMatchObject({ status: 'accepted', stance: 'dispute', target: claim })
    const p = await client.provenance({ cid: claim })
    check('get', '/v1/provenance/{cid}', '200', p)
    expect(p.endorsements).toMatchObject([{ org, stance: 'dispute', status: 'valid', trusted: true }])
    const set = await client.trustSet({ org: 'Alice Logistics', level: 'untrusted' })
    check('post', '/v1/trust', '200', set)
    expect(set).toEqual({ org: alice.did, level: 'untrusted' })
    const rows = await client.trust()
    check('get', '/v1/trust', '200', rows)
    expect(rows.find(r => r.org === alice.did)).toMatchObject({ explicit: 'untrusted', trusted: false, received: { endorse: 0, dispute: 1 } })
    const r = await client.retract({ target: e.cid })
    check('post', '/v1/retract', '200', r)
    expect((await client.provenance({ cid: claim })).endorsements[0].status).toBe('retracted')
    const a = await client.adopt({ cid: claim })
    check('post', '/v1/adopt', '200', a)
    expect(a.added).toMatchObject({ derived_from: [claim] })
    expect(a.document).toContain(claim)
  })

  it('export and import answer as documented: the node writes and reads the CAR at the path given', async () => {
    // outside the node's home (node.path): the node refuses to write inside it
    const file = join(out.path, 'out.car')
    const e = await client.exportCar({ org, path: file })
    check('post', '/v1/export', '200', e)
    expect(e).toMatchObject({ org, file })
    expect(e.blocks).toBeGreaterThan(0)
    const i = await client.importCar({ path: file })
    check('post', '/v1/import', '200', i)
    expect(i).toMatchObject({ accepted: 0, rejected: 0, roots: [e.root] })
    expect(i.duplicate).toBe(e.blocks)
  })

  it('errors match the error schema and the documented statuses', async () => {
    const cases: Array<[string, string, () => Promise<unknown>, string]> = [
      ['post', '/v1/endorse', async () => await client.endorse({ target: 'bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy' }), '422'],
      ['post', '/v1/endorse', async () => await client.call('POST', '/v1/endorse', { target: 'x', stance: 'maybe' }), '400'],
      ['post', '/v1/retract', async () => await client.retract({ target: 'bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy' }), '422'],
      ['get', '/v1/provenance/{cid}', async () => await client.provenance({ cid: 'bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy' }), '404'],
      ['post', '/v1/trust', async () => await client.call('POST', '/v1/trust', { org: 'x', level: 'maybe' }), '400'],
      ['post', '/v1/adopt', async () => await client.adopt({ cid: 'not-a-cid' }), '400'],
      ['post', '/v1/export', async () => await client.exportCar({ org, path: 'relative.car' }), '400'],
      ['post', '/v1/export', async () => await client.exportCar({ org: 'nobody-here', path: '/tmp/x.car' }), '404'],
      ['post', '/v1/export', async () => await client.exportCar({ org, path: join(node.path, 'inside-home.car') }), '400'],
      ['post', '/v1/export', async () => await client.exportCar({ org, path: join(out.path, 'out.car') }), '409'],
      ['post', '/v1/import', async () => await client.importCar({ path: join(ROOT, 'package.json') }), '400'],
      ['post', '/v1/import', async () => await client.importCar({ path: '/nonexistent/x.car' }), '404'],
      ['post', '/v1/publish', async () => await client.publish({ document: '---\nx: [\n---\n', format: 'md' }), '400'],
      ['post', '/v1/validate', async () => await client.call('POST', '/v1/validate', { document: 'x', format: 'yaml' }), '400'],
      ['get', '/v1/versions/{ref}', async () => await client.show({ ref: 'nobody-here' }), '404'],
      ['get', '/v1/verify/{cid}', async () => await client.verify({ cid: 'nope' }), '400'],
      ['get', '/v1/log/{org}', async () => await client.log({ org: 'nobody-here' }), '404']
    ]
    for (const [method, path, call, status] of cases) {
      const err: any = await call().then(() => undefined, (e: unknown) => e)
      expect(err, path).toBeDefined()
      expect(String(httpStatusFor(err.code))).toBe(status)
      check(method, path, status, { error: { code: err.code, message: err.message, ...(err.path !== undefined ? { path: err.path } : {}), ...(err.details !== undefined ? { details: err.details } : {}) } })
    }
  })
})
