/**
 * `oos`: the oosnet command line. Every command takes the global options (--home DIR, --json,
 * --no-color, --no-pager), before or after its name; errors are one line with the cause (one
 * JSON object under --json). Exit codes (help.ts EXIT, README "CLI reference"): 0 success, 1
 * an error (verification failed, not found, …), 2 a usage error (the command line is wrong).
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
import { GLOBAL_OPTIONS, parserOptions, type Context } from './command.ts'
import { UsageError } from './errors.ts'
import type { Io, ProcessIo } from './io.ts'
import { COMMANDS, loadCommand, loadCommands } from './commands/index.ts'
import { commandHelp, didYouMean, EXIT, usage } from './help.ts'

/**
 * what `oos --version` prints; bin/oos.js prints the same line itself (from package.json's
 * version) before loading this, and tests/cli/lean.test.ts checks that the two agree
 */
export const VERSION = 'oos 0.1.0 (protocol oosnet/v1)'
/** the words that ask for it (bin/oos.js answers the same ones) */
const VERSION_WORDS = ['--version', '-V', '-v', 'version']

/** Run `oos ARGV` to its end; resolves to the exit code. */
export async function main (args: string[], proc: ProcessIo = process): Promise<number> {
  const argv = globalsLast(args)
  const name = argv[0]
  if (VERSION_WORDS.includes(name)) { proc.stdout.write(VERSION + '\n'); return EXIT.ok }
  const { terminalIo } = await import('./io.ts')
  const io = terminalIo(argv.includes('--json'), proc, { color: !argv.includes('--no-color'), pager: !argv.includes('--no-pager') })
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const asked = name === 'help' && argv[1] !== undefined ? await loadCommand(argv[1]) : undefined // `oos help CMD` is `oos CMD --help`
    if (name === 'help' && argv[1] !== undefined && asked === undefined) return await fail(io, unknownCommand(argv[1]), false)
    io.out(asked !== undefined ? commandHelp(asked) : usage(await loadCommands())) // plain `oos` asks for the help too: exit 0, as gh and cargo do
    return EXIT.ok
  }
  try {
    const command = await loadCommand(name)
    if (command === undefined) throw unknownCommand(name)
    const options = { ...GLOBAL_OPTIONS, ...command.options }
    let parsed
    try {
      parsed = parseArgs({ args: argv.slice(1), options: parserOptions(options), allowPositionals: true, strict: true })
    } catch (err) {
      throw parseError(err as Error & { code?: string }, name, Object.keys(options))
    }
    if (parsed.values.help === true) { io.out(commandHelp(command)); return EXIT.ok }
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
      return (await command.run(ctx)) ?? EXIT.ok
    } finally {
      process.off('SIGINT', onSignal)
    }
  } catch (err) {
    return await fail(io, err, proc.env.DEBUG !== undefined)
  }
}

/** `oos --json log` is `oos log --json`: leading global options go after the command's name, as git's do. */
function globalsLast (argv: string[]): string[] {
  let i = 0
  while (i < argv.length) {
    const [flag, value] = argv[i].split(/=(.*)/s)
    const opt = flag.startsWith('--') ? GLOBAL_OPTIONS[flag.slice(2)] : undefined
    if (opt === undefined || flag === '--help') break
    i += opt.type === 'string' && value === undefined ? 2 : 1
  }
  if (i === 0) return argv
  return i >= argv.length ? ['--help', ...argv] : [argv[i], ...argv.slice(0, i), ...argv.slice(i + 1)]
}

function unknownCommand (name: string): UsageError {
  return new UsageError(`unknown command ${JSON.stringify(name)}${didYouMean(name, COMMANDS.map(([n]) => n))} (see oos --help)`)
}

/** parseArgs' error as one line, with the nearest option when one is unknown. */
function parseError (err: Error & { code?: string }, command: string, known: string[]): UsageError {
  const unknown = err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? /'(-{1,2}[^']*)'/.exec(err.message)?.[1] : undefined
  const what = unknown !== undefined
    ? `unknown option ${unknown}${unknown.startsWith('--') ? didYouMean(unknown.slice(2).split('=')[0], known, '--') : ''}`
    : err.message.split('\n')[0]
  return new UsageError(`${what} (see oos ${command} --help)`)
}

/**
 * One line on stderr: `oos: <cause> [CODE]`, or under --json one JSON object
 * `{"error":{"code","message","path"?,"details"?}}`; the exit code from the code (USAGE: 2, else 1).
 */
async function fail (io: Io, err: unknown, debug: boolean): Promise<number> {
  const known = err instanceof OosError
  const e = err as Error
  const code = known ? err.code : 'INTERNAL'
  const message = e?.message?.split('\n')[0] ?? String(err)
  const path = known ? err.path : undefined
  const details = known ? err.details : undefined
  if (io.json) {
    const { jsonLine } = await import('./io.ts') // loaded already: the io came from it
    io.err(jsonLine({ error: { code, message, ...(path !== undefined ? { path } : {}), ...(details !== undefined ? { details } : {}) } }))
  } else if (known) {
    const where = path !== undefined && !message.includes(path) ? ` (at ${path})` : ''
    io.err(`oos: ${message}${where} [${code}]`)
  } else {
    io.err(`oos: unexpected error: ${message}`)
  }
  if (!known && debug) io.err(String(e?.stack))
  return code === 'USAGE' ? EXIT.usage : EXIT.error
}
