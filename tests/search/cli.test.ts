import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { tempDir } from '../helpers.ts'
import { oos, startOos } from '../cli/run.ts'
import { exampleHomes, type OrgName } from './examples.ts'

describe('oos search', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let home: string
  let did: Record<OrgName, string>

  beforeAll(async () => {
    dir = await tempDir()
    ;({ home, did } = await exampleHomes(dir.path))
  }, 120_000)
  afterAll(async () => { await dir.cleanup() })

  it('ranks across orgs offline, and shows each hit\'s org with its trust mark, its counts and the field that matched', async () => {
    const json = await oos(['search', 'self-reported confidence', '--limit', '2', '--json', '--home', home])
    expect(json.code, json.stderr).toBe(0)
    const hits = json.json()
    expect(hits.map((h: { org: string, claim_id: string, label: { trust: string } }) => [h.org, h.claim_id, h.label.trust])).toEqual([[did.ledgerline, 'C009', 'us'], [did.carepath, 'C008', 'neutral']])
    const text = await oos(['search', 'self-reported confidence', '--limit', '2', '--home', home])
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toContain(`${hits[0].cid}\n  Ledgerline [us] C009 v3  HIGH / MEASURED_RESULT  [operational_heuristics]\n  score `)
    expect(text.stdout).toMatch(/\n {2}Carepath \[not trusted\] C008 v3 {2}MEDIUM \/ MEASURED_RESULT {2}\[coordination_patterns\]\n {2}score [0-9.]+, matched rule, why {2}0 endorsements, 0 disputes\n/)
  })

  it('filters, and refuses bad options with a usage error', async () => {
    const r = await oos(['search', 'approval', '--confidence', 'low', '--section', 'human_ai_boundary_conditions', '--json', '--home', home])
    expect(r.code, r.stderr).toBe(0)
    expect(r.json().map((h: { claim_id: string }) => h.claim_id)).toEqual(['C019'])
    const trusted = await oos(['search', 'approval', '--trusted', '--json', '--home', home])
    expect(new Set(trusted.json().map((h: { org: string }) => h.org))).toEqual(new Set([did.ledgerline]))
    for (const bad of [['--confidence', 'sure'], ['--limit', '0']]) {
      const b = await oos(['search', 'approval', ...bad, '--home', home])
      expect(b.code, bad.join(' ')).toBe(2)
    }
  })

  it('answers the same through a running node (GET /v1/search), its index kept across questions', async () => {
    const offline = (await oos(['search', 'timeout retry duplicate', '--json', '--home', home])).json()
    const node = await startOos(['--home', home, '--listen', '/ip4/127.0.0.1/tcp/0'])
    try {
      for (let i = 0; i < 2; i++) {
        const online = await oos(['search', 'timeout retry duplicate', '--json', '--home', home])
        expect(online.code, online.stderr).toBe(0)
        expect(online.json()).toEqual(offline)
      }
    } finally {
      node.child.kill('SIGTERM')
      await node.exit
    }
  }, 60_000)
})
