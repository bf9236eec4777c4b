/** A verify worker killed in the middle of a sync: the sync completes, every version stored (the pool retries on the others). */
import { afterAll, describe, expect, it } from 'vitest'
import { testKey } from '../../protocol/vectors/generate.ts'
import { chain } from '../helpers.ts'
import { makeNode } from './nodes.ts'

describe('verify pool under a sync', () => {
  const nodes: Array<Awaited<ReturnType<typeof makeNode>>> = []
  afterAll(async () => { await Promise.all(nodes.map(async n => await n.cleanup())) })

  it('a worker killed mid-sync: the follow completes with all 500 versions, checked as they are', async () => {
    const alice = testKey('alice')
    const versions = chain(500)
    const [holder, follower] = await Promise.all([makeNode('Holder'), makeNode('Follower', { workers: 2 })])
    nodes.push(holder, follower)
    const held = await holder.ingest.ingestMany(versions.map(v => v.bytes), { source: 'car' })
    expect(held.every(r => 'status' in r && r.status === 'accepted')).toBe(true)

    const pool = follower.ingest.pool
    expect(pool?.threads.length).toBe(0) // workers start on demand (tests/ingest/pool.test.ts)
    // started now: a burst that finds none ready is checked on the main thread while they
    // load, and 500 versions can be done before they are (ingest/pool.ts); this test is of
    // a worker dying with records in flight
    await pool?.warm()
    let accepted = 0
    let killed: Promise<number> | undefined
    follower.ingest.onDecision(d => {
      if (d.status !== 'accepted' || d.org !== alice.did) return
      // from 100 in, the first time a worker holds records: kill it (whether its reply was
      // already on its way is a race; tests/ingest/pool.test.ts kills workers mid-batch for sure)
      const busy = pool?.stats().inflight.findIndex(n => n > 0) ?? -1
      if (++accepted >= 100 && killed === undefined && busy >= 0) killed = pool?.threads[busy].terminate()
    })
    expect(await follower.follow(alice.did, { via: [holder.libp2p.getMultiaddrs()[0].toString()] })).toEqual({ org: alice.did, seq: 500 })
    expect(await killed).toBe(1) // it was running when killed
    for (const [i, v] of versions.entries()) expect((await follower.store.versionCid(alice.did, i + 1))?.equals(v.cid), `seq ${i + 1}`).toBe(true)
    expect(accepted).toBe(500)
    expect(follower.ingest.stats()).toMatchObject({ rejected: 0, equivocation: 0 })
    expect(pool?.stats()).toMatchObject({ crashes: 1, restarts: 1, failed: 0, workers: 2, inline: false })
  }, 120_000)

  it('a new follow starts the verify workers while its chain is asked for, even a chain of one; a lone record alone starts none', async () => {
    const alice = testKey('alice')
    const [v1] = chain(1)
    const [holder, follower] = await Promise.all([makeNode('Holder1'), makeNode('Newcomer', { workers: 2 })])
    nodes.push(holder, follower)
    expect((await holder.ingest.ingest(v1.bytes, { source: 'car' })).status).toBe('accepted')
    const pool = follower.ingest.pool
    // a lone record: checked on the main thread, no worker started (ingest/pool.ts)
    const [other] = chain(1, testKey('bob'))
    expect((await follower.ingest.ingest(other.bytes, { source: 'car' })).status).toBe('accepted')
    expect(pool?.stats()).toMatchObject({ spawned: 0, verifiedInline: 1 })
    // the follow: one version, but the workers were started for it (expectBurst)
    expect(await follower.follow(alice.did, { via: [holder.libp2p.getMultiaddrs()[0].toString()] })).toEqual({ org: alice.did, seq: 1 })
    expect(pool?.stats().spawned).toBe(2)
  }, 60_000)
})
