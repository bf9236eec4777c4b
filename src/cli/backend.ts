/**
 * Where a command's questions go: the running node's API when there is one (LevelDB
 * allows one process), else the app offline over the home (app/offline.ts). Both answer
 * the same `App` calls with the same JSON shapes, so a command is written once.
 */
import { CID } from 'multiformats/cid'
import { ApiClient } from '../api/client.ts'
import { loadHome, unlockOrgKey } from '../app/home.ts'
import { withOfflineApp } from '../app/offline.ts'
import type { LocalApp, ShowResult } from '../app/types.ts'
import type { VersionRecord } from '../records/types.ts'
import type { Context } from './command.ts'

export { orgSigner } from '../app/keys.ts'

export async function withBackend<T> (ctx: Context, fn: (h: LocalApp, online: boolean) => Promise<T>, options: { sign?: boolean } = {}): Promise<T> {
  await loadHome(ctx.home)
  const api = await ApiClient.fromHome(ctx.home)
  if (api !== undefined) return await fn(api, true)
  const orgKey = options.sign === true ? await orgSecret(ctx) : undefined
  try {
    return await withOfflineApp(ctx.home, async (app) => await fn(app, false), { orgKey, from: 'cli' })
  } finally {
    orgKey?.fill(0)
  }
}

/** The org key, unlocked with the passphrase asked for (the caller zeroes it). */
export async function orgSecret (ctx: Context): Promise<Uint8Array> {
  await loadHome(ctx.home)
  const pass = await ctx.io.passphrase('Passphrase for the organization key: ')
  return await unlockOrgKey(ctx.home, pass)
}

/** A shown version with its links as CIDs again (claim CIDs hash the exact claim). */
export function hydrate (shown: ShowResult): VersionRecord {
  const rec = shown.rec as unknown as VersionRecord & { prev: unknown }
  return {
    ...rec,
    prev: rec.prev === null ? null : CID.parse(String(rec.prev)),
    body: {
      ...rec.body,
      claims: rec.body.claims.map(c => c.derived_from === undefined ? c : { ...c, derived_from: (c.derived_from as unknown[]).map(x => CID.parse(String(x))) })
    }
  }
}
