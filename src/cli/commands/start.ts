import { availableParallelism } from 'node:os'
import { apiServer } from '../../api/server.ts'
import { localHandlers } from '../../api/handlers.ts'
import { ApiClient, removeApiFile, writeApiFile } from '../../api/client.ts'
import type { ApiStatus } from '../../api/types.ts'
import { loadHome, unlockNodeKey, unlockOrgKey } from '../../node/home.ts'
import { toJson } from '../io.ts'
import { str, type Command, type Context } from '../command.ts'
import { UsageError } from '../errors.ts'
import { orgSigner } from '../backend.ts'
import { clean } from '../render.ts'

const list = (ctx: Context, name: string): string[] => {
  const v = ctx.values[name]
  return (Array.isArray(v) ? v : typeof v === 'string' ? [v] : []).flatMap(s => s.split(',')).map(s => s.trim()).filter(s => s !== '')
}

function hostPort (s: string): { host: string, port: number } {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(s)
  if (m === null) throw new UsageError(`--api must be HOST:PORT, not ${JSON.stringify(s)}`)
  return { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) }
}

/**
 * `--workers N`: verification worker threads; by default one per core, at most 4 (a sync of
 * a thousand versions is verified on every core while the main thread writes the store);
 * 0 verifies on the main thread.
 */
function workerCount (s: string | undefined): number {
  if (s === undefined) return Math.min(4, availableParallelism())
  if (!/^\d{1,2}$/.test(s) || Number(s) > 64) throw new UsageError(`--workers must be a number of threads from 0 to 64, not ${JSON.stringify(s)}`)
  return Number(s)
}

export const start: Command = {
  name: 'start',
  summary: 'run this organization\'s node in the foreground until SIGINT/SIGTERM',
  usage: 'start [--listen MULTIADDR...] [--bootstrap MULTIADDR...] [--api HOST:PORT] [--mdns] [--workers N] [--sync-interval SECONDS]',
  help: 'Listens on /ip4/0.0.0.0/tcp/4710 by default; the local API on 127.0.0.1 (a free port unless --api), with a bearer token written to <home>/api.json (0600). Records are verified in --workers threads (default: one per core, at most 4; 0: on the main thread). While the node runs, the other commands go through its API.',
  options: {
    listen: { type: 'string', multiple: true },
    bootstrap: { type: 'string', multiple: true },
    api: { type: 'string' },
    mdns: { type: 'boolean' },
    workers: { type: 'string' },
    'sync-interval': { type: 'string' }
  },
  async run (ctx) {
    const config = await loadHome(ctx.home)
    if (await ApiClient.fromHome(ctx.home) !== undefined) throw new UsageError(`a node is already running for ${ctx.home}`)
    const pass = await ctx.io.passphrase('Passphrase for the organization key: ')
    const orgKey = await unlockOrgKey(ctx.home, pass)
    const nodeKey = await unlockNodeKey(ctx.home, pass)
    const api = hostPort(str(ctx, 'api') ?? '127.0.0.1:0')
    const listen = list(ctx, 'listen')
    const interval = str(ctx, 'sync-interval')
    // libp2p loads only for the command that runs a node: the others start in half the time
    const { OosNode } = await import('../../node/node.ts')
    const node = new OosNode({
      home: ctx.home,
      config,
      orgKey,
      nodeKey,
      listen: listen.length > 0 ? listen : undefined,
      bootstrap: list(ctx, 'bootstrap'),
      mdns: ctx.values.mdns === true,
      workers: workerCount(str(ctx, 'workers')),
      ...(interval !== undefined ? { antiEntropyMs: Number(interval) * 1000 } : {})
    })
    // a stray failure of background work must not take the node down: log it, keep serving
    const onStray = (err: unknown): void => { ctx.io.err(`oos: background error (node keeps running): ${String((err as Error)?.message ?? err).split('\n')[0]}`) }
    process.on('unhandledRejection', onStray)
    await node.start()
    const server = apiServer(api)({
      handlers: {
        ...localHandlers(node.store, node.ingest, config, orgSigner(orgKey, config.org), ctx.home),
        status: async () => toJson(await node.status()) as ApiStatus,
        follow: async ({ org, via }, o) => await node.follow(org, { via, signal: o?.signal }),
        unfollow: async ({ org }) => ({ org, removed: await node.unfollow(org) })
      }
    })
    await server.start()
    await writeApiFile(ctx.home, { url: server.url, token: server.token, pid: process.pid })
    const info = { org: config.org, name: config.name, peerId: node.peerId.toString(), multiaddrs: node.libp2p.getMultiaddrs().map(String), api: server.url }
    ctx.io.result(info, () => [
      `${clean(config.name)} node running (Ctrl-C to stop)`,
      `  org      ${config.org}`,
      `  peer id  ${info.peerId}`,
      ...info.multiaddrs.map(a => `  listen   ${a}`),
      `  api      ${server.url} (token in ${ctx.home}/api.json)`
    ].join('\n'))
    const { promise, resolve } = Promise.withResolvers<string>()
    const onSignal = (sig: string) => () => { resolve(sig) }
    const sigint = onSignal('SIGINT')
    const sigterm = onSignal('SIGTERM')
    process.on('SIGINT', sigint)
    process.on('SIGTERM', sigterm)
    const sig = await promise
    process.off('SIGINT', sigint)
    process.off('SIGTERM', sigterm)
    if (!ctx.io.json) ctx.io.err(`${sig}: stopping`)
    await server.stop()
    await removeApiFile(ctx.home, { pid: process.pid })
    await node.stop()
    process.off('unhandledRejection', onStray)
    orgKey.fill(0)
    if (!ctx.io.json) ctx.io.err('stopped')
    return 0
  }
}
