/**
 * Provenance without replay (issue 15, protocol/TRUST.md §2.1.1): the ingest door records
 * what it verified of each chain, so provenance through the node replays nothing that passed
 * the door — and still gives the full replay's report. A record written behind the door's
 * back (a raw LevelDB edit) makes the head or the rotations go past the marker, or breaks the
 * head record, and the chain is replayed and caught.
 */
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { smallBody } from '../../protocol/vectors/bodies.ts'
import { provenance, replayChains, type ProvenanceReport } from '../../src/app/replay.ts'
import { Ingest } from '../../src/ingest/ingest.ts'
import { claimIdsOf } from '../../src/records/peek.ts'
import { signVersion } from '../../src/records/version.ts'
import { K } from '../../src/store/keys.ts'
import { dbOf } from '../../src/store/level.ts'
import { Store } from '../../src/store/store.ts'
import { encodeHead } from '../../src/store/values.ts'
import { provenanceReport } from '../../src/trust/provenance.ts'
import { Reader } from '../../src/trust/reader.ts'
import { tempDir } from '../helpers.ts'
import { alice, alice2, bob, buildWorld, T0, type World } from '../store/world.ts'

const options = { trusted: new Set([bob.did]), now: T0 + 10_000 }

/** the report of a full replay from seq 1, whatever the markers say */
const replayed = async (store: Store, claim: World['claim']): Promise<ProvenanceReport> =>
  await provenanceReport(store, claim, async (orgs, o) => await replayChains(store, orgs, o), options)

describe('the verified marker', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let store: Store
  let ingest: Ingest
  beforeEach(async () => {
    dir = await tempDir()
    store = new Store({ path: join(dir.path, 'db') })
    await store.start()
    ingest = new Ingest({ store })
  })
  afterEach(async () => {
    await ingest.stop()
    await store.stop()
    await dir.cleanup()
  })

  for (const equivocate of [false, true]) {
    it(`provenance through the node is the full replay's report, without a replay (rotation, endorsements${equivocate ? ', equivocation' : ''})`, async () => {
      const w = await buildWorld(store, ingest, { equivocate })
      const marker = await store.verified(alice.did)
      expect(marker).toMatchObject({ seq: 4, rotations: 1, rules: 1 })
      expect(marker?.cid?.equals(w.alice[3])).toBe(true)
      expect(marker?.rotation?.equals(w.rotation)).toBe(true)

      const fast = await provenance(store, w.claim, options)
      const full = await replayed(store, w.claim)
      expect(fast.author.chain).toMatchObject({ valid: true, head: 4, versions: 4, rotations: 1, errors: [], checkedBy: 'marker' })
      expect(full.author.chain.checkedBy).toBe('replay')
      expect({ ...fast, author: { ...fast.author, chain: { ...fast.author.chain, checkedBy: 'replay' } } }).toEqual(full)
      expect(fast.verdict).toBe(equivocate ? 'compromised' : 'disputed')
    })
  }

  it('the door\'s lineage index gives the lineages the chain read gives, and is not used past the marker', async () => {
    const w = await buildWorld(store, ingest, { equivocate: false })
    // the claim_ids read without decoding are the decoded body's
    for (const v of w.alice) {
      expect(claimIdsOf((await store.get(v)) as Uint8Array)).toEqual((await store.version(v))?.body.claims.map(c => c.claim_id))
    }
    expect(claimIdsOf((await store.get(w.endorsement)) as Uint8Array)).toBeUndefined()
    const indexed = new Map<string, string[]>()
    const ids = new Set((await new Reader(store).claimIds(alice.did)).values())
    expect(ids.size).toBeGreaterThan(0)
    for (const id of ids) {
      expect(await store.lineage(alice.did, id)).toBeDefined()
      indexed.set(id, (await new Reader(store).lineage(alice.did, id)).map(String))
    }
    await dbOf(store).del(K.verified(alice.did))
    for (const id of ids) {
      expect(await store.lineage(alice.did, id)).toBeUndefined()
      expect((await new Reader(store).lineage(alice.did, id)).map(String)).toEqual(indexed.get(id))
    }
    expect([...indexed.values()].some(l => l.length > 1)).toBe(true) // a reworded claim: a lineage of two wordings or more
  })

  it('a version written behind the door, past the marker, is replayed and caught', async () => {
    const w = await buildWorld(store, ingest, { equivocate: false })
    // version 5 (version 4's claims) signed by alice's rotated-out key, put straight into
    // LevelDB: block, chain entry (its CID ‖ version 4's claim list), head
    const v5 = signVersion(smallBody('Alice', 4), { org: alice.did, seq: 5, prev: w.alice[3], createdAt: T0 + 5000 }, alice.secretKey)
    const db = dbOf(store)
    const entry4 = (await db.get(K.chain(alice.did, 4))) as Uint8Array
    await db.batch([
      { type: 'put', key: K.block(v5.cid.toString()), value: v5.bytes },
      { type: 'put', key: K.chain(alice.did, 5), value: new Uint8Array([...v5.cid.bytes, ...entry4.subarray(w.alice[3].bytes.length)]) },
      { type: 'put', key: K.head(alice.did), value: encodeHead({ seq: 5, cid: v5.cid, createdAt: T0 + 5000 }) }
    ])
    const p = await provenance(store, w.claim, options)
    expect(p.author.chain).toMatchObject({ valid: false, head: 5, versions: 5, checkedBy: 'replay' })
    expect(p.author.chain.errors.map(e => [e.cid, e.code])).toEqual([[v5.cid.toString(), 'UNAUTHORIZED_KEY']])
    expect(p.verdict).toBe('unverified')
  })

  it('a head record rewritten in place behind the door is replayed and caught', async () => {
    const w = await buildWorld(store, ingest, { equivocate: false })
    // the marker still names version 4; its block now holds version 3's bytes
    await dbOf(store).put(K.block(w.alice[3].toString()), (await store.get(w.alice[2])) as Uint8Array)
    const p = await provenance(store, w.claim, options)
    expect(p.author.chain).toMatchObject({ valid: false, checkedBy: 'replay' })
  })

  it('a chain without a marker or lineage index (a store written before them) is replayed once, then answered from the marker the replay left', async () => {
    const w = await buildWorld(store, ingest, { equivocate: false })
    const marker = await store.verified(alice.did)
    const db = dbOf(store)
    const lineage: string[] = []
    for await (const k of db.keys({ gte: K.lineageOrgPrefix(alice.did), lt: K.lineageOrgPrefix(alice.did) + '\xff' })) lineage.push(k)
    expect(lineage.length).toBeGreaterThan(0)
    await db.batch([{ type: 'del', key: K.verified(alice.did) }, ...lineage.map(key => ({ type: 'del' as const, key }))])
    const first = await provenance(store, w.claim, options)
    expect(first.author.chain).toMatchObject({ valid: true, head: 4, versions: 4, rotations: 1, checkedBy: 'replay' })
    // the replay's marker and lineage index are the ones the door wrote
    expect(await store.verified(alice.did)).toEqual(marker)
    const again: string[] = []
    for await (const k of db.keys({ gte: K.lineageOrgPrefix(alice.did), lt: K.lineageOrgPrefix(alice.did) + '\xff' })) again.push(k)
    expect(again).toEqual(lineage)
    const second = await provenance(store, w.claim, options)
    expect(second.author.chain.checkedBy).toBe('marker')
    expect({ ...second, author: { ...second.author, chain: { ...second.author.chain, checkedBy: 'replay' } } }).toEqual(first)
    // and the door moves it on from there
    const v5 = signVersion(smallBody('Alice', 4), { org: alice.did, seq: 5, prev: w.alice[3], createdAt: T0 + 5000, key: alice2.did }, alice2.secretKey)
    expect((await ingest.ingest(v5.bytes, { source: 'test' })).status).toBe('accepted')
    expect((await store.verified(alice.did))?.seq).toBe(5)
  })

  it('the door moves the marker only from a state it covered: not past versions written behind it', async () => {
    const w = await buildWorld(store, ingest, { equivocate: false })
    await dbOf(store).del(K.verified(bob.did))
    const b2 = signVersion(smallBody('Bob', 2), { org: bob.did, seq: 2, prev: w.bob[0], createdAt: T0 + 8000 }, bob.secretKey)
    const fresh = new Ingest({ store })
    try {
      expect((await fresh.ingest(b2.bytes, { source: 'test' })).status).toBe('accepted')
    } finally { await fresh.stop() }
    expect(await store.verified(bob.did)).toBeUndefined()
    expect((await replayChains(store, [bob.did])).get(bob.did)).toMatchObject({ valid: true, head: 2 })
  })
})
