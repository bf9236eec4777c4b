/**
 * A lean, fast-starting `oos` (issue 15): `oos --version` loads no command module, a command
 * loads its own module and not the others' (a document command loads no libp2p), and a
 * running node's status carries its memory and its verify workers (none at idle: they start
 * on demand), and `oos start` says where its start-up time went.
 *
 * Which modules a process loaded is observed, not assumed: the process runs with
 * tests/cli/loaded.mjs preloaded, which records every module URL it loads (module.registerHooks).
 */
import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { COMMANDS, loadCommands } from '../../src/cli/commands/index.ts'
import { VERSION } from '../../src/cli/main.ts'
import { tempDir } from '../helpers.ts'
import { distIsFresh } from '../../bin/dist.js'
import { BIN, ROOT, capture, oos, oosEnv, oosIn, startOos, type Started } from './run.ts'

const LOADED = fileURLToPath(new URL('./loaded.mjs', import.meta.url))
const MAIN = new URL('../../src/cli/main.ts', import.meta.url).href
/** a Node with module.registerHooks and type stripping: this one, else the one bin/oos.js re-executes */
const NODE = typeof (await import('node:module')).registerHooks === 'function' ? process.execPath : join(ROOT, 'node_modules', 'node', 'bin', 'node')

/** Run `main(ARGS)` of src/cli/main.ts in a fresh Node process; the module URLs it loaded under src/ (relative). */
async function loadedBy (args: string[]): Promise<{ code: number, stdout: string, src: string[], all: string[] }> {
  const dir = await tempDir()
  try {
    const file = join(dir.path, 'loaded.txt')
    const script = `const { main } = await import(${JSON.stringify(MAIN)}); process.exitCode = await main(${JSON.stringify(args)})`
    const r = await capture(NODE, ['--import', LOADED, '--input-type=module', '-e', script], { env: oosEnv({ OOS_TEST_LOADED_FILE: file }) })
    const all = (await readFile(file, 'utf8')).trim().split('\n').map(l => l.slice(l.indexOf(' ') + 1))
    const src = all.filter(u => u.startsWith(new URL('../../src/', import.meta.url).href)).map(u => u.slice(new URL('../../', import.meta.url).href.length))
    return { code: r.code, stdout: r.stdout, src, all }
  } finally { await dir.cleanup() }
}

describe('commands load lazily', () => {
  it('each entry of the command table loads the command of its name; help lists them all', async () => {
    const commands = await loadCommands()
    expect(commands.map(c => c.name)).toEqual(COMMANDS.map(([name]) => name))
    const help = await oosIn(['--help'])
    for (const [name] of COMMANDS) expect(help.stdout).toContain(`  ${name} `)
    expect((await oosIn(['help', 'start'])).stdout).toMatch(/^usage: oos start /)
  })

  it('oos --version loads no command module (and nothing of the app, store or network)', async () => {
    const r = await loadedBy(['--version'])
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(VERSION + '\n')
    expect(r.src.filter(p => p.startsWith('src/cli/commands/'))).toEqual(['src/cli/commands/index.ts'])
    expect(r.src.every(p => p.startsWith('src/cli/') || p === 'src/errors.ts'), r.src.join(' ')).toBe(true)
    expect(r.all.filter(u => u.includes('/node_modules/'))).toEqual([])
  })

  it('a command loads its own module only: oos validate loads validate.ts, no other command and no libp2p', async () => {
    const r = await loadedBy(['validate', join(ROOT, 'examples/orgs/ledgerline/v1.oos.md')])
    expect(r.code).toBe(0)
    expect(r.src.filter(p => p.startsWith('src/cli/commands/')).sort()).toEqual(['src/cli/commands/index.ts', 'src/cli/commands/validate.ts'])
    expect(r.all.filter(u => u.includes('/node_modules/libp2p/') || u.includes('/node_modules/@libp2p/gossipsub'))).toEqual([])
  })

  it('bin/oos.js answers --version itself with the same line, under this Node and under the machine\'s', async () => {
    const r = await oos(['--version'])
    expect(r).toMatchObject({ code: 0, stdout: VERSION + '\n', stderr: '' })
    expect((await capture('node', [BIN, 'version'], { env: oosEnv() })).stdout).toBe(VERSION + '\n')
  })
})

describe('a running node reports its memory and workers, and its start-up split', () => {
  const started: Started[] = []
  afterAll(async () => { for (const s of started) { s.child.kill('SIGTERM'); await s.exit } })

  it('status --json: rss, heap, and verify workers (0 running at idle, --workers the most)', async () => {
    const dir = await tempDir()
    const home = join(dir.path, 'home')
    expect((await oosIn(['init', '--name', 'Leanline', '--home', home])).code).toBe(0)
    const node = await startOos(['--home', home, '--listen', '/ip4/127.0.0.1/tcp/0', '--workers', '2'])
    started.push(node)
    // where the start-up went: every part timed, and the parts add up to no more than the whole
    const s = (node.info as Started['info'] & { startup: Record<string, number> }).startup
    expect(Object.keys(s).sort()).toEqual(['apiMs', 'assemblyMs', 'keysMs', 'libp2pMs', 'modulesMs', 'servicesMs', 'storeMs', 'totalMs'])
    for (const v of Object.values(s)) expect(Number.isInteger(v) && v >= 0).toBe(true)
    expect(s.keysMs + s.modulesMs + s.assemblyMs + s.storeMs + s.libp2pMs + s.servicesMs + s.apiMs).toBeLessThanOrEqual(s.totalMs + 7) // 7 roundings

    const st = await oosIn(['status', '--home', home, '--json'])
    expect(st.code, st.stderr).toBe(0)
    const { memory, workers } = st.json()
    expect(workers).toEqual({ running: 0, max: 2 })
    expect(memory.heapUsed).toBeGreaterThan(0)
    expect(memory.heapTotal).toBeGreaterThanOrEqual(memory.heapUsed)
    expect(memory.rss).toBeGreaterThan(memory.heapUsed)
    // the node's own figure is its process's: the kernel's VmRSS of that pid, read right after, is of the same order
    const pid = JSON.parse(await readFile(join(home, 'api.json'), 'utf8')).pid as number
    const vmRss = Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024
    expect(memory.rss / vmRss).toBeGreaterThan(0.5)
    expect(memory.rss / vmRss).toBeLessThan(2)
    node.child.kill('SIGTERM')
    expect((await node.exit).code).toBe(0)
    await dir.cleanup()
  }, 60_000)
})

describe('an idle node holds only what it needs at idle', () => {
  it('no Ajv, no yaml, no fastify default compilers, no undici: they load on first use, if ever', async () => {
    // what a user runs: the JavaScript built ahead of time (`npm ci` builds it; here it is built
    // when an edit made it stale: from src/, the API's spec is read with yaml, on purpose)
    if (!distIsFresh(ROOT)) expect((await capture(process.execPath, [join(ROOT, 'bin', 'build.js')], { env: oosEnv() })).code).toBe(0)
    const dir = await tempDir()
    const home = join(dir.path, 'home')
    const list = join(dir.path, 'loaded.txt')
    expect((await oosIn(['init', '--name', 'Idleline', '--home', home])).code).toBe(0)
    process.env.OOS_TEST_LOADED_FILE = list // read by startOos's environment, for this child only
    let node: Started
    try {
      node = await startOos(['--home', home, '--listen', '/ip4/127.0.0.1/tcp/0'], { command: [NODE, '--import', LOADED, BIN] })
    } finally {
      delete process.env.OOS_TEST_LOADED_FILE
    }
    node.child.kill('SIGTERM')
    expect((await node.exit).code).toBe(0)
    const all = (await readFile(list, 'utf8')).trim().split('\n').map(l => l.slice(l.indexOf(' ') + 1))
    expect(all.some(u => u.includes('/node_modules/libp2p/')), 'the node ran').toBe(true)
    expect(all.some(u => u.includes('/dist/src/cli/main.js')), 'from dist/').toBe(true)
    const held = all.filter(u => /\/node_modules\/(ajv|ajv-formats|yaml|@fastify\/ajv-compiler|@fastify\/fast-json-stringify-compiler)\//.test(u) || u === 'builtin:internal/deps/undici/undici')
    expect(held).toEqual([])
    await dir.cleanup()
  }, 60_000)
})

// the text banner carries the same split on one line
describe('oos start prints the split', () => {
  it('one line: keys, modules, assembly, store, libp2p, services, api', async () => {
    const dir = await tempDir()
    const home = join(dir.path, 'home')
    expect((await oosIn(['init', '--name', 'Splitline', '--home', home])).code).toBe(0)
    const child = spawn(process.execPath, [BIN, 'start', '--home', home, '--listen', '/ip4/127.0.0.1/tcp/0', '--workers', '0'], { cwd: ROOT, env: oosEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
    const exited = new Promise(resolve => child.once('exit', resolve))
    try {
      let out = ''
      // the banner ends with the api line; the split comes right after it
      const banner = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => { out += d.toString(); if (/^ {2}api .*\n(.*\n)?/m.test(out) && out.endsWith('\n') && /\(token in/.test(out)) resolve(out) })
        void exited.then(() => { reject(new Error(`oos start exited: ${out}`)) })
      })
      expect(banner.trimEnd().split('\n').at(-1)).toMatch(/^ {2}started in \d+\.\d\d s: keys \d+\.\d\d s \(both at once\), modules \d+\.\d\d s more, assembly \d+\.\d\d s, store \d+\.\d\d s, libp2p \d+\.\d\d s, services \d+\.\d\d s, api \d+\.\d\d s$/)
    } finally {
      child.kill('SIGTERM')
      await exited
      await dir.cleanup()
    }
  }, 60_000)
})
