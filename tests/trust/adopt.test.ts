import { describe, it, expect, beforeEach, afterEach } from 'vitest'
import type { CID } from 'multiformats/cid'
import { testKey } from '../../protocol/vectors/generate.ts'
import { smallBody } from '../../protocol/vectors/bodies.ts'
import { signVersion } from '../../src/records/version.ts'
import { claimCid } from '../../src/records/claims.ts'
import { parseOosMarkdown, writeOosMarkdown, validateBody } from '../../src/oos/index.ts'
import type { OosBody } from '../../src/oos/types.ts'
import { adopt, nextClaimId } from '../../src/trust/adopt.ts'
import { makeEndorsement, makeRetraction } from '../../src/trust/statements.ts'
import { provenance } from '../../src/app/replay.ts'
import { dump, openNode } from '../helpers.ts'

const DAY = 86_400_000
const T0 = Date.UTC(2026, 0, 1)
const alice = testKey('alice')
const bob = testKey('bob')
const carol = testKey('carol')

type Node = Awaited<ReturnType<typeof openNode>>
type Key = ReturnType<typeof testKey>

function bobBody (): OosBody {
  const b = smallBody('Bob Freight', 1)
  // bob's own wording, so nothing of alice's is a duplicate
  b.claims = b.claims.map(c => ({ ...c, rule: `Bob: ${c.rule}` }))
  return b
}

function sign (key: Key, body: OosBody, seq: number, prev: CID | null, at: number) {
  return signVersion(body, { org: key.did, seq, prev, createdAt: at }, key.secretKey)
}

describe('adopting claims (the Merge Protocol, signed) and derivation', () => {
  let node: Node
  let a1: ReturnType<typeof sign>
  let c1: CID
  beforeEach(async () => {
    node = await openNode()
    a1 = sign(alice, smallBody('Alice Logistics', 1), 1, null, T0)
    await node.ingest.ingest(a1.bytes)
    c1 = claimCid(alice.did, a1.signed.rec.body.claims[0])
  })
  afterEach(async () => { await node.close() })

  it('copies the claim with a new id, derived_from, LOW confidence and provenance; the draft round-trips', async () => {
    const r = await adopt(node.store, c1, bobBody(), { self: bob.did, now: T0 + DAY })
    expect(r.conflicts).toEqual([])
    expect(r.added).toMatchObject({ claim_id: 'C004', confidence: 'LOW', evidence: 'OBSERVED_REPEATEDLY', rule: a1.signed.rec.body.claims[0].rule })
    expect(r.added?.derived_from?.map(String)).toEqual([c1.toString()])
    expect(r.added?.evidence_reference).toContain(alice.did)
    expect(r.added?.evidence_reference).toContain('Alice Logistics')
    expect(r.added?.evidence_reference).toContain('2026-01-01')
    expect(r.added?.evidence_reference).toContain('original evidence OBSERVED_REPEATEDLY')
    expect(r.body.frontmatter.claim_count).toBe(4)
    expect(r.body.frontmatter.confidence_distribution).toEqual({ high: 1, medium: 1, low: 2 })
    expect(r.body.sections?.at(-1)).toMatchObject({ heading: 'Adopted claims', blocks: [{ text: expect.any(String) }, { claim: 'C004' }] })
    validateBody(r.body)
    const back = parseOosMarkdown(writeOosMarkdown(r.body)).body
    expect(back.claims[3].derived_from?.[0].equals(c1)).toBe(true)
    expect(back.claims.map(c => c.claim_id)).toEqual(['C001', 'C002', 'C003', 'C004'])
    expect(nextClaimId([{ ...back.claims[0], claim_id: 'C12' }, { ...back.claims[0], claim_id: 'C9' }])).toBe('C013')
  })

  it('publishes a version whose claim is derived from a known claim, and shows the verified derivation tree', async () => {
    const r = await adopt(node.store, c1, bobBody(), { self: bob.did, now: T0 + DAY })
    const b1 = sign(bob, r.body, 1, null, T0 + DAY)
    expect((await node.ingest.ingest(b1.bytes)).status).toBe('accepted')
    const adopted = claimCid(bob.did, b1.signed.rec.body.claims[3])
    // carol adopts bob's adopted claim: a two-level tree
    const cr = await adopt(node.store, adopted, smallBody('Carol Cargo', 1), { self: carol.did, now: T0 + 2 * DAY })
    expect(cr.conflicts.map(c => c.kind)).toEqual(['duplicate']) // carol's C001 states the same rule as alice's
    const carolDraft = smallBody('Carol Cargo', 1)
    carolDraft.claims = carolDraft.claims.map(c => ({ ...c, rule: `Carol: ${c.rule}` }))
    const cr2 = await adopt(node.store, adopted, carolDraft, { self: carol.did, now: T0 + 2 * DAY })
    const k1 = sign(carol, cr2.body, 1, null, T0 + 2 * DAY)
    expect((await node.ingest.ingest(k1.bytes)).status).toBe('accepted')
    const top = claimCid(carol.did, k1.signed.rec.body.claims[3])
    const p = await provenance(node.store, top, { self: carol.did, now: T0 + 3 * DAY })
    expect(p.derivation.verified).toBe(true)
    expect(p.derivation.sources).toHaveLength(1)
    expect(p.derivation.sources[0]).toMatchObject({ cid: adopted.toString(), known: true, org: bob.did, name: 'Bob Freight', claim_id: 'C004', chainValid: true, verified: true })
    expect(p.derivation.sources[0].derived_from[0]).toMatchObject({ cid: c1.toString(), known: true, org: alice.did, chainValid: true, verified: true, derived_from: [] })
    expect(p.verdict).toBe('trusted')
  })

  it('rejects a version derived from an unknown claim (UNKNOWN_TARGET at body.claims[i].derived_from) and stores nothing', async () => {
    const body = bobBody()
    const later = { ...a1.signed.rec.body.claims[0], claim_id: 'C004', rule: 'Never published.' }
    const unknown = claimCid(alice.did, later)
    body.claims[1] = { ...body.claims[1], derived_from: [c1, unknown] }
    const before = await dump(node.store)
    const err = await node.ingest.ingest(sign(bob, body, 1, null, T0 + DAY).bytes).catch(e => e)
    expect(err.code).toBe('UNKNOWN_TARGET')
    expect(err.path).toBe('body.claims[1].derived_from')
    expect(await dump(node.store)).toEqual(before)
    // once known (in the same group commit, too), it is accepted
    const a2 = sign(alice, { ...smallBody('Alice Logistics', 2), claims: [...smallBody('Alice Logistics', 2).claims.slice(0, 2), { ...a1.signed.rec.body.claims[2] }, later] }, 2, a1.cid, T0 + DAY)
    const [ra, rb] = await Promise.all([node.ingest.ingest(a2.bytes), node.ingest.ingest(sign(bob, body, 1, null, T0 + DAY).bytes)])
    expect([ra.status, rb.status]).toEqual(['accepted', 'accepted'])
  })

  it('reports conflicts instead of merging: already adopted, another wording adopted, disputed by us', async () => {
    const r = await adopt(node.store, c1, bobBody(), { self: bob.did, now: T0 + DAY })
    const again = await adopt(node.store, c1, r.body, { self: bob.did, now: T0 + DAY })
    expect(again.added).toBeUndefined()
    expect(again.body).toBe(r.body)
    expect(again.conflicts.map(c => c.kind).sort()).toEqual(['already-adopted', 'duplicate'])
    expect(again.conflicts.find(c => c.kind === 'already-adopted')).toMatchObject({ claim_id: 'C004', cid: c1.toString() })
    // alice rewords C002: adopting the new wording when the old one is in our draft
    const c2v1 = claimCid(alice.did, a1.signed.rec.body.claims[1])
    const withC2 = await adopt(node.store, c2v1, bobBody(), { self: bob.did, now: T0 + DAY })
    const a2 = sign(alice, smallBody('Alice Logistics', 2), 2, a1.cid, T0 + DAY)
    await node.ingest.ingest(a2.bytes)
    const c2v2 = claimCid(alice.did, a2.signed.rec.body.claims[1])
    const other = await adopt(node.store, c2v2, withC2.body, { self: bob.did, now: T0 + 2 * DAY })
    expect(other.conflicts).toMatchObject([{ kind: 'other-wording-adopted', claim_id: 'C004', cid: c2v1.toString() }])
    // we disputed alice's C003: never merged, until we retract the dispute
    const c3 = claimCid(alice.did, a1.signed.rec.body.claims[2])
    const d = await node.ingest.ingest(await makeEndorsement({ org: bob.did, secretKey: bob.secretKey, target: c3, stance: 'dispute', note: 'Retrying doubled our bookings.', now: T0 + DAY }, node.store))
    const disputed = await adopt(node.store, c3, bobBody(), { self: bob.did, now: T0 + 2 * DAY })
    expect(disputed.conflicts).toMatchObject([{ kind: 'disputed-by-us', cid: d.cid.toString() }])
    expect(disputed.conflicts[0].message).toContain('Retrying doubled our bookings.')
    await node.ingest.ingest(await makeRetraction({ org: bob.did, secretKey: bob.secretKey, target: d.cid, reason: 'we fixed our side', now: T0 + 2 * DAY }, node.store))
    expect((await adopt(node.store, c3, bobBody(), { self: bob.did, now: T0 + 2 * DAY })).conflicts).toEqual([])
    // our own claim, or an unknown one
    expect((await adopt(node.store, c1, bobBody(), { self: alice.did }).catch(e => e)).code).toBe('INVALID_ARGUMENT')
    const unknown = claimCid(alice.did, { ...a1.signed.rec.body.claims[0], rule: 'Never published.' })
    expect((await adopt(node.store, unknown, bobBody(), { self: bob.did }).catch(e => e)).code).toBe('UNKNOWN_TARGET')
  })
})
