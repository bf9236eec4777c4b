import { describe, it, expect, afterAll } from 'vitest'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import * as lp from 'it-length-prefixed'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { parseOosMarkdown } from '../../src/oos/index.ts'
import { createNet } from '../../src/net/libp2p.ts'
import { encodeSigned } from '../../src/records/codec.ts'
import { homePaths } from '../../src/node/home.ts'
import { localApp } from '../../src/app/local.ts'
import type { AuditEntry } from '../../src/node/audit.ts'
import type { EphemeralNode } from '../../src/node/ephemeral.ts'
import { makeNode, until } from './nodes.ts'
import { auditEntries, breakSignature, writeCar } from '../audit/files.ts'

const doc = async (org: string, v: number): Promise<ReturnType<typeof parseOosMarkdown>['body']> =>
  parseOosMarkdown(await readFile(new URL(`../../examples/orgs/${org}/v${v}.oos.md`, import.meta.url), 'utf8')).body

/** The node's audit entries once written (the node writes them within its flush interval; flushed here). */
async function entries (node: EphemeralNode): Promise<AuditEntry[]> {
  await node.audit.flush()
  return await auditEntries(homePaths(node.home).audit)
}

async function waitFor (node: EphemeralNode, what: string, fn: (e: AuditEntry) => boolean): Promise<AuditEntry> {
  let found: AuditEntry | undefined
  await until(async () => { found = (await entries(node)).find(fn); return found !== undefined }, 15_000, what)
  return found as AuditEntry
}

describe('a node\'s audit log', () => {
  const cleanups: Array<() => Promise<void>> = []
  afterAll(async () => { for (const c of cleanups) await c() })

  it('holds every decision on records from its own publishing, a followed peer (sync and gossip), a CAR through the API, and violations and the ban of a peer', async () => {
    const a = await makeNode('Ledgerline')
    cleanups.push(a.cleanup)
    const b = await makeNode('Carepath')
    cleanups.push(b.cleanup)
    const v1 = await a.publish(await doc('ledgerline', 1))
    const aid = a.peerId.toString()

    // A's own records: its node binding and its version, signed by the node itself
    const own = await entries(a)
    expect(own.map(e => `${e.event} ${e.kind ?? '-'} ${e.source ?? '-'} ${e.peer ?? '-'}`)).toEqual([
      'accepted oos/node-binding local node',
      'accepted oos/version local node'
    ])

    // B follows A: A's chain arrives by sync from A's peer id; A's binding by gossip from A
    await b.follow(a.org, { via: [a.libp2p.getMultiaddrs()[0].toString()] })
    const synced = await waitFor(b, 'v1 synced', e => e.event === 'accepted' && e.seq === 1)
    expect(synced).toMatchObject({ kind: 'oos/version', org: a.org, cid: v1.cid.toString(), source: 'sync', peer: aid })
    const bound = await waitFor(b, 'A\'s binding by gossip', e => e.kind === 'oos/node-binding' && e.org === a.org)
    expect(bound).toMatchObject({ event: 'accepted', source: 'gossip', peer: aid })
    // v2 is published through A's API handlers (as `oos publish` with A's node running)
    const api = localApp(a.store, a.ingest, { org: a.org }, { secretKey: await a.orgSecret() })
    const v2 = await api.publish({ document: await readFile(new URL('../../examples/orgs/ledgerline/v2.oos.md', import.meta.url), 'utf8'), format: 'md' })
    expect(await waitFor(a, 'v2 from the API', e => e.seq === 2)).toMatchObject({ event: 'accepted', cid: v2.cid, source: 'local', peer: 'api' })
    expect(await waitFor(b, 'v2', e => e.event === 'accepted' && e.seq === 2)).toMatchObject({ cid: v2.cid, peer: aid })

    // a record A gossips that B's door rejects: a node binding older than the one B holds
    const stale = encodeSigned({ type: 'oos/node-binding', org: a.org, createdAt: 1_000_000, peers: [aid] }, [await a.orgSecret()])
    await a.gossip.publishRecord(a.org, stale.bytes)
    expect(await waitFor(b, 'the stale binding rejected', e => e.event === 'rejected')).toMatchObject({
      code: 'STALE_RECORD', kind: 'oos/node-binding', org: a.org, cid: stale.cid.toString(), source: 'gossip', peer: aid
    })

    // a CAR through B's API handlers holding a copy of v1 with a broken signature
    const forged = breakSignature((await a.store.get(v1.cid)) as Uint8Array)
    const car = join(b.dir, 'forged.car')
    await writeCar(car, [forged])
    const report = await localApp(b.store, b.ingest, { org: b.org }).importCar({ path: car })
    expect(report).toMatchObject({ rejected: 1, reasons: { BAD_SIGNATURE: 1 } })
    expect(await waitFor(b, 'the forged record', e => e.code === 'BAD_SIGNATURE')).toMatchObject({
      event: 'rejected', kind: 'oos/version', org: a.org, seq: 1, cid: forged.cid.toString(), source: 'car', peer: `car:${car}`
    })

    // a rogue peer sends malformed sync requests to A: five violations, then a ban
    const rogue = await createNet({ privateKey: await generateKeyPairFromSeed('Ed25519', randomBytes(32)), listen: ['/ip4/127.0.0.1/tcp/0'] })
    cleanups.push(async () => { await rogue.stop() })
    await rogue.dial(a.libp2p.getMultiaddrs()[0])
    const rid = rogue.peerId.toString()
    for (let i = 0; i < 5; i++) {
      const s = await rogue.dialProtocol(a.peerId, '/oos/sync/1.0.0').catch(() => undefined)
      if (s === undefined) break // already refused
      s.send(lp.encode.single(randomBytes(200)))
      await (async () => { await s.close(); for await (const _ of s) break })().catch(() => {})
    }
    const ban = await waitFor(a, 'the rogue banned', e => e.event === 'ban')
    expect(ban).toMatchObject({ peer: rid, count: 5 })
    const fromRogue = (await entries(a)).filter(e => e.peer === rid)
    expect(fromRogue.map(e => `${e.event} ${e.code ?? '-'} ${e.count ?? '-'}`)).toEqual([
      ...[1, 2, 3, 4, 5].map(n => `violation BAD_REQUEST ${n}`),
      `ban ${ban.code ?? '-'} 5`
    ])

    // every line of B's log: one per decision, in order, each with its source and who offered it
    await b.stop()
    const all = await auditEntries(homePaths(b.home).audit)
    expect(all.filter(e => e.event === 'rejected').map(e => e.code)).toEqual(['STALE_RECORD', 'BAD_SIGNATURE'])
    expect(all.filter(e => e.source === 'local').map(e => `${e.kind ?? ''} ${e.org ?? ''} ${e.peer ?? ''}`)).toEqual([`oos/node-binding ${b.org} node`])
    for (const e of all) expect(e.peer, JSON.stringify(e)).toMatch(/^(node|car:.*|12D3Koo\w+)$/)
    // v1 by the follow's sync; v2, under 64 KiB, whole in gossip (NETWORK.md §2.5)
    expect(all.filter(e => e.source === 'sync' && e.event === 'accepted').map(e => e.seq)).toEqual([1])
    expect(all.filter(e => e.source === 'gossip' && e.kind === 'oos/version' && e.event === 'accepted').map(e => e.seq)).toEqual([2])
    const s = b.ingest.stats()
    expect(all.filter(e => e.event === 'accepted')).toHaveLength(s.accepted)
    expect(all.filter(e => e.event === 'rejected')).toHaveLength(s.rejected)
    expect(all.filter(e => e.event === 'duplicate')).toHaveLength(s.duplicate)
  })
})
