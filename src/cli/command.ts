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
  options?: NonNullable<ParseArgsConfig['options']>
  /** how many positionals: [min, max] */
  args?: [number, number]
  run: (ctx: Context) => Promise<number | void>
}

export const str = (ctx: Context, name: string): string | undefined => {
  const v = ctx.values[name]
  return typeof v === 'string' ? v : undefined
}
