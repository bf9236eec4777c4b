import { availableParallelism } from 'node:os'
// the composition root: the node, the app over it, and the HTTP server that serves the app
import { apiServer, type ApiServer } from '../../api/server.ts'
import { ApiClient, removeApiFile, writeApiFile } from '../../api/client.ts'
import { loadHome, unlockNodeKey, unlockOrgKey } from '../../app/home.ts'
import { type Command, type Context } from '../command.ts'
import type { OosNode } from '../../app/runtime.ts'
import { StoreLockedError } from '../../errors.ts'
import { stopTrigger } from '../lifecycle.ts'
import { apiOption, integerOption, multiaddrOption } from '../values.ts'
import { clean } from '../render.ts'

/**
 * `--workers N`: the most verification worker threads; by default one per core, at most 4 (a
 * sync of a thousand versions is verified on every core while the main thread writes the
 * store); 0 verifies on the main thread. They start on demand and stop after 30 s without a
 * record (ingest/pool.ts): an idle node runs none.
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
  help: `Listens on /ip4/0.0.0.0/tcp/4710 by default; the local API on 127.0.0.1 (a free port unless --api, which must be a loopback address), with a bearer token written to <home>/api.json (0600). --bootstrap addresses end in /p2p/<peer id>. Records are verified in up to --workers threads (0 to ${MAX_WORKERS}; default: one per core, at most 4; 0: on the main thread), started when records come and stopped after 30 s without any. --sync-interval: seconds between anti-entropy rounds (1 to ${MAX_SYNC_INTERVAL}, default 30; 0: none, the node then relies on announcements and new connections). While the node runs, the other commands go through its API; oos stop (or SIGINT, SIGTERM, SIGHUP) stops it. If any part fails to start, everything started is stopped again and the command exits 1.`,
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
    // both keys at once: scrypt runs on libuv's thread pool, one derivation per thread; while
    // they run, libp2p and the node's modules load (the main thread is free)
    const t = { begin: performance.now(), keys: 0, modules: 0, built: 0, started: 0, api: 0 }
    const loading = import('../../app/runtime.ts') // libp2p loads only for the command that runs a node
    loading.catch(() => {}) // awaited below; a failed unlock must not leave it unhandled
    const keys = Promise.all([unlockOrgKey(ctx.home, pass), unlockNodeKey(ctx.home, pass)])
    const [orgKey, nodeKey] = await keys
    t.keys = performance.now()
    const { createNode, nodeApp, memoryReducer } = await loading
    t.modules = performance.now()
    const node = await createNode({ home: ctx.home, config, orgKey, nodeKey, mdns: ctx.values.mdns === true, ...options, start: false })
    t.built = performance.now()
    // a stray failure of background work must not take the node down: log it, keep serving
    const onStray = (err: unknown): void => { ctx.io.err(`oos: background error (node keeps running): ${String((err as Error)?.message ?? err).split('\n')[0]}`) }
    process.on('unhandledRejection', onStray)
    // caught from here on: a signal while the node starts stops it once it has started
    const trigger = stopTrigger()
    let server: ApiServer | undefined
    // idle, the process gives back what starting (or a burst) made V8 keep (node/memory-reducer.ts)
    const reducer = memoryReducer()
    const shutdown = async (): Promise<void> => {
      reducer.stop()
      await server?.stop()
      await removeApiFile(ctx.home, { pid: process.pid })
      await node.stop()
    }
    try {
      try {
        await node.start()
        t.started = performance.now()
        const app = nodeApp(node, { orgKey, home: ctx.home, stop: () => { trigger.stop('stop requested (oos stop)'); return { stopping: true, pid: process.pid } } })
        server = apiServer(options.api)({ handlers: app })
        await server.start()
        await writeApiFile(ctx.home, { url: server.url, token: server.token, pid: process.pid })
        t.api = performance.now()
        reducer.start()
      } catch (err) {
        // a part failed to start (the API's port, a listen address, the store lock): nothing stays running
        await shutdown()
        throw err
      }
      const startup = startupSplit(t, node.startup)
      const info = { org: config.org, name: config.name, peerId: node.peerId.toString(), multiaddrs: node.libp2p.getMultiaddrs().map(String), api: server.url, startup }
      ctx.io.result(info, () => [
        `${clean(config.name)} node running (Ctrl-C or oos stop to stop)`,
        `  org      ${config.org}`,
        `  peer id  ${info.peerId}`,
        ...info.multiaddrs.map(a => `  listen   ${a}`),
        `  api      ${server?.url ?? ''} (token in ${ctx.home}/api.json)`,
        `  started in ${s(startup.totalMs)}: keys ${s(startup.keysMs)} (both at once), modules ${s(startup.modulesMs)} more, assembly ${s(startup.assemblyMs)}, store ${s(startup.storeMs)}, libp2p ${s(startup.libp2pMs)}, services ${s(startup.servicesMs)}, api ${s(startup.apiMs)}`
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

const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`

/**
 * Where `oos start`'s time went, in ms, from the passphrase to the API file written: the key
 * derivation (both keys at once), the node's modules still loading after it, createNode's
 * assembly (libp2p built, not started), the node's start by part (OosNode.startup), the API.
 */
function startupSplit (t: { begin: number, keys: number, modules: number, built: number, started: number, api: number }, node: OosNode['startup']) {
  const r = (ms: number): number => Math.round(ms)
  return {
    totalMs: r(t.api - t.begin),
    keysMs: r(t.keys - t.begin),
    modulesMs: r(t.modules - t.keys),
    assemblyMs: r(t.built - t.modules),
    storeMs: r(node.storeMs),
    libp2pMs: r(node.libp2pMs),
    servicesMs: r(node.otherMs),
    apiMs: r(t.api - t.started)
  }
}
