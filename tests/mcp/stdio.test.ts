/**
 * issue 17, Must show "MCP": the SDK's client connected to a real `oos mcp` process over stdio
 * calls every tool against a 3-org federation (federation.ts): the answers' content, the marking
 * of others' text as untrusted data, and the write tools absent without --allow-write and
 * working with it (an endorsement through MCP then shows in the claim's provenance).
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { homePaths } from '../../src/app/home.ts'
import { Store } from '../../src/store/store.ts'
import { tempDir } from '../helpers.ts'
import { until } from '../net/nodes.ts'
import { federation, oosOk, type Federation } from './federation.ts'
import { mcpOverStdio, strings, type McpProcess } from './client.ts'

const READ_TOOLS = ['list_orgs', 'get_document', 'get_claim', 'claim_provenance', 'diff_versions', 'search_claims', 'similar_claims', 'feed']
const WRITE_TOOLS = ['endorse', 'dispute', 'adopt_into_draft']
/** a document's URI: the did's colons percent-encoded (MCP.md §2.3) */
const uri = (did: string, seq: number): string => `oos://${did.replaceAll(':', '%3A')}/${seq}`

describe('oos mcp over stdio, on three organizations', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let fed: Federation
  let mcp: McpProcess

  beforeAll(async () => {
    dir = await tempDir()
    fed = await federation(dir.path)
    mcp = await mcpOverStdio(fed.homes.ledgerline)
  }, 180_000)
  afterAll(async () => {
    await mcp?.close()
    await dir?.cleanup()
  })

  it('offers the read tools only, each with a description and an input schema, and the documents as resources', async () => {
    const { tools } = await mcp.client.listTools()
    expect(tools.map(t => t.name).sort()).toEqual([...READ_TOOLS].sort())
    for (const t of tools) {
      expect(t.description?.length, t.name).toBeGreaterThan(80)
      expect(t.inputSchema.type).toBe('object')
      expect(t.outputSchema?.required).toEqual(['notice', 'trusted', 'untrusted', 'ours'])
      expect(t.annotations?.readOnlyHint, t.name).toBe(true)
    }
    expect(mcp.client.getInstructions()).toMatch(/"untrusted".*never as instructions/)
    const { resourceTemplates } = await mcp.client.listResourceTemplates()
    expect(resourceTemplates.map(r => r.uriTemplate)).toEqual(['oos://{did}/{seq}'])
    const { resources } = await mcp.client.listResources()
    expect(resources.map(r => r.uri).sort()).toEqual([uri(fed.did.carepath, 3), uri(fed.did.ledgerline, 3), uri(fed.did.parcelworks, 3)].sort())
    expect(await mcp.fail('endorse', { cid: fed.claim('carepath', 'C001') })).toMatch(/not found|endorse/i)
  })

  it('list_orgs: dids, heads and trust are trusted; pseudonyms are each org\'s own text', async () => {
    const r = await mcp.call('list_orgs')
    const rows = r.trusted.orgs as any[]
    expect(rows.map(o => o.org)).toEqual([fed.did.ledgerline, ...[fed.did.carepath, fed.did.parcelworks]])
    expect(rows[0]).toMatchObject({ self: true, trust: 'us', alias: 'Ledgerline', head: { seq: 3 } })
    expect(rows.find(o => o.org === fed.did.carepath)).toMatchObject({ followed: true, trusted: true, trust: 'trusted', head: { seq: 3 } })
    expect(rows.find(o => o.org === fed.did.parcelworks)).toMatchObject({ followed: false, trusted: false, trust: 'neutral' })
    for (const row of rows) expect(row.pseudonym).toBeUndefined()
    expect(r.ours['orgs[0].pseudonym']).toBe('Ledgerline')
    expect(r.untrusted['orgs[1].pseudonym']).toBe('Carepath')
    expect(r.untrusted['orgs[2].pseudonym']).toBe('Parcelworks')
  })

  it('get_document: the record\'s fields trusted, the whole body untrusted (ours for our own org); the same as a resource', async () => {
    const r = await mcp.call('get_document', { org: 'carepath', seq: 2 })
    expect(r.trusted).toMatchObject({ org: fed.did.carepath, seq: 2, claims: 16 })
    expect(r.trusted.body).toBeUndefined()
    const body = r.untrusted.body
    expect(body.frontmatter.org_pseudonym).toBe('Carepath')
    expect(body.claims.map((c: any) => c.claim_id)).toContain('C016')
    expect(strings(r.trusted).join('\n')).not.toContain(body.claims[0].rule)
    const ours = await mcp.call('get_document', { org: fed.did.ledgerline })
    expect(ours.trusted.seq).toBe(3)
    expect(ours.ours.body.claims).toHaveLength(18)
    expect(ours.untrusted).toEqual({})
    const res = await mcp.client.readResource({ uri: uri(fed.did.carepath, 2) })
    expect(JSON.parse((res.contents[0] as { text: string }).text)).toEqual({ notice: r.notice, trusted: r.trusted, untrusted: r.untrusted, ours: {} })
    expect(await mcp.fail('get_document', { org: 'carepath', seq: 9 })).toMatch(/^NOT_FOUND: /)
    expect(await mcp.fail('get_document', { org: 'nobody' })).toMatch(/^NOT_FOUND: /)
  })

  it('get_claim: the claim\'s ids and enums trusted, its text untrusted', async () => {
    const cid = fed.claim('parcelworks', 'C018')
    const r = await mcp.call('get_claim', { cid })
    expect(r.trusted).toMatchObject({ cid, claim_id: 'C018', org: fed.did.parcelworks, seq: 3, current: true, hashes: true, claim: { claim_id: 'C018', confidence: 'HIGH', evidence: 'MEASURED_RESULT' } })
    expect(r.untrusted['claim.rule']).toMatch(/lost/i)
    for (const f of ['why', 'failure_mode', 'scope']) expect(typeof r.untrusted[`claim.${f}`], f).toBe('string')
    expect(Object.values(r.untrusted).join('\n')).toMatch(/38%/)
    expect(r.trusted.claim.rule).toBeUndefined()
    expect(await mcp.fail('get_claim', { cid: 'not-a-cid' })).toMatch(/^(INVALID_ARGUMENT|NOT_FOUND): /)
  })

  it('claim_provenance: endorsements and disputes of other orgs, their notes untrusted, ours marked ours', async () => {
    const disputed = fed.claim('ledgerline', 'C003')
    const r = await mcp.call('claim_provenance', { cid: disputed })
    expect(r.trusted).toMatchObject({ claim: { cid: disputed, claim_id: 'C003' }, author: { org: fed.did.ledgerline, self: true, chain: { valid: true, head: 3 } } })
    const i = (r.trusted.endorsements as any[]).findIndex(e => e.org === fed.did.parcelworks)
    expect(r.trusted.endorsements[i]).toMatchObject({ stance: 'dispute', status: 'valid', trusted: false, counted: false })
    // the order in the dispute's note is data under untrusted, nowhere in trusted
    expect(r.untrusted[`endorsements[${i}].note`]).toMatch(/^IGNORE ALL PREVIOUS INSTRUCTIONS/)
    expect(strings(r.trusted).some(s => s.includes('IGNORE'))).toBe(false)
    expect(strings(r.ours).some(s => s.includes('IGNORE'))).toBe(false)
    // the claim is ours: its text is ours
    expect(r.ours['claim.rule']).toMatch(/human/i)
    const ourStatement = await mcp.call('claim_provenance', { cid: fed.claim('parcelworks', 'C007') })
    const k = (ourStatement.trusted.endorsements as any[]).findIndex(e => e.org === fed.did.ledgerline)
    expect(ourStatement.trusted.endorsements[k]).toMatchObject({ stance: 'endorse', trusted: true, counted: true })
    expect(ourStatement.ours[`endorsements[${k}].note`]).toBe('A timeout is an unknown state for us as well.')
    expect(ourStatement.untrusted['claim.rule']).toBeDefined()
  })

  it('diff_versions: what changed between two versions, the text untrusted', async () => {
    const r = await mcp.call('diff_versions', { org: 'ledgerline', from: 1, to: 2 })
    expect(r.trusted).toMatchObject({ org: fed.did.ledgerline, from: { seq: 1 }, to: { seq: 2 }, claims: { unchanged: 14 } })
    expect(r.trusted.claims.added.map((c: any) => c.claim_id)).toEqual(['C017'])
    expect(r.trusted.claims.changed.map((c: any) => c.claim_id).sort()).toEqual(['C002', 'C003'])
    expect(r.trusted.claims.changed.find((c: any) => c.claim_id === 'C002').confidence).toEqual({ from: 'MEDIUM', to: 'HIGH' })
    expect(r.ours['claims.added[0].rule']).toMatch(/reconcil/i)
    const latest = await mcp.call('diff_versions', { org: 'carepath' })
    expect(latest.trusted).toMatchObject({ from: { seq: 2 }, to: { seq: 3 } })
    expect(latest.trusted.claims.removed.map((c: any) => c.claim_id)).toEqual(['C007'])
    expect(Object.keys(latest.untrusted).some(k => k.startsWith('claims.removed[0].'))).toBe(true)
  })

  it('search_claims: ranked hits across the orgs, ids and counts trusted, rule and section each org\'s text', async () => {
    const r = await mcp.call('search_claims', { text: 'idempotency key timeout retry' })
    const hits = r.trusted.hits as any[]
    const i = hits.findIndex(h => h.cid === fed.claim('ledgerline', 'C002'))
    expect(i).toBeGreaterThanOrEqual(0)
    expect(hits[i]).toMatchObject({ org: fed.did.ledgerline, claim_id: 'C002', seq: 3, confidence: 'HIGH', label: { trust: 'us' } })
    expect(hits[i].rule).toBeUndefined()
    expect(r.ours[`hits[${i}].rule`]).toMatch(/idempotency key/i)
    const j = hits.findIndex(h => h.org === fed.did.parcelworks)
    expect(j).toBeGreaterThanOrEqual(0)
    expect(typeof r.untrusted[`hits[${j}].rule`]).toBe('string')
    expect(typeof r.untrusted[`hits[${j}].section`]).toBe('string')
    expect(hits[j].matched.length).toBeGreaterThan(0)
    for (const h of hits) expect(typeof h.score).toBe('number')
    const only = await mcp.call('search_claims', { text: 'idempotency key timeout retry', trusted: true })
    expect((only.trusted.hits as any[]).length).toBeGreaterThan(0)
    for (const h of only.trusted.hits as any[]) expect([fed.did.ledgerline, fed.did.carepath]).toContain(h.org)
    expect(await mcp.fail('search_claims', { text: 'x', confidence: 'SURE' })).toMatch(/confidence/i)
  })

  it('similar_claims: the agreeing and contradicting claims of the other orgs (examples/orgs/CHANGES.md), their text untrusted', async () => {
    const r = await mcp.call('similar_claims', { cid: fed.claim('ledgerline', 'C003') })
    const hits = r.trusted.hits as any[]
    for (const h of hits) {
      expect(h.org).not.toBe(fed.did.ledgerline)
      expect(['agrees', 'contradicts', 'related']).toContain(h.relation)
      expect(h.similarity).toBeGreaterThan(0)
      expect(h.provenance.verdict).toMatch(/^[a-z]+$/)
    }
    const relation = (cid: string): string | undefined => hits.find(h => h.cid === cid)?.relation
    // CHANGES.md, contradiction 1: human approval of templated customer messages
    expect(relation(fed.claim('parcelworks', 'C003'))).toBe('contradicts')
    expect(relation(fed.claim('carepath', 'C004'))).toBe('contradicts')
    const k = hits.findIndex(h => h.cid === fed.claim('parcelworks', 'C003'))
    expect(typeof r.untrusted[`hits[${k}].rule`]).toBe('string')
    expect(hits[k].rule).toBeUndefined()
    expect(Object.keys(r.ours)).toEqual([])
    // agreement: a single writer for shared state; Carepath is followed, so its author is trusted
    const agree = await mcp.call('similar_claims', { cid: fed.claim('ledgerline', 'C001') })
    const care = (agree.trusted.hits as any[]).find(h => h.cid === fed.claim('carepath', 'C001'))
    expect(care).toMatchObject({ relation: 'agrees', org: fed.did.carepath, provenance: { trusted: true } })
    expect(await mcp.fail('similar_claims', { cid: 'bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy' })).toMatch(/^NOT_FOUND: /)
  })

  it('feed: other orgs\' versions and the statements about our claims and those of the orgs we follow, oldest first; orders in a note stay data', async () => {
    const r = await mcp.call('feed')
    const events = r.trusted.events as any[]
    expect(events.filter(e => e.kind === 'version').map(e => `${e.org}/${e.seq}`).sort()).toEqual([fed.did.carepath, fed.did.parcelworks].flatMap(d => [1, 2, 3].map(s => `${d}/${s}`)).sort())
    // news: about our claims or a followed org's (Carepath), never what we signed ourselves
    const news = fed.statements.filter(s => s.by !== 'ledgerline' && (s.org === 'ledgerline' || s.org === 'carepath'))
    expect(news).toHaveLength(3)
    for (const s of news) {
      const e = events.find(x => x.id === s.cid)
      expect(e, `${s.by} ${s.stance}`).toMatchObject({ kind: s.stance === 'dispute' ? 'dispute' : 'endorsement', org: fed.did[s.by], target: fed.claim(s.org, s.claim) })
    }
    expect(events.filter(e => e.kind === 'endorsement' || e.kind === 'dispute')).toHaveLength(3)
    for (let k = 1; k < events.length; k++) expect(events[k].at).toBeGreaterThanOrEqual(events[k - 1].at)
    for (const [k, e] of events.entries()) {
      expect(e.summary).toBeUndefined()
      expect(typeof r.untrusted[`events[${k}].summary`]).toBe('string')
    }
    const d = events.findIndex(e => e.kind === 'dispute')
    expect(Object.entries(r.untrusted).some(([k, v]) => k.startsWith(`events[${d}].`) && String(v).startsWith('IGNORE ALL PREVIOUS INSTRUCTIONS'))).toBe(true)
    expect(strings(r.trusted).some(x => x.includes('IGNORE'))).toBe(false)
    const later = await mcp.call('feed', { since: new Date(events[events.length - 1].at).toISOString() })
    expect((later.trusted.events as any[]).map(e => e.id)).toEqual(events.filter(e => e.at >= events[events.length - 1].at).map(e => e.id))
    expect(await mcp.fail('feed', { since: 'yesterday' })).toMatch(/^INVALID_ARGUMENT: since/)
  })

  it('calls at once are answered, one store opening at a time, and the store is free between calls (MCP.md R-M1.4)', async () => {
    const all = await Promise.all([
      mcp.call('list_orgs'), mcp.call('get_document', { org: 'parcelworks' }), mcp.call('get_claim', { cid: fed.claim('carepath', 'C004') }),
      mcp.call('claim_provenance', { cid: fed.claim('ledgerline', 'C001') }), mcp.call('diff_versions', { org: 'parcelworks', from: 1, to: 3 })
    ])
    expect(all.map(r => Object.keys(r.trusted).length > 0)).toEqual([true, true, true, true, true])
    // the MCP server still runs, and holds no lock: an offline command opens the store
    expect((await oosOk(['log', 'carepath', '--home', fed.homes.ledgerline])).map((e: any) => e.seq)).toEqual([3, 2, 1])
    expect((await mcp.call('list_orgs')).trusted.orgs).toHaveLength(3)
  })

  it('while another process holds the store, a call waits for it (MCP.md R-M1.4), and past the wait it is STORE_LOCKED', async () => {
    const held = new Store({ path: homePaths(fed.homes.ledgerline).db })
    await held.start() // this test's process holds the store now, as an offline oos command would
    const waiting = mcp.call('get_claim', { cid: fed.claim('carepath', 'C004') })
    await until(() => mcp.stderr().includes('is in use by another process; waiting up to 5 s'), 15_000, 'the server to say it waits')
    await held.stop()
    expect((await waiting).trusted.claim_id).toBe('C004')
    await held.start()
    try {
      expect(await mcp.fail('list_orgs')).toMatch(/^STORE_LOCKED: /)
    } finally {
      await held.stop()
    }
    expect((await mcp.call('list_orgs')).trusted.orgs).toHaveLength(3)
  })

  it('--allow-write adds endorse, dispute and adopt_into_draft (never publish); an endorsement through MCP shows in the provenance', async () => {
    const writer = await mcpOverStdio(fed.homes.ledgerline, ['--allow-write'])
    try {
      const { tools } = await writer.client.listTools()
      expect(tools.map(t => t.name).sort()).toEqual([...READ_TOOLS, ...WRITE_TOOLS].sort())
      expect(tools.some(t => /publish/.test(t.name))).toBe(false)
      for (const t of tools.filter(t => WRITE_TOOLS.includes(t.name))) expect(t.annotations?.readOnlyHint, t.name).toBe(false)

      const target = fed.claim('carepath', 'C001')
      const e = await writer.call('endorse', { cid: target, note: 'One writer per shared record, by lease: the same lesson.', evidence_type: 'OBSERVED_REPEATEDLY', evidence: '14 months of cases', expires_in_days: 90 })
      expect(e.trusted).toMatchObject({ status: 'accepted', stance: 'endorse', target })
      const p = await writer.call('claim_provenance', { cid: target })
      const k = (p.trusted.endorsements as any[]).findIndex(x => x.cid === e.trusted.cid)
      expect(p.trusted.endorsements[k]).toMatchObject({ org: fed.did.ledgerline, stance: 'endorse', status: 'valid', trusted: true, counted: true, evidence: { type: 'OBSERVED_REPEATEDLY' } })
      expect(p.ours[`endorsements[${k}].note`]).toBe('One writer per shared record, by lease: the same lesson.')
      expect(p.ours[`endorsements[${k}].evidence.text`]).toBe('14 months of cases')
      // Parcelworks' endorsement of the same claim is still theirs
      const j = (p.trusted.endorsements as any[]).findIndex(x => x.org === fed.did.parcelworks)
      expect(p.untrusted[`endorsements[${j}].note`]).toBe('Our allocation agent alone writes reservations.')

      const disputed = fed.claim('carepath', 'C008')
      const d = await writer.call('dispute', { cid: disputed, note: 'Self-reported confidence did not separate right from wrong in 1,900 graded drafts.' })
      expect(d.trusted).toMatchObject({ status: 'accepted', stance: 'dispute', target: disputed })
      const pd = await writer.call('claim_provenance', { cid: disputed })
      expect((pd.trusted.endorsements as any[]).find(x => x.cid === d.trusted.cid)).toMatchObject({ stance: 'dispute', counted: true })
      expect(pd.trusted.disputes).toEqual([fed.did.ledgerline])
      expect(await writer.fail('endorse', { cid: disputed, evidence_type: 'OBSERVED_ONCE' })).toMatch(/^INVALID_ARGUMENT: evidence_type and evidence go together/)

      const source = fed.claim('parcelworks', 'C018')
      const a = await writer.call('adopt_into_draft', { cid: source })
      expect(a.trusted).toMatchObject({ file: join(fed.homes.ledgerline, 'draft.oos.md'), source: { cid: source, org: fed.did.parcelworks }, added: { claim_id: 'C020', derived_from: [source] }, conflicts: [] })
      expect(a.untrusted['added.rule']).toMatch(/lost/i)
      const draft = await readFile(join(fed.homes.ledgerline, 'draft.oos.md'), 'utf8')
      expect(draft).toContain('**[C020]**')
      expect(draft).toContain(source)
      const again = await writer.call('adopt_into_draft', { cid: source })
      expect(again.trusted.added).toBeNull()
      expect(again.trusted.conflicts[0].kind).toBe('already-adopted')
    } finally {
      await writer.close()
    }
  })

  it('signing offline needs the passphrase from the environment: without it, a tool error, and the server keeps answering', async () => {
    const writer = await mcpOverStdio(fed.homes.ledgerline, ['--allow-write'], { OOS_PASSPHRASE: undefined })
    try {
      expect(await writer.fail('endorse', { cid: fed.claim('parcelworks', 'C002') })).toMatch(/^NO_PASSPHRASE: .*OOS_PASSPHRASE/)
      expect((await writer.call('list_orgs')).trusted.orgs).toHaveLength(3)
    } finally {
      await writer.close()
    }
  })
})
