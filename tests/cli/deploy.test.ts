/**
 * Installing and deploying `oos` (README "Install", "Docker"): the bin linked onto the PATH as
 * `npm install -g .` links it, from any directory on the machine's Node; the Dockerfile, its
 * .dockerignore and examples/compose.yaml checked against each other (no Docker engine here);
 * and the image's ENTRYPOINT and CMD run as Docker would run them, on this machine.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { spawnSync } from 'node:child_process'
import { copyFile, mkdir, readFile, rename, symlink, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parse } from 'yaml'
import { tempDir } from '../helpers.ts'
import { until } from '../net/nodes.ts'
import { capture, ROOT } from './run.ts'

/** The first `node` on PATH outside node_modules (this machine's: Node 20), and whether bin/oos.js re-execs under it. */
function machineNode (): { path: string, wrapped: boolean } {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const path = join(dir, 'node')
    if (dir.includes('node_modules') || !existsSync(path)) continue
    const [major, minor] = spawnSync(path, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim().split('.').map(Number)
    return { path, wrapped: major < 22 || (major === 22 && minor < 18) }
  }
  return { path: process.execPath, wrapped: false }
}

/** The Dockerfile's instructions, continuation lines joined: [instruction, rest]. */
async function dockerfile (): Promise<Array<[string, string]>> {
  const text = (await readFile(join(ROOT, 'Dockerfile'), 'utf8')).replace(/\\\n\s*/g, ' ')
  return text.split('\n').filter(l => l.trim() !== '' && !l.startsWith('#')).map(l => {
    const m = /^(\w+)\s+(.*)$/.exec(l.trim()) as RegExpExecArray
    return [m[1].toUpperCase(), m[2]]
  })
}

const env = (ins: Array<[string, string]>): Record<string, string> =>
  Object.fromEntries(ins.filter(([i]) => i === 'ENV').flatMap(([, rest]) => rest.trim().split(/\s+/).map(kv => kv.split('=', 2) as [string, string])))
const execForm = (ins: Array<[string, string]>, name: string): string[] => JSON.parse(ins.find(([i]) => i === name)?.[1] ?? 'null')

describe('install and deploy', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  beforeAll(async () => { dir = await tempDir() })
  afterAll(async () => { await dir?.cleanup() })

  it('npm install -g . links bin/oos.js onto the PATH: oos runs from any directory on the machine\'s Node, with nothing on stderr', async () => {
    // what npm makes of `npm install -g .` (or `npm link`) with --prefix P: P/lib/node_modules/oosnet → the checkout, P/bin/oos → its bin
    const prefix = join(dir.path, 'prefix')
    await mkdir(join(prefix, 'lib', 'node_modules'), { recursive: true })
    await mkdir(join(prefix, 'bin'))
    await symlink(ROOT, join(prefix, 'lib', 'node_modules', 'oosnet'))
    await symlink('../lib/node_modules/oosnet/bin/oos.js', join(prefix, 'bin', 'oos'))
    const node = machineNode()
    const PATH = [join(prefix, 'bin'), node.path.replace(/\/node$/, ''), '/usr/bin', '/bin'].join(delimiter)
    const r = await captureIn(dir.path, 'oos', ['--version'], { PATH })
    expect(r).toMatchObject({ code: 0, stderr: '' })
    expect(r.stdout).toMatch(/^oos \d+\.\d+\.\d+ /)
    // Node 20 is in `engines`: npm (npx, npm install) says nothing about an unsupported engine there
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'))
    expect(pkg.engines.node).toBe('>=20')
    expect(pkg.bin.oos).toBe('bin/oos.js')
  })

  it('npm pack, then installed as `npm install -g --prefix P oosnet-*.tgz` lays it out: oos runs from any directory, on the machine\'s Node and on Node 24, nothing on stderr (was ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING)', async () => {
    // Node 24 comes with the install: `node` is an optional dependency now, not a devDependency
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'))
    expect(pkg.optionalDependencies.node).toMatch(/^\^24\./)
    expect(pkg.devDependencies.node).toBeUndefined()
    const lock = JSON.parse(await readFile(join(ROOT, 'package-lock.json'), 'utf8'))
    expect(lock.packages[''].optionalDependencies.node).toBe(pkg.optionalDependencies.node)
    expect(lock.packages['node_modules/node']).toMatchObject({ optional: true })
    expect(lock.packages['node_modules/node'].dev).toBeUndefined()
    // the tarball npm would publish (npm pack needs no network), unpacked where npm -g puts it;
    // its dependencies are this checkout's (what npm would fetch: a real install is .ci/run's check)
    const packs = join(dir.path, 'packs')
    await mkdir(packs)
    const packed = spawnSync('npm', ['pack', '--pack-destination', packs, '--json'], { cwd: ROOT, encoding: 'utf8', env: envOf({ npm_config_loglevel: 'silent' }) })
    expect(packed.status, packed.stderr).toBe(0)
    const [{ filename, files }] = JSON.parse(packed.stdout) as Array<{ filename: string, files: Array<{ path: string }> }>
    expect(files.map(f => f.path)).toEqual(expect.arrayContaining(['bin/oos.js', 'bin/strip-types.js', 'src/cli/main.ts', 'src/ingest/worker.ts']))
    const prefix = join(dir.path, 'tgz-prefix')
    const lib = join(prefix, 'lib', 'node_modules')
    await mkdir(lib, { recursive: true })
    await mkdir(join(prefix, 'bin'))
    expect(spawnSync('tar', ['-xzf', join(packs, filename), '-C', lib]).status).toBe(0)
    await rename(join(lib, 'package'), join(lib, 'oosnet'))
    await symlink(join(ROOT, 'node_modules'), join(lib, 'oosnet', 'node_modules'))
    await symlink('../lib/node_modules/oosnet/bin/oos.js', join(prefix, 'bin', 'oos'))
    const node = machineNode()
    const home = join(dir.path, 'tgz-home')
    for (const nodeDir of new Set([node.path.replace(/\/node$/, ''), process.execPath.replace(/\/node$/, '')])) {
      const PATH = [join(prefix, 'bin'), nodeDir, '/usr/bin', '/bin'].join(delimiter)
      const version = await captureIn(dir.path, 'oos', ['--version'], { PATH })
      expect(version).toMatchObject({ code: 0, stderr: '' })
      if (!existsSync(home)) expect(await captureIn(dir.path, 'oos', ['init', '--name', 'Installed', '--home', home], { PATH, OOS_PASSPHRASE: 'pw' })).toMatchObject({ code: 0, stderr: '' })
      const id = await captureIn(dir.path, 'oos', ['id', '--json', '--home', home], { PATH })
      expect(id, nodeDir).toMatchObject({ code: 0, stderr: '' })
      expect(JSON.parse(id.stdout).name).toBe('Installed')
    }
    // the verify workers load oosnet's .ts files from under node_modules too (a worker inherits --import)
    const installedPool = pathToFileURL(join(lib, 'oosnet', 'src', 'ingest', 'pool.ts')).href
    const strip = pathToFileURL(join(lib, 'oosnet', 'bin', 'strip-types.js')).href
    const script = join(dir.path, 'pool.mjs') // a file: workers inherit the parent's execArgv, and `-e` would be among them
    await writeFile(script, `const { VerifyPool } = await import(${JSON.stringify(installedPool)}); const p = new VerifyPool({ workers: 2 }); await p.start(); await p.warm(); console.log(JSON.stringify(p.stats())); await p.stop()\n`)
    const pool = spawnSync(process.execPath, ['--import', strip, script], { cwd: dir.path, encoding: 'utf8', timeout: 30_000 })
    expect(pool.stderr).toBe('')
    expect(JSON.parse(pool.stdout)).toMatchObject({ workers: 2, crashes: 0, inline: false })
  }, 120_000)

  it('without the node package (installed with --omit=optional), an old Node gets one line saying what to do, exit 2', async () => {
    const node = machineNode()
    const bin = join(dir.path, 'pkg', 'bin')
    await mkdir(bin, { recursive: true })
    for (const f of ['oos.js', 'launch.js']) await copyFile(join(ROOT, 'bin', f), join(bin, f))
    const r = await capture(node.path, [join(bin, 'oos.js'), '--version'])
    if (node.wrapped) {
      expect(r.code).toBe(2)
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
      expect(r.stderr).toMatch(/^oos: Node \S+ is too old \(oosnet needs Node >= 22\.18\): install Node 22\.18 or later .* 'npm install -g \.' there\n$/)
    } else {
      // a Node that runs oosnet itself never re-execs: the copy lacks src/ and fails to load it
      expect(r.code).not.toBe(0)
    }
  })

  it('the Dockerfile, .dockerignore and compose.yaml agree: exec-form oos ENTRYPOINT, no node_modules in the context, one image, one secret per org', async () => {
    const ins = await dockerfile()
    const entrypoint = execForm(ins, 'ENTRYPOINT')
    expect(entrypoint[0]).toBe('node')
    expect(entrypoint.at(-1)).toBe('bin/oos.js')
    expect(entrypoint).not.toContain('sh')
    expect(execForm(ins, 'CMD')).toEqual(['start', '--init'])
    const ignored = (await readFile(join(ROOT, '.dockerignore'), 'utf8')).split('\n').map(l => l.trim())
    expect(ignored).toContain('node_modules')
    expect(ignored).toContain('examples/secrets')
    // everything the image copies from the context is there and not ignored
    for (const [, rest] of ins.filter(([i, r]) => i === 'COPY' && !r.startsWith('--from'))) {
      for (const src of rest.split(/\s+/).slice(0, -1)) {
        expect(existsSync(join(ROOT, src)), src).toBe(true)
        expect(ignored, src).not.toContain(src)
      }
    }

    const compose = parse(await readFile(join(ROOT, 'examples', 'compose.yaml'), 'utf8'), { merge: true }) // `<<:` as Compose reads it
    const services = Object.entries(compose.services) as Array<[string, any]>
    expect(services.length).toBeGreaterThan(1)
    const builders = services.filter(([, s]) => s.build !== undefined)
    expect(builders).toHaveLength(1)
    expect(existsSync(join(ROOT, 'examples', builders[0][1].build.context, builders[0][1].build.dockerfile))).toBe(true)
    expect(new Set(services.map(([, s]) => s.image)).size).toBe(1)
    for (const [, s] of services.filter(([, s]) => s.build === undefined)) expect(s.pull_policy).toBe('never')
    // one passphrase per org, each where the image reads it
    const passFile = env(ins).OOS_PASSPHRASE_FILE
    const sources = services.map(([, s]) => {
      expect(s.secrets).toHaveLength(1)
      expect(`/run/secrets/${s.secrets[0].target as string}`).toBe(passFile)
      expect(s.environment.OOS_PASSPHRASE).toBeUndefined()
      return s.secrets[0].source as string
    })
    expect(new Set(sources).size).toBe(services.length)
    expect(new Set(sources.map(x => compose.secrets[x].file)).size).toBe(services.length)
    for (const [, s] of services) expect(s.environment.OOS_BOOTSTRAP).toMatch(/^\$\{\w+:-\}$/)
  })

  it('the image\'s ENTRYPOINT runs the command given (status does not start a node); its CMD creates the home, then runs the node; a failed init starts nothing', async () => {
    const ins = await dockerfile()
    const [, ...entry] = execForm(ins, 'ENTRYPOINT') // `node`: this Node
    const home = join(dir.path, 'data')
    const secret = join(dir.path, 'oos_passphrase')
    const image = { ...env(ins), OOS_HOME: home, OOS_PASSPHRASE_FILE: secret, OOS_NAME: 'Ledgerline', OOS_LISTEN: '/ip4/127.0.0.1/tcp/0', OOS_API: '127.0.0.1:0', OOS_PASSPHRASE: undefined, NODE_OPTIONS: undefined }
    const run = async (args: string[], timeoutMs = 30_000): Promise<Awaited<ReturnType<typeof capture>>> =>
      await capture(process.execPath, [...entry, ...args], { env: envOf(image), timeoutMs })

    // `docker run oosnet status`: status, which finds no home (no node is started: it ends by itself)
    const status = await run(['status'])
    expect(status.code).toBe(1)
    expect(status.stderr).toMatch(/no oosnet home at .*\[HOME_NOT_FOUND\]\n$/)
    // the default command without its secret: init fails, nothing starts, no home is left
    const failed = await run(execForm(ins, 'CMD'))
    expect(failed.code).toBe(1)
    expect(failed.stderr).toMatch(/^oos: OOS_PASSPHRASE_FILE .*oos_passphrase: ENOENT \[NO_PASSPHRASE\]\n$/)
    expect(existsSync(home)).toBe(false)
    // with it, the first run creates the home, then the node runs until stopped
    await writeFile(secret, 'a passphrase of the org\n', { mode: 0o600 })
    const node = run(execForm(ins, 'CMD'), 60_000)
    // `oos stop` through the container's entrypoint, once the node answers
    let stop = { code: -1, stdout: '', stderr: '' }
    await until(async () => (stop = await run(['stop'])).code === 0, 60_000, 'the node created by the CMD answers oos stop')
    expect(stop.stdout).toMatch(/^stopped the node of /)
    const ran = await node
    expect(ran.code, ran.stderr).toBe(0)
    expect(ran.stderr).toMatch(/^created Ledgerline in .*: org did:key:z6Mk\w+, peer id 12D3KooW\w+\n/)
    expect(ran.stdout).toMatch(/^Ledgerline node running/)
  }, 120_000)
})

function envOf (extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const e: Record<string, string | undefined> = { ...process.env, OOS_SCRYPT_N: '1024', DEBUG: undefined, ...extra }
  for (const k of Object.keys(e)) if (e[k] === undefined) delete e[k]
  return e as NodeJS.ProcessEnv
}

async function captureIn (cwd: string, command: string, args: string[], extra: Record<string, string>): Promise<{ code: number, stdout: string, stderr: string }> {
  const r = spawnSync(command, args, { cwd, env: envOf(extra), encoding: 'utf8', timeout: 30_000 })
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}
