/**
 * The orgs a node follows: local settings, not records, kept in `<home>/follows.json`
 * (mode 0600). A node stores only what it follows (plus what its own claims reference).
 */
import { readFile, writeFile, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { isDid } from '../identity/did.ts'
import { InvalidArgumentError } from './errors.ts'

/** `alias`: the local name given with `oos follow --alias` (SPEC §9.2), a setting, not a record. */
export interface Follow { org: string, since: string, via?: string[], alias?: string }

export class Follows {
  private readonly path: string
  private readonly map = new Map<string, Follow>()
  /** saves one at a time: two at once wrote and renamed the same temp file (ENOENT on the second rename) */
  private saving: Promise<void> = Promise.resolve()

  constructor (home: string) {
    this.path = join(home, 'follows.json')
  }

  async load (): Promise<void> {
    const text = await readFile(this.path, 'utf8').catch(() => '[]')
    this.map.clear()
    for (const f of JSON.parse(text) as Follow[]) if (isDid(f.org)) this.map.set(f.org, f)
  }

  has (org: string): boolean { return this.map.has(org) }
  list (): Follow[] { return [...this.map.values()] }

  /** Follow `org` (again); a follow without `alias` keeps the alias it had. */
  async add (org: string, via?: string[], alias?: string): Promise<Follow> {
    if (!isDid(org)) throw new InvalidArgumentError(`${org} is not an org did (did:key:z…)`)
    const name = alias ?? this.map.get(org)?.alias
    const f: Follow = { org, since: new Date().toISOString(), ...(via !== undefined && via.length > 0 ? { via } : {}), ...(name !== undefined ? { alias: name } : {}) }
    this.map.set(org, f)
    await this.save()
    return f
  }

  async remove (org: string): Promise<boolean> {
    const had = this.map.delete(org)
    if (had) await this.save()
    return had
  }

  /** Write the list as it is when this save's turn comes (so the last save holds every change before it). */
  private async save (): Promise<void> {
    const next = this.saving.catch(() => {}).then(async () => {
      const tmp = `${this.path}.${process.pid}.tmp`
      await writeFile(tmp, JSON.stringify(this.list(), null, 2) + '\n', { mode: 0o600 })
      await rename(tmp, this.path)
    })
    this.saving = next
    await next
  }
}
