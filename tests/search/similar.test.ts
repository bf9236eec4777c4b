import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { testKey } from '../../protocol/vectors/generate.ts'
import { localApp } from '../../src/app/local.ts'
import { orgNames } from '../../src/app/names.ts'
import { ClaimIndex } from '../../src/app/search.ts'
import { similar, type Scorer } from '../../src/app/similar.ts'
import type { LocalApp, SimilarHit } from '../../src/app/types.ts'
import { makeEndorsement } from '../../src/trust/statements.ts'
import { CID } from 'multiformats/cid'
import { openNode } from '../helpers.ts'
import { exampleText, ORGS, publishExamples, type OrgName, type Published } from './examples.ts'
import { parseOosMarkdown } from '../../src/oos/index.ts'

type Ref = [OrgName, string, number?]
type Relation = SimilarHit['relation']

/**
 * examples/orgs/CHANGES.md, "Across organizations": each pair it lists that the lexical
 * scorer and the relation heuristic support, with the relation they must find, both ways,
 * within the default 10 hits. (In v3 wordings unless a version is given.)
 */
const FOUND: Array<[Ref, Ref, Relation]> = [
  // contradiction 1: human approval of templated customer messages
  [['ledgerline', 'C003'], ['parcelworks', 'C003'], 'contradicts'],
  [['ledgerline', 'C003'], ['carepath', 'C004'], 'contradicts'],
  [['ledgerline', 'C003', 2], ['parcelworks', 'C003'], 'contradicts'], // "the direct contradiction starts at ledgerline v2"
  [['ledgerline', 'C003', 1], ['parcelworks', 'C003'], 'related'], // "in v1 … excluded automated status notifications, so it did not conflict" (an exception in its scope)
  [['carepath', 'C004'], ['parcelworks', 'C003'], 'agrees'], // "carepath C004 takes parcelworks' side"; all three agree on free text
  // contradiction 2: routing on a model's self-reported confidence
  [['ledgerline', 'C009'], ['carepath', 'C008'], 'contradicts'],
  // agreement: single writer for shared state
  [['ledgerline', 'C001'], ['carepath', 'C001'], 'agrees'],
  [['ledgerline', 'C001'], ['parcelworks', 'C002'], 'agrees'],
  [['carepath', 'C001'], ['parcelworks', 'C002'], 'agrees'],
  [['ledgerline', 'C001'], ['parcelworks', 'C001'], 'agrees'], // "the same idea applied to a chain"
  // agreement: a timeout is an unknown state; look up before retrying
  [['ledgerline', 'C002'], ['parcelworks', 'C007'], 'agrees'],
  [['ledgerline', 'C002'], ['parcelworks', 'C008'], 'agrees'], // "parcelworks C008 in its v3 wording"
  // agreement: money given to customers is a human decision
  [['ledgerline', 'C018'], ['parcelworks', 'C013'], 'agrees']
]

/**
 * Expected limitations: listed relations the lexical heuristic does not find, pinned to what
 * it answers instead (`undefined`: not among the hits at all, the claims share too few words).
 * A better scorer (an embedding model) should turn these into FOUND.
 */
const LIMITS: Array<[Ref, Ref, Relation | undefined, string]> = [
  [['parcelworks', 'C008', 2], ['ledgerline', 'C002'], 'related', 'contradiction 3 is soft: "retry up to five times" has no negation to read'],
  [['ledgerline', 'C007'], ['carepath', 'C002'], undefined, 'fresh state at commit: "fresh pack" and "re-check at commit" share no words'],
  [['ledgerline', 'C007'], ['parcelworks', 'C002'], 'related', 'fresh state at commit: only "live"/"agent" are shared'],
  [['ledgerline', 'C004'], ['parcelworks', 'C013'], 'related', 'money to customers: "proposal for a human" and "human decision" are in different clauses'],
  [['parcelworks', 'C018'], ['ledgerline', 'C018'], undefined, 'remedies overshoot: reshipments and goodwill credits share no words'],
  [['ledgerline', 'C010'], ['carepath', 'C014'], 'related', 'off-script contact: "stops drafting" and "no agent continues" say the same without the same words'],
  [['parcelworks', 'C012'], ['carepath', 'C010'], undefined, 'fewer messages: delay notices and reminder hours share no words']
]

/**
 * Precision: every pair of the three orgs' v3 claims that `similar` (default 10 hits, asked
 * from each claim) calls `agrees` or `contradicts`, either way. `listed` pairs are in
 * CHANGES.md ("Across organizations"; ledgerline C019 "moves part of the way toward" carepath
 * C004); the others are not listed there (some are arguable: carepath C013 / parcelworks C014
 * both keep cancellations and floor changes with a person).
 *
 *                                     before (main)   after (this branch)
 *   listed relations found (v3 asks)       12              12
 *   unlisted pairs answered                 5               5
 *   ledgerline C003 v1 → parcelworks C003  contradicts     related (its scope's exception read)
 *
 * Tried and not kept (measured on the same pairs): scope in the similarity (weight 0.5: same
 * recall, unlisted 5; weight 1: unlisted 6); "agrees" by the shared weight of whole rules when
 * no clause aligns (≥ 2.1 units: +1 listed, +1 unlisted; ≥ 1.2: +2 listed, +5 unlisted); "agrees"
 * for mutual best matches between two orgs (+1 listed, +2 unlisted); BM25 field vectors in
 * the scorer instead of TF-IDF (b = 0.5: same recall, unlisted 4, but the listed agreements
 * ledgerline C001 / carepath C001 and / parcelworks C002 drop to 0.056 against the 0.055 bar:
 * a threshold nudge, not a separation; b = 0.75 loses ledgerline C001 / carepath C001). The missing agreements
 * share almost no words; their scores sit among unrelated pairs (protocol/SEARCH.md §4).
 */
const ANSWERED: Record<string, 'listed' | 'unlisted'> = {
  'ledgerline C001 agrees carepath C001': 'listed',
  'ledgerline C001 agrees parcelworks C001': 'listed',
  'ledgerline C001 agrees parcelworks C002': 'listed',
  'carepath C001 agrees parcelworks C002': 'listed',
  'ledgerline C002 agrees parcelworks C007': 'listed',
  'ledgerline C002 agrees parcelworks C008': 'listed',
  'ledgerline C003 contradicts carepath C004': 'listed',
  'ledgerline C003 contradicts parcelworks C003': 'listed',
  'carepath C004 agrees parcelworks C003': 'listed',
  'ledgerline C009 contradicts carepath C008': 'listed',
  'ledgerline C018 agrees parcelworks C013': 'listed',
  'ledgerline C019 agrees carepath C004': 'listed',
  'ledgerline C008 agrees parcelworks C001': 'unlisted',
  'carepath C002 agrees parcelworks C003': 'unlisted',
  'carepath C004 agrees parcelworks C017': 'unlisted',
  'carepath C009 agrees parcelworks C007': 'unlisted',
  'carepath C013 agrees parcelworks C014': 'unlisted'
}

describe('similar claims of other orgs, on the three example orgs', () => {
  let node: Awaited<ReturnType<typeof openNode>>
  let p: Published
  let app: LocalApp
  const cid = ([org, id, v]: Ref): string => p.claim(org, id, v)
  const relationOf = async (a: Ref, b: Ref): Promise<Relation | undefined> => (await app.similar({ cid: cid(a) })).find(h => h.cid === cid(b))?.relation

  beforeAll(async () => {
    node = await openNode()
    p = await publishExamples(node.ingest)
    app = localApp(node.store, node.ingest, { org: p.did.ledgerline })
  })
  afterAll(async () => { await node.close() })

  it('finds the contradictions and agreements CHANGES.md lists, with their relation, both ways', async () => {
    for (const [a, b, relation] of FOUND) {
      expect(await relationOf(a, b), `${a.join(' ')} → ${b.join(' ')}`).toBe(relation)
      // a retired wording is asked about, but only current claims are answered
      if (a[2] === undefined) expect(await relationOf(b, a), `${b.join(' ')} → ${a.join(' ')}`).toBe(relation)
    }
  })

  it('expected limitations: what it answers for the listed relations it cannot find lexically', async () => {
    for (const [a, b, answer, why] of LIMITS) expect(await relationOf(a, b), why).toBe(answer)
  })

  it('precision: answers agrees or contradicts for exactly the pinned pairs of v3 claims (CHANGES.md lists 12 of the 17)', async () => {
    const orgOf = new Map(ORGS.map(o => [p.did[o], o]))
    const answered = new Set<string>()
    for (const org of ORGS) {
      for (const c of parseOosMarkdown(await exampleText(org, 3)).body.claims) {
        for (const h of await app.similar({ cid: cid([org, c.claim_id]) })) {
          if (h.relation === 'related') continue
          const [x, y] = [[org, c.claim_id], [orgOf.get(h.org) as OrgName, h.claim_id]].sort((u, v) => ORGS.indexOf(u[0] as OrgName) - ORGS.indexOf(v[0] as OrgName))
          answered.add(`${x.join(' ')} ${h.relation} ${y.join(' ')}`)
        }
      }
    }
    expect([...answered].sort()).toEqual(Object.keys(ANSWERED).sort())
  })

  it('answers current claims of other orgs only, most similar first, each with its provenance summary', async () => {
    const hits = await app.similar({ cid: cid(['carepath', 'C004']) })
    expect(hits.length).toBeGreaterThan(2)
    expect(hits.length).toBeLessThanOrEqual(10)
    expect(hits.every(h => h.org !== p.did.carepath && h.current && h.similarity >= 0.05 && h.score === h.similarity)).toBe(true)
    expect(hits.map(h => h.similarity)).toEqual([...hits.map(h => h.similarity)].sort((x, y) => y - x))
    expect(hits.find(h => h.cid === cid(['ledgerline', 'C003']))?.matched).toEqual(['rule', 'why', 'failure_mode'])
    // the versions holding each (CHANGES.md): parcelworks C003 in v1–v3, ledgerline's C003 wording of v2 in v2–v3, ledgerline C019 in v3
    const versions = new Map([[cid(['parcelworks', 'C003']), 3], [cid(['ledgerline', 'C003']), 2], [cid(['ledgerline', 'C019']), 1]])
    expect(new Set(hits.slice(0, 3).map(h => h.cid))).toEqual(new Set(versions.keys()))
    for (const h of hits.slice(0, 3)) {
      const report = await app.provenance({ cid: h.cid })
      expect(h.provenance).toEqual({ verdict: report.verdict, versions: versions.get(h.cid), endorsements: report.confirmations.length, disputes: report.disputes.length, trusted: report.author.trusted })
    }
    expect((await app.similar({ cid: cid(['carepath', 'C004']), limit: 1 })).map(h => h.cid)).toEqual([hits[0].cid])
  })

  it('counts a trusted endorsement in the provenance summary and the endorsements', async () => {
    const target = cid(['carepath', 'C008'])
    const before = (await app.similar({ cid: cid(['ledgerline', 'C009']) })).find(h => h.cid === target)
    expect([before?.endorsements, before?.provenance.endorsements]).toEqual([0, 0])
    // we are ledgerline, so our own endorsement is a trusted one
    const me = testKey('ledgerline')
    expect((await node.ingest.ingest(await makeEndorsement({ org: me.did, secretKey: me.secretKey, target: CID.parse(target), stance: 'endorse' }, node.store), { source: 'local' })).status).toBe('accepted')
    const after = (await app.similar({ cid: cid(['ledgerline', 'C009']) })).find(h => h.cid === target)
    expect([after?.endorsements, after?.provenance.endorsements]).toEqual([1, 1])
  })

  it('takes another scorer through the Scorer interface', async () => {
    // a scorer that calls two claims alike when they have the same claim id
    const byId: Scorer = {
      name: 'same-id',
      async fit (corpus) {
        const ids = new Map(corpus.map(c => [c.cid, c.cid]))
        const idOf = new Map<string, string>()
        for (const org of ['ledgerline', 'carepath', 'parcelworks'] as const) for (const id of ['C001', 'C002', 'C003', 'C004', 'C005', 'C006', 'C008', 'C009', 'C010']) idOf.set(p.claim(org, id), id)
        // out of 0..1 on purpose: the answer is held to it
        return (a, b) => ids.has(a.cid) && idOf.get(a.cid) !== undefined && idOf.get(a.cid) === idOf.get(b.cid) ? 7 : -1
      }
    }
    const names = orgNames(node.store, { self: p.did.ledgerline })
    const hits = await similar({ index: new ClaimIndex(node.store), store: node.store, names, provenance: async (c) => await app.provenance({ cid: c }), scorer: byId }, { cid: cid(['ledgerline', 'C005']) })
    expect(hits.map(h => [h.claim_id, h.similarity]).sort()).toEqual([['C005', 1], ['C005', 1]])
    expect(new Set(hits.map(h => h.org))).toEqual(new Set([p.did.carepath, p.did.parcelworks]))
  })

  it('refuses what is not a CID, a claim not held here and a limit out of range', async () => {
    await expect(app.similar({ cid: 'not-a-cid' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    await expect(app.similar({ cid: 'bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy' })).rejects.toMatchObject({ code: 'NOT_FOUND' })
    for (const limit of [0, 101]) await expect(app.similar({ cid: cid(['ledgerline', 'C009']), limit })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
  })
})
