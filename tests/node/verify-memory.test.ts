/**
 * Verification without disk (issue 13): `oos verify` of a record or of a CAR, and provenance
 * (of a held claim, or of a CAR with --car), replay through the ingest door into a store in
 * memory. Shown by taking the temp directory away: the old code made a LevelDB under it for
 * each replay (mkdtemp → ENOENT); these need no disk at all.
 */
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { provenance } from '../../src/app/replay.ts'
import { exportCar, verifyCar, withCarStore } from '../../src/node/car.ts'
import { verifyStored } from '../../src/node/verify.ts'
import { StoreFullError } from '../../src/store/errors.ts'
import { Store } from '../../src/store/store.ts'
import { Ingest } from '../../src/ingest/ingest.ts'
import { tempDir } from '../helpers.ts'
import { alice, bob, buildWorld, type World } from '../store/world.ts'

describe('verification without disk', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let store: Store
  let ingest: Ingest
  let w: World
  let saved: string | undefined
  beforeEach(async () => {
    dir = await tempDir()
    store = new Store({ path: join(dir.path, 'db') })
    await store.start()
    ingest = new Ingest({ store })
    w = await buildWorld(store, ingest, { equivocate: false })
    saved = process.env.TMPDIR
    process.env.TMPDIR = join(dir.path, 'no-such-tmp') // os.tmpdir() reads it on every call
  })
  afterEach(async () => {
    if (saved === undefined) delete process.env.TMPDIR
    else process.env.TMPDIR = saved
    await ingest.stop()
    await store.stop()
    await dir.cleanup()
  })

  it('verifies a held record, a CAR, and makes provenance reports, with no temp directory to write to', async () => {
    const stored = await verifyStored(store, w.alice[3])
    expect(stored).toMatchObject({ valid: true, org: alice.did, seq: 4, rejected: 0 })
    expect((await verifyStored(store, w.endorsement2)).valid).toBe(true)

    const car = join(dir.path, 'alice.car')
    await exportCar(store, alice.did, car)
    const report = await verifyCar(car)
    expect(report).toMatchObject({ valid: true, rejected: 0 })
    // alice's 4 versions, her rotation and binding, bob's 3 statements about her claim
    expect(report.accepted).toBe(9)

    const held = await provenance(store, w.claim, { trusted: new Set([bob.did]) })
    expect(held.author).toMatchObject({ org: alice.did, chain: { valid: true, head: 4, versions: 4, rotations: 1 }, binding: { present: true, signed: true } })
    const fromCar = await withCarStore(car, async (s) => {
      expect(s.inMemory).toBe(true)
      return await provenance(s, w.claim, { trusted: new Set([bob.did]) })
    })
    expect(fromCar.verdict).toBe(held.verdict)
    expect(fromCar.author.chain).toEqual(held.author.chain)
  })

  it('a replay in memory has a byte budget: past it the verification runs again on disk, or stops with STORE_FULL', async () => {
    const car = join(dir.path, 'alice.car')
    const { bytes } = await exportCar(store, alice.did, car)
    const err = await verifyCar(car, { maxBytes: Math.floor(bytes / 2), spill: false }).catch((e: Error) => e)
    expect(err).toBeInstanceOf(StoreFullError)
    expect((err as StoreFullError).code).toBe('STORE_FULL')
    // no temp directory to spill to: the second run fails as the old code did (it needs the disk)
    expect(await verifyCar(car, { maxBytes: Math.floor(bytes / 2) }).catch((e: NodeJS.ErrnoException) => e.code)).toBe('ENOENT')
    process.env.TMPDIR = dir.path
    expect(await verifyCar(car, { maxBytes: Math.floor(bytes / 2) })).toMatchObject({ valid: true, accepted: 9 })
    expect((await readdir(dir.path)).filter(n => n.startsWith('oosnet-replay-'))).toEqual([]) // and removed after
    expect((await verifyCar(car, { maxBytes: 4 * bytes, spill: false })).valid).toBe(true)
    // the store itself: a write past the budget fails and writes nothing
    const small = new Store({ memory: true, maxBytes: 1 })
    await small.start()
    const door = new Ingest({ store: small })
    try {
      const first = await store.stored(w.alice[0])
      await expect(door.ingest(first?.bytes as Uint8Array)).rejects.toThrow(StoreFullError)
      expect(await small.has(w.alice[0])).toBe(false)
    } finally { await door.stop(); await small.stop() }
  })
})
