import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Store } from '../src/store/store.ts'
import { dbOf, scan } from '../src/store/level.ts'
import { Ingest } from '../src/ingest/ingest.ts'
import type { CID } from 'multiformats/cid'
import { testKey } from '../protocol/vectors/generate.ts'
import { smallBody } from '../protocol/vectors/bodies.ts'
import { signVersion } from '../src/records/version.ts'

/** The creation time of version 0 of `chain` (version n is T0 + n seconds). */
export const T0 = Date.UTC(2026, 10, 1)

/** The first `n` versions of one org's chain (small bodies), signed with `key` (default the test key 'alice'). */
export function chain (n: number, key = testKey('alice')): Array<ReturnType<typeof signVersion>> {
  const out: Array<ReturnType<typeof signVersion>> = []
  let prev: CID | null = null
  for (let seq = 1; seq <= n; seq++) {
    const v = signVersion(smallBody('Alice', seq), { org: key.did, seq, prev, createdAt: T0 + seq * 1000 }, key.secretKey)
    out.push(v)
    prev = v.cid
  }
  return out
}

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
  for await (const [k, v] of scan(dbOf(store), '')) out.set(k, Buffer.from(v).toString('hex'))
  return out
}

export const fromHex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'))
