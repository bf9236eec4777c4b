/**
 * The commands by name, in the order `oos --help` lists them. A command's module is loaded
 * only when that command runs (or help lists them all): `oos --version` loads none, and a
 * command loads what it uses, not every other command's dependencies (issue 15, start fast).
 * tests/cli/lean.test.ts checks that each loader gives the command of its name.
 */
import type { Command } from '../command.ts'

export type CommandLoader = () => Promise<Command>

export const COMMANDS: ReadonlyArray<readonly [string, CommandLoader]> = [
  ['init', async () => (await import('./init.ts')).init],
  ['id', async () => (await import('./init.ts')).id],
  ['new', async () => (await import('./new.ts')).starter],
  ['validate', async () => (await import('./validate.ts')).validate],
  ['publish', async () => (await import('./publish.ts')).publish],
  ['show', async () => (await import('./read.ts')).show],
  ['log', async () => (await import('./read.ts')).log],
  ['diff', async () => (await import('./read.ts')).diff],
  ['claims', async () => (await import('./read.ts')).claims],
  ['search', async () => (await import('./search.ts')).search],
  ['similar', async () => (await import('./search.ts')).similar],
  ['verify', async () => (await import('./car.ts')).verify],
  ['export', async () => (await import('./car.ts')).exportCmd],
  ['import', async () => (await import('./car.ts')).importCmd],
  ['start', async () => (await import('./start.ts')).start],
  ['stop', async () => (await import('./net.ts')).stop],
  ['status', async () => (await import('./net.ts')).status],
  ['follow', async () => (await import('./net.ts')).follow],
  ['unfollow', async () => (await import('./net.ts')).unfollow],
  ['orgs', async () => (await import('./read.ts')).orgs],
  ['feed', async () => (await import('./feed.ts')).feed],
  ['audit', async () => (await import('./audit.ts')).audit],
  ['endorse', async () => (await import('./trust.ts')).endorse],
  ['retract', async () => (await import('./trust.ts')).retract],
  ['adopt', async () => (await import('./trust.ts')).adopt],
  ['provenance', async () => (await import('./trust.ts')).provenance],
  ['trust', async () => (await import('./trust.ts')).trust],
  ['rotate-key', async () => (await import('./trust.ts')).rotateKey],
  ['mcp', async () => (await import('./mcp.ts')).mcp],
  ['ui', async () => (await import('./ui.ts')).ui],
  ['guide', async () => (await import('./guide.ts')).guide],
  ['demo', async () => (await import('./demo.ts')).demo],
  ['conformance', async () => (await import('./conformance.ts')).conformance],
  ['completion', async () => (await import('./completion.ts')).completion]
]

/** The command named `name`, its module loaded; undefined for no such command. */
export async function loadCommand (name: string): Promise<Command | undefined> {
  return await COMMANDS.find(([n]) => n === name)?.[1]()
}

/** Every command, in help order (loads every command module: for `oos --help`). */
export async function loadCommands (): Promise<Command[]> {
  return await Promise.all(COMMANDS.map(async ([, load]) => await load()))
}
