/**
 * `oos mcp --http`: streamable HTTP on loopback with a bearer token (MCP.md §4). Without a node,
 * a new token in <home>/mcp.json; with a node running (`oos start`), the node's API token, and
 * the tools go through the node's API (an endorsement is then signed by the node: the MCP
 * process has no passphrase). Refused without the token, with a wrong one, and from a browser.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, oosEnv, oosIn, ROOT } from '../cli/run.ts'
import { startNode, type NodeProcess } from '../cli/start.ts'
import { tempDir } from '../helpers.ts'
import { checkMarked } from './client.ts'
import { federation, oosOk, type Federation } from './federation.ts'

interface Served { child: ChildProcess, url: string, tools: string[], exit: Promise<number | null> }

/** `oos mcp --http --json ARGS` as a process, without the passphrase; resolves once it printed its URL */
async function serveHttp (home: string, args: string[] = []): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'mcp', '--http', '--json', '--home', home, ...args], { cwd: ROOT, env: oosEnv({ OOS_PASSPHRASE: undefined }), stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stderr?.on('data', (d: Buffer) => { err += d.toString() })
  const exit = new Promise<number | null>(resolve => { child.once('exit', (code) => { resolve(code) }) })
  const info = await new Promise<{ url: string, tools: string[] }>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => { out += d.toString(); try { resolve(JSON.parse(out)) } catch {} })
    void exit.then((code) => { reject(new Error(`oos mcp --http exited ${code}: ${err}`)) })
  })
  return { child, ...info, exit }
}

const INIT = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'curl', version: '1' } } }
const post = async (url: string, headers: Record<string, string>): Promise<Response> => await fetch(url, {
  method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers }, body: JSON.stringify(INIT)
})

async function connect (url: string, token: string): Promise<Client> {
  const client = new Client({ name: 'oosnet-http-test', version: '1.0.0' })
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }))
  return client
}

describe('oos mcp --http', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let fed: Federation
  let node: NodeProcess | undefined

  beforeAll(async () => {
    dir = await tempDir()
    fed = await federation(dir.path)
  }, 180_000)
  afterAll(async () => {
    await node?.stop()
    await dir?.cleanup()
  })

  it('a bad command line is a usage error; no home, HOME_NOT_FOUND; nothing is served', async () => {
    const port = await oosIn(['mcp', '--port', '4999', '--home', fed.homes.ledgerline])
    expect(port.code).toBe(2)
    expect(port.stderr).toMatch(/--port goes with --http \[USAGE\]/)
    const none = await oosIn(['mcp', '--home', join(dir.path, 'nobody')])
    expect(none.code).toBe(1)
    expect(none.stderr).toMatch(/\[HOME_NOT_FOUND\]/)
    expect(none.stdout).toBe('')
  })

  it('without a node: a new token in <home>/mcp.json (0600); no token, a wrong one or a browser are refused', async () => {
    const home = fed.homes.ledgerline
    const s = await serveHttp(home)
    try {
      expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/)
      expect(s.tools).not.toContain('endorse')
      const file = join(home, 'mcp.json')
      expect((await stat(file)).mode & 0o777).toBe(0o600)
      const info = JSON.parse(await readFile(file, 'utf8'))
      expect(info).toMatchObject({ url: s.url, pid: expect.any(Number) })
      expect(info.token).toMatch(/^[\w-]{43}$/)

      const none = await post(s.url, {})
      expect(none.status).toBe(401)
      expect(((await none.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED')
      expect((await post(s.url, { authorization: 'Bearer wrong' })).status).toBe(401)
      expect((await post(s.url, { authorization: `Bearer ${info.token}`, origin: 'http://evil.example' })).status).toBe(403)
      expect((await post(s.url.replace('/mcp', '/other'), { authorization: `Bearer ${info.token}` })).status).toBe(404)
      expect((await post(s.url, { authorization: `Bearer ${info.token}` })).status).toBe(200)

      const client = await connect(s.url, info.token)
      const r = checkMarked(await client.callTool({ name: 'list_orgs', arguments: {} }))
      expect((r.trusted.orgs as any[]).map(o => o.org)).toContain(fed.did.carepath)
      await client.close()
    } finally {
      s.child.kill('SIGTERM')
      expect(await s.exit).toBe(0)
    }
    await expect(stat(join(home, 'mcp.json'))).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('with a node running: the node\'s API token; tools go through its API, and the node signs an endorsement', async () => {
    const home = fed.homes.ledgerline
    node = await startNode(home)
    const api = JSON.parse(await readFile(join(home, 'api.json'), 'utf8'))
    const s = await serveHttp(home, ['--allow-write'])
    try {
      expect(s.tools).toEqual(expect.arrayContaining(['endorse', 'dispute', 'adopt_into_draft']))
      const info = JSON.parse(await readFile(join(home, 'mcp.json'), 'utf8'))
      expect(info.token).toBe(api.token)
      expect((await post(s.url, {})).status).toBe(401)
      const client = await connect(s.url, api.token)
      const target = fed.claim('parcelworks', 'C002')
      const e = checkMarked(await client.callTool({ name: 'endorse', arguments: { cid: target, note: 'Read live stock at commit time: so do we.' } }))
      expect(e.trusted).toMatchObject({ status: 'accepted', stance: 'endorse', target })
      const p = checkMarked(await client.callTool({ name: 'claim_provenance', arguments: { cid: target } }))
      const k = (p.trusted.endorsements as any[]).findIndex(x => x.cid === e.trusted.cid)
      expect(p.trusted.endorsements[k]).toMatchObject({ org: fed.did.ledgerline, counted: true })
      expect(p.ours[`endorsements[${k}].note`]).toBe('Read live stock at commit time: so do we.')
      await client.close()
      // the node holds it: the CLI, through the same node, sees it too
      const cli = await oosOk(['provenance', target, '--home', home])
      expect(cli.endorsements.map((x: any) => x.cid)).toContain(e.trusted.cid)
    } finally {
      s.child.kill('SIGTERM')
      expect(await s.exit).toBe(0)
    }
  })
})
