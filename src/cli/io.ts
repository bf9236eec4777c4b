/**
 * Terminal I/O for the CLI: results to stdout (text or `--json`), one-line errors to
 * stderr, progress on a TTY only, and the passphrase from OOS_PASSPHRASE or a hidden prompt.
 * Nothing secret is ever printed.
 */
import { CID } from 'multiformats/cid'
import { NoPassphraseError } from './errors.ts'

export interface Io {
  json: boolean
  out: (text: string) => void
  err: (text: string) => void
  /** print a JSON value (CIDs and bytes as DAG-JSON links) or text */
  result: (value: unknown, text: () => string) => void
  progress: (label: string, done: number, total?: number) => void
  passphrase: (prompt: string, options?: { confirm?: boolean }) => Promise<string>
}

/** Plain JSON of a value that may hold CIDs (as their string form) and bytes (as base64). */
export function toJson (value: unknown): unknown {
  if (value === undefined || value === null) return null
  const cid = CID.asCID(value)
  if (cid !== null) return cid.toString()
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64')
  if (Array.isArray(value)) return value.map(toJson)
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), toJson(v)]))
  if (typeof value === 'object') {
    const o: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(value)) if (x !== undefined) o[k] = toJson(x)
    return o
  }
  return value
}

export function terminalIo (json: boolean): Io {
  const tty = process.stderr.isTTY === true
  let lastProgress = 0
  return {
    json,
    out: (t) => { process.stdout.write(t.endsWith('\n') ? t : t + '\n') },
    err: (t) => { process.stderr.write(t.endsWith('\n') ? t : t + '\n') },
    result (value, text) {
      this.out(json ? JSON.stringify(toJson(value), null, 2) : text())
    },
    progress (label, done, total) {
      if (!tty) return
      const now = Date.now()
      if (now - lastProgress < 100 && done !== total) return
      lastProgress = now
      process.stderr.write(`\r${label} ${done}${total !== undefined ? `/${total}` : ''}` + (done === total ? '\n' : ''))
    },
    passphrase: readPassphrase
  }
}

async function readPassphrase (prompt: string, options: { confirm?: boolean } = {}): Promise<string> {
  const env = process.env.OOS_PASSPHRASE
  if (env !== undefined && env !== '') return env
  if (process.stdin.isTTY !== true) throw new NoPassphraseError('no passphrase: set OOS_PASSPHRASE or run on a terminal')
  const first = await hidden(prompt)
  if (options.confirm === true) {
    const again = await hidden('Repeat passphrase: ')
    if (again !== first) throw new NoPassphraseError('the passphrases do not match')
  }
  if (first.length === 0) throw new NoPassphraseError('an empty passphrase is not allowed')
  return first
}

async function hidden (prompt: string): Promise<string> {
  const stdin = process.stdin
  process.stderr.write(prompt)
  stdin.setRawMode(true)
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
    stdin.setRawMode(false)
    stdin.pause()
    process.stderr.write('\n')
  }
}
