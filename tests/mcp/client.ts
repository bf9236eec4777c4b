/**
 * The SDK's MCP client connected to a real `oos mcp` process over stdio, and what its tool
 * results look like to the tests.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { expect } from 'vitest'
import { BIN, oosEnv, ROOT } from '../cli/run.ts'
import { NOTICE } from '../../src/mcp/marking.ts'

export interface Marked { notice: string, trusted: any, untrusted: Record<string, any>, ours: Record<string, any> }

export interface McpProcess {
  client: Client
  /** call a tool; a tool error fails the test unless `error` */
  call: (name: string, args?: Record<string, unknown>) => Promise<Marked>
  /** call a tool that must fail: its `CODE: message` text */
  fail: (name: string, args?: Record<string, unknown>) => Promise<string>
  stderr: () => string
  close: () => Promise<void>
}

export async function mcpOverStdio (home: string, flags: string[] = [], env: Record<string, string | undefined> = {}): Promise<McpProcess> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', '--home', home, ...flags], env: oosEnv(env) as Record<string, string>, cwd: ROOT, stderr: 'pipe' })
  let err = ''
  transport.stderr?.on('data', (d: Buffer) => { err += d.toString() })
  const client = new Client({ name: 'oosnet-test', version: '1.0.0' })
  await client.connect(transport)
  const raw = async (name: string, args: Record<string, unknown>): Promise<any> => await client.callTool({ name, arguments: args })
  return {
    client,
    async call (name, args = {}) {
      const r = await raw(name, args)
      expect(r.isError, `${name}: ${JSON.stringify(r.content)} ${err}`).not.toBe(true)
      return checkMarked(r)
    },
    async fail (name, args = {}) {
      const r = await raw(name, args)
      expect(r.isError).toBe(true)
      return r.content[0].text as string
    },
    stderr: () => err,
    close: async () => { await client.close() }
  }
}

/** Every result: the notice first, in the text and as a field; the text holds the same JSON as the structured content. */
export function checkMarked (r: any): Marked {
  const s = r.structuredContent as Marked
  expect(s.notice).toBe(NOTICE)
  expect(Object.keys(s).sort()).toEqual(['notice', 'ours', 'trusted', 'untrusted'])
  const text = r.content[0].text as string
  expect(text.split('\n')[0]).toBe(NOTICE)
  expect(JSON.parse(text.slice(text.indexOf('\n') + 1))).toEqual(s)
  return s
}

/** Every string anywhere in `v` (to check that a text sits nowhere but where it belongs). */
export function strings (v: unknown): string[] {
  if (typeof v === 'string') return [v]
  if (v === null || typeof v !== 'object') return []
  return Object.values(v).flatMap(strings)
}
