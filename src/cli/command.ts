import type { ParseArgsConfig } from 'node:util'
import type { Io, ProcessIo } from './io.ts'

export interface Context {
  io: Io
  /** the process's streams and environment (`process` in the binary, the test's own in-process) */
  proc: ProcessIo
  /** the home directory (--home, $OOS_HOME, ~/.oosnet) */
  home: string
  values: Record<string, string | boolean | string[] | undefined>
  positionals: string[]
  signal: AbortSignal
}

export interface Command {
  name: string
  summary: string
  /** usage line(s) after `oos ` */
  usage: string
  /** extra help text */
  help?: string
  /** every option, with its one-line description (`oos CMD --help`, completion) */
  options?: Record<string, OptionSpec>
  /** how many positionals: [min, max] */
  args?: [number, number]
  run: (ctx: Context) => Promise<number | void>
}

/**
 * An option: how it parses (node:util parseArgs) and how --help describes it. `default` is
 * text for --help only (the command applies its default itself, so "not given" stays visible).
 */
export interface OptionSpec {
  type: 'string' | 'boolean'
  short?: string
  multiple?: boolean
  /** what the value is, for --help: `--out FILE` */
  value?: string
  /** one line */
  description: string
  default?: string
}

/** The options every command takes (README, "CLI reference"). */
export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  home: { type: 'string', value: 'DIR', description: 'the oosnet home', default: '$OOS_HOME, else ~/.oosnet' },
  json: { type: 'boolean', description: 'machine-readable output; errors as one JSON object on stderr' },
  'no-color': { type: 'boolean', description: 'no colour on a terminal (also NO_COLOR)' },
  'no-pager': { type: 'boolean', description: 'no pager for long output (also PAGER=cat)' },
  help: { type: 'boolean', short: 'h', description: 'this help' }
}

/** The options as parseArgs takes them (the help-only fields left out). */
export function parserOptions (options: Record<string, OptionSpec>): NonNullable<ParseArgsConfig['options']> {
  return Object.fromEntries(Object.entries(options).map(([k, o]) => [k, {
    type: o.type, ...(o.short !== undefined ? { short: o.short } : {}), ...(o.multiple === true ? { multiple: true } : {})
  }]))
}

export const str = (ctx: Context, name: string): string | undefined => {
  const v = ctx.values[name]
  return typeof v === 'string' ? v : undefined
}
