/**
 * The app offline, over a home with no node running: the store opened directly (LevelDB
 * allows one process; while a node runs, its API is the way in), an ingest door in front of
 * it, and the home's audit log recording what is offered, as a node would.
 */
import { Ingest } from '../ingest/ingest.ts'
import { auditLog } from '../node/audit.ts'
import { homePaths, loadHome, type HomeConfig } from '../node/home.ts'
import { Store } from '../store/store.ts'
import { orgSigner } from './keys.ts'
import { localApp } from './local.ts'
import type { LocalApp } from './types.ts'

/** A home opened for one operation. */
export interface OpenHome {
  config: HomeConfig
  store: Store
  ingest: Ingest
}

/** Open the home's store and ingest door (and its audit log) for `fn`, and close them after. */
export async function withHome<T> (home: string, fn: (h: OpenHome) => Promise<T>): Promise<T> {
  const config = await loadHome(home)
  const store = new Store({ path: homePaths(home).db })
  await store.start()
  const ingest = new Ingest({ store })
  const audit = auditLog({ dir: homePaths(home).audit })({ ingest })
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

export interface OfflineAppOptions {
  /** the org key (32-byte seed), to publish and sign statements; the caller zeroes it after */
  orgKey?: Uint8Array
  /** who asks, for the audit log (default 'cli') */
  from?: string
}

/** The app over a home with no node running, for `fn`. */
export async function withOfflineApp<T> (home: string, fn: (app: LocalApp) => Promise<T>, options: OfflineAppOptions = {}): Promise<T> {
  return await withHome(home, async (h) => {
    const signer = options.orgKey === undefined ? undefined : orgSigner(options.orgKey, h.config.org)
    return await fn(localApp(h.store, h.ingest, h.config, signer, home, options.from ?? 'cli'))
  })
}
