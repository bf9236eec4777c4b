/**
 * JavaScript emitted ahead of time (issue 15, "a lean idle node"): `npm run build` (bin/build.js)
 * compiles src/ into dist/, and bin/oos.js runs dist/ while it is a build of src/ as it is now,
 * src/ otherwise (bin/dist.js), so an edit never runs stale code.
 *
 * Built once, in a copy of the tree (bin, src, protocol, examples, the tsconfigs and package.json
 * in a temporary folder, node_modules linked): this file never swaps dist/ under the other test
 * files that spawn `oos` from the checkout. Those need no build of their own: a checkout whose
 * dist/ is older than its src/ runs src/, so they exercise the code under test whether or not
 * someone built (and the checks below show dist/ and src/ are the same program).
 */
import { spawnSync } from 'node:child_process'
import { cp, mkdir, readdir, readFile, rename, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import YAML from 'yaml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { distIsFresh } from '../bin/dist.js'
import { tempDir } from './helpers.ts'
import { capture, oosEnv, ROOT, startOos } from './cli/run.ts'
import { defaultWorkers } from '../src/ingest/threads.ts'

const NODE = process.execPath // Node 24 (npm's scripts, vitest): type stripping and module.registerHooks
const LOADED = join(ROOT, 'tests', 'cli', 'loaded.mjs')
let tree: string
let cleanup: () => Promise<void>

/** every file under `dir`, relative */
async function files (dir: string, under = ''): Promise<string[]> {
  const out: string[] = []
  for (const e of await readdir(join(dir, under), { withFileTypes: true })) {
    const rel = join(under, e.name)
    if (e.isDirectory()) out.push(...await files(dir, rel))
    else out.push(rel)
  }
  return out
}

/** `oos ARGS` run from the copy; the module URLs of its CLI's main it loaded */
async function mainLoaded (args: string[]): Promise<{ code: number, mains: string[] }> {
  const list = join(tree, `loaded-${Date.now()}.txt`)
  const r = await capture(NODE, ['--import', LOADED, join(tree, 'bin', 'oos.js'), ...args], { env: oosEnv({ OOS_TEST_LOADED_FILE: list }) })
  const urls = (await readFile(list, 'utf8')).trim().split('\n').map(l => l.slice(l.indexOf(' ') + 1))
  await rm(list)
  return { code: r.code, mains: urls.filter(u => /\/cli\/main\.(ts|js)$/.test(u)).map(u => u.slice(pathToFileURL(tree).href.length + 1)) }
}

beforeAll(async () => {
  const dir = await tempDir('oosnet-build-')
  tree = dir.path
  cleanup = dir.cleanup
  for (const p of ['bin', 'src', 'examples', 'protocol/schema', 'protocol/openapi.yaml', 'tsconfig.json', 'tsconfig.build.json', 'package.json']) {
    await mkdir(join(tree, p, '..'), { recursive: true })
    await cp(join(ROOT, p), join(tree, p), { recursive: true, preserveTimestamps: true })
  }
  await symlink(join(ROOT, 'node_modules'), join(tree, 'node_modules'))
  const built = spawnSync(NODE, [join(tree, 'bin', 'build.js')], { encoding: 'utf8' })
  expect(built.status, built.stderr).toBe(0)
}, 180_000)
afterAll(async () => { await cleanup() })

describe('npm run build', () => {
  it('emits the JavaScript of src/ only, no comments, the API spec as JSON, stamped', async () => {
    expect((await readdir(tree)).filter(f => f.startsWith('dist'))).toEqual(['dist']) // built aside, swapped in whole
    const emitted = await files(join(tree, 'dist'))
    const sources = (await files(join(tree, 'src'))).filter(f => f.endsWith('.ts'))
    // each .ts as .js, and the files that are not TypeScript (the web UI's css and js) as they are
    expect(emitted.filter(f => f.startsWith('src/')).sort()).toEqual((await files(join(tree, 'src'))).map(f => join('src', f.replace(/\.ts$/, '.js'))).sort())
    expect(sources.length).toBeGreaterThan(100)
    // and the JSON schemas src/ imports (all of protocol/schema's), which tsc emits beside it
    const schemas = (await readdir(join(tree, 'protocol', 'schema'))).filter(f => f.endsWith('.json')).map(f => `protocol/schema/${f}`)
    expect(emitted.filter(f => !f.startsWith('src/')).sort()).toEqual(['.built', 'protocol/openapi.json', ...schemas].sort())
    const main = await readFile(join(tree, 'dist', 'src', 'cli', 'main.js'), 'utf8')
    expect(main).not.toMatch(/^\s*\/\*\*/m) // removeComments: the emitted modules hold code, not the docs
    expect(main).toContain('from "./errors.js"') // relative imports rewritten to .js
  })

  it('the JSON spec is openapi.yaml as parsed', async () => {
    const json = JSON.parse(await readFile(join(tree, 'dist', 'protocol', 'openapi.json'), 'utf8'))
    expect(json).toEqual(YAML.parse(await readFile(join(ROOT, 'protocol', 'openapi.yaml'), 'utf8')))
  })

  it('what dist/ reads by URL resolves there: the API spec, examples/, the verify worker', async () => {
    const script = `
      const d = ${JSON.stringify(pathToFileURL(join(tree, 'dist', 'src')).href)}
      const { loadSpec } = await import(d + '/api/spec.js')
      const { EXAMPLES } = await import(d + '/cli/commands/demo.js')
      const { VerifyPool } = await import(d + '/ingest/pool.js')
      const { generateKeyPair, sign } = await import(d + '/identity/index.js')
      const { readdirSync } = await import('node:fs')
      const k = generateKeyPair()
      const message = new TextEncoder().encode('built')
      const pool = new VerifyPool({ workers: 1, lone: 0 }) // lone 0: a worker checks even one request
      await pool.start()
      const ok = await pool.verifySignature(k.publicKey, message, sign(k.secretKey, message))
      const verified = pool.stats().verified
      await pool.stop()
      console.log(JSON.stringify({ operations: loadSpec().operations.length, examples: readdirSync(EXAMPLES).sort(), ok, verified }))`
    // a file, not `-e`: a worker inherits the process's flags, and --input-type is refused in one
    await writeFile(join(tree, 'check.mjs'), script)
    const r = await capture(NODE, [join(tree, 'check.mjs')], { env: oosEnv() })
    expect(r.code, r.stderr).toBe(0)
    const out = r.json()
    const { loadSpec } = await import('../src/api/spec.ts')
    expect(out.operations).toBe(loadSpec().operations.length)
    expect(out.examples).toEqual(expect.arrayContaining(['carepath', 'ledgerline', 'parcelworks']))
    expect(out).toMatchObject({ ok: true, verified: 1 }) // checked by a worker started from dist/src/ingest/worker.js
  }, 60_000)
})

describe('a node runs from dist/', () => {
  it('oos start from the built tree: its API (with the web UI\'s files) listens, and it stops', async () => {
    const dir = await tempDir()
    try {
      const home = join(dir.path, 'home')
      const bin = join(tree, 'bin', 'oos.js')
      expect((await capture(NODE, [bin, 'init', '--name', 'Builtline', '--home', home], { env: oosEnv() })).code).toBe(0)
      const node = await startOos(['--home', home, '--listen', '/ip4/127.0.0.1/tcp/0'], { command: [NODE, bin] })
      const st = await capture(NODE, [bin, 'status', '--json', '--home', home], { env: oosEnv() })
      expect(st.code, st.stderr).toBe(0)
      // none at idle; at most `oos start`'s default (the cores less one, 1 to 4)
      expect(st.json().workers).toEqual({ running: 0, max: defaultWorkers() })
      node.child.kill('SIGTERM')
      expect((await node.exit).code).toBe(0)
    } finally {
      await dir.cleanup()
    }
  }, 60_000)
})

describe('bin/oos.js runs dist/ only while it is fresh', () => {
  it('a fresh build: dist/; a source edited, added or removed after it: src/; built again: dist/', async () => {
    expect(distIsFresh(tree)).toBe(true)
    expect(await mainLoaded(['--help'])).toEqual({ code: 0, mains: ['dist/src/cli/main.js'] })

    const later = new Date(Date.now() + 600_000) // far enough ahead that a slow run cannot reach it before the rebuild below
    const edited = join(tree, 'src', 'cli', 'style.ts')
    const was = await stat(edited)
    await utimes(edited, later, later)
    expect(distIsFresh(tree)).toBe(false)
    expect(await mainLoaded(['--help'])).toEqual({ code: 0, mains: ['src/cli/main.ts'] })
    await utimes(edited, was.atime, was.mtime)
    expect(distIsFresh(tree)).toBe(true)

    // a file added, or one removed (renamed away), is not the tree the stamp lists
    const added = join(tree, 'src', 'oos', 'added.ts')
    await writeFile(added, 'export {}\n')
    const old = new Date(was.mtimeMs - 60_000)
    await utimes(added, old, old) // however old it is
    expect(distIsFresh(tree)).toBe(false)
    await rm(added)
    expect(distIsFresh(tree)).toBe(true)
    const moved = join(tree, 'src', 'oos', 'lazy.ts')
    await rename(moved, `${moved}.away`)
    expect(distIsFresh(tree)).toBe(false)
    await rename(`${moved}.away`, moved)
    expect(distIsFresh(tree)).toBe(true)

    // the spec and the schemas are inputs as well
    const spec = join(tree, 'protocol', 'openapi.yaml')
    await utimes(spec, later, later)
    expect(distIsFresh(tree)).toBe(false)

    const rebuilt = spawnSync(NODE, [join(tree, 'bin', 'build.js')], { encoding: 'utf8' })
    expect(rebuilt.status, rebuilt.stderr).toBe(0)
    // the stamp is dated at the build's start: inputs dated later (here, 10 minutes ahead) stay newer
    expect(distIsFresh(tree)).toBe(false)
    const now = new Date()
    await utimes(spec, now, now)
    const again = spawnSync(NODE, [join(tree, 'bin', 'build.js')], { encoding: 'utf8' })
    expect(again.status, again.stderr).toBe(0)
    expect(distIsFresh(tree)).toBe(true)
    expect((await mainLoaded(['--help'])).mains).toEqual(['dist/src/cli/main.js'])
  }, 180_000)

  it('installed from a tarball (files and stamp at npm\'s packing date, folders at the install\'s): fresh', async () => {
    const copy = `${tree}-packed`
    await cp(tree, copy, { recursive: true, verbatimSymlinks: true })
    try {
      const packed = new Date('1985-10-26T08:15:00Z')
      const all = [...(await files(join(copy, 'src'))).map(f => join(copy, 'src', f)), ...(await files(join(copy, 'dist'))).map(f => join(copy, 'dist', f)),
        ...['tsconfig.json', 'tsconfig.build.json', 'protocol/openapi.yaml'].map(f => join(copy, f)), ...(await files(join(copy, 'protocol', 'schema'))).map(f => join(copy, 'protocol', 'schema', f))]
      for (const f of all) await utimes(f, packed, packed)
      expect(distIsFresh(copy)).toBe(true)
    } finally {
      await rm(copy, { recursive: true, force: true })
    }
  })

  it('no dist/ at all: src/', async () => {
    const copy = `${tree}-nodist`
    await cp(tree, copy, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true, filter: (p) => p !== join(tree, 'dist') })
    try {
      expect(distIsFresh(copy)).toBe(false)
      const r = await capture(NODE, [join(copy, 'bin', 'oos.js'), '--help'], { env: oosEnv() })
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toMatch(/^oos — /)
    } finally {
      await rm(copy, { recursive: true, force: true })
    }
  })
})
