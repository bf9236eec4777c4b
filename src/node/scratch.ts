/**
 * A throw-away ingest door and store for a replay: `oos verify` of a record or a CAR, the
 * provenance of a CAR (`--car`), the chain checks of a provenance report. In memory first
 * (issue 13, verification without disk): nothing reaches the home or the temp directory. A
 * replay that outgrows its memory budget (`maxBytes`, default MEMORY_STORE_MAX_BYTES) is run
 * again on a temporary LevelDB on disk, as before, so a file too large for memory still
 * verifies; with `spill: false` it fails with STORE_FULL instead.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Ingest } from '../ingest/ingest.ts'
import { logger } from '../logger.ts'
import { StoreFullError } from '../store/errors.ts'
import { Store } from '../store/store.ts'

export interface ScratchOptions {
  /** the most bytes the store in memory takes (default MEMORY_STORE_MAX_BYTES, store/store.ts) */
  maxBytes?: number
  /** past `maxBytes`, run again on disk (default true) rather than fail with STORE_FULL */
  spill?: boolean
}

const log = logger('oosnet:scratch')

export async function withScratch<T> (fn: (ingest: Ingest, store: Store) => Promise<T>, options: ScratchOptions = {}): Promise<T> {
  try {
    return await run(new Store({ memory: true, maxBytes: options.maxBytes }), fn)
  } catch (err) {
    if (!(err instanceof StoreFullError) || options.spill === false) throw err
    log('a replay outgrew its store in memory (%s): again on disk', err.message)
  }
  const dir = await mkdtemp(join(tmpdir(), 'oosnet-replay-'))
  try {
    return await run(new Store({ path: join(dir, 'db') }), fn)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

async function run<T> (store: Store, fn: (ingest: Ingest, store: Store) => Promise<T>): Promise<T> {
  await store.start()
  const ingest = new Ingest({ store })
  try {
    return await fn(ingest, store)
  } finally {
    await ingest.stop()
    await store.stop()
  }
}
