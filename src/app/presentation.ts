/**
 * How our own `.oos.md` files were written, where the signed body does not say (BODY.md §5.4):
 * the list style of each front matter list. Kept in `<home>/presentation.json` by version
 * CID, outside the signed body, so that `oos show --format oos.md` gives back a published
 * file as it was written. Cosmetic: a missing or damaged file means the canonical style.
 */
import { readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Presentation } from '../oos/index.ts'

const fileOf = (home: string): string => join(home, 'presentation.json')

function isPresentation (v: unknown): v is Presentation {
  const flow = (v as { flow?: unknown } | null)?.flow
  return typeof flow === 'object' && flow !== null && Object.values(flow).every(x => typeof x === 'boolean')
}

async function loadAll (home: string): Promise<Record<string, unknown>> {
  try {
    const v: unknown = JSON.parse(await readFile(fileOf(home), 'utf8'))
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? v as Record<string, unknown> : {}
  } catch {
    return {}
  }
}

/** The presentation kept for a version of ours, if any. */
export async function presentationOf (home: string, cid: string): Promise<Presentation | undefined> {
  const p = (await loadAll(home))[cid]
  return isPresentation(p) ? p : undefined
}

/** Keep the presentation of a version we published (written whole, then renamed into place). */
export async function keepPresentation (home: string, cid: string, presentation: Presentation): Promise<void> {
  const all = await loadAll(home)
  all[cid] = presentation
  const tmp = `${fileOf(home)}.tmp`
  await writeFile(tmp, JSON.stringify(all) + '\n', { mode: 0o600 })
  await rename(tmp, fileOf(home))
}
