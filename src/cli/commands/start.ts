// the composition root: the node, the app over it, and the HTTP server that serves the app
import { apiServer, type ApiServer } from '../../api/server.ts'
import { ApiClient, removeApiFile, writeApiFile } from '../../api/client.ts'
import { existsSync } from 'node:fs'
import { homePaths, initHome, loadHome, nodeSettings, unlockNodeKey, unlockOrgKey, type HomeConfig } from '../../app/home.ts'
import { defaultWorkers } from '../../app/nodeconfig.ts'
import { str, type Command, type Context } from '../command.ts'
import type { OosNode } from '../../app/runtime.ts'
import { StoreLockedError } from '../../errors.ts'
import { UsageError } from '../errors.ts'
import { stopTrigger } from '../lifecycle.ts'
import { LOG_FORMATS, logNode, type LogFormat } from '../nodelog.ts'
import { apiOption, integerOption, MAX_NAME_CHARS, multiaddrOption, textValue } from '../values.ts'
import { clean } from '../render.ts'
import { runHooks, type HookRunner } from '../../app/hooks.ts'
import type { App, FeedEvent } from '../../app/types.ts'

/** The app's live feed (a node's app always has one). */
function feedEvents (app: App, signal: AbortSignal): AsyncIterable<FeedEvent> {
  if (app.events === undefined) throw new TypeError('the app of a running node has no live events')
  return app.events({ signal })
}

/**
 * `--workers N`: the most verification worker threads; by default the cores less one, 1 to 4
 * (a sync of a thousand versions is verified on the other cores while the main thread writes
 * the store: ingest/threads.ts `defaultWorkers`); 0 verifies on the main thread. They start on
 * demand and stop after 30 s without a record (ingest/pool.ts): an idle node runs none.
 */
const MAX_WORKERS = 64
/** `--sync-interval SECONDS`: the anti-entropy period, 1 s to a day (default 30 s); 0 turns it off */
const MAX_SYNC_INTERVAL = 86_400

/** `OOS_<NAME>` stands for `--<name>` when the flag is not given (Docker, systemd): flag > environment > config.json > default */
const FROM_ENV = ['listen', 'announce', 'bootstrap', 'api', 'mdns', 'log-format', 'name', 'metrics'] as const

function withEnv (ctx: Context): Context {
  const values = { ...ctx.values }
  for (const name of FROM_ENV) {
    const v = ctx.proc.env[`OOS_${name.toUpperCase().replace('-', '_')}`]
    if (values[name] !== undefined || v === undefined || v === '') continue
    if (name === 'metrics') {
      // OOS_METRICS=0 stands for --no-metrics
      if (values['no-metrics'] === undefined && ['0', 'false', 'no', 'off'].includes(v.toLowerCase())) values['no-metrics'] = true
      continue
    }
    values[name] = name === 'mdns' ? !['0', 'false', 'no', 'off'].includes(v.toLowerCase()) : v
  }
  return { ...ctx, values }
}

/** Every option of `oos start`, checked before anything is unlocked or started. */
function startOptions (ctx: Context) {
  const given = (list: string[]): string[] | undefined => list.length > 0 ? list : undefined
  const interval = integerOption(ctx, 'sync-interval', { min: 0, max: MAX_SYNC_INTERVAL })
  const logFormat = str(ctx, 'log-format') ?? 'human'
  if (!(LOG_FORMATS as readonly string[]).includes(logFormat)) throw new UsageError(`--log-format must be one of ${LOG_FORMATS.join(', ')}, not ${JSON.stringify(logFormat)}`)
  return {
    api: ctx.values.api !== undefined ? apiOption(ctx) : undefined,
    listen: given(multiaddrOption(ctx, 'listen', 'forbidden')),
    announce: given(multiaddrOption(ctx, 'announce', 'forbidden')),
    bootstrap: given(multiaddrOption(ctx, 'bootstrap', 'required')),
    mdns: typeof ctx.values.mdns === 'boolean' ? ctx.values.mdns : undefined,
    metrics: ctx.values['no-metrics'] === true ? false : undefined,
    logFormat: logFormat as LogFormat,
    workers: integerOption(ctx, 'workers', { min: 0, max: MAX_WORKERS }) ?? defaultWorkers(),
    ...(interval !== undefined ? { antiEntropyMs: interval * 1000 } : {})
  }
}

/** The home, created first under `--init` when there is none yet (a container's first run). */
async function homeFor (ctx: Context, pass: () => Promise<string>): Promise<HomeConfig> {
  if (ctx.values.init !== true || existsSync(homePaths(ctx.home).config)) return await loadHome(ctx.home)
  const name = textValue((str(ctx, 'name') ?? '').trim(), '--name', { max: MAX_NAME_CHARS, printable: true })
  if (name === '') throw new UsageError('oos start --init needs --name NAME (or OOS_NAME) to create the home')
  const n = ctx.proc.env.OOS_SCRYPT_N
  const config = await initHome(ctx.home, { name, passphrase: await pass(), ...(n !== undefined ? { scryptN: Number(n) } : {}) })
  ctx.io.err(`created ${config.name} in ${ctx.home}: org ${config.org}, peer id ${config.peerId}`)
  return config
}

export const start: Command = {
  name: 'start',
  summary: 'run this organization\'s node in the foreground until SIGINT/SIGTERM/SIGHUP or oos stop',
  usage: 'start [--listen MULTIADDR...] [--announce MULTIADDR...] [--bootstrap MULTIADDR...] [--api HOST:PORT] [--mdns] [--workers N] [--sync-interval SECONDS] [--log-format human|json|off] [--ui-write] [--no-metrics] [--init --name NAME]',
  help: `Listens on /ip4/0.0.0.0/tcp/4710 (every interface) by default; --announce gives the addresses peers are told to dial instead (a node behind NAT or in a container); the local API on 127.0.0.1 (a free port unless --api, which must be a loopback address), with a bearer token written to <home>/api.json (0600). --bootstrap addresses end in /p2p/<peer id>. Records are verified in up to --workers threads (0 to ${MAX_WORKERS}; default: the cores less one, 1 to 4; 0: on the main thread), started when records come and stopped after 30 s without any. --sync-interval: seconds between anti-entropy rounds (1 to ${MAX_SYNC_INTERVAL}, default 30; 0: none, the node then relies on announcements and new connections). While the node runs, the other commands go through its API; oos stop (or SIGINT, SIGTERM, SIGHUP) stops it. If any part fails to start, everything started is stopped again and the command exits 1. Each setting is taken from the flag, else the environment (OOS_LISTEN, OOS_ANNOUNCE, OOS_BOOTSTRAP, OOS_API, OOS_MDNS=1, OOS_LOG_FORMAT; lists comma-separated), else <home>/config.json (listen, announce, bootstrap, api, mdns), else the default. <home>/config.json "hooks" run a command with each feed event of the kinds named as JSON on stdin (README, "Hooks"). While it runs, the node logs peers joining and leaving, records received, follows synced, violations and bans on stderr, one line each (--log-format json: one JSON object a line; off: none). The node's metrics are served in the Prometheus text format at GET /metrics on the API (bearer token required) unless --no-metrics (OOS_METRICS=0, "metrics": false in config.json). --ui-write lets the web explorer (oos ui) endorse and dispute, with its CSRF token; without it the explorer is read-only. --init creates the home first when there is none (--name or OOS_NAME; the same passphrase); a failed init starts nothing.`,
  options: {
    listen: { type: 'string', multiple: true, value: 'MULTIADDR', description: 'addresses to listen on (repeatable)', default: '/ip4/0.0.0.0/tcp/4710' },
    announce: { type: 'string', multiple: true, value: 'MULTIADDR', description: 'addresses peers are told to dial (NAT, containers)', default: 'the listen addresses' },
    bootstrap: { type: 'string', multiple: true, value: 'MULTIADDR', description: 'peers to dial at start, ending in /p2p/<peer id> (repeatable)', default: 'none' },
    api: { type: 'string', value: 'HOST:PORT', description: 'the local API address, loopback only', default: '127.0.0.1, a free port' },
    mdns: { type: 'boolean', description: 'find peers on the local network by mDNS' },
    workers: { type: 'string', value: 'N', description: `verification worker threads, 0 to ${MAX_WORKERS} (0: the main thread)`, default: 'the cores less one, 1 to 4' },
    'sync-interval': { type: 'string', value: 'SECONDS', description: `seconds between anti-entropy rounds, 0 to ${MAX_SYNC_INTERVAL} (0: none)`, default: '30' },
    'log-format': { type: 'string', value: 'F', description: 'the node\'s log lines on stderr: human, json or off', default: 'human' },
    'no-metrics': { type: 'boolean', description: 'no Prometheus metrics (GET /metrics on the API answers NOT_FOUND); also OOS_METRICS=0' },
    init: { type: 'boolean', description: 'create the home first when there is none (with --name)' },
    'ui-write': { type: 'boolean', description: 'the web explorer (oos ui) may endorse and dispute, with its CSRF token; default read-only' },
    name: { type: 'string', value: 'NAME', description: 'with --init: the org\'s local alias', default: '$OOS_NAME' }
  },
  async run (cmd) {
    const ctx = withEnv(cmd)
    const flags = startOptions(ctx)
    let pass: string | undefined
    const passphrase = async (): Promise<string> => (pass ??= await ctx.io.passphrase('Passphrase for the organization key: ', { confirm: ctx.values.init === true && !existsSync(homePaths(ctx.home).config) }))
    const config = await homeFor(ctx, passphrase)
    const file = nodeSettings(config, homePaths(ctx.home).config)
    const options = {
      ...flags,
      api: flags.api ?? file.api ?? { host: '127.0.0.1', port: 0 },
      listen: flags.listen ?? file.listen,
      announce: flags.announce ?? file.announce,
      bootstrap: flags.bootstrap ?? file.bootstrap ?? [],
      mdns: flags.mdns ?? file.mdns ?? false,
      metrics: flags.metrics ?? file.metrics ?? true
    }
    if (await ApiClient.fromHome(ctx.home) !== undefined) throw new StoreLockedError(`a node is already running for ${ctx.home} (oos stop stops it)`)
    await passphrase()
    // both keys at once: scrypt runs on libuv's thread pool, one derivation per thread; while
    // they run, libp2p and the node's modules load (the main thread is free)
    const t = { begin: performance.now(), keys: 0, modules: 0, built: 0, started: 0, api: 0 }
    const loading = import('../../app/runtime.ts') // libp2p loads only for the command that runs a node
    loading.catch(() => {}) // awaited below; a failed unlock must not leave it unhandled
    const [orgKey, nodeKey] = await Promise.all([unlockOrgKey(ctx.home, pass as string), unlockNodeKey(ctx.home, pass as string)])
    t.keys = performance.now()
    const { createNode, nodeApp, memoryReducer, metricsRegistry } = await loading
    t.modules = performance.now()
    const { metrics, ...nodeOptions } = options
    // GET /metrics on the API (README "Metrics"), unless --no-metrics
    const node = await createNode({ home: ctx.home, config, orgKey, nodeKey, ...nodeOptions, ...(metrics ? { registry: await metricsRegistry() } : {}), start: false })
    t.built = performance.now()
    // a stray failure of background work must not take the node down: log it, keep serving
    const onStray = (err: unknown): void => { ctx.io.err(`oos: background error (node keeps running): ${String((err as Error)?.message ?? err).split('\n')[0]}`) }
    process.on('unhandledRejection', onStray)
    // caught from here on: a signal while the node starts stops it once it has started
    const trigger = stopTrigger()
    let server: ApiServer | undefined
    let unlog = (): void => {}
    let hooks: HookRunner | undefined
    // idle, the process gives back what starting (or a burst) made V8 keep (node/memory-reducer.ts)
    const reducer = memoryReducer()
    const shutdown = async (): Promise<void> => {
      reducer.stop()
      unlog()
      await hooks?.stop()
      await server?.stop()
      await removeApiFile(ctx.home, { pid: process.pid })
      await node.stop()
    }
    try {
      try {
        await node.start()
        t.started = performance.now()
        const app = nodeApp(node, { orgKey, home: ctx.home, stop: () => { trigger.stop('stop requested (oos stop)'); return { stopping: true, pid: process.pid } } })
        unlog = logNode(node, app, options.logFormat, (line, colorize) => { ctx.io.err(line, colorize) })
        // config.json `hooks`: a command per feed event of the kinds named (app/hooks.ts)
        if (file.hooks !== undefined && file.hooks.length > 0) hooks = runHooks(file.hooks, (signal) => feedEvents(app, signal), (line) => { ctx.io.err(`oos: ${line}`) })
        server = apiServer({ ...options.api, ui: { write: ctx.values['ui-write'] === true } })({ handlers: app })
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
