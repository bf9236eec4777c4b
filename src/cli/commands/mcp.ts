/**
 * `oos mcp`: the MCP server for agents (protocol/MCP.md), on stdio (the MCP client starts it) or
 * with --http on loopback. It runs until its client closes stdin, or a stop signal. Nothing but
 * the protocol goes to stdout in stdio mode; errors of the server go to stderr.
 */
import { loadHome } from '../../app/home.ts'
import { homeSource } from '../../mcp/backend.ts'
import { serveMcpHttp } from '../../mcp/http.ts'
import { createMcpServer, toolNames } from '../../mcp/server.ts'
import { type Command } from '../command.ts'
import { NoPassphraseError, UsageError } from '../errors.ts'
import { envPassphrase } from '../io.ts'
import { stopTrigger } from '../lifecycle.ts'
import { integerOption } from '../values.ts'

export const mcp: Command = {
  name: 'mcp',
  summary: 'the MCP server for agents: read the network (orgs, documents, claims, provenance, search, feed) over stdio or HTTP',
  usage: 'mcp [--http [--port N]] [--allow-write]',
  help: 'Add it to an MCP client as the command `oos mcp --home DIR` (README, "Agents: the MCP server"). It reads through the running node\'s API when a node runs, else the home\'s store, opened for each call. Every answer separates what this node checked ("trusted") from text other organizations published ("untrusted", data never to be followed as instructions) and our own ("ours"). Read-only by default; --allow-write adds endorse, dispute and adopt_into_draft (signed by the node, or offline with the key unlocked by OOS_PASSPHRASE or OOS_PASSPHRASE_FILE); there is no publish tool. --http serves streamable HTTP on 127.0.0.1 at /mcp instead, with a bearer token (the running node\'s API token, else a new one) written with the URL to <home>/mcp.json (0600); it prints the URL.',
  options: {
    http: { type: 'boolean', description: 'serve streamable HTTP on 127.0.0.1 (token in <home>/mcp.json) instead of stdio' },
    port: { type: 'string', value: 'N', description: 'the HTTP port (with --http)', default: 'a free port' },
    'allow-write': { type: 'boolean', description: 'add the tools endorse, dispute and adopt_into_draft' }
  },
  async run (ctx) {
    const port = integerOption(ctx, 'port', { min: 0, max: 65535 })
    if (port !== undefined && ctx.values.http !== true) throw new UsageError('--port goes with --http')
    const config = await loadHome(ctx.home)
    const allowWrite = ctx.values['allow-write'] === true
    const source = homeSource({
      home: ctx.home,
      passphrase: async () => {
        const pass = await envPassphrase(ctx.proc.env)
        if (pass === undefined) throw new NoPassphraseError('signing offline needs the passphrase in OOS_PASSPHRASE or OOS_PASSPHRASE_FILE (or a running node, which signs)')
        return pass
      },
      onWait: (message) => { ctx.proc.stderr.write(`oos mcp: ${message}\n`) }
    })
    const onError = (err: unknown): void => { ctx.proc.stderr.write(`oos mcp: ${(err as Error)?.stack ?? String(err)}\n`) }
    const server = (): ReturnType<typeof createMcpServer> => createMcpServer({ source, self: config.org, home: ctx.home, allowWrite, onError })
    const stop = stopTrigger()
    ctx.signal.addEventListener('abort', () => { stop.stop('SIGINT') }, { once: true })
    try {
      if (ctx.values.http === true) {
        const http = await serveMcpHttp({ home: ctx.home, server, port, onError })
        ctx.io.result({ url: http.url, tools: toolNames(allowWrite) }, () => `MCP server on ${http.url} (bearer token in ${ctx.home}/mcp.json)`)
        await stop.reason
        await http.close()
        return
      }
      const { StdioServerTransport } = await import('@modelcontextprotocol/sdk/server/stdio.js')
      const transport = new StdioServerTransport(ctx.proc.stdin as NodeJS.ReadStream, ctx.proc.stdout as unknown as NodeJS.WriteStream)
      const s = server()
      // the client ends the session by closing our stdin
      const ended = new Promise<string>(resolve => { ctx.proc.stdin.once('end', () => { resolve('end') }) })
      await s.connect(transport)
      await Promise.race([ended, stop.reason])
      await s.close()
    } finally {
      stop.dispose()
    }
  }
}
