/**
 * `oos completion bash|zsh|fish`: a completion script generated from the command table, so a
 * new command or option completes without anyone editing a script. Commands complete at the
 * first word, a command's options (and the global ones) after it; other words complete as
 * file names.
 */
import { GLOBAL_OPTIONS, type Command, type OptionSpec } from './command.ts'

export const SHELLS = ['bash', 'zsh', 'fish'] as const
export type Shell = typeof SHELLS[number]

const flags = (c: Command): string[] => optionNames({ ...GLOBAL_OPTIONS, ...c.options })
function optionNames (options: Record<string, OptionSpec>): string[] {
  return Object.entries(options).flatMap(([k, o]) => [`--${k}`, ...(o.short !== undefined ? [`-${o.short}`] : [])])
}
/** a single-quoted word for sh and zsh (fish escapes differently) */
const sq = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`

function bash (commands: Command[]): string {
  return [
    '# oos completion for bash: eval "$(oos completion bash)" in ~/.bashrc',
    '_oos () {',
    '  local cur=${COMP_WORDS[COMP_CWORD]} opts',
    '  if [ "$COMP_CWORD" -eq 1 ]; then',
    `    COMPREPLY=($(compgen -W ${sq(commands.map(c => c.name).join(' '))} -- "$cur"))`,
    '    return',
    '  fi',
    '  case "${COMP_WORDS[1]}" in',
    ...commands.map(c => `    ${c.name}) opts=${sq(flags(c).join(' '))} ;;`),
    '    *) opts= ;;',
    '  esac',
    '  if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "$opts" -- "$cur")); else COMPREPLY=(); fi',
    '}',
    'complete -o default -F _oos oos',
    ''
  ].join('\n')
}

/** `name:description` for zsh's _describe (a colon in the name is escaped) */
const described = (name: string, text: string): string => sq(`${name.replace(/:/g, '\\:')}:${text}`)

function zsh (commands: Command[]): string {
  return [
    '#compdef oos',
    '# oos completion for zsh: eval "$(oos completion zsh)" in ~/.zshrc (after compinit)',
    '_oos () {',
    '  local -a items',
    '  if (( CURRENT == 2 )); then',
    `    items=(${commands.map(c => described(c.name, c.summary)).join(' ')})`,
    "    _describe 'command' items",
    '    return',
    '  fi',
    '  case $words[2] in',
    ...commands.map(c => `    ${c.name}) items=(${Object.entries({ ...GLOBAL_OPTIONS, ...c.options }).map(([k, o]) => described(`--${k}`, o.description)).join(' ')}) ;;`),
    '    *) items=() ;;',
    '  esac',
    "  if [[ $PREFIX == -* ]]; then _describe 'option' items; else _files; fi",
    '}',
    'compdef _oos oos',
    ''
  ].join('\n')
}

/** a fish string: single quotes, with \ and ' escaped */
const fq = (s: string): string => `'${s.replace(/[\\']/g, m => `\\${m}`)}'`

function fish (commands: Command[]): string {
  const option = (k: string, o: OptionSpec, condition: string): string =>
    `complete -c oos -n ${fq(condition)} -l ${k}${o.short !== undefined ? ` -s ${o.short}` : ''}${o.type === 'string' ? ' -r' : ''} -d ${fq(o.description)}`
  return [
    '# oos completion for fish: oos completion fish > ~/.config/fish/completions/oos.fish',
    ...commands.map(c => `complete -c oos -f -n __fish_use_subcommand -a ${c.name} -d ${fq(c.summary)}`),
    ...Object.entries(GLOBAL_OPTIONS).map(([k, o]) => option(k, o, 'not __fish_use_subcommand')),
    ...commands.flatMap(c => Object.entries(c.options ?? {}).map(([k, o]) => option(k, o, `__fish_seen_subcommand_from ${c.name}`))),
    ''
  ].join('\n')
}

export function completionScript (shell: Shell, commands: Command[]): string {
  return { bash, zsh, fish }[shell](commands)
}
