/**
 * `oos export` and `POST /v1/export` write files safely (SPEC §9.1, node/files.ts): real
 * `oos` processes, a real `oos start` node, a real full filesystem (a 64 KiB tmpfs mounted
 * in a private mount namespace by unshare(1): as root directly, else in a user namespace).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { spawn } from 'node:child_process'
import { mkdir, readFile, readdir, readlink, symlink, writeFile } from 'node:fs/promises'
import { createReadStream } from 'node:fs'
import { join } from 'node:path'
import { CarBlockIterator } from '@ipld/car'
import { readApiFile } from '../../src/api/client.ts'
import { tempDir } from '../helpers.ts'
import { writeVersionsCar } from '../carfile.ts'
import { BIN, ROOT, capture, oosIn, type Run } from './run.ts'

const ENV = { ...process.env, OOS_PASSPHRASE: 'correct horse battery staple', OOS_SCRYPT_N: '1024' }

/** The roots and block count of a CAR, read with @ipld/car itself. */
async function carSummary (path: string): Promise<{ roots: string[], blocks: number }> {
  const it = await CarBlockIterator.fromIterable(createReadStream(path))
  let blocks = 0
  for await (const _ of it) blocks++
  return { roots: (await it.getRoots()).map(String), blocks }
}

/** Run `args` (a command) with a 64 KiB tmpfs mounted at `dir`, which first holds `old` as `name`; then list `dir` and print that file. */
async function onFullDisk (dir: string, name: string, old: string, args: string[]): Promise<Run> {
  const script = 'mount -t tmpfs -o size=64k tmpfs "$1" || exit 99; printf %s "$3" > "$1/$2"; d=$1; n=$2; shift 3; "$@"; rc=$?; echo "ls: $(ls -A "$d")"; echo "content: $(cat "$d/$n")"; exit $rc'
  const ns = process.getuid?.() === 0 ? ['-m'] : ['-r', '-m']
  return await capture('unshare', [...ns, 'sh', '-c', script, 'sh', dir, name, old, ...args], { env: ENV })
}

describe('oos export writes files safely', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let home: string
  let out: string
  let org: string
  let head: string
  let key: Buffer

  beforeAll(async () => {
    dir = await tempDir()
    home = join(dir.path, 'home')
    out = join(dir.path, 'out')
    await mkdir(out)
    expect((await oosIn(['init', '--name', 'Ledgerline', '--home', home])).code).toBe(0)
    // an org of 3 versions of ~480 KB each (the export is larger than the full disk below)
    const car = join(dir.path, 'in.car')
    const made = await writeVersionsCar(car, { versions: 3 })
    org = made.org
    head = made.head.toString()
    const imp = await oosIn(['import', car, '--home', home])
    expect(imp.code, imp.stderr).toBe(0)
    key = await readFile(join(home, 'org.key'))
  }, 60_000)

  afterAll(async () => { await dir?.cleanup() })

  it('export --out <home>/org.key: PATH_INVALID, exit 1, one line, the key byte-identical (with --force too)', async () => {
    for (const extra of [[], ['--force']]) {
      const r = await oosIn(['export', org, '--out', join(home, 'org.key'), '--home', home, ...extra])
      expect(r.code, r.stderr).toBe(1)
      expect(r.stderr).toMatch(/^oos: .*inside the node's home.* \[PATH_INVALID\]\n$/)
      expect(Buffer.compare(await readFile(join(home, 'org.key')), key)).toBe(0)
    }
    expect((await readdir(home)).filter(n => n.endsWith('.tmp'))).toEqual([])
  })

  it('an existing file: PATH_EXISTS and unchanged without --force, replaced by the CAR with it', async () => {
    const file = join(out, 'org.car')
    await writeFile(file, 'precious')
    const r = await oosIn(['export', org, '--out', file, '--home', home])
    expect(r.code, r.stderr).toBe(1)
    expect(r.stderr).toMatch(/^oos: .*already exists.* \[PATH_EXISTS\]\n$/)
    expect(await readFile(file, 'utf8')).toBe('precious')
    const f = await oosIn(['export', org, '--out', file, '--home', home, '--force', '--json'])
    expect(f.code, f.stderr).toBe(0)
    expect(f.json()).toMatchObject({ org, root: head, blocks: 3 })
    expect(await carSummary(file)).toEqual({ roots: [head], blocks: 3 })
    expect(await readdir(out)).toEqual(['org.car'])
  })

  it('a symlink (with --force), a directory, a missing directory: PATH_INVALID, nothing written', async () => {
    const victim = join(dir.path, 'victim.txt')
    await writeFile(victim, 'victim')
    await symlink(victim, join(out, 'link.car'))
    for (const [path, extra] of [[join(out, 'link.car'), ['--force']], [out, []], [join(out, 'missing', 'x.car'), []]] as const) {
      const r = await oosIn(['export', org, '--out', path, '--home', home, ...extra])
      expect(r.code, path).toBe(1)
      expect(r.stderr, path).toMatch(/^oos: .* \[PATH_INVALID\]\n$/)
    }
    expect(await readFile(victim, 'utf8')).toBe('victim')
    expect(await readlink(join(out, 'link.car'))).toBe(victim)
  })

  it('a full disk: NO_SPACE, exit 1, no temp file or partial file left; with --force the old file unchanged', async () => {
    const disk = join(dir.path, 'disk')
    await mkdir(disk)
    const r = await onFullDisk(disk, 'keep.txt', 'old', [process.execPath, BIN, 'export', org, '--out', join(disk, 'org.car'), '--home', home])
    expect(r.code, r.stderr + r.stdout).toBe(1)
    expect(r.stderr).toMatch(/^oos: no space left to write .*org\.car \[NO_SPACE\]\n$/)
    expect(r.stdout).toBe('ls: keep.txt\ncontent: old\n')
    const f = await onFullDisk(disk, 'org.car', 'old', [process.execPath, BIN, 'export', org, '--out', join(disk, 'org.car'), '--home', home, '--force'])
    expect(f.code, f.stderr + f.stdout).toBe(1)
    expect(f.stderr).toMatch(/\[NO_SPACE\]\n$/)
    expect(f.stdout).toBe('ls: org.car\ncontent: old\n')
  })

  it('POST /v1/export on a running node obeys the same checks', async () => {
    const child = spawn(process.execPath, [BIN, 'start', '--home', home, '--listen', '/ip4/127.0.0.1/tcp/0', '--json'], { cwd: ROOT, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] })
    try {
      await new Promise<void>((resolve, reject) => {
        let text = ''
        child.stdout.on('data', (d: Buffer) => { text += d.toString(); try { JSON.parse(text); resolve() } catch {} })
        child.on('exit', (code) => { reject(new Error(`oos start exited ${code}`)) })
      })
      const api = await readApiFile(home)
      if (api === undefined) throw new Error('no api.json')
      const post = async (body: unknown): Promise<{ status: number, json: any }> => {
        const res = await fetch(`${api.url}/v1/export`, { method: 'POST', headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
        return { status: res.status, json: await res.json() }
      }
      for (const extra of [{}, { force: true }]) {
        const r = await post({ org, path: join(home, 'org.key'), ...extra })
        expect(r).toMatchObject({ status: 400, json: { error: { code: 'PATH_INVALID' } } })
      }
      expect(Buffer.compare(await readFile(join(home, 'org.key')), key)).toBe(0)
      await writeFile(join(out, 'api.car'), 'precious')
      expect(await post({ org, path: join(out, 'api.car') })).toMatchObject({ status: 409, json: { error: { code: 'PATH_EXISTS' } } })
      expect(await readFile(join(out, 'api.car'), 'utf8')).toBe('precious')
      expect(await post({ org, path: out, force: true })).toMatchObject({ status: 400, json: { error: { code: 'PATH_INVALID' } } })
      expect(await post({ org, path: join(out, 'api.car'), force: 'yes' })).toMatchObject({ status: 400, json: { error: { code: 'BAD_REQUEST', path: 'force' } } })
      expect(await post({ org, path: join(out, 'api.car'), force: true })).toMatchObject({ status: 200, json: { org, root: head, blocks: 3 } })
      expect(await carSummary(join(out, 'api.car'))).toEqual({ roots: [head], blocks: 3 })
      // the CLI goes through the running node for the same answer
      const c = await oosIn(['export', org, '--out', join(home, 'org.key'), '--home', home, '--force'])
      expect(c.code).toBe(1)
      expect(c.stderr).toMatch(/\[PATH_INVALID\]\n$/)
      expect(Buffer.compare(await readFile(join(home, 'org.key')), key)).toBe(0)
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise(resolve => child.once('exit', resolve))
        child.kill('SIGTERM')
        await exited
      }
    }
  }, 60_000)
})
