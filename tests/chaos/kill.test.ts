/**
 * Short version of the chaos suite's SIGKILL scenario (`npm run chaos -- --only=kill` runs
 * 100): `oos start` processes killed at random moments while publishing, importing, syncing
 * and serving; every store must open and be consistent, every acknowledged publish on disk.
 */
import { describe, expect, it } from 'vitest'
import { killScenario } from '../../chaos/kill.ts'

describe('chaos: SIGKILL at random moments', () => {
  it('during publish, import, sync and serving: 0 corrupted stores, 0 lost acknowledged versions', async () => {
    const r = await killScenario({ kills: 4, versions: 20 })
    expect(r.byMode).toEqual({ publish: 1, import: 1, sync: 1, serving: 1 })
    expect(r.problems).toEqual([])
    expect(r).toMatchObject({ ok: true, corruptedStores: 0, lostAcknowledged: 0, storesChecked: 6 })
    expect(r.acknowledgedVersions).toBeGreaterThanOrEqual(20)
  }, 120_000)
})
