/** The serving budgets' admission rules (src/net/reqresp/serving.ts; NETWORK-reqresp.md §6). */
import { describe, it, expect } from 'vitest'
import { ServingBudget, type Lease } from '../../src/net/reqresp/serving.ts'

const KiB = 1024
const signal = new AbortController().signal

describe('ServingBudget', () => {
  it('leases a window per response within the per-peer and total budgets; a request without room waits, then is refused', async () => {
    const b = new ServingBudget({ window: 64 * KiB, perPeerBytes: 128 * KiB, totalBytes: 512 * KiB, queueMs: 50 })
    const a1 = await b.acquire('a', signal) as Lease
    const a2 = await b.acquire('a', signal) as Lease
    expect(a1 !== undefined && a2 !== undefined).toBe(true)
    expect(await b.acquire('a', signal)).toBeUndefined() // a's third: over its 128 KiB
    expect(b.stats()).toMatchObject({ responses: 2, reserved: 128 * KiB, queued: 1, busy: 1 })
    a1.set(50 * KiB)
    a2.set(60 * KiB)
    expect(b.stats()).toMatchObject({ bytes: 110 * KiB, peakBytes: 110 * KiB, peakPeerBytes: 110 * KiB })
    // a waiting request gets the lease a release frees
    const waiting = b.acquire('a', signal)
    a1.release()
    const a3 = await waiting
    expect(a3).toBeDefined()
    expect(b.stats()).toMatchObject({ responses: 2, bytes: 60 * KiB, reserved: 128 * KiB })
    a2.release()
    a3?.release()
    a3?.release() // twice is harmless
    expect(b.stats()).toMatchObject({ responses: 0, bytes: 0, reserved: 0, peakResponses: 2 })
  })

  it('keeps the last quarter of the total for peers that hold no response', async () => {
    const b = new ServingBudget({ window: 64 * KiB, perPeerBytes: 512 * KiB, totalBytes: 512 * KiB, queueMs: 50 })
    const held: Lease[] = []
    for (let i = 0; i < 6; i++) held.push(await b.acquire('greedy', signal) as Lease) // 384 KiB: three quarters
    expect(await b.acquire('greedy', signal)).toBeUndefined()
    expect(await b.acquire('newcomer', signal)).toBeDefined()
    expect(await b.acquire('other', signal)).toBeDefined() // 512 KiB now: full for everyone
    expect(await b.acquire('third', signal)).toBeUndefined()
    expect(held.every(l => l !== undefined)).toBe(true)
  })

  it('gives freed room to the waiting peer that holds the fewest responses', async () => {
    const b = new ServingBudget({ window: 64 * KiB, perPeerBytes: 512 * KiB, totalBytes: 512 * KiB, queueMs: 5_000 })
    const greedy = [await b.acquire('greedy', signal), await b.acquire('greedy', signal)] as Lease[]
    const others = await Promise.all(['n1', 'n2', 'n3', 'n4', 'n5', 'n6'].map(async p => await b.acquire(p, signal) as Lease)) // full
    const order: string[] = []
    const first = b.acquire('greedy', signal).then(l => { order.push('greedy'); return l }) // waits first
    const second = b.acquire('late', signal).then(l => { order.push('late'); return l }) // holds none
    others[0].release()
    const late = await second
    expect(order).toEqual(['late'])
    for (const l of others.slice(1, 4)) l.release() // 320 KiB held: room for greedy's third under three quarters
    expect(await first).toBeDefined()
    expect(order).toEqual(['late', 'greedy'])
    expect(b.stats().busy).toBe(0)
    for (const l of [late, await first, ...greedy, ...others.slice(4)]) l?.release()
    expect(b.stats()).toMatchObject({ responses: 0, reserved: 0 })
  })

  it('stops waiting when the exchange is aborted', async () => {
    const b = new ServingBudget({ window: 64 * KiB, perPeerBytes: 64 * KiB, totalBytes: 64 * KiB, queueMs: 5_000 })
    await b.acquire('a', signal)
    const ac = new AbortController()
    const waiting = b.acquire('b', ac.signal)
    ac.abort(new Error('stopped'))
    await expect(waiting).rejects.toThrow('stopped')
  })
})
