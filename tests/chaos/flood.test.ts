/**
 * Short version of the chaos suite's flood scenario (`npm run chaos -- --only=flood`): one
 * peer floods an org's topic with invalid messages while the org publishes. What holds
 * today: every honest node refuses the flood and blocks the flooder, every follower gets
 * every version. (The graylisting by gossipsub's score is in after-fixes.test.ts.)
 */
import { describe, expect, it } from 'vitest'
import { floodScenario } from '../../chaos/flood.ts'

describe('chaos: gossip flood', () => {
  it('the flood is rejected and its sender blocked by every node; honest versions still reach every follower', async () => {
    const r = await floodScenario({ nodes: 5, rounds: 3 })
    expect(r.floodSent).toBeGreaterThan(0)
    expect(r.floodRejected).toBeGreaterThan(0)
    expect(r.blockedBy).toBe(5)
    expect(r.quiet.missed).toBe(0)
    expect(r.flooded.missed).toBe(0)
  }, 120_000)
})
