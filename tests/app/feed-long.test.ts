/**
 * The feed of a long chain (app/feed.ts feedHistory): the newest `limit` events are made from
 * the newest `limit` versions, so the versions read grow with `limit`, not with the chain held
 * (before: every held version was read and diffed on every call; 1,000 versions, 1.2 s for
 * `oos feed`'s 100 events, 0.8 s for 5); and a question for some kinds reads only the records
 * that make them (the explorer's organizations page: 1.9 s with 1,000 versions held, before).
 */
import { describe, it, expect, afterAll, vi } from 'vitest'
import { readFile } from 'node:fs/promises'
import type { CID } from 'multiformats/cid'
import { parseOosMarkdown } from '../../src/oos/index.ts'
import { signVersion } from '../../src/records/version.ts'
import { generateKeyPair, publicKeyToDid } from '../../src/identity/index.ts'
import { nodeApp } from '../../src/app/node.ts'
import { evolve } from '../../bench/ingest.ts'
import { makeNode } from '../net/nodes.ts'

describe('the feed of a long chain', () => {
  const cleanups: Array<() => Promise<void>> = []
  afterAll(async () => { for (const c of cleanups) await c() })

  it('reads the newest versions it shows, not the whole chain', async () => {
    const b = await makeNode('Carepath')
    cleanups.push(b.cleanup)
    const app = nodeApp(b, { home: b.home })
    const body = parseOosMarkdown(await readFile(new URL('../../examples/orgs/ledgerline/v3.oos.md', import.meta.url), 'utf8')).body
    const kp = generateKeyPair()
    const org = publicKeyToDid(kp.publicKey)
    const N = 300
    const t = Date.now() - N * 1000
    const records: Uint8Array[] = []
    let prev: CID | null = null
    for (let seq = 1; seq <= N; seq++) {
      const v = signVersion(evolve(body, seq), { org, seq, prev, createdAt: t + seq * 1000 }, kp.secretKey)
      records.push(v.bytes)
      prev = v.cid
    }
    expect((await b.ingest.ingestMany(records, { source: 'test' })).filter(r => r instanceof Error)).toEqual([])

    const reads = vi.spyOn(b.store, 'version')
    const five = await app.feed({ limit: 5 })
    expect(five.map(e => e.seq)).toEqual([296, 297, 298, 299, 300])
    expect(five.every(e => e.kind === 'version' && e.summary === `Ledgerline v${e.seq}: 1 reworded`)).toBe(true)
    // each event reads its version and the one before it (the diff), and a claim id or two
    expect(reads.mock.calls.length).toBeLessThanOrEqual(4 * 5)
    reads.mockClear()
    const hundred = await app.feed({})
    expect(hundred.map(e => e.seq)).toEqual(Array.from({ length: 100 }, (_, i) => N - 99 + i))
    expect(reads.mock.calls.length).toBeLessThanOrEqual(4 * 100)
    // since still cuts the walk, and the events are those of the whole history's newest
    expect((await app.feed({ since: t + 291 * 1000, limit: 50 })).map(e => e.seq)).toEqual(Array.from({ length: 10 }, (_, i) => 291 + i))
    // the explorer's organizations page asks for the flags only (api/ui.ts): no version is read
    // but the head's (its org's pseudonym, for the names)
    reads.mockClear()
    expect(await app.feed({ limit: 10_000, kinds: ['equivocation', 'rotation'] })).toEqual([])
    expect(reads.mock.calls.length).toBeLessThanOrEqual(1)
    expect((await app.feed({ limit: 3, kinds: ['version'] })).map(e => e.seq)).toEqual([298, 299, 300])
    await expect(app.feed({ kinds: ['nope' as 'version'] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', path: 'kinds' })
    reads.mockRestore()
  })
})
