import { describe, it, expect, beforeEach, afterEach } from 'vitest'
import type { CID } from 'multiformats/cid'
import { testKey } from '../../protocol/vectors/generate.ts'
import { smallBody } from '../../protocol/vectors/bodies.ts'
import { signVersion } from '../../src/records/version.ts'
import { claimCid } from '../../src/records/claims.ts'
import { encodeSigned } from '../../src/records/codec.ts'
import type { UnsignedRecord } from '../../src/records/types.ts'
import type { OosBody } from '../../src/oos/types.ts'
import { makeEndorsement, makeRetraction } from '../../src/trust/statements.ts'
import { provenance } from '../../src/app/replay.ts'
import { equivocations } from '../../src/trust/keys.ts'
import { dump, openNode } from '../helpers.ts'

const DAY = 86_400_000
const T0 = Date.UTC(2026, 0, 1)
const alice = testKey('alice')
const carol = testKey('carol')
const bob = testKey('bob')
const dave = testKey('dave')
const erin = testKey('erin')

type Node = Awaited<ReturnType<typeof openNode>>
type Key = ReturnType<typeof testKey>

/** An org's chain: publish the next version of a body at a time. */
function author (key: Key) {
  let prev: CID | null = null
  let seq = 0
  return {
    async publish (node: Node, body: OosBody, createdAt: number) {
      const v = signVersion(body, { org: key.did, seq: ++seq, prev, createdAt }, key.secretKey)
      expect((await node.ingest.ingest(v.bytes, { source: 'test' })).status).toBe('accepted')
      prev = v.cid
      return v
    }
  }
}

async function endorse (node: Node, by: Key, target: CID, at: number, extra: { stance?: 'endorse' | 'dispute', note?: string, expiresAt?: number } = {}): Promise<CID> {
  const bytes = await makeEndorsement({ org: by.did, secretKey: by.secretKey, target, stance: extra.stance ?? 'endorse', note: extra.note, expiresAt: extra.expiresAt, now: at }, node.store)
  const r = await node.ingest.ingest(bytes, { source: 'local' })
  expect(r.status).toBe('accepted')
  return r.cid
}

describe('provenance of a claim', () => {
  let node: Node
  let a: ReturnType<typeof author>
  let v1: ReturnType<typeof signVersion>
  let c1: CID
  beforeEach(async () => {
    node = await openNode()
    a = author(alice)
    v1 = await a.publish(node, smallBody('Alice Logistics', 1), T0)
    c1 = claimCid(alice.did, v1.signed.rec.body.claims[0])
  })
  afterEach(async () => { await node.close() })

  it('lists an endorsement as valid, names the version it was seen in, and keeps it across an unchanged re-publication', async () => {
    const e = await endorse(node, carol, c1, T0 + DAY, { note: 'Held in our depots.' })
    const stored = (await node.store.get(e)) as Uint8Array
    expect(stored).toBeDefined()
    let p = await provenance(node.store, c1, { trusted: new Set([carol.did]), now: T0 + 2 * DAY })
    expect(p.claim).toMatchObject({ cid: c1.toString(), claim_id: 'C001' })
    expect(p.author).toMatchObject({ org: alice.did, name: 'Alice Logistics', self: false, trusted: false })
    expect(p.author.chain.valid).toBe(true)
    expect(p.author.binding.present).toBe(false)
    const binding = encodeSigned({ type: 'oos/node-binding', org: alice.did, createdAt: T0 + DAY, peers: ['12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf'] } as UnsignedRecord, [alice.secretKey], T0 + DAY)
    await node.ingest.ingest(binding.bytes)
    p = await provenance(node.store, c1, { trusted: new Set([carol.did]), now: T0 + 2 * DAY })
    expect(p.author.binding).toMatchObject({ present: true, signed: true, peers: ['12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf'], cid: binding.cid.toString() })
    expect(p.endorsements).toHaveLength(1)
    expect(p.endorsements[0]).toMatchObject({ org: carol.did, stance: 'endorse', status: 'valid', trusted: true, counted: true, note: 'Held in our depots.', version: v1.cid.toString() })
    expect(p.confirmations).toEqual([carol.did])
    expect(p.verdict).toBe('trusted')
    // v2 keeps C001 unchanged (same claim CID): the endorsement stays attached
    const v2 = await a.publish(node, smallBody('Alice Logistics', 2), T0 + 3 * DAY)
    p = await provenance(node.store, c1, { trusted: new Set([carol.did]), now: T0 + 4 * DAY })
    expect(p.endorsements.map(x => x.status)).toEqual(['valid'])
    expect(p.versions).toMatchObject({ firstSeen: { seq: 1, cid: v1.cid.toString() }, lastSeen: { seq: 2, cid: v2.cid.toString() }, current: true, retired: false })
    // the JSON shape other tools rely on
    const json = JSON.parse(JSON.stringify(p))
    expect(json).toMatchObject({ claim: { cid: c1.toString() }, author: { org: alice.did }, endorsements: [{ org: carol.did, stance: 'endorse', status: 'valid' }], verdict: 'trusted' })
  })

  it('shows an endorsement of an earlier wording as earlier-wording, and the old wording as retired', async () => {
    const c2v1 = claimCid(alice.did, v1.signed.rec.body.claims[1])
    await endorse(node, carol, c2v1, T0 + DAY)
    const v2 = await a.publish(node, smallBody('Alice Logistics', 2), T0 + 2 * DAY)
    const c2v2 = claimCid(alice.did, v2.signed.rec.body.claims[1])
    expect(c2v2.equals(c2v1)).toBe(false)
    const p = await provenance(node.store, c2v2, { trusted: new Set([carol.did]), now: T0 + 3 * DAY })
    expect(p.endorsements).toHaveLength(1)
    expect(p.endorsements[0]).toMatchObject({ org: carol.did, status: 'earlier-wording', target: c2v1.toString(), claim_id: 'C002', counted: false })
    expect(p.confirmations).toEqual([])
    expect(p.verdict).toBe('unverified')
    const old = await provenance(node.store, c2v1, { trusted: new Set([carol.did]), now: T0 + 3 * DAY })
    expect(old.versions).toMatchObject({ retired: true, retiredAt: 2, current: false, lastSeen: { seq: 1 } })
    expect(old.endorsements[0].status).toBe('valid')
    expect(old.verdict).toBe('stale')
  })

  it('shows retracted and expired endorsements, and counts neither', async () => {
    const e = await endorse(node, carol, c1, T0 + DAY)
    await endorse(node, bob, c1, T0 + DAY, { expiresAt: T0 + 5 * DAY })
    const retraction = await makeRetraction({ org: carol.did, secretKey: carol.secretKey, target: e, reason: 'Endorsed the wrong claim.', now: T0 + 2 * DAY }, node.store)
    expect((await node.ingest.ingest(retraction, { source: 'local' })).status).toBe('accepted')
    const trusted = new Set([carol.did, bob.did])
    let p = await provenance(node.store, c1, { trusted, now: T0 + 3 * DAY })
    const by = (org: string) => p.endorsements.find(x => x.org === org)
    expect(by(carol.did)).toMatchObject({ status: 'retracted', counted: false, retraction: { reason: 'Endorsed the wrong claim.' } })
    expect(by(bob.did)).toMatchObject({ status: 'valid', counted: true })
    p = await provenance(node.store, c1, { trusted, now: T0 + 6 * DAY })
    expect(by(bob.did)).toMatchObject({ status: 'expired', counted: false })
    expect(p.confirmations).toEqual([])
    // a retraction of someone else's statement is refused
    const err = await makeRetraction({ org: bob.did, secretKey: bob.secretKey, target: e, reason: 'not mine', now: T0 + 2 * DAY }, node.store).catch(x => x)
    expect(err.code).toBe('NOT_AUTHOR')
  })

  it('resists Sybils: endorsements from orgs nobody trusts are listed, never counted', async () => {
    for (let i = 0; i < 10; i++) await endorse(node, testKey(`sybil-${i}`), c1, T0 + DAY + i)
    const p = await provenance(node.store, c1, { trusted: new Set([carol.did]), now: T0 + 2 * DAY })
    expect(p.endorsements).toHaveLength(10)
    expect(p.endorsements.every(e => e.status === 'valid' && !e.trusted && !e.counted)).toBe(true)
    expect(p.confirmations).toHaveLength(0)
    expect(p.confirmed).toBe(false)
    expect(p.verdict).toBe('unverified')
    expect(p.reasons.join('\n')).toMatch(/10 statement\(s\) from orgs not trusted here/)
  })

  it('is confirmed by three distinct trusted endorsers, and disputes are counted', async () => {
    const trusted = new Set([carol.did, bob.did, dave.did, erin.did])
    await endorse(node, carol, c1, T0 + DAY)
    await endorse(node, bob, c1, T0 + DAY)
    // one org, two statements: one voice
    await endorse(node, bob, c1, T0 + DAY + 1, { note: 'again' })
    let p = await provenance(node.store, c1, { trusted, now: T0 + 2 * DAY })
    expect(p.confirmations.sort()).toEqual([bob.did, carol.did].sort())
    expect(p.confirmed).toBe(false)
    await endorse(node, dave, c1, T0 + DAY)
    p = await provenance(node.store, c1, { trusted, now: T0 + 2 * DAY })
    expect(p.confirmations).toHaveLength(3)
    expect(p.confirmed).toBe(true)
    expect(p.verdict).toBe('confirmed')
    await endorse(node, erin, c1, T0 + DAY, { stance: 'dispute', note: 'Failed for us twice.' })
    p = await provenance(node.store, c1, { trusted, now: T0 + 2 * DAY })
    expect(p.disputes).toEqual([erin.did])
    expect(p.confirmations).toHaveLength(3)
    expect(p.verdict).toBe('disputed')
    expect(p.endorsements.find(e => e.org === erin.did)).toMatchObject({ stance: 'dispute', status: 'valid', counted: true })
    // an untrusted dispute is listed, not counted
    const other = await provenance(node.store, c1, { trusted: new Set([carol.did, bob.did, dave.did]), now: T0 + 2 * DAY })
    expect(other.disputes).toEqual([])
    expect(other.verdict).toBe('confirmed')
  })

  it('is stale when neither re-published nor endorsed by a trusted org within 90 days', async () => {
    const trusted = new Set([alice.did])
    expect((await provenance(node.store, c1, { trusted, now: T0 + 89 * DAY })).verdict).toBe('trusted')
    let p = await provenance(node.store, c1, { trusted, now: T0 + 91 * DAY })
    expect(p.stale).toBe(true)
    expect(p.verdict).toBe('stale')
    // an untrusted endorsement does not refresh it; a trusted one does
    await endorse(node, testKey('sybil-x'), c1, T0 + 60 * DAY)
    expect((await provenance(node.store, c1, { trusted, now: T0 + 91 * DAY })).stale).toBe(true)
    await endorse(node, carol, c1, T0 + 60 * DAY)
    p = await provenance(node.store, c1, { trusted: new Set([alice.did, carol.did]), now: T0 + 91 * DAY })
    expect(p.stale).toBe(false)
    expect(p.verdict).toBe('trusted')
    // a re-publication with the claim unchanged refreshes it too
    await a.publish(node, smallBody('Alice Logistics', 2), T0 + 100 * DAY)
    expect((await provenance(node.store, c1, { trusted, now: T0 + 180 * DAY })).stale).toBe(false)
  })

  it('rejects an endorsement signed by another key than its org\'s (BAD_SIGNATURE) and stores nothing', async () => {
    const rec = { type: 'oos/endorsement', org: carol.did, createdAt: T0 + DAY, target: c1, targetOrg: alice.did, version: v1.cid, stance: 'endorse' } as UnsignedRecord
    const forged = encodeSigned(rec, [bob.secretKey], T0 + DAY)
    const before = await dump(node.store)
    const err = await node.ingest.ingest(forged.bytes).catch(x => x)
    expect(err.code).toBe('BAD_SIGNATURE')
    expect(await dump(node.store)).toEqual(before)
    // makeEndorsement with bob's key for carol names bob's key in `key`: not a key of carol's
    const named = await makeEndorsement({ org: carol.did, secretKey: bob.secretKey, target: c1, stance: 'endorse', now: T0 + DAY }, node.store)
    expect((await node.ingest.ingest(named).catch(x => x)).code).toBe('UNAUTHORIZED_KEY')
    expect(await dump(node.store)).toEqual(before)
  })

  it('rejects an endorsement of an unknown claim (UNKNOWN_TARGET)', async () => {
    const unknown = claimCid(alice.did, { ...v1.signed.rec.body.claims[0], rule: 'Never published.' })
    expect((await makeEndorsement({ org: carol.did, secretKey: carol.secretKey, target: unknown, stance: 'endorse', now: T0 + DAY }, node.store).catch(x => x)).code).toBe('UNKNOWN_TARGET')
    const rec = { type: 'oos/endorsement', org: carol.did, createdAt: T0 + DAY, target: unknown, targetOrg: alice.did, version: v1.cid, stance: 'endorse' } as UnsignedRecord
    const before = await dump(node.store)
    expect((await node.ingest.ingest(encodeSigned(rec, [carol.secretKey], T0 + DAY).bytes).catch(x => x)).code).toBe('UNKNOWN_TARGET')
    expect(await dump(node.store)).toEqual(before)
    expect((await provenance(node.store, unknown).catch(x => x)).code).toBe('NOT_FOUND')
  })

  it('flags an equivocating author as compromised', async () => {
    await endorse(node, carol, c1, T0 + DAY)
    const other = signVersion({ ...smallBody('Alice Logistics', 1), claims: smallBody('Alice Logistics', 2).claims }, { org: alice.did, seq: 1, prev: null, createdAt: T0 + 5 }, alice.secretKey)
    expect((await node.ingest.ingest(other.bytes)).status).toBe('equivocation')
    const proofs = await equivocations(node.store, alice.did)
    expect(proofs).toEqual([{ seq: 1, cids: expect.arrayContaining([v1.cid.toString(), other.cid.toString()]) }])
    const p = await provenance(node.store, c1, { trusted: new Set([carol.did, alice.did]), now: T0 + 2 * DAY })
    expect(p.equivocation.flagged).toBe(true)
    expect(p.verdict).toBe('compromised')
    expect(p.reasons[0]).toMatch(/two different versions at seq 1/)
  })

  it('treats our own claims as trusted, and does not let an author confirm itself', async () => {
    await endorse(node, alice, c1, T0 + DAY)
    const p = await provenance(node.store, c1, { self: alice.did, now: T0 + 2 * DAY })
    expect(p.author.self).toBe(true)
    expect(p.endorsements[0]).toMatchObject({ trusted: true, counted: false })
    expect(p.confirmations).toEqual([])
    expect(p.verdict).toBe('trusted')
  })
})
