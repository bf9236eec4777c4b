/**
 * Opening a home for one command: the store directly (LevelDB allows one process; when a
 * node is running, commands go through its API instead — see api/client.ts). What the
 * command offers the ingest door is written to the home's audit log, as a node would.
 */
import { Ingest } from '../ingest/ingest.ts'
import { auditLog } from '../node/audit.ts'
import { Store } from '../store/store.ts'
import { homePaths, loadHome, unlockOrgKey, type HomeConfig } from '../node/home.ts'
import type { Context } from './command.ts'

export interface Local {
  config: HomeConfig
  store: Store
  ingest: Ingest
}

export async function withLocal<T> (ctx: Context, fn: (l: Local) => Promise<T>): Promise<T> {
  const config = await loadHome(ctx.home)
  const store = new Store({ path: homePaths(ctx.home).db })
  await store.start()
  const ingest = new Ingest({ store })
  const audit = auditLog({ dir: homePaths(ctx.home).audit })({ ingest })
  await audit.start()
  await ingest.start()
  try {
    return await fn({ config, store, ingest })
  } finally {
    await ingest.stop()
    await audit.stop()
    await store.stop()
  }
}

export async function orgSecret (ctx: Context): Promise<Uint8Array> {
  await loadHome(ctx.home)
  const pass = await ctx.io.passphrase('Passphrase for the organization key: ')
  return await unlockOrgKey(ctx.home, pass)
}
