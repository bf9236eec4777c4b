import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Store } from '../src/store/store.ts'
import { Ingest } from '../src/ingest/ingest.ts'

export async function tempDir (prefix = 'oosnet-test-'): Promise<{ path: string, cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix))
  return { path, cleanup: async () => { await rm(path, { recursive: true, force: true }) } }
}

/** A store and its ingest door in a temporary directory; `workers` verify threads (default 0: inline). */
export async function openNode (options: { workers?: number } = {}): Promise<{ store: Store, ingest: Ingest, path: string, close: () => Promise<void> }> {
  const dir = await tempDir()
  const store = new Store({ path: join(dir.path, 'db') })
  await store.start()
  const ingest = new Ingest({ store }, { workers: options.workers ?? 0 })
  await ingest.start()
  return {
    store,
    ingest,
    path: dir.path,
    close: async () => { await ingest.stop(); await store.stop(); await dir.cleanup() }
  }
}

/** Every key and value in the store, as hex, for before/after comparisons. */
export async function dump (store: Store): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  for await (const [k, v] of store.scan('')) out.set(k, Buffer.from(v).toString('hex'))
  return out
}

export const fromHex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'))
