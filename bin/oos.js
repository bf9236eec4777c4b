#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=32 --single-threaded-gc
// The `oos` command. oosnet needs Node >= 22.18 (libp2p 3; TypeScript type stripping).
// On an older Node (e.g. a machine's Node 20), re-run under the Node 24 that the `node`
// package (an optional dependency) installed into node_modules, so a fresh checkout works as
// is, and so does `oos` on the PATH after `npm install -g .` (or `npm link`: npm links the
// checkout, and Node resolves the link, so `here` below is the checkout's bin/) or after
// `npm install -g oosnet-<version>.tgz` (`here` is then <prefix>/lib/node_modules/oosnet/bin,
// and the re-run also loads bin/strip-types.js: README, "Install").
// V8 flags (the same in bin/launch.js's V8_FLAGS, the `npm run …` scripts and the Dockerfile),
// and MALLOC_ARENA_MAX=2 (bin/launch.js says why; the shebang sets it for `oos` on the PATH):
// --max-semi-space-size=32 (MB; V8's default here is 64): ingest allocates many short-lived
// objects per record, and a young generation that fits the CPU caches costs the main thread
// about half as much CPU per record. --single-threaded-gc: each thread collects its own
// garbage; a node's verify workers, main thread and LevelDB already keep every core busy
// during a sync, and V8's helper threads only competed with them (bulk ingest 8–10 % faster
// on 2 cores; README, "Figures").
//
// The re-exec (README, "CLI reference"): this process waits for the child and exits with its
// status, or dies of the signal that killed it. SIGINT, SIGTERM and SIGHUP sent to this
// process are passed on to the child, so `kill <pid>` stops the node whichever pid it is
// given. If this process dies without passing anything on (SIGKILL), the child sees its IPC
// channel close and stops as on SIGTERM: it never lingers holding the store lock and ports.
// Under npm (`npm run oos`, `npx oos`), a process orphaned by the death of npm's shell stops too.
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { V8_FLAGS, launchEnv } from './launch.js'

/**
 * `oos --version` answered here, before any re-exec or TypeScript: one Node start, nothing
 * loaded (issue 15: ≤ 0.15 s). The same line as src/cli/main.ts VERSION (tests/cli/lean.test.ts).
 * False (the command runs as any other) when this is not it, or package.json is not beside bin/.
 */
function printVersion () {
  if (!['--version', '-V', '-v', 'version'].includes(process.argv[2])) return false // src/cli/main.ts VERSION_WORDS
  let version
  try { version = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version } catch { return false }
  process.stdout.write(`oos ${version} (protocol oosnet/v1)\n`)
  return true
}

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP']
const [major, minor] = process.versions.node.split('.').map(Number)
const here = dirname(fileURLToPath(import.meta.url))
const old = major < 22 || (major === 22 && minor < 18)
// installed from a tarball or the registry, oosnet's .ts files are under node_modules, where
// Node does not strip types: bin/strip-types.js does, loaded in every thread by `--import`
const STRIP = new URL('./strip-types.js', import.meta.url).href
// (unless dist/ is a fresh build, as in a packed tarball: JavaScript, nothing to strip)
const root = join(here, '..')
/** whether dist/ is a build of src/ as it is (bin/dist.js; false where there is no bin/dist.js) */
const distIsFresh = async () => { try { return (await import('./dist.js')).distIsFresh(root) } catch { return false } }
const installed = /[\\/]node_modules[\\/]/.test(here) && !process.execArgv.includes(STRIP) && !(await distIsFresh())
if (old || installed) {
  // Node 24 from the `node` package (an optional dependency: installed with oosnet wherever npm can)
  const local = old ? join(here, '..', 'node_modules', 'node', 'bin', 'node') : process.execPath
  if (!existsSync(local)) {
    // installed without it (`--omit=optional`, a platform it has no Node for): say what to do, in one line
    process.stderr.write(`oos: Node ${process.versions.node} is too old (oosnet needs Node >= 22.18): install Node 22.18 or later (e.g. nvm install 24), or install oosnet with its optional dependency 'node' (Node 24; not --omit=optional), or run 'npm install' in the oosnet checkout and 'npm install -g .' there\n`)
    process.exit(2)
  }
  if (printVersion()) process.exit(0)
  const child = spawn(local, [...V8_FLAGS, ...(installed ? ['--import', STRIP] : []), fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...launchEnv(), OOS_REEXEC_PARENT: String(process.pid) }
  })
  const forward = (sig) => { child.kill(sig) }
  for (const sig of FORWARDED) process.on(sig, forward)
  child.on('error', (err) => {
    process.stderr.write(`oos: cannot run ${local}: ${err.message}\n`)
    process.exit(2)
  })
  child.on('exit', (code, signal) => {
    if (signal === null) process.exit(code ?? 1)
    // die of the same signal, as a shell expects of a child killed by one
    for (const sig of FORWARDED) process.off(sig, forward)
    process.kill(process.pid, signal)
  })
} else {
  if (process.channel !== undefined && process.env.OOS_REEXEC_PARENT !== undefined) {
    // run by the wrapper above: if it dies, stop as on SIGTERM (a node stops gracefully)
    delete process.env.OOS_REEXEC_PARENT
    process.on('disconnect', () => { process.kill(process.pid, 'SIGTERM') })
    process.channel.unref() // the channel alone must not keep a finished command alive
  } else if (process.env.npm_command !== undefined) {
    // run by `npm run oos` or `npx oos`: npm passes a SIGTERM on to the shell it started us
    // through, not to us, and the shell dies of it. Orphaned (our parent changed), we stop as
    // on SIGTERM. Only under npm: `nohup oos start &` from a shell that then exits must live on.
    const parent = process.ppid
    const watch = setInterval(() => {
      if (process.ppid === parent) return
      clearInterval(watch)
      process.kill(process.pid, 'SIGTERM')
    }, 500)
    watch.unref()
  }
  if (printVersion()) process.exit(0)
  // dist/ (JavaScript emitted ahead of time by `npm run build`) when it is a build of src/ as
  // it is now, else src/ itself (type stripping): never stale code (bin/dist.js)
  const { main } = await distIsFresh()
    ? await import('../dist/src/cli/main.js')
    : await import('../src/cli/main.ts')
  process.exitCode = await main(process.argv.slice(2))
  // a command that has returned does not linger: a handle something left open (a library's
  // timer or socket) must not keep the process of a stopped node alive (unref'd: a process
  // with nothing left open exits at once)
  setTimeout(() => { process.exit() }, 5000).unref()
}
