import { describe, it, expect } from 'vitest'
import { oos } from './run.ts'

describe('oos demo', () => {
  it('runs three organizations, an update arrives at both followers and verifies, and it cleans up', async () => {
    const r = await oos(['demo', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const story = r.json()
    expect(story.orgs.map((o: any) => o.name)).toEqual(['Ledgerline', 'Carepath', 'Parcelworks'])
    expect(story.update).toMatchObject({ seq: 2, verified: true })
    expect(Object.keys(story.update.arrivedMs).sort()).toEqual(['Carepath', 'Parcelworks'])
  })
})
