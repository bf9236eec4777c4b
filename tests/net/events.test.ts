import { describe, it, expect, afterAll } from 'vitest'
import { readFile } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import * as lp from 'it-length-prefixed'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { parseOosMarkdown } from '../../src/oos/index.ts'
import { signVersion } from '../../src/records/version.ts'
import { createNet } from '../../src/net/libp2p.ts'
import type { RecordAcceptedEvent, RecordRejectedEvent, FollowSyncedEvent, PeerViolationEvent, OrgFlaggedEvent } from '../../src/node/events.ts'
import { makeNode, nextEvent } from './nodes.ts'
import { chain, openNode } from '../helpers.ts'

const doc = async (v: number) => parseOosMarkdown(await readFile(new URL(`../../examples/orgs/ledgerline/v${v}.oos.md`, import.meta.url), 'utf8')).body

describe('typed events of the door and the node', () => {
  const cleanups: Array<() => Promise<void>> = []
  afterAll(async () => { for (const c of cleanups) await c() })

  it('B follows A: follow:synced and record:accepted for A\'s version; a bad record, a garbage request and a forgery each have their event', async () => {
    const [a, b] = await Promise.all([makeNode('Ledgerline'), makeNode('Carepath')])
    cleanups.push(a.cleanup, b.cleanup)
    const v1 = await a.publish(await doc(1))

    // 1. follow: the sync brings A's version through B's door; both the door and the node say so
    const isV1 = (d: RecordAcceptedEvent): boolean => d.kind === 'oos/version' && d.org === a.org
    const synced = nextEvent<FollowSyncedEvent>(b, 'follow:synced', d => d.org === a.org)
    const atNode = nextEvent<RecordAcceptedEvent>(b, 'record:accepted', isV1)
    const atDoor = nextEvent<RecordAcceptedEvent>(b.ingest, 'record:accepted', isV1)
    await b.follow(a.org, { via: [a.libp2p.getMultiaddrs()[0].toString()] })
    expect(await synced).toEqual({ org: a.org, seq: 1 })
    for (const d of [await atNode, await atDoor]) {
      expect(d).toMatchObject({ kind: 'oos/version', org: a.org, seq: 1, from: a.peerId.toString() })
      expect(d.cid.equals(v1.cid)).toBe(true)
    }

    // 2. a bad record: rejected, with its code, who offered it and the hash of the bytes
    const rejectedAtNode = nextEvent<RecordRejectedEvent>(b, 'record:rejected', d => d.from === 'test')
    const rejectedAtDoor = nextEvent<RecordRejectedEvent>(b.ingest, 'record:rejected', d => d.from === 'test')
    await expect(b.ingest.ingest(randomBytes(100), { source: 'test', from: 'test' })).rejects.toThrow()
    for (const d of [await rejectedAtNode, await rejectedAtDoor]) {
      expect(typeof d.code).toBe('string')
      expect(d.code).not.toBe('INTERNAL')
      expect(d.cid).toBeDefined()
    }

    // 3. a garbage request on the sync protocol: a counted violation, told as peer:violation
    const rogue = await createNet({ privateKey: await generateKeyPairFromSeed('Ed25519', randomBytes(32)), listen: ['/ip4/127.0.0.1/tcp/0'] })
    cleanups.push(async () => { await rogue.stop() })
    const violation = nextEvent<PeerViolationEvent>(b, 'peer:violation', d => d.peer === rogue.peerId.toString())
    await rogue.dial(b.libp2p.getMultiaddrs()[0])
    const s = await rogue.dialProtocol(b.peerId, '/oos/sync/1.0.0')
    s.send(lp.encode.single(randomBytes(200)))
    await (async () => { await s.close(); for await (const _ of s) break })().catch(() => {})
    expect(await violation).toEqual({ peer: rogue.peerId.toString(), code: 'BAD_REQUEST' })

    // 4. a second version of A at seq 1, validly signed: B flags the org
    const flagged = nextEvent<OrgFlaggedEvent>(b, 'org:flagged', d => d.org === a.org)
    const forged = signVersion({ ...(await doc(1)), sections: [] }, { org: a.org, seq: 1, prev: null, createdAt: Date.now() }, await a.orgSecret())
    expect((await b.ingest.ingest(forged.bytes, { source: 'test' })).status).toBe('equivocation')
    expect(await flagged).toEqual({ org: a.org, seq: 1 })
  })

  it('the door builds no event while nobody listens, and one per record while someone does', async () => {
    const { ingest, close } = await openNode()
    cleanups.push(close)
    const versions = chain(400)
    // count what the door dispatches, on the real door (the hot path must not build events for no one)
    let dispatched = 0
    const dispatch = ingest.safeDispatchEvent.bind(ingest)
    ingest.safeDispatchEvent = (type, init) => { dispatched++; return dispatch(type, init) }
    const quiet = performance.now()
    await ingest.ingestMany(versions.slice(0, 200).map(v => v.bytes))
    const quietMs = performance.now() - quiet
    expect(dispatched).toBe(0)
    const seen: number[] = []
    ingest.addEventListener('record:accepted', (evt) => { seen.push(evt.detail.seq as number) })
    const heard = performance.now()
    await ingest.ingestMany(versions.slice(200).map(v => v.bytes))
    const heardMs = performance.now() - heard
    expect(dispatched).toBe(200)
    expect(seen).toEqual(versions.slice(200).map((_, i) => 201 + i))
    console.log(`200 versions through the door: ${quietMs.toFixed(0)} ms with no listener, ${heardMs.toFixed(0)} ms with one`)
  })
})
