/**
 * How human output looks on a terminal (issue 16, "git-grade views"): colour, wrapping to the
 * terminal's width, a pager for long output, times to the second.
 *
 * Colour is added AFTER the text is escaped (io.ts): a colorizer sees text in which every
 * terminal control of peer text is already spelled `\u{1B}`, and adds only its own SGR
 * sequences, so nothing an organization wrote can drive the terminal. Colour is on when
 * stdout is a terminal, unless `--no-color`, `--json` or `NO_COLOR` (no-color.org: set and not
 * empty) says otherwise; never in a pipe.
 */
import { spawnSync } from 'node:child_process'

export interface Paint {
  bold: (s: string) => string
  dim: (s: string) => string
  red: (s: string) => string
  green: (s: string) => string
  yellow: (s: string) => string
  cyan: (s: string) => string
  /** a changed word: reverse video on top of the line's colour */
  mark: (s: string) => string
}

const sgr = (open: number, close: number) => (s: string): string => s === '' ? s : `\u001b[${open}m${s}\u001b[${close}m`

export const PAINT: Paint = { bold: sgr(1, 22), dim: sgr(2, 22), red: sgr(31, 39), green: sgr(32, 39), yellow: sgr(33, 39), cyan: sgr(36, 39), mark: sgr(7, 27) }

/** Colours a rendering's lines (already escaped) for a terminal. */
export type Colorize = (lines: string[], paint: Paint) => string[]

const SGR = /\u001b\[[0-9;]*m/g

/** The width of a line on the terminal: its characters without our SGR sequences. */
export function visibleLength (s: string): number {
  return [...s.replace(SGR, '')].length
}

/**
 * One line cut at spaces to `width` columns; continuation lines are indented like the text
 * after a `label:  ` (at most half the width), else two more than the line's own indent. A
 * word longer than a line (a CID in a narrow terminal) is cut.
 */
export function wrapLine (line: string, width: number): string[] {
  if (visibleLength(line) <= width) return [line]
  const plain = line.replace(SGR, '')
  const label = /^(\s*[A-Za-z][A-Za-z ]{0,20}:\s+)\S/.exec(plain)?.[1].length
  const own = /^\s*/.exec(plain)?.[0].length ?? 0
  const indent = Math.min(label ?? own + 2, Math.floor(width / 2))
  const out: string[] = []
  let cur = ''
  let curLen = 0
  const push = (): void => { out.push(cur.replace(/\s+$/, '')); cur = ' '.repeat(indent); curLen = indent }
  for (const token of line.split(/(?<= )/)) {
    let t = token
    let len = visibleLength(t)
    if (curLen + len - (t.endsWith(' ') ? 1 : 0) > width && curLen > indent) push()
    while (curLen + len > width && len > width - indent) {
      // a word that fits no line: cut it (by visible characters; our SGR only wraps whole words)
      const room = width - curLen
      const chars = [...t]
      cur += chars.slice(0, room).join('')
      t = chars.slice(room).join('')
      len = visibleLength(t)
      push()
    }
    cur += t
    curLen += len
  }
  if (cur.trim() !== '') out.push(cur.replace(/\s+$/, ''))
  return out
}

export interface View {
  /** colour on */
  color: boolean
  /** the terminal's width, when stdout is one */
  width?: number
  /** the terminal's height, when the output may go through a pager */
  pageRows?: number
}

/** What a command's human output gets: decided once from the streams, the flags and the environment. */
export function viewOf (stdout: { isTTY?: boolean, columns?: number, rows?: number }, env: Record<string, string | undefined>, flags: { json: boolean, color: boolean, pager: boolean }): View {
  const tty = stdout.isTTY === true && !flags.json
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== ''
  const width = tty && typeof stdout.columns === 'number' && stdout.columns > 20 ? stdout.columns : undefined
  const rows = tty && flags.pager && typeof stdout.rows === 'number' && stdout.rows > 0 ? stdout.rows : undefined
  return { color: tty && flags.color && !noColor, ...(width !== undefined ? { width } : {}), ...(rows !== undefined ? { pageRows: rows } : {}) }
}

/** Escaped text made ready for the terminal: coloured, then wrapped. */
export function present (text: string, view: View, colorize?: Colorize): string {
  let lines = text.split('\n')
  if (view.color && colorize !== undefined) lines = colorize(lines, PAINT)
  if (view.width !== undefined) lines = lines.flatMap(l => wrapLine(l, view.width as number))
  return lines.join('\n')
}

/**
 * Long output on a terminal goes through `$PAGER` (default `less -FRX`: quits when it fits,
 * keeps our colour, leaves the text on the screen), as git does; `PAGER=` or `cat` turns it
 * off. Returns false when the text was not paged (short, no pager, or the pager failed to run).
 */
export function page (text: string, view: View, env: Record<string, string | undefined>): boolean {
  if (view.pageRows === undefined) return false
  if (text.split('\n').length < view.pageRows) return false
  const pager = env.OOS_PAGER ?? env.PAGER ?? 'less -FRX'
  if (pager.trim() === '' || pager.trim() === 'cat') return false
  // `less` without -R would show our colour as ^[[31m: LESS=FRX unless the user set LESS
  const r = spawnSync('/bin/sh', ['-c', pager], { input: text.endsWith('\n') ? text : text + '\n', stdio: ['pipe', 'inherit', 'inherit'], env: { ...env, LESS: env.LESS ?? 'FRX' } })
  return r.error === undefined && r.status !== 127
}

/** An ISO time to the second for people (`2026-12-04T21:12:19Z`); JSON keeps the milliseconds. */
export function isoSecond (t: number | string | undefined): string {
  if (t === undefined || t === '') return ''
  const ms = typeof t === 'number' ? t : Date.parse(t)
  return Number.isFinite(ms) ? new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z') : String(t)
}
