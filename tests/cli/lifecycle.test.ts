/**
 * The life of an `oos` process: bad option values are refused before anything starts, a
 * node that cannot start one of its parts stops the others and exits, `oos stop`, and the
 * Node-20 re-exec wrapper (bin/oos.js) passing signals on to its child — real processes.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { processAlive, readApiFile } from '../../src/api/client.ts'
import { homePaths } from '../../src/node/home.ts'
import { Store } from '../../src/store/store.ts'
import { tempDir } from '../helpers.ts'
import { until } from '../net/nodes.ts'
import { BIN, oos, oosIn, startOos, type Started } from './run.ts'

/** A Node older than 22.18 on PATH runs bin/oos.js through its re-exec (this machine's Node 20); else this Node. */
function machineNode (): { path: string, wrapped: boolean } {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const path = join(dir, 'node')
    if (dir.includes('node_modules') || !existsSync(path)) continue
    const [major, minor] = spawnSync(path, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim().split('.').map(Number)
    return { path, wrapped: major < 22 || (major === 22 && minor < 18) }
  }
  return { path: process.execPath, wrapped: false }
}

/** The store can be opened: no process holds its lock. */
async function storeFree (home: string): Promise<boolean> {
  const store = new Store({ path: homePaths(home).db })
  try {
    await store.start()
    return true
  } catch {
    return false
  } finally {
    await store.stop()
  }
}

async function portFree (port: number): Promise<boolean> {
  const s = createServer()
  return await new Promise(resolve => {
    s.once('error', () => { resolve(false) })
    s.listen({ host: '127.0.0.1', port, exclusive: true }, () => { s.close(() => { resolve(true) }) })
  })
}

/** a variable of a running process's environment, as the kernel holds it (/proc/<pid>/environ) */
const envOf = (pid: number, name: string): string | undefined =>
  readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').find(e => e.startsWith(`${name}=`))?.slice(name.length + 1)

/** the port of `http://127.0.0.1:PORT` or `/ip4/127.0.0.1/tcp/PORT/p2p/…` */
const portOf = (addr: string): number => Number(/(?::|\/tcp\/)(\d+)(\/|$)/.exec(addr)?.[1])
const oneLine = (s: string): string[] => s.trim().split('\n')

describe('oos processes: values, failed starts, stop, signals', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let home: string
  let busy: Server
  let busyPort: number
  const started: Started[] = []
  const pids: number[] = []

  beforeAll(async () => {
    dir = await tempDir()
    home = join(dir.path, 'a')
    expect((await oosIn(['init', '--name', 'Ledgerline', '--home', home])).code).toBe(0)
    busy = createServer()
    await new Promise<void>(resolve => { busy.listen({ host: '127.0.0.1', port: 0 }, resolve) })
    busyPort = (busy.address() as { port: number }).port
  })

  afterAll(async () => {
    for (const s of started) s.child.kill('SIGKILL')
    for (const pid of pids) if (processAlive(pid)) process.kill(pid, 'SIGKILL')
    busy?.close()
    await dir?.cleanup()
  })

  it('a bad value of any option is one usage line naming the option, exit 2, before anything starts', async () => {
    const cases: Array<[string[], string]> = [
      [['start', '--listen', 'junk'], '--listen'],
      [['start', '--bootstrap', 'junk'], '--bootstrap'],
      [['start', '--bootstrap', '/ip4/127.0.0.1/tcp/4710'], '--bootstrap'], // no /p2p/<peer id>
      [['start', '--sync-interval', 'abc'], '--sync-interval'],
      [['start', '--api', '192.0.2.1:4711'], '--api'],
      [['init', '--name', 'x'.repeat(129)], '--name'],
      [['follow', 'did:key:z6MkneyGoYCogRVu6ZxHfG7ZUyN7n5sv7KhfLxqdgd8Eax98', '--via', 'junk'], '--via'],
      [['endorse', 'bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', '--expires', '2027-02-31'], '--expires'],
      [['rotate-key', '--effective-seq', '9999999999999999'], '--effective-seq'],
      [['adopt', 'bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', '--into', dir.path], '--into'] // a directory
    ]
    // each must end by itself (a bad --sync-interval used to run a node with anti-entropy off)
    const runs = await Promise.all(cases.map(async ([args]) => await oos([...args, '--home', args[0] === 'init' ? join(dir.path, 'new') : home], { timeoutMs: 30_000 })))
    for (const [i, r] of runs.entries()) {
      const [args, option] = cases[i]
      expect({ args, code: r.code, stderr: r.stderr }).toMatchObject({ code: 2 })
      expect(oneLine(r.stderr)).toHaveLength(1)
      expect(r.stderr).toMatch(new RegExp(`^oos: .*${option}.*\\[USAGE\\]\\n$`))
    }
    expect(existsSync(join(dir.path, 'new'))).toBe(false)
    expect(await storeFree(home)).toBe(true)
  }, 90_000)

  it('a failed start (API port in use, listen port in use) stops every part: one line, exit 1, the store lock released', async () => {
    const api = await oos(['start', '--home', home, '--api', `127.0.0.1:${busyPort}`, '--listen', '/ip4/127.0.0.1/tcp/0'], { timeoutMs: 40_000 })
    expect(api.code, api.stderr).toBe(1)
    expect(api.stderr).toMatch(/^oos: the API address 127\.0\.0\.1:\d+ is in use by another process \[ADDRESS_IN_USE\]\n$/)
    const listen = await oos(['start', '--home', home, '--listen', `/ip4/127.0.0.1/tcp/${busyPort}`], { timeoutMs: 40_000 })
    expect(listen.code, listen.stderr).toBe(1)
    expect(listen.stderr).toMatch(new RegExp(`^oos: cannot listen on /ip4/127\\.0\\.0\\.1/tcp/${busyPort}: the port is in use by another process \\[ADDRESS_IN_USE\\]\\n$`))
    // the same from the listen address of config.json (README, "Node configuration")
    const config = JSON.parse(await readFile(homePaths(home).config, 'utf8'))
    await writeFile(homePaths(home).config, JSON.stringify({ ...config, listen: [`/ip4/127.0.0.1/tcp/${busyPort}`] }))
    const fromFile = await oos(['start', '--home', home], { timeoutMs: 40_000 })
    await writeFile(homePaths(home).config, JSON.stringify(config))
    expect(fromFile.code, fromFile.stderr).toBe(1)
    expect(fromFile.stderr).toMatch(new RegExp(`^oos: cannot listen on /ip4/127\\.0\\.0\\.1/tcp/${busyPort}: the port is in use by another process \\[ADDRESS_IN_USE\\]\\n$`))
    expect(await readApiFile(home)).toBeUndefined()
    expect(await storeFree(home)).toBe(true)
  }, 90_000)

  it('a second start is STORE_LOCKED; oos stop stops the running node through its API (exit 0, store free); with none running it says so, exit 1', async () => {
    const node = await startOos(['--home', home, '--listen', '/ip4/127.0.0.1/tcp/0'])
    started.push(node)
    const second = await oos(['start', '--home', home, '--listen', '/ip4/127.0.0.1/tcp/0'], { timeoutMs: 40_000 })
    expect(second.code).toBe(1)
    expect(second.stderr).toMatch(/^oos: a node is already running for .* \[STORE_LOCKED\]\n$/)
    const r = await oos(['stop', '--home', home, '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.json()).toEqual({ stopped: true, pid: node.child.pid })
    expect(await node.exit).toEqual({ code: 0, signal: null })
    expect(await storeFree(home)).toBe(true)
    const again = await oos(['stop', '--home', home])
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/^oos: no node is running for .* \[NODE_NOT_RUNNING\]\n$/)
  }, 90_000)

  it('npm run oos -- start: SIGTERM to npm (which passes it to its shell only) stops the node all the same', async () => {
    const other = join(dir.path, 'c')
    expect((await oosIn(['init', '--name', 'Parcelworks', '--home', other])).code).toBe(0)
    const s = await startOos(['--home', other, '--listen', '/ip4/127.0.0.1/tcp/0'], { command: ['npm', 'run', '--silent', 'oos', '--'] })
    started.push(s)
    const pid = (await readApiFile(other))?.pid as number
    pids.push(pid)
    expect(pid).not.toBe(s.child.pid)
    expect(envOf(pid, 'MALLOC_ARENA_MAX')).toBe(process.env.MALLOC_ARENA_MAX ?? '2') // bin/launch.js
    s.child.kill('SIGTERM')
    await s.exit
    await until(() => !processAlive(pid), 30_000, 'the node process exited')
    expect(await storeFree(other)).toBe(true)
    expect(await readApiFile(other)).toBeUndefined() // it stopped gracefully
  }, 90_000)

  describe('under the Node-20 re-exec wrapper when the machine\'s Node is older than 22.18', () => {
    const node = machineNode()

    /** a node started by `node`'s bin/oos.js; `pid` is the process that runs the node (the child when wrapped) */
    async function startWrapped (home: string): Promise<Started & { pid: number }> {
      const s = await startOos(['--home', home, '--listen', '/ip4/127.0.0.1/tcp/0'], { command: [node.path, BIN] })
      started.push(s)
      const pid = (await readApiFile(home))?.pid as number
      pids.push(pid)
      expect(pid !== s.child.pid).toBe(node.wrapped)
      return { ...s, pid }
    }

    it('SIGTERM to the pid started: the node stops (ports and store lock freed) and that process exits with the node\'s status', async () => {
      const s = await startWrapped(home)
      // the re-exec launches the node with glibc's arenas limited (bin/launch.js); unwrapped, it is the environment given
      if (node.wrapped) expect(envOf(s.pid, 'MALLOC_ARENA_MAX')).toBe(process.env.MALLOC_ARENA_MAX ?? '2')
      s.child.kill('SIGTERM')
      expect(await s.exit).toEqual({ code: 0, signal: null })
      await until(() => !processAlive(s.pid), 30_000, 'the node process exited')
      expect(await portFree(portOf(s.info.multiaddrs[0]))).toBe(true)
      expect(await portFree(portOf(s.info.api))).toBe(true)
      expect(await storeFree(home)).toBe(true)
    }, 90_000)

    it('SIGKILL of the wrapper: the node notices, stops and exits, releasing the store lock', async () => {
      const other = join(dir.path, 'b') // a home of its own: nothing left by the test above
      expect((await oosIn(['init', '--name', 'Carepath', '--home', other])).code).toBe(0)
      const s = await startWrapped(other)
      s.child.kill('SIGKILL')
      await s.exit
      await until(() => !processAlive(s.pid), 30_000, 'the node process exited')
      expect(await storeFree(other)).toBe(true)
      // the wrapped node stopped gracefully and removed its api.json; a node SIGKILLed itself could not
      expect(await readApiFile(other) === undefined).toBe(node.wrapped)
    }, 90_000)
  })
})
