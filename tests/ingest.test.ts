import { describe, it, expect } from 'vitest'
import { join } from 'node:path'
import { testKey } from '../protocol/vectors/generate.ts'
import { smallBody } from '../protocol/vectors/bodies.ts'
import { signVersion } from '../src/records/version.ts'
import { Store } from '../src/store/store.ts'
import { Ingest } from '../src/ingest/ingest.ts'
import type { CID } from 'multiformats/cid'
import { claimCid } from '../src/records/claims.ts'
import { deriveFields, type Claim } from '../src/oos/index.ts'
import { chain, dump, openNode, T0, tempDir } from './helpers.ts'
import { Pipeline } from '../src/net/reqresp/results.ts'
import { VerifyPool } from '../src/ingest/pool.ts'
import type { OosError } from '../src/errors.ts'
import * as dagCbor from '@ipld/dag-cbor'
import { sign } from '../src/identity/index.ts'
import { signingBytes } from '../src/records/codec.ts'

const alice = testKey('alice')

describe('ingest pipeline and store', () => {
  it('after a reopen (head and its claims read from disk), the next version is stored, one record at a time and in bulk', async () => {
    const dir = await tempDir()
    const versions = chain(6)
    for (const bulk of [false, true]) {
      const path = join(dir.path, bulk ? 'bulk' : 'one')
      for (const [from, to] of [[0, 2], [2, 3], [3, 6]]) {
        const store = new Store({ path })
        await store.start()
        const ingest = new Ingest({ store })
        const part = versions.slice(from, to).map(v => v.bytes)
        const results = bulk ? await ingest.ingestMany(part) : await Promise.all(part.map(async b => await ingest.ingest(b)))
        expect(results.map(r => (r as { status?: string }).status)).toEqual(part.map(() => 'accepted'))
        await ingest.stop()
        await store.stop()
        const check = new Store({ path })
        await check.start()
        expect((await check.head(alice.did))?.seq).toBe(to)
        expect((await check.versionCid(alice.did, to))?.toString()).toBe(versions[to - 1].cid.toString())
        await check.stop()
      }
    }
    await dir.cleanup()
  })

  it('stores a chain, indexes head, chain and claims, and survives close/reopen', async () => {
    const dir = await tempDir()
    const versions = chain(5)
    let store = new Store({ path: join(dir.path, 'db') })
    await store.start()
    const ingest = new Ingest({ store })
    for (const v of versions) expect((await ingest.ingest(v.bytes, { source: 'test' })).status).toBe('accepted')
    await store.stop()
    store = new Store({ path: join(dir.path, 'db') })
    await store.start()
    const head = await store.head(alice.did)
    expect(head?.seq).toBe(5)
    expect(head?.cid.toString()).toBe(versions[4].cid.toString())
    const entries = []
    for await (const e of store.chain(alice.did, { reverse: true })) entries.push(e)
    expect(entries.map(e => e.seq)).toEqual([5, 4, 3, 2, 1])
    // C001 is unchanged across all versions: one claim CID, five sightings
    const r = await new Ingest({ store }).ingest(versions[4].bytes)
    expect(r.status).toBe('duplicate')
    const c001 = (await import('../src/records/claims.ts')).claimCid(alice.did, versions[0].signed.rec.body.claims[0])
    expect(await store.claimSightings(c001)).toEqual([{ org: alice.did, from: 1 }])
    // C002 is reworded in version 2: its first wording's run is closed at 2
    const c002v1 = (await import('../src/records/claims.ts')).claimCid(alice.did, versions[0].signed.rec.body.claims[1])
    expect(await store.claimSightings(c002v1)).toEqual([{ org: alice.did, from: 1, until: 2 }])
    await store.stop()
    await dir.cleanup()
  })

  it('serialises concurrent arrivals of one org in order of arrival and rejects what jumps ahead', async () => {
    const node = await openNode()
    try {
      const versions = chain(3)
      const results = await Promise.allSettled([versions[0], versions[1], versions[2]].map(v => node.ingest.ingest(v.bytes)))
      expect(results.map(r => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled'])
      const gap = await node.ingest.ingest(chain(5)[4].bytes).catch(e => e)
      expect(gap.code).toBe('SEQ_GAP')
    } finally { await node.close() }
  })

  it('keeps both records of an equivocation as proof and flags the org', async () => {
    const node = await openNode()
    try {
      const [v1] = chain(1)
      const other = signVersion({ ...smallBody('Alice', 1), claims: smallBody('Alice', 2).claims }, { org: alice.did, seq: 1, prev: null, createdAt: T0 + 5 }, alice.secretKey)
      expect((await node.ingest.ingest(v1.bytes)).status).toBe('accepted')
      const r = await node.ingest.ingest(other.bytes)
      expect(r.status).toBe('equivocation')
      expect(await node.store.get(other.cid)).toEqual(other.bytes)
      expect((await node.store.head(alice.did))?.cid.toString()).toBe(v1.cid.toString())
      expect((await node.store.equivocations(alice.did)).flatMap(e => e.cids).map(String).sort()).toEqual([v1.cid.toString(), other.cid.toString()].sort())
      expect(node.ingest.stats().equivocation).toBe(1)
    } finally { await node.close() }
  })

  it('tells listeners of accepted records and honours an aborted signal', async () => {
    const node = await openNode()
    try {
      const seen: string[] = []
      node.ingest.onRecord(r => seen.push(r.cid.toString()))
      const [v1, v2] = chain(2)
      await node.ingest.ingest(v1.bytes)
      const ac = new AbortController()
      ac.abort()
      const before = await dump(node.store)
      const err = await node.ingest.ingest(v2.bytes, { signal: ac.signal }).catch(e => e)
      expect(err.code).toBe('ABORTED')
      expect(await dump(node.store)).toEqual(before)
      expect(seen).toEqual([v1.cid.toString()])
    } finally { await node.close() }
  })

  it('rejects bytes that do not hash to the CID they were fetched as', async () => {
    const node = await openNode()
    try {
      const [v1, v2] = chain(2)
      const err = await node.ingest.ingest(v1.bytes, { expectedCid: v2.cid }).catch(e => e)
      expect(err.code).toBe('CID_MISMATCH')
      expect(await node.store.has(v1.cid)).toBe(false)
    } finally { await node.close() }
  })

  it('indexes claim runs right when versions reorder, reword, replace, add and drop claims', async () => {
    // each version a list of claims (id + wording); the expected runs follow from the lists alone
    const lists = [['1a', '2a', '3a'], ['2a', '1a', '3a'], ['2a', '1b', '3a'], ['3a', '1b', '2a'], ['3a', '4a', '2a'],
      ['3a', '4a', '2a', '5a'], ['5a', '4a', '6a'], ['1a', '4a', '6a'], ['4a', '1a', '6a'], ['4a', '1a', '6a']]
    const claimOf = (w: string): Claim => ({ ...smallBody('Alice', 1).claims[0], claim_id: `C00${w[0]}`, rule: `Rule ${w}.` })
    const node = await openNode()
    try {
      let prev: CID | null = null
      for (const [i, list] of lists.entries()) {
        const seq = i + 1
        const claims = list.map(claimOf)
        const body = { ...smallBody('Alice', seq), claims, sections: [{ heading: 'Purpose', blocks: [{ text: 'Claims in any order.' }] }] }
        Object.assign(body.frontmatter, deriveFields(claims))
        const v = signVersion(body, { org: alice.did, seq, prev, createdAt: T0 + seq * 1000 }, alice.secretKey)
        expect((await node.ingest.ingest(v.bytes)).status).toBe('accepted')
        prev = v.cid
      }
      for (const w of new Set(lists.flat())) {
        const runs: Array<{ org: string, from: number, until?: number }> = []
        lists.forEach((l, i) => {
          const last = runs.at(-1)
          if (!l.includes(w)) { if (last !== undefined && last.until === undefined) last.until = i + 1; return }
          if (last === undefined || last.until !== undefined) runs.push({ org: alice.did, from: i + 1 })
        })
        expect(await node.store.claimSightings(claimCid(alice.did, claimOf(w))), w).toEqual(runs)
      }
    } finally { await node.close() }
  })

  it('verifies in worker threads as it does inline: a chain fed as a sync feeds it, and rejections with their code and path', async () => {
    const versions = chain(40)
    const bad = versions[40 - 1].bytes.slice()
    bad[bad.length - 1] ^= 1 // the signature's last byte
    // a validly signed version 1 whose claims[1] has no valid confidence (signed without the shape check)
    const rec = { type: 'oos/version', org: alice.did, seq: 1, prev: null, createdAt: T0, body: { ...smallBody('Alice', 1), claims: smallBody('Alice', 1).claims.map((c, i) => i === 1 ? { ...c, confidence: 'SURE' } : c) } }
    const invalid = dagCbor.encode({ rec, sig: sign(alice.secretKey, signingBytes('oos/version', dagCbor.encode(rec))) })
    const outcomes = async (workers: number): Promise<{ results: string[], store: Map<string, string> }> => {
      const node = await openNode({ workers })
      try {
        const results: string[] = []
        const pipeline = new Pipeline(8)
        for (const [i, b] of [...versions.slice(0, 39).map(v => v.bytes), bad, invalid].entries()) {
          await pipeline.add(node.ingest.ingest(b, { source: 'sync' }).then(r => { results[i] = r.status }, (e: OosError) => { results[i] = `${e.code} ${e.path ?? ''}` }))
        }
        await pipeline.drain()
        return { results, store: await dump(node.store) }
      } finally { await node.close() }
    }
    const inline = await outcomes(0)
    const pooled = await outcomes(2)
    expect(pooled.results).toEqual(inline.results)
    expect(pooled.results.slice(0, 39)).toEqual(Array(39).fill('accepted'))
    expect(pooled.results.slice(39)).toEqual(['BAD_SIGNATURE sig', 'SCHEMA_INVALID claims[1].confidence'])
    expect(pooled.store).toEqual(inline.store)
  })

  it('a verify pool stopped with records still queued rejects them, and the process carries on', async () => {
    const pool = new VerifyPool({ workers: 2 })
    await pool.start()
    const pending = chain(5).map(v => pool.verify(v.bytes, Date.now()).then(() => 'verified', (e: Error) => e.message))
    await pool.stop() // before the turn of the event loop that sends the queued records
    await new Promise(resolve => setImmediate(resolve)) // that turn comes, finds the pool stopped
    // the first, after a quiet spell with no worker running, was checked at once (pool.ts); the rest were queued
    expect(await Promise.all(pending)).toEqual(['verified', ...Array(4).fill('verify pool stopped')])
  })
})
