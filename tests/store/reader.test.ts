/**
 * The store's typed reader (issue 13, "a typed store with one writer"): every query on a small
 * world (tests/store/world.ts), and a home written by the old code (main at 8abb37c, the raw
 * LevelDB entries in tests/fixtures/store-8abb37c.json) opening and reading the same.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Level } from 'level'
import { CID } from 'multiformats/cid'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { smallBody } from '../../protocol/vectors/bodies.ts'
import { Ingest } from '../../src/ingest/ingest.ts'
import { signVersion } from '../../src/records/version.ts'
import { Store } from '../../src/store/store.ts'
import { dump, fromHex, tempDir } from '../helpers.ts'
import { alice, alice2, bob, buildWorld, PEER, T0, type World } from './world.ts'

const all = async <T>(it: AsyncIterable<T>): Promise<T[]> => { const out: T[] = []; for await (const x of it) out.push(x); return out }
const strs = (cids: CID[]): string[] => cids.map(String)

describe('the store reader', () => {
  let store: Store
  let ingest: Ingest
  let w: World
  beforeEach(async () => {
    store = new Store({ memory: true })
    await store.start()
    ingest = new Ingest({ store })
    w = await buildWorld(store, ingest)
  })
  afterEach(async () => { await ingest.stop(); await store.stop() })

  it('records: bytes, decoded, with their CID', async () => {
    expect(store.inMemory).toBe(true)
    const rec = await store.record(w.alice[0])
    expect(rec?.rec).toMatchObject({ type: 'oos/version', org: alice.did, seq: 1 })
    const held = await store.stored(w.binding)
    expect(held?.signed.rec).toMatchObject({ type: 'oos/node-binding', peers: [PEER] })
    expect(held?.cid.equals(w.binding)).toBe(true)
    expect(await store.has(w.rotation)).toBe(true)
    expect(await store.record(CID.parse('bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'))).toBeUndefined()
  })

  it('chains: head, heads, a range forwards and backwards, version CIDs and their claims', async () => {
    expect(await store.head(alice.did)).toMatchObject({ seq: 4, createdAt: T0 + 4000 })
    expect((await store.head(alice.did))?.cid.equals(w.alice[3])).toBe(true)
    expect((await all(store.heads())).map(h => [h.org, h.seq]).sort()).toEqual([[alice.did, 4], [bob.did, 1]].sort())
    expect((await all(store.chain(alice.did))).map(e => e.seq)).toEqual([1, 2, 3, 4])
    expect((await all(store.chain(alice.did, { from: 2, to: 3 }))).map(e => String(e.cid))).toEqual(strs(w.alice.slice(1, 3)))
    expect((await all(store.chain(alice.did, { reverse: true, limit: 2 }))).map(e => e.seq)).toEqual([4, 3])
    expect(strs(await all(store.versionCids(alice.did, { from: 3 })))).toEqual(strs(w.alice.slice(2)))
    expect(strs(await all(store.versionCids(alice.did, { from: 2, limit: 1 })))).toEqual([String(w.alice[1])])
    expect(String(await store.versionCid(alice.did, 2))).toBe(String(w.alice[1]))
    expect(await store.versionCid(alice.did, 5)).toBeUndefined()
    const claims = await store.versionClaims(alice.did, 1)
    expect(claims?.map(String)).toContain(String(w.claim))
  })

  it('claims: sightings, author, latest run', async () => {
    const sightings = await store.claimSightings(w.claim)
    expect(sightings.length).toBeGreaterThan(0)
    expect(sightings.every(s => s.org === alice.did)).toBe(true)
    expect(sightings[0].from).toBe(1)
    expect(await store.claimAuthor(w.claim)).toBe(alice.did)
    expect(await store.latestClaimRun(w.claim, alice.did)).toEqual(sightings[sightings.length - 1])
    expect(await store.latestClaimRun(w.claim, bob.did)).toBeUndefined()
    expect(await store.claimAuthor(w.rotation)).toBeUndefined()
  })

  it('keys and bindings: rotations in seq order, the key history, the latest binding', async () => {
    const rotations = await store.rotations(alice.did)
    expect(rotations.map(r => [r.seq, String(r.cid), r.rec.newKey])).toEqual([[1, String(w.rotation), alice2.did]])
    expect(strs((await store.rotationCids(alice.did)).map(r => r.cid))).toEqual([String(w.rotation)])
    expect(await store.lastRotation(alice.did)).toEqual({ seq: 1, cid: w.rotation })
    expect(await store.lastRotation(bob.did)).toBeUndefined()
    expect(String(await store.rotationCid(alice.did, 1))).toBe(String(w.rotation))
    expect((await store.keyHistory(alice.did)).map(e => [e.key, e.fromSeq])).toEqual([[alice.did, 1], [alice2.did, 3]])
    expect((await store.keyHistory(bob.did)).map(e => e.key)).toEqual([bob.did])
    expect(String(await store.bindingCid(alice.did))).toBe(String(w.binding))
    expect((await store.binding(alice.did))?.rec.peers).toEqual([PEER])
    expect(await store.binding(bob.did)).toBeUndefined()
  })

  it('statements and equivocations: about a target, by an author, all; proofs by seq; orgs known; counts', async () => {
    expect(strs(await store.statementsAbout(w.claim)).sort()).toEqual(strs([w.endorsement, w.endorsement2]).sort())
    expect(strs(await store.statementsAbout(w.endorsement))).toEqual([String(w.retraction)])
    expect(strs(await all(store.statementsBy(bob.did))).sort()).toEqual(strs([w.endorsement, w.retraction, w.endorsement2]).sort())
    expect(await all(store.statementsBy(bob.did, { limit: 1 }))).toHaveLength(1)
    expect((await all(store.statements())).map(s => s.org)).toEqual([bob.did, bob.did, bob.did])
    const eq = await store.equivocations(alice.did)
    expect(eq.map(e => [e.seq, strs(e.cids).sort()])).toEqual([[1, strs([w.alice[0], w.equivocating as CID]).sort()]])
    expect(await store.equivocations(bob.did)).toEqual([])
    expect([...await store.orgsKnown()]).toEqual([alice.did])
    // 4 + 1 versions, the equivocating one, a rotation, a binding, 3 statements
    expect(await store.counts()).toEqual({ blocks: 11, heads: 2, statements: 3, equivocations: 2 })
    expect(await store.meta('nothing')).toBeUndefined()
  })
})

describe('a home written by the old code (main at 8abb37c)', () => {
  const fixture = JSON.parse(readFileSync(new URL('../fixtures/store-8abb37c.json', import.meta.url), 'utf8')) as {
    world: Record<string, string | string[]>
    old: { heads: unknown[], chains: Record<string, unknown[]>, sightings: unknown[] }
    entries: Array<[string, string]>
  }

  it('opens and reads the same through the new reader, and the chain goes on through the new writer', async () => {
    const dir = await tempDir()
    try {
      const path = join(dir.path, 'db')
      // the old layout, written raw, exactly as the old code left it
      const raw = new Level<string, Uint8Array>(path, { keyEncoding: 'utf8', valueEncoding: 'view' })
      await raw.batch(fixture.entries.map(([k, v]) => ({ type: 'put' as const, key: k, value: fromHex(v) })))
      await raw.close()
      const store = new Store({ path })
      await store.start()
      try {
        const heads = (await all(store.heads())).map(h => ({ org: h.org, seq: h.seq, cid: h.cid.toString(), createdAt: h.createdAt }))
        expect(heads).toEqual(fixture.old.heads)
        for (const org of [alice.did, bob.did]) {
          expect((await all(store.chain(org))).map(e => ({ seq: e.seq, cid: e.cid.toString(), claims: e.claims.map(String) }))).toEqual(fixture.old.chains[org])
        }
        const world = fixture.world
        expect(await store.claimSightings(CID.parse(world.claim as string))).toEqual(fixture.old.sightings)
        expect(strs((await store.rotations(alice.did)).map(r => r.cid))).toEqual([world.rotation])
        expect(String(await store.bindingCid(alice.did))).toBe(world.binding)
        expect(strs(await store.statementsAbout(CID.parse(world.claim as string))).sort()).toEqual([world.endorsement, world.endorsement2].sort())
        expect((await store.equivocations(alice.did)).flatMap(e => strs(e.cids)).sort()).toEqual([(world.alice as string[])[0], world.equivocating].sort())
        expect((await store.keyHistory(alice.did)).map(e => e.key)).toEqual([alice.did, alice2.did])
        // the statements by the org they are about (NETWORK-reqresp.md §5.2): not in the old
        // layout; the door's start indexes them once — bob's endorsement, its retraction, the second
        const ingest = new Ingest({ store })
        expect(await store.aboutItems(alice.did)).toEqual([])
        await ingest.start()
        expect(strs((await store.aboutItems(alice.did)).map(x => x.cid))).toEqual([world.endorsement, world.retraction, world.endorsement2])
        // the new writer continues the old chain (head and claim runs read from disk)
        const v5 = signVersion(smallBody('Alice', 5), { org: alice.did, seq: 5, prev: CID.parse((world.alice as string[])[3]), createdAt: T0 + 5000, key: alice2.did }, alice2.secretKey)
        expect((await ingest.ingest(v5.bytes)).status).toBe('accepted')
        await ingest.stop()
        expect((await store.head(alice.did))?.seq).toBe(5)
      } finally { await store.stop() }
    } finally { await dir.cleanup() }
  })

  it('the new writer lays out the same world byte for byte as the old one did (plus the verified markers, TRUST.md §2.1.1)', async () => {
    const dir = await tempDir()
    const store = new Store({ path: join(dir.path, 'db') })
    await store.start()
    const ingest = new Ingest({ store })
    try {
      await buildWorld(store, ingest)
      const entries = [...(await dump(store)).entries()]
      // the markers, the lineage index and the statements by subject are the only new keys (`r!<org>`, `l!…`, `t!…`): every key the old code wrote is unchanged
      expect(entries.filter(([k]) => !k.startsWith('r!') && !k.startsWith('l!') && !k.startsWith('t!'))).toEqual(fixture.entries)
      expect(entries.filter(([k]) => k.startsWith('t!')).length).toBe(entries.filter(([k]) => k.startsWith('a!')).length)
      expect(entries.some(([k]) => k.startsWith(`l!${alice.did}!C`))).toBe(true)
      expect(entries.filter(([k]) => k.startsWith('r!')).map(([k]) => k).sort()).toEqual([`r!${alice.did}`, `r!${bob.did}`].sort())
    } finally { await ingest.stop(); await store.stop(); await dir.cleanup() }
  })

  it('reads a record on disk without a round trip through the thread pool (level.ts getRaw: getSync)', async () => {
    const dir = await tempDir()
    const store = new Store({ path: join(dir.path, 'db') })
    await store.start()
    const ingest = new Ingest({ store })
    try {
      const world = await buildWorld(store, ingest)
      // a read through libuv's pool resolves in a later turn of the event loop, after an
      // immediate queued before it; a read on this thread resolves in this turn's microtasks
      const order: string[] = []
      setImmediate(() => order.push('immediate'))
      const bytes = await store.get(world.alice[0])
      order.push('read')
      expect(order).toEqual(['read'])
      expect(bytes?.length).toBeGreaterThan(0)
      expect(await store.get(world.rotation)).toEqual(await store.get(world.rotation))
      // a stopped store still answers with the typed error, not a crash
      await store.stop()
      await expect(store.get(world.alice[0])).rejects.toMatchObject({ code: 'STORE_NOT_STARTED' })
    } finally { await ingest.stop(); await store.stop(); await dir.cleanup() }
  })
})
