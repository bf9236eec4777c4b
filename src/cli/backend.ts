/**
 * Where a command's questions go: the running node's API when there is one (LevelDB
 * allows one process), else the store opened directly. Both answer with the same
 * handlers and the same JSON shapes, so a command is written once.
 */
import { ApiClient } from '../api/client.ts'
import { localHandlers } from '../api/handlers.ts'
import type { LocalHandlers, ShowResult } from '../api/types.ts'
import { loadHome } from '../node/home.ts'
import { CID } from 'multiformats/cid'
import type { VersionRecord } from '../records/types.ts'
import type { Context } from './command.ts'
import { keyPairFromSeed, publicKeyToDid } from '../identity/index.ts'
import { orgSecret, withLocal } from './session.ts'

export async function withBackend<T> (ctx: Context, fn: (h: LocalHandlers, online: boolean) => Promise<T>, options: { sign?: boolean } = {}): Promise<T> {
  await loadHome(ctx.home)
  const api = await ApiClient.fromHome(ctx.home)
  if (api !== undefined) return await fn(api, true)
  const secretKey = options.sign === true ? await orgSecret(ctx) : undefined
  try {
    return await withLocal(ctx, async (l) => await fn(localHandlers(l.store, l.ingest, l.config, secretKey !== undefined ? orgSigner(secretKey, l.config.org) : undefined, ctx.home, 'cli'), false))
  } finally {
    secretKey?.fill(0)
  }
}

/** The signer for a secret key: it names itself (`key`) when it is not the inception key (after a rotation). */
export function orgSigner (secretKey: Uint8Array, org: string): { secretKey: Uint8Array, key?: string } {
  const did = publicKeyToDid(keyPairFromSeed(secretKey).publicKey)
  return did === org ? { secretKey } : { secretKey, key: did }
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
