import { describe, it, expect, beforeEach, afterEach } from 'vitest'
import { mkdir, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileSafely, type Sink } from '../../src/node/files.ts'
import type { OosError } from '../../src/errors.ts'
import { tempDir } from '../helpers.ts'

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)
const put = (s: string) => async (sink: Sink): Promise<number> => { await sink.write(bytes(s)); return sink.bytes }
const code = async (p: Promise<unknown>): Promise<string> => await p.then(() => 'OK', (e: OosError) => e.code ?? String(e))

describe('writeFileSafely (node/files.ts)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let home: string
  let out: string
  beforeEach(async () => {
    dir = await tempDir()
    home = join(dir.path, 'home')
    out = join(dir.path, 'out')
    await mkdir(home)
    await mkdir(out)
    await writeFile(join(home, 'org.key'), 'THE KEY')
  })
  afterEach(async () => { await dir.cleanup() })

  it('writes a new file and leaves no temp file; large writes pass the buffer whole', async () => {
    const file = join(out, 'a.car')
    expect(await writeFileSafely(file, put('hello'), { home })).toBe(5)
    expect(await readFile(file, 'utf8')).toBe('hello')
    const big = new Uint8Array(700_000).fill(7)
    await writeFileSafely(join(out, 'b.car'), async (sink) => { await sink.write(bytes('x')); await sink.write(big); await sink.write(bytes('y')) })
    const b = await readFile(join(out, 'b.car'))
    expect(b.length).toBe(700_002)
    expect([b[0], b[1], b[700_000], b[700_001]]).toEqual([120, 7, 7, 121])
    expect((await readdir(out)).sort()).toEqual(['a.car', 'b.car'])
  })

  it('an existing file: PATH_EXISTS and unchanged without force, replaced with it', async () => {
    const file = join(out, 'a.car')
    await writeFile(file, 'old')
    expect(await code(writeFileSafely(file, put('new')))).toBe('PATH_EXISTS')
    expect(await readFile(file, 'utf8')).toBe('old')
    await writeFileSafely(file, put('new'), { force: true })
    expect(await readFile(file, 'utf8')).toBe('new')
    expect(await readdir(out)).toEqual(['a.car'])
  })

  it('anything inside the home, however it is named, is PATH_INVALID, with force too, and the key is unchanged', async () => {
    await symlink(home, join(out, 'to-home'))
    for (const path of [
      join(home, 'org.key'),
      join(home, 'new.car'),
      join(out, '..', 'home', 'org.key'),
      `${out}/../home/org.key`,
      join(out, 'to-home', 'org.key'),
      join(home, 'db', 'x')
    ]) {
      for (const force of [false, true]) expect(await code(writeFileSafely(path, put('pwned'), { home, force })), path).toBe('PATH_INVALID')
    }
    expect(await readFile(join(home, 'org.key'), 'utf8')).toBe('THE KEY')
    expect((await readdir(home)).sort()).toEqual(['org.key'])
  })

  it('a symlink is never written through or replaced (dangling too), with force too', async () => {
    const victim = join(dir.path, 'victim')
    await writeFile(victim, 'victim')
    await symlink(victim, join(out, 'link.car'))
    await symlink(join(dir.path, 'nowhere'), join(out, 'dangling.car'))
    for (const name of ['link.car', 'dangling.car']) {
      for (const force of [false, true]) expect(await code(writeFileSafely(join(out, name), put('pwned'), { force })), name).toBe('PATH_INVALID')
    }
    expect(await readFile(victim, 'utf8')).toBe('victim')
    expect(await readlink(join(out, 'link.car'))).toBe(victim)
    expect(await readdir(dir.path)).not.toContain('nowhere')
    expect((await readdir(out)).sort()).toEqual(['dangling.car', 'link.car'])
  })

  it('a directory, a missing directory, a file as directory, a relative path: PATH_INVALID', async () => {
    await writeFile(join(out, 'plain'), 'x')
    for (const path of [out, join(out, 'missing', 'a.car'), join(out, 'plain', 'a.car'), 'relative.car', `${out}/`, join(out, '..')]) {
      expect(await code(writeFileSafely(path, put('x'), { force: true })), path).toBe('PATH_INVALID')
    }
    expect((await readdir(out)).sort()).toEqual(['plain'])
  })

  it('a failing writer leaves no temp file and the old file unchanged', async () => {
    const file = join(out, 'a.car')
    await writeFile(file, 'old')
    const err = await writeFileSafely(file, async (sink) => { await sink.write(bytes('partial')); throw new Error('boom') }, { force: true }).catch((e: Error) => e)
    expect((err as Error).message).toBe('boom')
    expect(await readFile(file, 'utf8')).toBe('old')
    expect(await readdir(out)).toEqual(['a.car'])
  })

  it('a name taken while the file was being written: PATH_EXISTS, what is there now untouched (link(2) never overwrites)', async () => {
    const file = join(out, 'a.car')
    const r = writeFileSafely(file, async (sink) => { await writeFile(file, 'theirs'); await sink.write(bytes('ours')) })
    expect(await code(r)).toBe('PATH_EXISTS')
    expect(await readFile(file, 'utf8')).toBe('theirs')
    expect(await readdir(out)).toEqual(['a.car'])
  })

  it('a symlink put at the name while writing with force: PATH_INVALID, its target untouched', async () => {
    const victim = join(dir.path, 'victim')
    await writeFile(victim, 'victim')
    const file = join(out, 'a.car')
    const r = writeFileSafely(file, async (sink) => { await symlink(victim, file); await sink.write(bytes('ours')) }, { force: true })
    expect(await code(r)).toBe('PATH_INVALID')
    expect(await readFile(victim, 'utf8')).toBe('victim')
    expect(await readdir(out)).toEqual(['a.car'])
  })
})
