/**
 * A synced follow keeps a gossip path (NETWORK.md §8.5, "Staying reached"): when its last
 * connected peer subscribed to the org's topics goes, the follower reaches the org again (its
 * `via` address, else the DHT), with the follow backoff, and the new connection's heads check
 * fetches what it missed; a peer that keeps dropping it does not reset that backoff.
 */
import { describe, it, expect, afterAll } from 'vitest'
import { readFile } from 'node:fs/promises'
import type { PeerId } from '@libp2p/interface'
import { parseOosMarkdown } from '../../src/oos/index.ts'
import type { OosBody } from '../../src/oos/types.ts'
import type { EphemeralNode } from '../../src/node/ephemeral.ts'
import type { FollowRetryInit } from '../../src/node/reach.ts'
import { makeNode, nextEvent, until } from './nodes.ts'

const doc = async (v: number): Promise<OosBody> => parseOosMarkdown(await readFile(new URL(`../../examples/orgs/ledgerline/v${v}.oos.md`, import.meta.url), 'utf8')).body
/** the document with its first claim's rule reworded */
const revised = (d: OosBody): OosBody => ({ ...d, claims: d.claims.map((c, i) => i === 0 ? { ...c, rule: `${c.rule} (revised)` } : c) })

describe('a follow cut off from its org', () => {
  const cleanups: Array<() => Promise<void>> = []
  afterAll(async () => { for (const c of cleanups.reverse()) await c().catch(() => {}) })

  /**
   * A publishes v1; B follows it through A's address and sees A on the org's topics. Neither
   * puts a head or provides an org to the DHT within the test (the walk would dial the one peer
   * each knows, and reconnect them: this test is of B reaching A).
   */
  async function pair (names: [string, string], followRetry: FollowRetryInit): Promise<{ a: EphemeralNode, b: EphemeralNode }> {
    const advertise = { headDebounceMs: 600_000 }
    const [a, b] = await Promise.all([makeNode(names[0], { advertise }), makeNode(names[1], { advertise, followRetry })])
    cleanups.push(a.cleanup, b.cleanup)
    await a.publish(await doc(1))
    await b.follow(a.org, { via: [a.libp2p.getMultiaddrs()[0].toString()] })
    await until(() => b.reacher.reachable(a.org), 10_000, 'B sees A subscribed')
    return { a, b }
  }

  /** B drops its connection to A and runs `between`; resolves once B has connected to A again. */
  async function cut (a: EphemeralNode, b: EphemeralNode, between: () => Promise<void> = async () => {}): Promise<void> {
    const back = nextEvent<PeerId>(b.libp2p, 'peer:connect', p => p.equals(a.peerId), { signal: AbortSignal.timeout(20_000) })
    await Promise.all([back, (async () => {
      await b.libp2p.hangUp(a.peerId)
      await between()
    })()])
  }

  it('reaches the org again and gets the version published while it was cut off', async () => {
    // B checks its follows 50 ms after the cut and reaches A 0.5–1 s after that: A publishes meanwhile
    const { a, b } = await pair(['Ledgerline', 'Carepath'], { baseMs: 1_000, maxMs: 2_000, recheckMs: 50 })
    const synced = async (seq: number, publish: () => Promise<unknown>): Promise<void> => {
      const stored = nextEvent<{ seq: number }>(b, 'follow:synced', e => e.seq === seq, { signal: AbortSignal.timeout(20_000) })
      await publish()
      expect((await stored).seq).toBe(seq)
    }
    // v2 by gossip first: the follow's own exchanges (heads, sync) are over before the cut, so
    // none of them redials A for B
    await synced(2, async () => await a.publish(revised(await doc(1))))
    // A publishes while B is off: nobody is subscribed to send it to; B must come back for it
    await cut(a, b, async () => {
      await until(() => b.reacher.state(a.org) !== undefined, 5_000, 'B finds itself cut off')
      await a.publish(await doc(2))
      // published while they were apart: B must come back for it
      expect(a.libp2p.getConnections(b.peerId)).toHaveLength(0)
      expect(b.reacher.state(a.org)?.lastError).toMatch(/cut off/)
    })
    await until(async () => (await b.store.head(a.org))?.seq === 3, 20_000, 'B holds v3')
    await until(() => b.reacher.state(a.org) === undefined, 5_000, 'no retry pending')
    // and it is on the topics again: the next version comes by gossip
    await until(() => b.reacher.reachable(a.org), 10_000, 'B sees A subscribed again')
    await synced(4, async () => await a.publish(await doc(3)))
  })

  it('a peer that keeps dropping the follower does not reset its backoff', async () => {
    // the check after a disconnect is left to the test (recheckMs far off), so it is deterministic
    const { a, b } = await pair(['Parcelpoint', 'Ferrywise'], { baseMs: 100, maxMs: 1_000, recheckMs: 600_000 })
    const attemptsAfterCut = async (): Promise<number> => {
      let attempts = 0
      await cut(a, b, async () => {
        await until(() => !b.reacher.reachable(a.org), 5_000, 'B no longer sees A')
        expect(await b.reacher.checkReach()).toEqual([a.org])
        attempts = b.reacher.state(a.org)?.attempts ?? 0
      })
      await until(() => b.reacher.state(a.org) === undefined, 10_000, 'reached again')
      return attempts
    }
    const first = await attemptsAfterCut()
    expect(first).toBeGreaterThanOrEqual(1)
    // the backoff goes on from where the first re-reach ended, not from 1
    expect(await attemptsAfterCut()).toBeGreaterThan(first)
    // connected and subscribed: nothing to do
    await until(() => b.reacher.reachable(a.org), 10_000, 'B sees A subscribed again')
    expect(await b.reacher.checkReach()).toEqual([])
  })
})
