/**
 * Values of command-line options, checked before a command does anything: a bad value is a
 * `UsageError` (exit 2) with one line naming the option and what it takes, never a failure
 * half-way through (README, "CLI reference"). Every option of every command goes through
 * one of these, or through a check of its own set of words (`--format`, `--template`, …).
 */
import { CID } from 'multiformats/cid'
import { checkAddress, checkApiAddress, quote, type PeerPart } from '../app/address.ts'
import { LIMITS } from '../records/constants.ts'
import { str, type Context } from './command.ts'
import { InvalidArgumentError, NotFoundError } from '../errors.ts'
import { UsageError } from './errors.ts'

/** The longest organization name (`oos init --name`), in characters. */
export const MAX_NAME_CHARS = 128

/** Every value of a repeatable option; commas separate values too (`--listen A,B`). */
export function listOption (ctx: Context, name: string): string[] {
  const v = ctx.values[name]
  return (Array.isArray(v) ? v : typeof v === 'string' ? [v] : []).flatMap(s => s.split(',')).map(s => s.trim()).filter(s => s !== '')
}

/** A decimal integer from `min` to `max`; `what` names it in the error (default `--NAME`). */
export function parseInteger (s: string, range: { min: number, max: number }, what: string): number {
  const n = /^(0|[1-9][0-9]{0,15})$/.test(s) ? Number(s) : NaN
  if (!Number.isSafeInteger(n) || n < range.min || n > range.max) {
    throw new UsageError(`${what} must be a whole number from ${range.min} to ${range.max}, not ${quote(s)}`)
  }
  return n
}

/** `--NAME N`: an integer option, undefined when not given. */
export function integerOption (ctx: Context, name: string, range: { min: number, max: number }): number | undefined {
  const s = str(ctx, name)
  return s === undefined ? undefined : parseInteger(s, range, `--${name}`)
}

/** A version number (1, 2, …) as `--seq` or a positional takes it (a count such as `--limit` is an integerOption). */
export function seqValue (s: string | undefined, what: string): number | undefined {
  return s === undefined ? undefined : parseInteger(s, { min: 1, max: LIMITS.maxInt }, what)
}

/**
 * A multiaddr option's values, parsed (src/app/address.ts): `peer` says whether an address
 * must end in `/p2p/<peer id>` (--bootstrap), must not (--listen), or may (--via).
 */
export function multiaddrOption (ctx: Context, name: string, peer: PeerPart): string[] {
  return listOption(ctx, name).map(s => {
    const r = checkAddress(s, peer)
    if (typeof r === 'string') throw new UsageError(`--${name} ${r}`)
    return r.toString()
  })
}

/** `--api HOST:PORT`, loopback only (the API has no other protection than its token). */
export function apiOption (ctx: Context, name = 'api'): { host: string, port: number } {
  const r = checkApiAddress(str(ctx, name) ?? '127.0.0.1:0')
  if (typeof r === 'string') throw new UsageError(`--${name} ${r}`)
  return r
}

// C0 and C1 controls, DEL, and the bidi embeddings, overrides and isolates
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/

/** A piece of text: at most `max` characters, well formed, optionally no control characters. */
export function textValue (s: string, what: string, options: { max: number, printable?: boolean }): string {
  if (s.length > options.max) throw new UsageError(`${what} is ${s.length} characters; at most ${options.max} are allowed`)
  if (!s.isWellFormed()) throw new UsageError(`${what} is not well-formed text (a lone surrogate)`)
  if (options.printable === true && UNPRINTABLE.test(s)) throw new UsageError(`${what} must not hold control or bidi-override characters`)
  return s
}

/** A free-text option (a note, a reason): at most the record limit (SPEC §8). */
export function noteOption (ctx: Context, name: string): string | undefined {
  const s = str(ctx, name)
  return s === undefined ? undefined : textValue(s, `--${name}`, { max: LIMITS.maxNoteChars })
}

/**
 * A file option's I/O failure as a typed error naming the option and the path: a missing
 * directory (`NOT_FOUND`), a directory where a file belongs (`USAGE`), no permission
 * (`INVALID_ARGUMENT`). Anything else is rethrown as it is.
 */
export function fileError (err: unknown, what: string, path: string): unknown {
  const code = (err as NodeJS.ErrnoException)?.code
  if (code === 'ENOENT') return new NotFoundError(`${what} ${path}: no such file or directory`, { cause: err })
  if (code === 'EISDIR' || code === 'ENOTDIR') return new UsageError(`${what} must name a file; ${path} is ${code === 'EISDIR' ? 'a directory' : 'under something that is not a directory'}`, { cause: err })
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return new InvalidArgumentError(`${what} ${path}: permission denied`, { cause: err })
  return err
}

/** A CID argument (`CID`, `CLAIM_CID`): one that does not parse is a usage error (exit 2), found before anything is read. */
export function cidValue (s: string | undefined, what = 'CID'): CID {
  try {
    return CID.parse(String(s))
  } catch {
    throw new UsageError(`${what} must be a CID (bafy…), not ${JSON.stringify(s)}`)
  }
}

/**
 * Whether an argument that may be an ORG or a CID (`oos show`) was meant as a CID: a CIDv1 in
 * base32 (`baf…`, every record and claim CID) or a CIDv0 (`Qm…`), at least 20 characters of
 * the CID's alphabet. Such an argument that does not parse (cut short, mistyped) is a usage
 * error, not an org that is not found.
 */
export function cidShaped (s: string): boolean {
  return /^baf[a-z2-7]{17,}$/i.test(s) || /^Qm[1-9A-HJ-NP-Za-km-z]{18,}$/.test(s)
}
