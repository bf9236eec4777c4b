/**
 * `oos mcp --http`: the MCP server over streamable HTTP (MCP.md §4), stateless (a server and a
 * transport per request), on loopback only, with the API's defences (api/server.ts): a request
 * with an `Origin` (a browser) or a `Host` that is not our loopback address is 403, one without
 * `Authorization: Bearer <token>` is 401, compared in constant time. The token is the running
 * node's API token (`<home>/api.json`) when a node runs at start, else a new random one; either
 * way it is written with the URL to `<home>/mcp.json` (0600) and never printed.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { rm, writeFile, rename } from 'node:fs/promises'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { processAlive, readApiFile } from '../api/client.ts'
import { AddressInUseError } from '../errors.ts'

// node:http as the CommonJS module, not its ESM namespace (which loads undici: api/http.ts)
const { createServer } = process.getBuiltinModule('node:http')

/** the path of the MCP endpoint */
export const MCP_PATH = '/mcp'
/** what `<home>/mcp.json` holds while `oos mcp --http` runs */
export interface McpHttpInfo { url: string, token: string, pid: number }

export const mcpFile = (home: string): string => join(home, 'mcp.json')

export interface McpHttpInit {
  home: string
  /** a new server for each request (stateless) */
  server: () => McpServer
  /** default 0: a free port */
  port?: number
  onError?: (err: unknown) => void
}

export interface McpHttp { url: string, close: () => Promise<void> }

/** The token a client must send: the running node's API token, else a new one. */
async function homeToken (home: string): Promise<string> {
  const api = await readApiFile(home)
  return api !== undefined && processAlive(api.pid) ? api.token : randomBytes(32).toString('base64url')
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest()

function refuse (res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...(status === 401 ? { 'www-authenticate': 'Bearer' } : {}) })
  res.end(JSON.stringify({ error: { code, message } }))
}

export async function serveMcpHttp (init: McpHttpInit): Promise<McpHttp> {
  const secret = await homeToken(init.home)
  const token = digest(secret)
  let hosts = new Set<string>()
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.headers.origin !== undefined || !hosts.has(req.headers.host ?? '')) { refuse(res, 403, 'FORBIDDEN', 'requests from browsers or to another host are refused'); return }
    const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1]
    if (auth === undefined || !timingSafeEqual(digest(auth), token)) { refuse(res, 401, 'UNAUTHORIZED', `the bearer token of ${mcpFile(init.home)} is required`); return }
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== MCP_PATH) { refuse(res, 404, 'NOT_FOUND', `the MCP endpoint is ${MCP_PATH}`); return }
    const server = init.server()
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true })
    res.once('close', () => { void transport.close(); void server.close() })
    await server.connect(transport)
    await transport.handleRequest(req, res)
  }
  const http: Server = createServer((req, res) => {
    handle(req, res).catch((err) => { init.onError?.(err); if (!res.headersSent) refuse(res, 500, 'INTERNAL', 'internal error') })
  })
  await new Promise<void>((resolve, reject) => {
    http.once('error', (err: NodeJS.ErrnoException) => { reject(err.code === 'EADDRINUSE' ? new AddressInUseError(`127.0.0.1:${init.port ?? 0} is in use`) : err) })
    http.listen(init.port ?? 0, '127.0.0.1', () => { resolve() })
  })
  const { port } = http.address() as AddressInfo
  hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`])
  const url = `http://127.0.0.1:${port}${MCP_PATH}`
  const file = mcpFile(init.home)
  // written aside, then renamed over (readers never see half a file), mode 0600: it holds the token
  const tmp = `${file}.${process.pid}.tmp`
  await writeFile(tmp, JSON.stringify({ url, token: secret, pid: process.pid } satisfies McpHttpInfo, null, 2) + '\n', { mode: 0o600 })
  await rename(tmp, file)
  return {
    url,
    close: async () => {
      await rm(file, { force: true })
      http.closeAllConnections()
      await new Promise<void>(resolve => { http.close(() => { resolve() }) })
    }
  }
}
