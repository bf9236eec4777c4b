/**
 * The error catalogue: one class per code, every code in SPEC §9, no plain `Error` thrown
 * in runtime code.
 */
import { execFile } from 'node:child_process'
import { readdir, readFile } from 'node:fs/promises'
import { promisify } from 'node:util'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import * as errors from '../src/errors.ts'
import { ERROR_STATUS } from '../src/api/errors.ts'

const ROOT = fileURLToPath(new URL('../', import.meta.url))

async function sources (dir = join(ROOT, 'src')): Promise<Array<{ path: string, text: string }>> {
  const out: Array<{ path: string, text: string }> = []
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) out.push(...await sources(p))
    else if (e.name.endsWith('.ts')) out.push({ path: relative(ROOT, p), text: await readFile(p, 'utf8') })
  }
  return out
}

/** The codes in the tables of SPEC.md §9 (up to §10). */
async function specCodes (): Promise<Set<string>> {
  const spec = await readFile(join(ROOT, 'protocol', 'SPEC.md'), 'utf8')
  const s9 = spec.slice(spec.indexOf('\n## 9.'), spec.indexOf('\n## 10.'))
  return new Set([...s9.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map(m => m[1]))
}

const MADE = /^export class \w+ extends errorClass\('(\w+)', '([A-Z0-9_]+)'\)/gm

describe('the error catalogue', () => {
  it('every module that makes error classes, loaded: each code has exactly one class, and it round-trips by code', async () => {
    const files = (await sources()).filter(f => f.text.includes('extends errorClass('))
    expect(files.length).toBeGreaterThan(10)
    for (const f of files) await import(join(ROOT, f.path))
    const registry = errors.errorClasses()
    const made = (await sources()).flatMap(f => [...f.text.matchAll(MADE)].map(m => m[2]))
    // every class made in src/ is registered (so the test saw them all)
    expect(new Set(registry.keys())).toEqual(new Set(made))
    const shared = [...registry].filter(([, classes]) => classes.length !== 1).map(([code, classes]) => `${code}: ${classes.map(c => c.name).join(', ')}`)
    expect(shared).toEqual([])
    for (const [code, [C]] of registry) {
      const e = errors.errorFromCode(code, 'm', 'p')
      expect(e).toBeInstanceOf(C)
      expect([e.code, e.name, e.path]).toEqual([code, C.name, 'p'])
    }
  })

  it('in the source, each code is made by exactly one class (others import it)', async () => {
    const by = new Map<string, string[]>()
    for (const f of await sources()) {
      for (const m of f.text.matchAll(MADE)) by.set(m[2], [...by.get(m[2]) ?? [], `${m[1]} (${f.path})`])
    }
    expect([...by].filter(([, names]) => names.length > 1).map(([code, names]) => `${code}: ${names.join(', ')}`)).toEqual([])
  })

  it('every code made in src/ (by class or by literal) is listed in SPEC §9', async () => {
    const spec = await specCodes()
    const used = new Set((await sources()).flatMap(f => [
      ...[...f.text.matchAll(MADE)].map(m => m[2]),
      ...[...f.text.matchAll(/new OosError\('([A-Z0-9_]+)'/g)].map(m => m[1])
    ]))
    expect(used.size).toBeGreaterThan(60)
    expect([...used].filter(c => !spec.has(c)).sort()).toEqual([])
  })

  it('runtime code throws typed errors, never a plain Error', async () => {
    const plain = (await sources())
      .flatMap(f => f.text.split('\n').map((line, i) => ({ at: `${f.path}:${i + 1}`, line })))
      .filter(({ line }) => /throw new Error\(|reject\(new Error\(/.test(line))
      .map(({ at, line }) => `${at}: ${line.trim()}`)
    expect(plain).toEqual([])
  })

  it('ERROR_CODES, the ErrorCode union, is exactly the codes of SPEC §9, and the API has a status for each (no more, no fewer)', async () => {
    const spec = await specCodes()
    expect([...errors.ERROR_CODES].sort()).toEqual([...spec].sort())
    expect(new Set(errors.ERROR_CODES).size).toBe(errors.ERROR_CODES.length)
    expect(Object.keys(ERROR_STATUS).sort()).toEqual([...errors.ERROR_CODES].sort())
    for (const code of errors.ERROR_CODES) expect(errors.isErrorCode(code)).toBe(true)
    expect(errors.isErrorCode('SOMETHING_NEW')).toBe(false)
  })

  it('the classes used by more than one layer are registered by src/errors.ts alone: no import for its side effects', async () => {
    // a fresh process that loads nothing but the catalogue (this file's process has loaded every module)
    const script = `const e = await import('./src/errors.ts')
const out = ['NOT_FOUND', 'INVALID_ARGUMENT', 'NO_ORG_KEY', 'STORE_LOCKED', 'UNKNOWN_TARGET', 'ABORTED', 'USAGE'].map(code => {
  const err = e.errorFromCode(code, 'm')
  return code + ' ' + err.name + ' ' + (e.errorClasses().get(code)?.length ?? 0)
})
process.stdout.write(out.join('\\n'))`
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, timeout: 30_000 })
    expect(stdout.split('\n')).toEqual([
      'NOT_FOUND NotFoundError 1', 'INVALID_ARGUMENT InvalidArgumentError 1', 'NO_ORG_KEY NoOrgKeyError 1', 'STORE_LOCKED StoreLockedError 1',
      'UNKNOWN_TARGET UnknownTargetError 1', 'ABORTED AbortedError 1', 'USAGE UsageError 1'
    ])
  })
})
