/**
 * The text of a document file before it is parsed (protocol/BODY.md §5.1): strict UTF-8
 * decoding, the characters a `.oos.md` text may not hold, and the visible spelling of
 * characters a reader cannot see, for messages and terminals.
 *
 * A document is typed by a person and then signed: a byte sequence that is not UTF-8, a NUL or
 * an escape character in it is a mistake (or an attack) to be reported where it is, never
 * silently replaced (U+FFFD) or kept.
 */
import { InvalidUtf8Error, OosParseError } from './errors.ts'

// ignoreBOM: keep a leading U+FEFF in the text, so that the readers' rule (remove one) is the
// only place it is handled.
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/**
 * Offset of the first byte that does not start a well-formed UTF-8 sequence (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF, nothing truncated), or -1. The same
 * check as DAG-CBOR text strings get (records/canonical.ts).
 */
export function firstInvalidUtf8 (b: Uint8Array): number {
  return utf8Error(b, 0, b.length)
}

/**
 * Offset of the first byte of an invalid UTF-8 sequence in [s, e), or -1 (Unicode §3.9, table 3-7).
 * Here, below records/, because both the document text and DAG-CBOR text strings use it.
 */
export function utf8Error (b: Uint8Array, s: number, e: number): number {
  let i = s
  while (i < e) {
    const c = b[i]
    if (c < 0x80) { i++; continue }
    let need: number
    let lo = 0x80
    let hi = 0xbf
    if (c >= 0xc2 && c <= 0xdf) need = 1
    else if (c >= 0xe0 && c <= 0xef) { need = 2; if (c === 0xe0) lo = 0xa0; else if (c === 0xed) hi = 0x9f }
    else if (c >= 0xf0 && c <= 0xf4) { need = 3; if (c === 0xf0) lo = 0x90; else if (c === 0xf4) hi = 0x8f }
    else return i
    if (e - i <= need) return i
    const c1 = b[i + 1]
    if (c1 < lo || c1 > hi) return i
    for (let k = 2; k <= need; k++) if ((b[i + k] & 0xc0) !== 0x80) return i
    i += need + 1
  }
  return -1
}

/** 1-based line and column of `offset` in `units`; lines end at LF, CRLF or a lone CR (§5.1). */
function position (unit: (i: number) => number, offset: number): { line: number, column: number } {
  let line = 1
  let start = 0
  for (let i = 0; i < offset; i++) {
    const c = unit(i)
    if (c === 10 || (c === 13 && unit(i + 1) !== 10)) { line++; start = i + 1 }
  }
  return { line, column: offset - start + 1 }
}

const hex = (n: number, width: number): string => n.toString(16).toUpperCase().padStart(width, '0')

/**
 * Decode a document file's bytes as UTF-8, strictly. On the first ill-formed sequence:
 * InvalidUtf8Error (`INVALID_UTF8`) at `line N`, naming the byte column and offset.
 */
export function decodeDocument (bytes: Uint8Array): string {
  try {
    return STRICT_UTF8.decode(bytes)
  } catch {
    const at = firstInvalidUtf8(bytes)
    const { line, column } = position(i => bytes[i], at)
    const shown = Array.from(bytes.subarray(at, at + 4), b => `0x${hex(b, 2)}`).join(' ')
    throw new InvalidUtf8Error(`line ${line}: invalid UTF-8 at byte column ${column} (file offset ${at}: ${shown}); save the document as UTF-8`, { path: `line ${line}` })
  }
}

/** C0 controls other than TAB, LF, CR: never part of a `.oos.md` text (§5.1). */
const FORBIDDEN_C0 = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/
const LONE_SURROGATE = /\p{Cs}/u

/**
 * Check a document text (either form) before parsing: well-formed Unicode (a lone surrogate
 * is what an ill-formed byte sequence becomes in a string: `INVALID_UTF8`) and, for `.oos.md`,
 * no C0 control other than TAB, LF and CR (`PARSE_ERROR`). Lines and columns count the text
 * as given (columns in UTF-16 units).
 */
export function checkDocumentText (text: string, form: 'md' | 'json'): void {
  const bad = LONE_SURROGATE.exec(text)
  if (bad !== null) {
    const { line, column } = position(i => text.charCodeAt(i), bad.index)
    throw new InvalidUtf8Error(`line ${line}: not well-formed Unicode at column ${column} (a lone surrogate U+${hex(text.charCodeAt(bad.index), 4)})`, { path: `line ${line}` })
  }
  if (form === 'json') return
  const ctl = FORBIDDEN_C0.exec(text)
  if (ctl !== null) {
    const { line, column } = position(i => text.charCodeAt(i), ctl.index)
    throw new OosParseError(`line ${line}: the control character ${visible(ctl[0])} at column ${column} is not allowed in a document (only tab and line breaks are)`, { path: `line ${line}` })
  }
}

/**
 * Characters that change what a terminal shows or does rather than being shown: C0 controls
 * except TAB and LF (ESC starts escape sequences, CR overwrites a line), DEL, C1 controls
 * (U+009B is a one-character CSI), and the bidirectional controls (U+061C, U+200E, U+200F,
 * U+202A–U+202E, U+2066–U+2069), which reorder what follows them ("Trojan Source").
 */
export const TERMINAL_UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

/** Characters of general category Cf (format: zero-width, joiners, bidi marks, BOM …): invisible. */
export const INVISIBLE = /\p{Cf}/gu

/** `\u{1B}`: the visible spelling of one character. */
export function visible (ch: string): string {
  return `\\u{${hex(ch.codePointAt(0) as number, 1)}}`
}

/**
 * `s` with every character matched by `re` (a global regex; default TERMINAL_UNSAFE) replaced
 * by its visible spelling `\u{…}`, so nothing is hidden and nothing drives the terminal. The
 * result holds none of those characters, so escaping twice changes nothing more.
 */
export function escapeUnsafe (s: string, re: RegExp = TERMINAL_UNSAFE): string {
  return s.replace(re, visible)
}

/**
 * A JSON text with every terminal-unsafe character written as a `\uXXXX` escape. JSON.stringify
 * already escapes C0; DEL, C1 and the bidi controls it leaves raw can only stand inside
 * strings, so the escaped text parses to the same value: programs see no difference, and a
 * person who prints it sees no terminal tricks.
 */
export function escapeJsonText (json: string): string {
  return json.replace(TERMINAL_UNSAFE, c => `\\u${hex(c.charCodeAt(0), 4)}`)
}
