/**
 * Terminal I/O for the CLI: results to stdout (text or `--json`), one-line errors to
 * stderr, progress on a TTY only, and the passphrase from OOS_PASSPHRASE or a hidden prompt.
 * Nothing secret is ever printed.
 *
 * This is the output boundary for text from other organizations (README "Terminal safety",
 * BODY.md §5.6): human text and errors have every terminal control and bidi control spelled
 * `\u{…}`; JSON has them as `\uXXXX` escapes (the same value); a document (`--format oos.md`,
 * `new`) is written byte for byte unless stdout is a terminal, where it is escaped too.
 */
import { readFile } from 'node:fs/promises'
import { escapeJsonText, escapeUnsafe } from '../oos/text.ts'
import { toJson } from '../records/json.ts'
import { NoPassphraseError } from './errors.ts'
import { page, PAINT, present, viewOf, type Colorize, type View } from './style.ts'

export interface Io {
  json: boolean
  /** how human text is shown: colour, width, pager (style.ts) */
  view: View
  /** human text (terminal-unsafe characters escaped; then coloured, wrapped and paged on a terminal) */
  out: (text: string, colorize?: Colorize) => void
  /** one line on stderr (escaped the same way; then coloured when stderr is a terminal with colour on) */
  err: (text: string, colorize?: Colorize) => void
  /** the text of a document: exact bytes into a file or pipe, escaped on a terminal */
  document: (text: string) => void
  /** print a JSON value (CIDs and bytes as DAG-JSON links) or text */
  result: (value: unknown, text: () => string, colorize?: Colorize) => void
  progress: (label: string, done: number, total?: number) => void
  passphrase: (prompt: string, options?: { confirm?: boolean }) => Promise<string>
}

/** re-exported from records/json.ts, where api/ takes it from too (api/ does not import cli/) */
export { toJson }

/** JSON text of plain data, 2-space indented, terminal-unsafe characters as `\uXXXX`. */
export function jsonText (value: unknown): string {
  return escapeJsonText(JSON.stringify(value, null, 2))
}

/** JSON text of plain data on one line (an error under --json), terminal-unsafe characters as `\uXXXX`. */
export function jsonLine (value: unknown): string {
  return escapeJsonText(JSON.stringify(value))
}

/** The streams an Io writes to (process.stdout / process.stderr; tests pass their own). */
export interface OutStreams {
  stdout: { write: (s: string) => unknown, isTTY?: boolean, columns?: number, rows?: number }
  stderr: { write: (s: string) => unknown, isTTY?: boolean }
}

/**
 * Everything of the process a command may touch: its streams, stdin and environment. The
 * binary passes `process`; an in-process run (tests) passes its own, so nothing global is
 * read or written (the passphrase comes from `env.OOS_PASSPHRASE`, a prompt needs a TTY stdin).
 */
export interface ProcessIo extends OutStreams {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean, setRawMode?: (raw: boolean) => unknown }
  env: Record<string, string | undefined>
}

/**
 * stdout that stops writing once its reader has gone (`oos log -p | head`): a closed pipe
 * (EPIPE) is the reader's choice, not an error, so the command ends as usual, without a
 * stack trace, as git does. Any other error of the stream is thrown as before.
 */
function quietOnClose (out: OutStreams['stdout']): OutStreams['stdout'] {
  const emitter = out as unknown as { on?: (e: string, f: (err: NodeJS.ErrnoException) => void) => unknown }
  if (typeof emitter.on !== 'function') return out
  let closed = false
  emitter.on('error', (err) => { if (err.code === 'EPIPE') closed = true; else throw err })
  return { isTTY: out.isTTY, columns: out.columns, rows: out.rows, write: (s: string) => closed ? false : out.write(s) }
}

const line = (t: string): string => t.endsWith('\n') ? t : t + '\n'

/** `flags`: --no-color and --no-pager (both default on; only on a terminal, never under --json). */
export function terminalIo (json: boolean, streams: OutStreams | ProcessIo = process, flags: { color?: boolean, pager?: boolean } = {}): Io {
  const { stderr } = streams
  const stdout = quietOnClose(streams.stdout)
  const proc: ProcessIo = 'env' in streams ? streams : { ...streams, stdin: process.stdin, env: process.env }
  const tty = stderr.isTTY === true
  const view = viewOf(stdout, proc.env, { json, color: flags.color ?? true, pager: flags.pager ?? true })
  // stderr's own terminal (a node's live lines, `oos start 2>log` has none): the same rules as stdout's
  const errColor = viewOf(stderr, proc.env, { json, color: flags.color ?? true, pager: false }).color
  let lastProgress = 0
  return {
    json,
    view,
    out: (t, colorize) => {
      const text = present(escapeUnsafe(t), view, colorize)
      if (!page(text, view, proc.env)) stdout.write(line(text))
    },
    err: (t, colorize) => { stderr.write(line(errColor && colorize !== undefined ? colorize([escapeUnsafe(t)], PAINT).join('\n') : escapeUnsafe(t))) },
    document: (t) => { stdout.write(stdout.isTTY === true ? escapeUnsafe(t) : t) },
    result (value, text, colorize) {
      if (json) stdout.write(line(jsonText(toJson(value))))
      else this.out(text(), colorize)
    },
    progress (label, done, total) {
      if (!tty) return
      const now = Date.now()
      if (now - lastProgress < 100 && done !== total) return
      lastProgress = now
      stderr.write(`\r${label} ${done}${total !== undefined ? `/${total}` : ''}` + (done === total ? '\n' : ''))
    },
    passphrase: async (prompt, options) => await readPassphrase(proc, prompt, options)
  }
}

/**
 * The passphrase from the environment only: OOS_PASSPHRASE, else the file OOS_PASSPHRASE_FILE
 * names; undefined when neither is set (`oos mcp` asks no terminal: its stdin is the protocol's).
 */
export async function envPassphrase (env: ProcessIo['env']): Promise<string | undefined> {
  const value = env.OOS_PASSPHRASE
  if (value !== undefined && value !== '') return value
  // a file holding it (a Docker or systemd secret: /run/secrets/…), its last newline not part of it
  const file = env.OOS_PASSPHRASE_FILE
  if (file === undefined || file === '') return undefined
  const text = await readFile(file, 'utf8').catch((err: Error) => { throw new NoPassphraseError(`OOS_PASSPHRASE_FILE ${file}: ${(err as NodeJS.ErrnoException).code ?? err.message}`) })
  const pass = text.replace(/\r?\n$/, '')
  if (pass === '') throw new NoPassphraseError(`OOS_PASSPHRASE_FILE ${file} is empty`)
  return pass
}

async function readPassphrase (proc: ProcessIo, prompt: string, options: { confirm?: boolean } = {}): Promise<string> {
  const fromEnv = await envPassphrase(proc.env)
  if (fromEnv !== undefined) return fromEnv
  if (proc.stdin.isTTY !== true) throw new NoPassphraseError('no passphrase: set OOS_PASSPHRASE or OOS_PASSPHRASE_FILE, or run on a terminal')
  const first = await hidden(proc, prompt)
  if (options.confirm === true) {
    const again = await hidden(proc, 'Repeat passphrase: ')
    if (again !== first) throw new NoPassphraseError('the passphrases do not match')
  }
  if (first.length === 0) throw new NoPassphraseError('an empty passphrase is not allowed')
  return first
}

async function hidden (proc: ProcessIo, prompt: string): Promise<string> {
  const { stdin, stderr } = proc
  stderr.write(prompt)
  stdin.setRawMode?.(true)
  stdin.resume()
  let text = ''
  try {
    return await new Promise<string>((resolve, reject) => {
      const onData = (buf: Buffer): void => {
        for (const ch of buf.toString('utf8')) {
          if (ch === '\r' || ch === '\n') { stdin.off('data', onData); resolve(text); return }
          if (ch === '\u0003') { stdin.off('data', onData); reject(new NoPassphraseError('interrupted')); return }
          if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1)
          else text += ch
        }
      }
      stdin.on('data', onData)
    })
  } finally {
    stdin.setRawMode?.(false)
    stdin.pause()
    stderr.write('\n')
  }
}
