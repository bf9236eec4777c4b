import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { tempDir } from '../helpers.ts'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { oos, ROOT, startOos } from '../cli/run.ts'
import { exampleHomes, type OrgName } from './examples.ts'

describe('oos search and oos similar', () => {
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

  it('oos similar: the contradictions and agreements of examples/orgs/CHANGES.md, with the org, trust mark and provenance of each', async () => {
    const claims = (await oos(['claims', '--json', '--home', home])).json() as Array<{ cid: string, org: string, claim_id: string }>
    const cid = (org: OrgName, id: string): string => claims.find(c => c.org === did[org] && c.claim_id === id)?.cid ?? ''
    const ask = async (org: OrgName, id: string): Promise<Map<string, string>> => {
      const r = await oos(['similar', cid(org, id), '--json', '--home', home])
      expect(r.code, r.stderr).toBe(0)
      return new Map(r.json().map((h: { cid: string, relation: string }) => [h.cid, h.relation]))
    }
    const c003 = await ask('ledgerline', 'C003')
    expect([c003.get(cid('parcelworks', 'C003')), c003.get(cid('carepath', 'C004'))]).toEqual(['contradicts', 'contradicts'])
    expect((await ask('carepath', 'C008')).get(cid('ledgerline', 'C009'))).toBe('contradicts')
    const c001 = await ask('ledgerline', 'C001')
    expect([c001.get(cid('carepath', 'C001')), c001.get(cid('parcelworks', 'C002'))]).toEqual(['agrees', 'agrees'])
    const text = await oos(['similar', cid('ledgerline', 'C009'), '--home', home])
    expect(text.code, text.stderr).toBe(0)
    const shown = text.stdout.replace(/similarity 0\.[0-9]{2}/g, 'similarity 0.xx').replace(/provenance: (unverified|stale)/g, 'provenance: VERDICT')
    expect(shown).toContain(`${cid('carepath', 'C008')}\n  Carepath [not trusted] C008 v3  MEDIUM / MEASURED_RESULT  [coordination_patterns]\n  CONTRADICTS, similarity 0.xx (rule, why, failure_mode)  0 endorsements, 0 disputes\n  provenance: VERDICT, 1 version, 0 trusted confirmation(s), 0 trusted dispute(s)\n  Requests for which`)
    const bad = await oos(['similar', 'bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', '--json', '--home', home])
    expect([bad.code, JSON.parse(bad.stderr).error.code]).toEqual([1, 'NOT_FOUND'])
  })

  it('answers the same through a running node (GET /v1/search, GET /v1/claims/{cid}/similar), its index kept across questions', async () => {
    const offline = (await oos(['search', 'timeout retry duplicate', '--json', '--home', home])).json()
    const claim = offline[0].cid
    const similarOffline = (await oos(['similar', claim, '--json', '--home', home])).json()
    const node = await startOos(['--home', home, '--listen', '/ip4/127.0.0.1/tcp/0'])
    try {
      for (let i = 0; i < 2; i++) {
        const online = await oos(['search', 'timeout retry duplicate', '--json', '--home', home])
        expect(online.code, online.stderr).toBe(0)
        expect(online.json()).toEqual(offline)
      }
      const similarOnline = await oos(['similar', claim, '--json', '--home', home])
      expect(similarOnline.code, similarOnline.stderr).toBe(0)
      expect(similarOnline.json()).toEqual(similarOffline)
      // a version published through the node reaches the node's index (record:accepted)
      const v4 = join(dir.path, 'v4.oos.md')
      const v3 = await readFile(join(ROOT, 'examples', 'orgs', 'ledgerline', 'v3.oos.md'), 'utf8')
      await writeFile(v4, v3.replace('Do not route, prioritise, or fast-track work', 'Never route, prioritise, or fast-track any work'))
      const published = await oos(['publish', v4, '--fix', '--home', home])
      expect(published.code, published.stderr).toBe(0)
      const hits = (await oos(['search', 'never route fast-track', '--json', '--home', home])).json() as Array<{ org: string, claim_id: string, seq: number, current: boolean, rule: string }>
      expect(hits.filter(h => h.org === did.ledgerline && h.claim_id === 'C009').map(h => [h.seq, h.current, h.rule.slice(0, 11)])).toEqual([[4, true, 'Never route'], [3, false, 'Do not rout']])
    } finally {
      node.child.kill('SIGTERM')
      await node.exit
    }
  }, 60_000)
})
