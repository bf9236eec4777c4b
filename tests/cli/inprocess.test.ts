/**
 * `main(argv, io)` (src/cli/main.ts) runs a command in-process: importing it does nothing,
 * and a run reads and writes only what it is given (streams, stdin, environment), so that
 * tests run short commands without a process each and the binary keeps its behaviour.
 */
import { describe, it, expect, afterAll } from 'vitest'
import { Readable } from 'node:stream'
import { join } from 'node:path'
import { inputOf, loadCases } from '../../protocol/conformance/cases.ts'
import { readKeystoreInfo } from '../../src/node/keyfile.ts'
import { homePaths } from '../../src/node/home.ts'
import { tempDir } from '../helpers.ts'
import { oosIn, ROOT } from './run.ts'

const dirP = tempDir()
afterAll(async () => { await (await dirP).cleanup() })

describe('oos in-process', () => {
  it('importing src/cli/main.ts runs nothing: no output, no exit code, no listener', async () => {
    const code = process.exitCode
    const sigint = process.listenerCount('SIGINT')
    const written: string[] = []
    const write = process.stdout.write
    process.stdout.write = ((s: string) => { written.push(String(s)); return true }) as typeof write
    try {
      const mod = await import('../../src/cli/main.ts')
      expect(typeof mod.main).toBe('function')
    } finally { process.stdout.write = write }
    expect(written).toEqual([])
    expect(process.exitCode).toBe(code)
    expect(process.listenerCount('SIGINT')).toBe(sigint)
  })

  it('a run takes its passphrase, scrypt cost and OOS_HOME from the environment it is given, not the process\'s', async () => {
    const { main } = await import('../../src/cli/main.ts')
    const home = join((await dirP).path, 'given')
    expect(process.env.OOS_HOME).not.toBe(home)
    let out = ''
    let err = ''
    const io = {
      stdout: { write: (s: string) => { out += s }, isTTY: false },
      stderr: { write: (s: string) => { err += s }, isTTY: false },
      stdin: Readable.from(['']),
      env: { OOS_PASSPHRASE: 'a passphrase given to this run only', OOS_SCRYPT_N: '1024', OOS_HOME: home }
    }
    const saved = process.env.OOS_PASSPHRASE
    delete process.env.OOS_PASSPHRASE
    try {
      expect(await main(['init', '--name', 'Given', '--json'], io)).toBe(0)
    } finally { if (saved !== undefined) process.env.OOS_PASSPHRASE = saved }
    expect(err).toBe('')
    expect(JSON.parse(out)).toMatchObject({ name: 'Given', home })
    expect((await readKeystoreInfo(homePaths(home).orgKey)).kdf).toMatchObject({ N: 1024 })
    // the wrong passphrase, given the same way, is refused with the binary's one line and code
    const wrong = await oosIn(['publish', join(ROOT, 'examples', 'orgs', 'ledgerline', 'v1.oos.md'), '--home', home], { env: { OOS_PASSPHRASE: 'wrong' } })
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toMatch(/^oos: .*\[WRONG_PASSPHRASE\]\n$/)
  })

  it('stdin is the one given: oos conformance answers the cases piped to it', async () => {
    const file = loadCases()
    const cases = file.cases.slice(0, 3)
    const r = await oosIn(['conformance'], { input: cases.map(c => JSON.stringify(inputOf(file, c))).join('\n') + '\n' })
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const verdicts = r.stdout.trim().split('\n').map(l => JSON.parse(l))
    expect(verdicts.map(v => v.verdict)).toEqual(cases.map(c => c.expect))
  })
})
