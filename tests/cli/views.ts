/**
 * The fixture of the views tests (views.test.ts, tty.test.ts): a Ledgerline v1 and the same
 * with only C001's scope reworded; and `oos` in-process on streams that say they are a terminal.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { expect } from 'vitest'
import { main } from '../../src/cli/main.ts'
import { oosEnv, oosIn, ROOT } from './run.ts'

export const SCOPE_BEFORE = 'A lease expires after 30 minutes without a heartbeat'
export const SCOPE_AFTER = 'A lease expires after 45 minutes without any heartbeat'
export const ESC = /\u001b/

/** A line's width on the terminal: without SGR sequences (told apart here, not by the code under test). */
export const visibleLength = (s: string): number => [...s.replace(/\u001b\[[0-9;]*m/g, '')].length

/** A Ledgerline v1, and the same with only C001's scope reworded: the fixture of every test here. */
export async function reworded (dir: string): Promise<{ v1: string, v2: string }> {
  const v1 = join(ROOT, 'examples', 'orgs', 'ledgerline', 'v1.oos.md')
  const text = await readFile(v1, 'utf8')
  expect(text).toContain(SCOPE_BEFORE)
  const v2 = join(dir, 'v2.oos.md')
  await writeFile(v2, text.replace(SCOPE_BEFORE, SCOPE_AFTER))
  return { v1, v2 }
}

/** A home `dir/name` of "Ledger" that published the fixture's v1 and v2 (reworded above). */
export async function rewordedHome (dir: string, name: string): Promise<string> {
  const home = join(dir, name)
  const { v1, v2 } = await reworded(dir)
  for (const args of [['init', '--name', 'Ledger'], ['publish', v1], ['publish', v2]]) {
    const r = await oosIn([...args, '--home', home])
    expect(r.code, r.stderr).toBe(0)
  }
  return home
}

/** `oos ARGS` in-process with a stdout that says it is a terminal of `columns` × 1000 (no pager). */
export async function onTerminal (args: string[], env: Record<string, string | undefined> = {}, columns = 80): Promise<string> {
  let out = ''
  const code = await main(args, {
    stdout: { write: (s: string) => { out += s }, isTTY: true, columns, rows: 1000 },
    stderr: { write: () => {}, isTTY: false },
    stdin: Readable.from(['']),
    env: oosEnv(env)
  })
  expect(code).toBe(0)
  return out
}
