import { availableParallelism } from 'node:os'
// the composition root: the node, the app over it, and the HTTP server that serves the app
import { apiServer, type ApiServer } from '../../api/server.ts'
import { ApiClient, removeApiFile, writeApiFile } from '../../api/client.ts'
import { loadHome, unlockNodeKey, unlockOrgKey } from '../../app/home.ts'
import { type Command, type Context } from '../command.ts'
import { StoreLockedError } from '../../errors.ts'
import { stopTrigger } from '../lifecycle.ts'
import { apiOption, integerOption, multiaddrOption } from '../values.ts'
import { clean } from '../render.ts'

/**
 * `--workers N`: verification worker threads; by default one per core, at most 4 (a sync of
 * a thousand versions is verified on every core while the main thread writes the store);
 * 0 verifies on the main thread.
 */
const MAX_WORKERS = 64
/** `--sync-interval SECONDS`: the anti-entropy period, 1 s to a day (default 30 s); 0 turns it off */
const MAX_SYNC_INTERVAL = 86_400

/** Every option of `oos start`, checked before anything is unlocked or started. */
function startOptions (ctx: Context) {
  const listen = multiaddrOption(ctx, 'listen', 'forbidden')
  const interval = integerOption(ctx, 'sync-interval', { min: 0, max: MAX_SYNC_INTERVAL })
  return {
    api: apiOption(ctx),
    listen: listen.length > 0 ? listen : undefined,
    bootstrap: multiaddrOption(ctx, 'bootstrap', 'required'),
    workers: integerOption(ctx, 'workers', { min: 0, max: MAX_WORKERS }) ?? Math.min(4, availableParallelism()),
    ...(interval !== undefined ? { antiEntropyMs: interval * 1000 } : {})
  }
}

export const start: Command = {
  name: 'start',
  summary: 'run this organization\'s node in the foreground until SIGINT/SIGTERM/SIGHUP or oos stop',
  usage: 'start [--listen MULTIADDR...] [--bootstrap MULTIADDR...] [--api HOST:PORT] [--mdns] [--workers N] [--sync-interval SECONDS]',
  help: `Listens on /ip4/0.0.0.0/tcp/4710 by default; the local API on 127.0.0.1 (a free port unless --api, which must be a loopback address), with a bearer token written to <home>/api.json (0600). --bootstrap addresses end in /p2p/<peer id>. Records are verified in --workers threads (0 to ${MAX_WORKERS}; default: one per core, at most 4; 0: on the main thread). --sync-interval: seconds between anti-entropy rounds (1 to ${MAX_SYNC_INTERVAL}, default 30; 0: none, the node then relies on announcements and new connections). While the node runs, the other commands go through its API; oos stop (or SIGINT, SIGTERM, SIGHUP) stops it. If any part fails to start, everything started is stopped again and the command exits 1.`,
  options: {
    listen: { type: 'string', multiple: true },
    bootstrap: { type: 'string', multiple: true },
    api: { type: 'string' },
    mdns: { type: 'boolean' },
    workers: { type: 'string' },
    'sync-interval': { type: 'string' }
  },
  async run (ctx) {
    const options = startOptions(ctx)
    const config = await loadHome(ctx.home)
    if (await ApiClient.fromHome(ctx.home) !== undefined) throw new StoreLockedError(`a node is already running for ${ctx.home} (oos stop stops it)`)
    const pass = await ctx.io.passphrase('Passphrase for the organization key: ')
    const orgKey = await unlockOrgKey(ctx.home, pass)
    const nodeKey = await unlockNodeKey(ctx.home, pass)
    // libp2p loads only for the command that runs a node: the others start in half the time
    const { createNode, nodeApp } = await import('../../app/runtime.ts')
    const node = await createNode({ home: ctx.home, config, orgKey, nodeKey, mdns: ctx.values.mdns === true, ...options, start: false })
    // a stray failure of background work must not take the node down: log it, keep serving
    const onStray = (err: unknown): void => { ctx.io.err(`oos: background error (node keeps running): ${String((err as Error)?.message ?? err).split('\n')[0]}`) }
    process.on('unhandledRejection', onStray)
    // caught from here on: a signal while the node starts stops it once it has started
    const trigger = stopTrigger()
    let server: ApiServer | undefined
    const shutdown = async (): Promise<void> => {
      await server?.stop()
      await removeApiFile(ctx.home, { pid: process.pid })
      await node.stop()
    }
    try {
      try {
        await node.start()
        const app = nodeApp(node, { orgKey, home: ctx.home, stop: () => { trigger.stop('stop requested (oos stop)'); return { stopping: true, pid: process.pid } } })
        server = apiServer(options.api)({ handlers: app })
        await server.start()
        await writeApiFile(ctx.home, { url: server.url, token: server.token, pid: process.pid })
      } catch (err) {
        // a part failed to start (the API's port, a listen address, the store lock): nothing stays running
        await shutdown()
        throw err
      }
      const info = { org: config.org, name: config.name, peerId: node.peerId.toString(), multiaddrs: node.libp2p.getMultiaddrs().map(String), api: server.url }
      ctx.io.result(info, () => [
        `${clean(config.name)} node running (Ctrl-C or oos stop to stop)`,
        `  org      ${config.org}`,
        `  peer id  ${info.peerId}`,
        ...info.multiaddrs.map(a => `  listen   ${a}`),
        `  api      ${server?.url ?? ''} (token in ${ctx.home}/api.json)`
      ].join('\n'))
      const why = await trigger.reason
      if (!ctx.io.json) ctx.io.err(`${why}: stopping`)
      await shutdown()
      if (!ctx.io.json) ctx.io.err('stopped')
      return 0
    } finally {
      trigger.dispose()
      process.off('unhandledRejection', onStray)
      orgKey.fill(0)
    }
  }
}
