/**
 * Help and errors (issue 16): every option described in `oos CMD --help` / `oos help CMD`,
 * the version, plain `oos`, "did you mean" for commands and options, global options before
 * the command, the exit-code table (README "CLI reference") and errors as JSON under --json;
 * `oos completion bash` sourced in a real bash. In-process (`oosIn`), except bash.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tempDir } from '../helpers.ts'
import { capture, oos, oosIn } from './run.ts'
import { VERSION } from '../../src/cli/main.ts'
import { loadCommands } from '../../src/cli/commands/index.ts'
import { GLOBAL_OPTIONS } from '../../src/cli/command.ts'
import { editDistance, suggest } from '../../src/cli/help.ts'

const dirP = tempDir()
const COMMANDS = await loadCommands()
afterAll(async () => { await (await dirP).cleanup() })

/** the one JSON object an error under --json is on stderr */
function jsonError (stderr: string): any {
  expect(stderr.endsWith('\n') && stderr.indexOf('\n') === stderr.length - 1, stderr).toBe(true)
  return JSON.parse(stderr)
}

describe('help', () => {
  it('oos CMD --help and oos help CMD list every option with its description and default, and the global options', async () => {
    for (const c of COMMANDS) {
      const r = await oosIn([c.name, '--help'])
      expect(r.code, c.name).toBe(0)
      expect((await oosIn(['help', c.name])).stdout).toBe(r.stdout)
      for (const [k, o] of Object.entries({ ...c.options, ...GLOBAL_OPTIONS })) {
        const line = r.stdout.split('\n').find(l => l.startsWith('  ') && l.includes(`--${k}${o.type === 'string' ? ' ' : ''}`) && l.includes(o.description))
        expect(line, `oos ${c.name} --${k}`).toBeDefined()
        expect(o.description.length, `oos ${c.name} --${k}`).toBeGreaterThan(5)
        if (o.default !== undefined) expect(line).toContain(`(default: ${o.default})`)
        if (o.short !== undefined) expect(line).toContain(`-${o.short}, --${k}`)
      }
    }
    const log = await oosIn(['help', 'log'])
    expect(log.stdout).toMatch(/^ {6}--limit N {2}the newest N versions only \(default: all\)$/m)
    expect(log.stdout).toMatch(/^ {2}-p, --patch {4}\S/m)
    expect(log.stdout).toMatch(/^ {6}--no-pager {2}no pager/m)
  })

  it('plain oos prints the help on stdout and exits 0; -V, -v, --version and version print the version', async () => {
    const plain = await oosIn([])
    expect(plain.code).toBe(0)
    expect(plain.stderr).toBe('')
    expect(plain.stdout).toBe((await oosIn(['--help'])).stdout)
    for (const c of COMMANDS) expect(plain.stdout).toContain(`  ${c.name} `)
    expect(plain.stdout).toContain('exit codes: 0 success, 1 error')
    for (const v of ['-V', '-v', '--version', 'version']) {
      const r = await oosIn([v])
      expect(r.code, v).toBe(0)
      expect(r.stdout, v).toBe(VERSION + '\n')
    }
    // the binary answers them itself, before loading anything (bin/oos.js)
    expect(await oos(['-V'])).toMatchObject({ code: 0, stdout: VERSION + '\n', stderr: '' })
  })

  it('suggests the command or option meant', async () => {
    for (const [typed, meant] of [['publsh', 'publish'], ['pub', 'publish'], ['fllow', 'follow'], ['stauts', 'status'], ['provenence', 'provenance']]) {
      const r = await oosIn([typed])
      expect(r.code, typed).toBe(2)
      expect(r.stderr, typed).toContain(`unknown command "${typed}"; did you mean '${meant}'?`)
    }
    expect((await oosIn(['help', 'pubish'])).stderr).toContain("did you mean 'publish'?")
    const far = await oosIn(['xyzzyq'])
    expect(far.code).toBe(2)
    expect(far.stderr).not.toContain('did you mean')
    const opt = await oosIn(['log', '--limt', '3'])
    expect(opt.code).toBe(2)
    expect(opt.stderr).toBe("oos: unknown option --limt; did you mean '--limit'? (see oos log --help) [USAGE]\n")
    expect((await oosIn(['publish', 'x.oos.md', '--dryrun'])).stderr).toContain("did you mean '--dry-run'?")
    expect((await oosIn(['show', '--jsn'])).stderr).toContain("did you mean '--json'?")
  })

  it('edit distance and suggestions', () => {
    expect(editDistance('publish', 'publish')).toBe(0)
    expect(editDistance('publsh', 'publish')).toBe(1)
    expect(editDistance('stauts', 'status')).toBe(1) // a transposition is one edit
    expect(editDistance('', 'abc')).toBe(3)
    expect(suggest('shw', ['show', 'stop', 'status'])).toEqual(['show'])
    expect(suggest('s', ['show', 'stop'])).toEqual([]) // one letter: neither a prefix nor near enough
    expect(suggest('verfy', ['verify', 'very'])).toEqual(['verify', 'very'])
  })
})

describe('exit codes and errors', () => {
  let home: string
  beforeAll(async () => {
    home = join((await dirP).path, 'h')
    expect((await oosIn(['init', '--name', 'Ours', '--home', home])).code).toBe(0)
  })

  it('global options may come before the command', async () => {
    const r = await oosIn(['--json', '--home', home, 'id'])
    expect(r.code).toBe(0)
    expect(r.json().name).toBe('Ours')
    expect((await oosIn([`--home=${home}`, '--no-color', 'id'])).stdout).toContain('Ours')
    expect((await oosIn(['--json'])).code).toBe(0) // only global options: the help
  })

  it('a name that names nothing is an error (1), a command line that does not parse is a usage error (2)', async () => {
    const missing = await oosIn(['follow', 'Ledgerline', '--home', home])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/\[NOT_FOUND\]\n$/)
    // a count, checked before the home is read: a usage error even where there is no home
    const limit = await oosIn(['log', '--limit', '0', '--home', join(home, 'none')])
    expect(limit.code).toBe(2)
    expect(limit.stderr).toBe('oos: --limit must be a whole number from 1 to 1000000000, not "0" [USAGE]\n')
    expect((await oosIn(['diff', 'Ours', 'a', 'b', '--home', home])).code).toBe(2)
    expect((await oosIn(['follow', '--home', home])).code).toBe(2)
  })

  it('a malformed CID argument is a usage error (2) for every command that takes one; a CID-shaped ORG of show too', async () => {
    const cut = 'bafyreigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzd' // a record CID with its last character cut off
    for (const args of [['verify', 'notacid'], ['verify', cut], ['show', cut], ['show', 'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPb'], ['provenance', 'xyz'], ['provenance', cut],
      ['endorse', 'xyz'], ['endorse', cut, '--dispute'], ['retract', 'xyz'], ['adopt', cut]]) {
      const r = await oosIn([...args, '--home', home])
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr, args.join(' ')).toMatch(/CID.*\[USAGE\]\n$/)
    }
    // a word that is not CID-shaped stays an ORG that names nothing: not found (1)
    expect((await oosIn(['show', 'notacid', '--home', home])).stderr).toMatch(/\[NOT_FOUND\]\n$/)
  })

  it('under --json an error is one JSON object on stderr, with the same exit code', async () => {
    const usage = await oosIn(['--json', 'publsh'])
    expect(usage.code).toBe(2)
    expect(usage.stdout).toBe('')
    expect(jsonError(usage.stderr)).toEqual({ error: { code: 'USAGE', message: 'unknown command "publsh"; did you mean \'publish\'? (see oos --help)' } })
    const missing = await oosIn(['follow', 'Ledgerline', '--home', home, '--json'])
    expect(missing.code).toBe(1)
    expect(jsonError(missing.stderr).error).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('"Ledgerline"') })
    // text from elsewhere stays one line of valid JSON, terminal controls as \\uXXXX escapes
    const evil = await oosIn(['follow', 'Ledger\u202eline\u001b[2J', '--home', home, '--json'])
    expect(evil.stderr).not.toMatch(/[\u001b\u202e]/)
    expect(jsonError(evil.stderr).error.message).toContain('"Ledger\u202eline') // the value itself, once parsed
    const self = await oosIn(['trust', 'set', 'Ours', 'trusted', '--home', home, '--json'])
    expect(self.code).toBe(1)
    expect(jsonError(self.stderr)).toEqual({ error: { code: 'INVALID_ARGUMENT', message: 'we always trust ourselves', path: 'org' } })
  })
})

describe('oos completion', () => {
  it('the bash script, sourced in bash, completes commands and each command\'s options', async () => {
    const r = await oosIn(['completion', 'bash'])
    expect(r.code).toBe(0)
    const file = join((await dirP).path, 'oos.bash')
    await writeFile(file, r.stdout)
    const complete = (words: string[]): string => [
      `COMP_WORDS=(${words.map(w => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; COMPREPLY=(); _oos; echo "\${COMPREPLY[*]}"`
    ].join('\n')
    const script = [
      `source '${file}'`, 'complete -p oos',
      complete(['oos', 'pu']), complete(['oos', 'r']), complete(['oos', 'log', '--li']), complete(['oos', 'log', '-']),
      complete(['oos', 'start', '--sync']), complete(['oos', 'follow', '--no-']), complete(['oos', 'follow', 'Led'])
    ].join('\n')
    const out = await capture('bash', ['--norc', '--noprofile', '-c', script], { env: { PATH: process.env.PATH } })
    expect(out.stderr).toBe('')
    expect(out.stdout.split('\n')).toEqual([
      'complete -o default -F _oos oos',
      'publish', 'retract rotate-key', '--limit', '--home --json --no-color --no-pager --help -h --limit --patch -p --stat',
      '--sync-interval', '--no-color --no-pager', '', ''
    ])
  })

  it('zsh and fish scripts name every command and option; an unknown shell is a usage error', async () => {
    const zsh = (await oosIn(['completion', 'zsh'])).stdout
    const fish = (await oosIn(['completion', 'fish'])).stdout
    expect(zsh).toMatch(/^#compdef oos\n/)
    for (const c of COMMANDS) {
      expect(zsh).toContain(`'${c.name}:`)
      expect(fish).toContain(`-n __fish_use_subcommand -a ${c.name} -d `)
      for (const k of Object.keys(c.options ?? {})) {
        expect(zsh).toContain(`'--${k}:`)
        expect(fish).toContain(`-n '__fish_seen_subcommand_from ${c.name}' -l ${k}`)
      }
    }
    expect(fish).toContain("'create this organization\\'s keys")
    const bad = await oosIn(['completion', 'tcsh'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('one of bash, zsh, fish')
  })
})
