/**
 * NETWORK.md §8.3: the reserve and eviction protect the peers a node has reason to trust (the
 * bound peers of the orgs it follows, the `--via` peers its operator named). A provider record
 * in the DHT can be put by anyone: a stranger that provides an org must not become privileged
 * (admitted into the reserve, never evicted, tagged so that pruning keeps it) on its word.
 */
import { describe, it, expect, afterAll } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { createNet, type OosLibp2p } from '../../src/net/libp2p.ts'
import { orgProviderCid } from '../../src/net/dht.ts'
import { TAG_FOLLOW } from '../../src/node/reach.ts'
import { makeNode, until } from './nodes.ts'

describe('follow: who becomes privileged', () => {
  const cleanups: Array<() => Promise<void>> = []
  afterAll(async () => { for (const c of cleanups.reverse()) await c().catch(() => {}) })

  it('a stranger that only put a provider record for the org is not tagged nor privileged by a follow', async () => {
    const [f, x] = await Promise.all([makeNode('Carepath'), makeNode('Ledgerline')])
    cleanups.push(f.cleanup, x.cleanup)
    const org = x.org
    await x.stop() // the org itself is not reachable: only the stranger answers for it
    const stranger: OosLibp2p = await createNet({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })
    cleanups.push(async () => { await stranger.stop() })
    await stranger.handle('/oos/sync/1.0.0', (stream) => { stream.abort(new Error('nothing here')) })
    await stranger.dial(f.libp2p.getMultiaddrs()[0])
    await stranger.contentRouting.provide(orgProviderCid(org), { signal: AbortSignal.timeout(10_000) }).catch(() => {})
    await until(async () => (await f.findProviders(org, { signal: AbortSignal.timeout(2_000) })).some(p => p.equals(stranger.peerId)), 20_000, 'the stranger among the providers')
    const r = await f.follow(org)
    expect(r.synced).toBe(false)
    const tags = await f.libp2p.peerStore.get(stranger.peerId).then(p => [...p.tags.keys()], () => [])
    expect(tags).not.toContain(TAG_FOLLOW)
    // the connection policy's reserve and eviction do not protect it either
    expect(f.policy['privileged'](stranger.peerId)).toBe(false)
  })

  it('a peer dialled through --via is privileged and tagged, so that pruning keeps it', async () => {
    const [f, a] = await Promise.all([makeNode('Carepath'), makeNode('Ledgerline')])
    cleanups.push(f.cleanup, a.cleanup)
    await f.follow(a.org, { via: [a.libp2p.getMultiaddrs()[0].toString()] })
    expect(f.policy['privileged'](a.peerId)).toBe(true)
    const tags = await f.libp2p.peerStore.get(a.peerId).then(p => [...p.tags.keys()], () => [])
    expect(tags).toContain(TAG_FOLLOW)
  })
})
