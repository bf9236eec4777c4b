/**
 * The local API and hostile document text (protocol/BODY.md §5.1, §5.6): a document string
 * with a lone surrogate (what ill-formed bytes become in a string) is INVALID_UTF8 with its
 * line and nothing is stored; JSON answers carry DEL, C1 and bidi controls only as `\u`
 * escapes, the same values for a program.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { readFile } from 'node:fs/promises'
import { request } from 'node:http'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { apiServer, type ApiServer } from '../../src/api/server.ts'
import { nodeApp } from '../../src/app/node.ts'
import { ephemeralNode, type EphemeralNode } from '../../src/node/ephemeral.ts'

const EXAMPLE = join(fileURLToPath(new URL('../../', import.meta.url)), 'examples', 'orgs', 'ledgerline', 'v1.oos.md')
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u

describe('the API and hostile document text', () => {
  let node: EphemeralNode
  let server: ApiServer
  let org: string
  let lines: string[]

  /** one request; the answer's raw text and its JSON */
  async function call (method: string, path: string, body?: unknown): Promise<{ status: number, text: string, json: any }> {
    const data = body === undefined ? undefined : JSON.stringify(body)
    return await new Promise((resolve, reject) => {
      const req = request(server.url + path, {
        method,
        agent: false,
        headers: { authorization: `Bearer ${server.token}`, ...(data !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}) }
      }, (res) => {
        const parts: Buffer[] = []
        res.on('data', (c: Buffer) => parts.push(c))
        res.on('end', () => {
          const text = Buffer.concat(parts).toString('utf8')
          resolve({ status: res.statusCode ?? 0, text, json: JSON.parse(text) })
        })
        res.on('error', reject)
      })
      req.on('error', reject)
      req.end(data)
    })
  }

  beforeAll(async () => {
    // a real node on loopback, served the way `oos start` serves it
    node = await ephemeralNode('Hygiene')
    org = node.config.org
    server = apiServer()({ handlers: nodeApp(node, { orgKey: await node.orgSecret(), home: node.home }) })
    await server.start()
    lines = (await readFile(EXAMPLE, 'utf8')).split('\n')
  })
  afterAll(async () => {
    await server?.stop()
    await node?.cleanup()
  })

  it('POST /v1/publish with a lone surrogate on line N: 400 INVALID_UTF8 naming line N; nothing stored', async () => {
    const n = lines.findIndex(l => l.startsWith('- **Why:**')) + 1
    const document = lines.map((l, i) => i === n - 1 ? l + ' \ud83d' : l).join('\n')
    const r = await call('POST', '/v1/publish', { document, format: 'md' })
    expect(r.status).toBe(400)
    expect(r.json.error).toMatchObject({ code: 'INVALID_UTF8', path: `line ${n}` })
    expect(r.json.error.message).toMatch(new RegExp(`^line ${n}: not well-formed Unicode at column \\d+ \\(a lone surrogate U\\+D83D\\)`))
    expect(await node.store.head(org)).toBeUndefined()
  })

  it('JSON answers hold bidi and C1 controls only as \\u escapes, and parse to the text as published', async () => {
    const rule = 'Every case has \u202eexactly\u202c one owner\u009b2J\u007f.'
    const document = lines.map(l => l.startsWith('- **Rule:** Every case has exactly one owning agent') ? `- **Rule:** ${rule}` : l).join('\n')
    const p = await call('POST', '/v1/publish', { document, format: 'md' })
    expect(p.status).toBe(200)
    for (const path of [`/v1/versions/${encodeURIComponent(org)}`, `/v1/claims?org=${encodeURIComponent(org)}`]) {
      const r = await call('GET', path)
      expect(r.status).toBe(200)
      expect(r.text).not.toMatch(UNSAFE)
      expect(r.text).toContain('\\u202Eexactly\\u202C one owner\\u009B2J\\u007F.')
      expect(JSON.stringify(r.json)).toContain(JSON.stringify(rule).slice(1, -1))
    }
  })
})
