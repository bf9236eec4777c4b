import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { CID } from 'multiformats/cid'
import { testKey } from '../../protocol/vectors/generate.ts'
import { localApp } from '../../src/app/local.ts'
import type { LocalApp } from '../../src/app/types.ts'
import { parseOosMarkdown } from '../../src/oos/index.ts'
import { claimCid } from '../../src/records/claims.ts'
import { signVersion } from '../../src/records/version.ts'
import { makeEndorsement, makeRetraction } from '../../src/trust/statements.ts'
import { openNode } from '../helpers.ts'
import { exampleText, publishExamples, T0, type Published } from './examples.ts'

type Node = Awaited<ReturnType<typeof openNode>>

describe('search over the claims of every org held', () => {
  let node: Node
  let p: Published
  let app: LocalApp

  beforeAll(async () => {
    node = await openNode()
    p = await publishExamples(node.ingest)
    // we are ledgerline: its claims are ours (trust mark `us`), the others neutral
    app = localApp(node.store, node.ingest, { org: p.did.ledgerline, name: 'Ledger' })
  })
  afterAll(async () => { await node.close() })

  it('ranks across orgs: the claims about self-reported confidence first, with their orgs and the fields that matched', async () => {
    const hits = await app.search({ text: 'self-reported confidence', limit: 3 })
    expect(hits.slice(0, 2).map(h => [h.name, h.claim_id, h.seq, h.current])).toEqual([['Ledgerline', 'C009', 3, true], ['Carepath', 'C008', 3, true]])
    expect(hits[0].cid).toBe(p.claim('ledgerline', 'C009'))
    expect(hits[0].label).toEqual({ trust: 'us', nameShared: false, alias: 'Ledger' })
    expect(hits[1].label).toEqual({ trust: 'neutral', nameShared: false })
    expect(hits[0].matched).toContain('rule')
    expect(hits[0].score).toBeGreaterThan(hits[1].score)
    expect(hits.length).toBe(3)
  })

  it('says which field matched: a word only in a scope matches the scope only', async () => {
    // "heartbeat" is only in ledgerline C001's scope
    const [hit, ...rest] = await app.search({ text: 'heartbeat' })
    expect(rest).toEqual([])
    expect([hit.claim_id, hit.matched]).toEqual(['C001', ['scope']])
  })

  it('finds an org by its pseudonym and by our alias for it', async () => {
    for (const text of ['Carepath', 'Ledger']) {
      const hits = await app.search({ text, limit: 200 })
      expect(hits.length, text).toBeGreaterThan(10)
      expect(hits.every(h => h.matched.includes('org')), text).toBe(true)
    }
    expect(new Set((await app.search({ text: 'Carepath', limit: 200 })).map(h => h.name))).toEqual(new Set(['Carepath']))
  })

  it('filters by section, confidence and trust', async () => {
    const text = 'approval of customer messages'
    const all = await app.search({ text, limit: 200 })
    const section = await app.search({ text, section: 'failure_patterns', limit: 200 })
    const low = await app.search({ text, confidence: 'LOW', limit: 200 })
    const trusted = await app.search({ text, trusted: true, limit: 200 })
    for (const [hits, keep] of [[section, (h: typeof all[number]) => h.section === 'failure_patterns'], [low, (h: typeof all[number]) => h.confidence === 'LOW'], [trusted, (h: typeof all[number]) => h.org === p.did.ledgerline]] as const) {
      expect(hits.length).toBeGreaterThan(0)
      expect(hits.length).toBeLessThan(all.length)
      expect(hits.map(h => h.cid)).toEqual(all.filter(keep).map(h => h.cid))
    }
  })

  it('holds earlier wordings and dropped claims, marked not current and ranked below the current wording', async () => {
    // ledgerline dropped C015 (goodwill credits) in v3 and reworded C003 in v2
    const goodwill = await app.search({ text: 'goodwill credits spend', limit: 200 })
    const c015 = goodwill.find(h => h.claim_id === 'C015' && h.org === p.did.ledgerline)
    expect([c015?.seq, c015?.current]).toEqual([2, false])
    const rendered = (await app.search({ text: 'automated status notifications approval', limit: 200 })).filter(h => h.org === p.did.ledgerline && h.claim_id === 'C003')
    expect(rendered.map(h => [h.seq, h.current])).toEqual([[3, true], [1, false]])
    expect(rendered[1].cid).toBe(p.claim('ledgerline', 'C003', 1))
  })

  it('counts the current endorsements and disputes of other orgs, one voice per org', async () => {
    const target = CID.parse(p.claim('carepath', 'C008'))
    const say = async (org: 'ledgerline' | 'parcelworks' | 'carepath', stance: 'endorse' | 'dispute', now: number): Promise<CID> => {
      const key = testKey(org)
      const r = await node.ingest.ingest(await makeEndorsement({ org: key.did, secretKey: key.secretKey, target, stance, now }, node.store), { source: 'local' })
      expect(r.status).toBe('accepted')
      return r.cid
    }
    const counts = async (): Promise<[number, number]> => {
      const hit = (await app.search({ text: 'self-reported confidence', limit: 5 })).find(h => h.cid === target.toString())
      return [hit?.endorsements ?? -1, hit?.disputes ?? -1]
    }
    expect(await counts()).toEqual([0, 0])
    const now = Date.now()
    await say('ledgerline', 'endorse', now - 3000)
    await say('ledgerline', 'dispute', now - 2000) // ledgerline changed its mind: one dispute, not one of each
    const endorsed = await say('parcelworks', 'endorse', now - 1000)
    await say('carepath', 'endorse', now - 500) // the author's own statement is not counted
    expect(await counts()).toEqual([1, 1])
    const pw = testKey('parcelworks')
    expect((await node.ingest.ingest(await makeRetraction({ org: pw.did, secretKey: pw.secretKey, target: endorsed, reason: 'wrong claim', now }, node.store), { source: 'local' })).status).toBe('accepted')
    expect(await counts()).toEqual([0, 1])
  })

  it('is kept up to date by the versions the door accepts, not rebuilt', async () => {
    const own = await openNode()
    try {
      const q = await publishExamples(own.ingest, 2)
      const local = localApp(own.store, own.ingest, { org: q.did.ledgerline })
      // built by this first question, over v1 and v2
      expect((await local.search({ text: 'reshipment 72 hours without a scan' })).some(h => h.claim_id === 'C018')).toBe(false)
      // parcelworks v3 (which adds C018) arrives through the door
      const key = testKey('parcelworks')
      const body = parseOosMarkdown(await exampleText('parcelworks', 3)).body
      const head = await own.store.head(key.did)
      const v3 = signVersion(body, { org: key.did, seq: 3, prev: head?.cid ?? null, createdAt: T0 + 3 * 86_400_000 }, key.secretKey)
      expect((await own.ingest.ingest(v3.bytes, { source: 'test' })).status).toBe('accepted')
      const hits = await local.search({ text: 'reshipment 72 hours without a scan' })
      const c018 = body.claims.find(c => c.claim_id === 'C018')
      expect(hits[0]?.cid).toBe(c018 === undefined ? undefined : claimCid(key.did, c018).toString())
      expect([hits[0]?.seq, hits[0]?.current]).toEqual([3, true])
      // C013 was reworded in v3: its v2 wording is held, no longer current
      const c013 = (await local.search({ text: 'compensation human decision', limit: 50 })).filter(h => h.claim_id === 'C013' && h.org === key.did)
      expect(c013.map(h => [h.seq, h.current])).toEqual([[3, true], [2, false]])
    } finally {
      await own.close()
    }
  })

  it('labels two orgs with the same pseudonym as sharing it, so their dids are shown', async () => {
    const own = await openNode()
    try {
      const q = await publishExamples(own.ingest, 1)
      // an impostor publishes ledgerline's v1 under its own key
      const impostor = testKey('impostor')
      const v1 = signVersion(parseOosMarkdown(await exampleText('ledgerline', 1)).body, { org: impostor.did, seq: 1, prev: null, createdAt: T0 }, impostor.secretKey)
      expect((await own.ingest.ingest(v1.bytes, { source: 'test' })).status).toBe('accepted')
      const hits = await localApp(own.store, own.ingest, { org: q.did.carepath }).search({ text: 'lease holder', limit: 2 })
      expect(new Set(hits.map(h => h.org))).toEqual(new Set([q.did.ledgerline, impostor.did]))
      expect(hits.map(h => [h.name, h.label.nameShared])).toEqual([['Ledgerline', true], ['Ledgerline', true]])
    } finally {
      await own.close()
    }
  })

  it('refuses an empty text, an unknown confidence and a limit out of range with INVALID_ARGUMENT', async () => {
    for (const input of [{ text: '' }, { text: '   ' }, { text: 'x'.repeat(1001) }, { text: 'fee', confidence: 'SURE' as never }, { text: 'fee', limit: 0 }, { text: 'fee', limit: 201 }, { text: 'fee', limit: 1.5 }]) {
      await expect(app.search(input), JSON.stringify(input).slice(0, 60)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    }
  })
})
