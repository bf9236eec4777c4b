/** Short version of the chaos suite's partition scenario (`npm run chaos -- --only=partition`). */
import { describe, expect, it } from 'vitest'
import { partitionScenario } from '../../chaos/partition.ts'

describe('chaos: partition and heal', () => {
  it('three groups publish while cut off from each other, converge inside, and all converge after the heal', async () => {
    const r = await partitionScenario({ groups: 3, size: 2, versions: 2, timeoutMs: 40_000 })
    expect(r).toMatchObject({ ok: true, isolated: true, converged: true, nodes: 6 })
    // every node was missing the other groups' versions when the partition healed
    expect(r.missingAtHeal).toBe(6 * 2 * 2)
  }, 120_000)
})
