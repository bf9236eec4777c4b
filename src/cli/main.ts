/**
 * `oos`: the oosnet command line. Every command takes --home DIR and --json; errors are one
 * line with the cause; exit 2 for usage errors, 1 for verification failures and other
 * errors, 0 on success.
 *
 * `main` has no effect at import and touches nothing of the process but what it is given
 * (`io`: streams, stdin, environment) and a SIGINT listener for the length of a command;
 * bin/oos.js calls it and owns the exit. Tests run most commands in-process this way.
 *
 * Start fast (issue 15): this module imports nothing heavy; `oos --version` answers before
 * anything else loads, and a command loads its own module only (commands/index.ts).
 */
import { parseArgs } from 'node:util'
import { OosError } from '../errors.ts'
import type { Command, Context } from './command.ts'
import { UsageError } from './errors.ts'
import type { Io, ProcessIo } from './io.ts'
import { loadCommand, loadCommands } from './commands/index.ts'

/**
 * what `oos --version` prints; bin/oos.js prints the same line itself (from package.json's
 * version) before loading this, and tests/cli/lean.test.ts checks that the two agree
 */
export const VERSION = 'oos 0.1.0 (protocol oosnet/v1)'

const GLOBAL = {
  home: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  'no-color': { type: 'boolean' },
  'no-pager': { type: 'boolean' }
} as const

function usage (COMMANDS: Command[]): string {
  const width = Math.max(...COMMANDS.map(c => c.name.length))
  return [
    'oos — publish, share and verify Organizational Operating Systems, peer to peer',
    '',
    'usage: oos <command> [options]   (oos <command> --help for more)',
    '',
    ...COMMANDS.map(c => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'global options: --home DIR (default $OOS_HOME, else ~/.oosnet), --json, --help, --no-color (also NO_COLOR), --no-pager (also PAGER=cat)',
    'the passphrase comes from a prompt, or OOS_PASSPHRASE for scripts'
  ].join('\n')
}

function commandHelp (c: Command): string {
  const opts = Object.entries(c.options ?? {}).map(([k, o]) => `  --${k}${o.type === 'string' ? ' VALUE' : ''}${o.multiple === true ? ' (repeatable)' : ''}`)
  return [`usage: oos ${c.usage}`, '', c.summary, ...(c.help !== undefined ? ['', c.help] : []), '', 'options:', ...opts, '  --home DIR', '  --json', '  --help'].join('\n')
}

/** Run `oos ARGV` to its end; resolves to the exit code. */
export async function main (argv: string[], proc: ProcessIo = process): Promise<number> {
  const name = argv[0]
  if (name === '--version' || name === 'version') { proc.stdout.write(VERSION + '\n'); return 0 }
  const { terminalIo } = await import('./io.ts')
  const io = terminalIo(argv.includes('--json'), proc, { color: !argv.includes('--no-color'), pager: !argv.includes('--no-pager') })
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const asked = name === 'help' && argv[1] !== undefined ? await loadCommand(argv[1]) : undefined // `oos help CMD` is `oos CMD --help`
    io.out(asked !== undefined ? commandHelp(asked) : usage(await loadCommands()))
    return name === undefined ? 2 : 0
  }
  try {
    const command = await loadCommand(name)
    if (command === undefined) throw new UsageError(`unknown command ${JSON.stringify(name)} (see oos --help)`)
    let parsed
    try {
      parsed = parseArgs({ args: argv.slice(1), options: { ...GLOBAL, ...command.options }, allowPositionals: true, strict: true })
    } catch (err) {
      throw new UsageError(`${(err as Error).message.split('\n')[0]} (see oos ${name} --help)`)
    }
    if (parsed.values.help === true) { io.out(commandHelp(command)); return 0 }
    const [min, max] = command.args ?? [0, 0]
    if (parsed.positionals.length < min || parsed.positionals.length > max) {
      throw new UsageError(`usage: oos ${command.usage}`)
    }
    const ac = new AbortController()
    const onSignal = (): void => { ac.abort() }
    process.once('SIGINT', onSignal)
    const { resolveHome } = await import('../app/home.ts')
    const home = resolveHome((parsed.values.home as string | undefined) ?? proc.env.OOS_HOME)
    const ctx: Context = { io, proc, home, values: parsed.values as Context['values'], positionals: parsed.positionals, signal: ac.signal }
    try {
      return (await command.run(ctx)) ?? 0
    } finally {
      process.off('SIGINT', onSignal)
    }
  } catch (err) {
    return fail(io, err, proc.env.DEBUG !== undefined)
  }
}

function fail (io: Io, err: unknown, debug: boolean): number {
  if (err instanceof OosError) {
    const where = err.path !== undefined && !err.message.includes(err.path) ? ` (at ${err.path})` : ''
    io.err(`oos: ${err.message.split('\n')[0]}${where} [${err.code}]`)
    return err.code === 'USAGE' ? 2 : 1
  }
  const e = err as Error
  io.err(`oos: unexpected error: ${e?.message?.split('\n')[0] ?? String(err)}`)
  if (debug) io.err(String(e?.stack))
  return 1
}
