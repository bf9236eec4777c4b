/**
 * Short versions of the chaos scenarios whose pass condition needs the fixes of issue 12
 * (authority at the gossip door and in the DHT, connection policy, bounded serving, gossip
 * peer scoring). They assert the required outcome and FAIL on the code before those
 * fixes. `npm run chaos` prints the full-size figures of the same scenarios, times among them:
 * the tests assert outcomes, never wall-clock times (a loaded CI machine is not this one).
 */
import { describe, expect, it } from 'vitest'
import { forgedScenario } from '../../chaos/forged.ts'
import { crowdScenario } from '../../chaos/crowd.ts'
import { slowScenario } from '../../chaos/slow.ts'
import { floodScenario } from '../../chaos/flood.ts'

describe('chaos, after the fixes of issue 12', () => {
  it('forged gossip and a forged DHT head from strangers: 0 accepted, 0 forwarded, sender banned, the real head wins', async () => {
    const r = await forgedScenario({ bindings: 50 })
    expect(r.b).toMatchObject({ accepted: 0, bannedStranger: true, strangerStillConnected: false, headOfA: 2 })
    expect(r.forwardedToC).toBe(0)
    expect(r.dht.nodesReturningForged).toBe(0)
    expect(r.dht.getResult).toMatchObject({ seq: 2, signedByA: true })
  }, 120_000)

  it('230 throwaway identities, then a new follower: it follows (its time: npm run chaos)', async () => {
    const r = await crowdScenario({ identities: 230, retryWaitMs: 5000 })
    expect(r.follow.error).toBeUndefined()
    expect(r.follow).toMatchObject({ ok: true, seq: 1 })
  }, 120_000)

  it('slow readers: RSS under 2× idle, the honest follower gets the whole chain under attack, SLOW_READER counted', async () => {
    const r = await slowScenario({ versions: 200, identities: 16, afterMs: 1000 })
    expect(r.opened).toBeGreaterThan(0)
    expect(r.follow.heldUnderAttack).toBe(200)
    expect(r.rssRatio).toBeLessThan(2)
    expect(r.violations.SLOW_READER).toBeGreaterThan(0)
  }, 120_000)

  it('a gossip flood of invalid messages: every honest node graylists the flooder (gossipsub score below the graylist threshold)', async () => {
    const r = await floodScenario({ nodes: 5, rounds: 3 })
    expect(r.graylistedBy).toBe(5)
    expect(r.flooded.missed).toBe(0)
  }, 120_000)
})
