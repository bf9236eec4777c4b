/**
 * The feed's other kinds (app/feed.ts): a retraction of a claim, a key rotation and an
 * equivocation of an org held here, each one event, the same in the history and live; the
 * equivocation's id is `flag:<did>:<seq>`. And what the feed takes: `since` and `limit` in range.
 */
import { describe, it, expect, afterAll } from 'vitest'
import { readFile } from 'node:fs/promises'
import { parseOosMarkdown } from '../../src/oos/index.ts'
import { signVersion } from '../../src/records/version.ts'
import { claimCid } from '../../src/records/claims.ts'
import { generateKeyPair, publicKeyToDid } from '../../src/identity/index.ts'
import { makeRotation } from '../../src/trust/keys.ts'
import { makeRetraction } from '../../src/trust/statements.ts'
import { nodeApp } from '../../src/app/node.ts'
import type { FeedEvent } from '../../src/app/types.ts'
import { makeNode, until } from '../net/nodes.ts'

const doc = async (v: number) => parseOosMarkdown(await readFile(new URL(`../../examples/orgs/ledgerline/v${v}.oos.md`, import.meta.url), 'utf8')).body

describe('retractions, rotations and equivocations in the feed', () => {
  const cleanups: Array<() => Promise<void>> = []
  afterAll(async () => { for (const c of cleanups) await c() })

  it('each is one event, the same in the history and live', async () => {
    const b = await makeNode('Carepath')
    cleanups.push(b.cleanup)
    const app = nodeApp(b, { home: b.home })
    const stream = new AbortController()
    cleanups.push(async () => { stream.abort() })
    const live: FeedEvent[] = []
    const reading = (async () => { for await (const e of app.events?.({ signal: stream.signal }) ?? []) live.push(e) })()

    // an org known only by its records, ingested at B: its times are set, one ms apart
    const a = generateKeyPair()
    const org = publicKeyToDid(a.publicKey)
    const t = Date.now() - 60_000
    const ingest = async (bytes: Uint8Array): Promise<string> => { const r = await b.ingest.ingest(bytes, { source: 'test' }); return r.status }
    const v1 = signVersion(await doc(1), { org, seq: 1, prev: null, createdAt: t }, a.secretKey)
    expect(await ingest(v1.bytes)).toBe('accepted')
    const claim = claimCid(org, v1.signed.rec.body.claims[2])
    const retraction = await makeRetraction({ org, secretKey: a.secretKey, target: claim, reason: 'no longer\n\ntrue', now: t + 1 }, b.store)
    expect(await ingest(retraction)).toBe('accepted')
    const next = generateKeyPair()
    const rotation = await makeRotation({ org, oldSecret: a.secretKey, newSecret: next.secretKey, reason: 'scheduled', now: t + 2 }, b.store)
    expect(await ingest(rotation)).toBe('accepted')
    const key = publicKeyToDid(next.publicKey)
    const v2 = signVersion(await doc(2), { org, seq: 2, prev: v1.cid, createdAt: t + 3, key }, next.secretKey)
    expect(await ingest(v2.bytes)).toBe('accepted')
    const forged = signVersion({ ...(await doc(2)), sections: [] }, { org, seq: 2, prev: v1.cid, createdAt: t + 4, key }, next.secretKey)
    expect(await ingest(forged.bytes)).toBe('equivocation')

    const history = await app.feed({})
    expect(history.map(e => [e.kind, e.id, e.at])).toEqual([
      ['version', v1.cid.toString(), t],
      ['retraction', expect.any(String), t + 1],
      ['rotation', expect.any(String), t + 2],
      ['version', v2.cid.toString(), t + 3],
      ['equivocation', `flag:${org}:2`, t + 4]
    ])
    const [, r, k, , q] = history
    const claimId = v1.signed.rec.body.claims[2].claim_id
    // a summary is one line; the reason as written is in `detail`
    expect(r).toMatchObject({ org, target: claim.toString(), summary: `Ledgerline retracted its claim ${claimId}: no longer true`, detail: { reason: 'no longer\n\ntrue' } })
    expect(k).toMatchObject({ org, summary: 'Ledgerline rotated its key (rotation 1, from version 2): scheduled', detail: { rotation: 1, effectiveSeq: 2, newKey: key } })
    expect(q).toMatchObject({ org, seq: 2, label: { trust: 'neutral' }, summary: 'EQUIVOCATION: Ledgerline signed 2 different versions 2' })
    expect((q.detail?.versions as string[]).sort()).toEqual([v2.cid.toString(), forged.cid.toString()].sort())
    await until(() => live.length >= history.length, 10_000, 'every event live')
    expect(live).toEqual(history)

    // since, limit
    expect((await app.feed({ since: t + 3 })).map(e => e.kind)).toEqual(['version', 'equivocation'])
    expect((await app.feed({ since: t + 1, limit: 1 })).map(e => e.kind)).toEqual(['equivocation'])
    for (const bad of [{ since: -1 }, { since: 1.5 }, { limit: 0 }, { limit: 10_001 }]) {
      await expect(app.feed(bad), JSON.stringify(bad)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    }
    stream.abort()
    await reading
  })
})
