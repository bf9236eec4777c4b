/**
 * Short versions of the chaos suite's fuzz scenarios (`npm run chaos -- --only=fuzz-records`
 * and `--only=fuzz-frames` run 100,000 records and 10,000 frames per protocol).
 */
import { describe, expect, it } from 'vitest'
import { fuzzRecords } from '../../chaos/fuzz.ts'
import { fuzzFrames } from '../../chaos/frames.ts'

describe('chaos: fuzzed records and frames', () => {
  it('records mutated from valid ones: no crash, nothing stored, every rejection typed (SPEC §9)', async () => {
    const r = await fuzzRecords({ records: 3000 })
    // on a failure, name the untyped codes and the seed that reproduces them (`fuzzRecords({ seed })`)
    expect(Object.keys(r.codes).filter(c => c.startsWith('UNTYPED')), `seed ${r.seed}`).toEqual([])
    expect(r).toMatchObject({ ok: true, crashes: 0, stored: 0, untyped: 0 })
    expect(r.rejected + r.identical).toBe(3000)
    // the mutations reach past decoding: signatures and the authority rules refuse some
    expect(r.codes.BAD_SIGNATURE).toBeGreaterThan(0)
    expect(r.codes.UNAUTHORIZED_KEY).toBeGreaterThan(0)
  }, 60_000)

  it('fetch, sync and heads frames mutated from valid ones, both directions: no crash, every refused request counted, typed failures, no mutated record stored', async () => {
    const r = await fuzzFrames({ frames: 150 })
    expect(r).toMatchObject({ ok: true, crashes: 0, untyped: 0, storedMutated: 0, responderAlive: true })
    for (const name of ['fetch', 'sync', 'heads'] as const) {
      expect(r.requests[name].sent).toBe(150)
      expect(r.requests[name].refused).toBeGreaterThan(0)
      expect(r.requests[name].violations).toBeGreaterThanOrEqual(r.requests[name].refused)
      expect(r.responses[name].sent).toBe(150)
      expect(r.responses[name].failed).toBeGreaterThan(0)
    }
  }, 90_000)
})
