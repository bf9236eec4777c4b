/**
 * What `oos` says about itself: the global help, each command's help (every option with a
 * one-line description and its default), the version, and "did you mean" for a mistyped
 * command or option (README, "CLI reference").
 */
import { GLOBAL_OPTIONS, type Command, type OptionSpec } from './command.ts'

/** The exit codes, the same for every command (README, "Exit codes"). */
export const EXIT = { ok: 0, error: 1, usage: 2 } as const

/** `oos`, `oos --help`: the commands with their summaries. */
export function usage (commands: Command[]): string {
  const width = Math.max(...commands.map(c => c.name.length))
  return [
    'oos — publish, share and verify Organizational Operating Systems, peer to peer',
    '',
    'usage: oos [--version] [--help] <command> [options]   (oos help <command> for more)',
    '',
    ...commands.map(c => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'global options (before or after the command):',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    'the passphrase comes from a prompt, or OOS_PASSPHRASE for scripts',
    `exit codes: ${EXIT.ok} success, ${EXIT.error} error (the cause's [CODE] says which), ${EXIT.usage} usage error`
  ].join('\n')
}

/** `oos CMD --help`, `oos help CMD`. */
export function commandHelp (c: Command): string {
  const own = c.options ?? {}
  return [
    `usage: oos ${c.usage}`, '', c.summary, ...(c.help !== undefined ? ['', c.help] : []),
    ...(Object.keys(own).length > 0 ? ['', 'options:', ...optionLines(own)] : []),
    '', 'global options:', ...optionLines(GLOBAL_OPTIONS)
  ].join('\n')
}

/** One line per option: `  -p, --patch      description (default: …)`, aligned. */
function optionLines (options: Record<string, OptionSpec>): string[] {
  const left = Object.entries(options).map(([k, o]) =>
    `${o.short !== undefined ? `-${o.short}, ` : '    '}--${k}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}${o.multiple === true ? '...' : ''}`)
  const width = Math.max(...left.map(s => s.length))
  return Object.values(options).map((o, i) =>
    `  ${left[i].padEnd(width)}  ${o.description}${o.default !== undefined ? ` (default: ${o.default})` : ''}`)
}

/** Levenshtein distance (insertions, deletions, substitutions, transpositions of neighbours). */
export function editDistance (a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)])
  for (let j = 1; j <= b.length; j++) d[0][j] = j
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1)
    }
  }
  return d[a.length][b.length]
}

/**
 * The candidates `word` was probably meant to be: those it starts (`pub` → publish), else the
 * nearest within a third of its length (at least 1, at most 3 edits), as git's
 * help.autocorrect suggestions do. Empty when nothing is near.
 */
export function suggest (word: string, candidates: string[]): string[] {
  if (word.length >= 2) {
    const prefixed = candidates.filter(c => c.startsWith(word))
    if (prefixed.length > 0) return prefixed
  }
  const limit = Math.min(3, Math.max(1, Math.floor(word.length / 3)))
  const scored = candidates.map(c => ({ c, d: editDistance(word, c) })).filter(x => x.d <= limit)
  const best = Math.min(...scored.map(x => x.d))
  return scored.filter(x => x.d === best).map(x => x.c)
}

/** `; did you mean 'publish'?` (or `'a' or 'b'`), '' when nothing is near. */
export function didYouMean (word: string, candidates: string[], prefix = ''): string {
  const s = suggest(word, candidates)
  return s.length === 0 ? '' : `; did you mean ${s.map(c => `'${prefix}${c}'`).join(' or ')}?`
}
