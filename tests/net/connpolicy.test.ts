/**
 * The connection policy (NETWORK.md §8) against throwaway identities on loopback, each
 * dialling from its own 127.x source address (nodes.ts `throwaway`); honest nodes dial from
 * 127.0.0.1, which the default policy exempts from the per-address caps.
 */
import { describe, it, expect, afterAll } from 'vitest'
import { readFile } from 'node:fs/promises'
import { connect, type Socket } from 'node:net'
import type { Libp2p } from 'libp2p'
import { parseOosMarkdown } from '../../src/oos/index.ts'
import type { EphemeralNode } from '../../src/node/ephemeral.ts'
import { multiaddr } from '@multiformats/multiaddr'
import { addressKeys } from '../../src/net/policy.ts'
import { makeNode, throwaway, until } from './nodes.ts'

const example = async (): Promise<any> => parseOosMarkdown(await readFile(new URL('../../examples/orgs/ledgerline/v1.oos.md', import.meta.url), 'utf8')).body

describe('connection policy', () => {
  const cleanups: Array<() => Promise<void>> = []
  afterAll(async () => { for (const c of cleanups.reverse()) await c().catch(() => {}) })

  /**
   * `n` throwaways from `addr(i)` dial `target`, `parallel` at a time. A dial refused after the
   * handshake may look successful to the dialler for a moment, so what counts is the target's
   * view: `heldBy`.
   */
  async function flood (target: EphemeralNode, n: number, addr: (i: number) => string, parallel = 8): Promise<Libp2p[]> {
    const nodes = await Promise.all(Array.from({ length: n }, async (_, i) => await throwaway(addr(i))))
    cleanups.push(async () => { await Promise.all(nodes.map(async x => { await x.stop() })) })
    for (let i = 0; i < n; i += parallel) {
      await Promise.all(nodes.slice(i, i + parallel).map(async x => await x.dial(target.libp2p.getMultiaddrs()[0], { signal: AbortSignal.timeout(10_000) }).catch(() => undefined)))
    }
    // settled: every inbound socket the policy let through is a connection or closed
    // (a node without a policy, main before NETWORK.md §8, has nothing to settle)
    await until(() => target.policy === undefined || target.policy.stats().inbound === target.libp2p.getConnections().filter(c => c.direction === 'inbound').length, 10_000, 'inbound connections settled')
    return nodes
  }
  const heldBy = (target: EphemeralNode, nodes: Libp2p[]): number => nodes.filter(x => target.libp2p.getConnections(x.peerId).length > 0).length

  it('30 idle throwaways cannot fill a node with maxConnections 20: a new follower gets in, and a later wave evicts the first', async () => {
    const a = await makeNode('Ledgerline', { connectionPolicy: { maxConnections: 20, reserve: 4, idleGraceMs: 500 } })
    cleanups.push(a.cleanup)
    await a.publish(await example())
    const first = await flood(a, 30, i => `127.1.${i}.1`)
    // unprivileged inbound stops at maxConnections − reserve; beyond it newcomers evict or are refused
    expect(a.libp2p.getConnections().length).toBeLessThanOrEqual(16)
    expect(heldBy(a, first)).toBeLessThanOrEqual(16)
    const s1 = a.policy.stats()
    expect(s1.refused.full + s1.evicted).toBeGreaterThanOrEqual(12)

    // an honest follower arrives while A is full of idle strangers: it takes the oldest idle slot
    await until(async () => (await a.policy.idlest()) !== undefined, 10_000, 'an idle connection older than the grace period')
    const d = await makeNode('Carepath')
    cleanups.push(d.cleanup)
    const t0 = Date.now()
    expect(await d.follow(a.org, { via: [a.libp2p.getMultiaddrs()[0].toString()] })).toEqual({ org: a.org, seq: 1 })
    const followMs = Date.now() - t0
    expect(a.policy.stats().evicted).toBeGreaterThan(s1.evicted)

    // a peer that does something useful is scored (D joins A's gossip mesh): a later wave of
    // idle strangers evicts the first wave, oldest first, and never D
    await until(async () => ((await a.libp2p.peerStore.get(d.peerId)).tags.size ?? 0) > 0, 10_000, 'D scored by A (gossip mesh)')
    await until(async () => (await a.policy.idlest()) !== undefined, 10_000, 'first wave past the grace period')
    const firstHeld = heldBy(a, first)
    const second = await flood(a, 16, i => `127.2.${i}.1`, 1)
    await until(() => heldBy(a, first) === 0, 10_000, 'the first wave evicted')
    expect(a.libp2p.getConnections(d.peerId).length).toBeGreaterThan(0)
    expect(heldBy(a, second)).toBeGreaterThanOrEqual(firstHeld)
    console.log(JSON.stringify({ scenario: 'idle throwaways vs maxConnections 20, reserve 4', firstWave: 30, firstHeldBeforeSecond: firstHeld, followMs, secondWave: 16, secondHeld: heldBy(a, second), firstWaveHeldAfter: heldBy(a, first), ...a.policy.stats() }))
  })

  it('the reserve: when full of fresh strangers, a peer A dialled for a follow still gets in and an unknown one does not', async () => {
    const b = await makeNode('Carepath')
    cleanups.push(b.cleanup)
    await b.publish(await example())
    const a = await makeNode('Ledgerline', { connectionPolicy: { maxConnections: 20, reserve: 4, idleGraceMs: 60_000 } })
    cleanups.push(a.cleanup)
    const crowd = await flood(a, 24, i => `127.3.${i}.1`)
    expect(heldBy(a, crowd)).toBe(16) // nobody is past the grace period: no eviction, the rest refused
    expect(a.policy.stats().refused.full).toBe(8)
    // our own dial for a follow gets in (the reserve), and B is privileged on A from then on
    expect(await a.follow(b.org, { via: [b.libp2p.getMultiaddrs()[0].toString()] })).toEqual({ org: b.org, seq: 1 })
    await a.libp2p.hangUp(b.peerId)
    // B dialling A is an inbound connection that only the reserve can take
    await until(async () => {
      // A may dial B again on its own (the DHT provide after its follow, batched): B's dial then
      // returns that connection, outbound from A, which is not what this checks; it goes again
      for (const c of a.libp2p.getConnections(b.peerId)) if (c.direction === 'outbound') await c.close().catch(() => undefined)
      await b.libp2p.dial(a.libp2p.getMultiaddrs()[0], { signal: AbortSignal.timeout(10_000) }).catch(() => undefined)
      return a.libp2p.getConnections(b.peerId).some(c => c.direction === 'inbound' && c.status === 'open')
    }, 30_000, 'B admitted into the reserve')
    expect(a.policy.stats().refused.full).toBe(8)
    // an unknown honest-looking node is not privileged: refused while nothing is evictable
    const c = await makeNode('Parcelpoint')
    cleanups.push(c.cleanup)
    await c.libp2p.dial(a.libp2p.getMultiaddrs()[0], { signal: AbortSignal.timeout(10_000) }).catch(() => undefined)
    await until(() => a.policy.stats().refused.full >= 9, 10_000, 'C refused')
    expect(a.libp2p.getConnections(c.peerId)).toEqual([])
  })

  it('sockets that never finish the handshake cannot hold every pending slot: at most 2 per address, and a follower still gets in', async () => {
    const a = await makeNode('Ledgerline')
    cleanups.push(a.cleanup)
    await a.publish(await example())
    const port = Number(a.libp2p.getMultiaddrs()[0].toString().split('/')[4])
    // 6 addresses × 3 raw TCP sockets that say nothing (libp2p's old limit: 10 pending in all)
    const sockets: Socket[] = []
    cleanups.push(async () => { for (const x of sockets) x.destroy() })
    for (let i = 0; i < 18; i++) {
      const x = connect({ host: '127.0.0.1', port, localAddress: `127.6.${i % 6}.1` })
      x.on('error', () => {})
      sockets.push(x)
    }
    await until(() => a.policy === undefined || a.policy.stats().refused.pending === 6, 10_000, 'the third socket of each address refused')
    const d = await makeNode('Carepath')
    cleanups.push(d.cleanup)
    expect(await d.follow(a.org, { via: [a.libp2p.getMultiaddrs()[0].toString()] })).toEqual({ org: a.org, seq: 1 })
    expect(sockets.filter(x => !x.destroyed).length).toBe(12)
  })

  it('counts IPv4 per address and /24, IPv6 per /64 and /48, an IPv4-mapped address as IPv4', () => {
    expect(addressKeys(multiaddr('/ip4/203.0.113.7/tcp/4710'))).toMatchObject({ ip: '203.0.113.7', subnet: '203.0.113.0/24' })
    expect(addressKeys(multiaddr('/ip6/2001:db8:a:b:1:2:3:4/tcp/4710'))).toMatchObject({ ip: '2001:db8:a:b::/64', subnet: '2001:db8:a::/48' })
    expect(addressKeys(multiaddr('/ip6/2001:db8::1/tcp/4710'))).toMatchObject({ ip: '2001:db8:0:0::/64', subnet: '2001:db8:0::/48' })
    expect(addressKeys(multiaddr('/ip6/2001:0db8:000a:0000:ffff::9/tcp/1'))?.ip).toBe(addressKeys(multiaddr('/ip6/2001:db8:a::1/tcp/1'))?.ip)
    expect(addressKeys(multiaddr('/ip6/::ffff:198.51.100.2/tcp/1'))).toMatchObject({ ip: '198.51.100.2', subnet: '198.51.100.0/24' })
    expect(addressKeys(multiaddr('/dns4/example.org/tcp/1'))).toBeUndefined()
  })

  it('per-address caps: excess connections from one IP and one /24 are refused and counted; 127.0.0.1 is exempt', async () => {
    const a = await makeNode('Ledgerline', { connectionPolicy: { maxInboundPerIp: 3, maxInboundPerSubnet: 5 } })
    cleanups.push(a.cleanup)
    expect(heldBy(a, await flood(a, 6, () => '127.4.0.1', 1))).toBe(3)
    expect(a.policy.stats().refused.ip).toBe(3)
    expect(heldBy(a, await flood(a, 4, i => `127.4.0.${i + 2}`, 1))).toBe(2)
    expect(a.policy.stats().refused.subnet).toBe(2)
    // another /24 is not affected, nor is this host's own address
    expect(heldBy(a, await flood(a, 3, () => '127.4.1.1', 1))).toBe(3)
    expect(heldBy(a, await flood(a, 5, () => '127.0.0.1', 1))).toBe(5)
    // new connections faster than the per-address rate are refused (here 1 per 5 s after a
    // burst of 5, so that a slow machine cannot let more through)
    const b = await makeNode('Carepath', { connectionPolicy: { maxInboundPerIp: 100, maxInboundPerSubnet: 100, inboundRate: { rate: 0.2, burst: 5 } } })
    cleanups.push(b.cleanup)
    const t0 = Date.now()
    const held = heldBy(b, await flood(b, 14, () => '127.5.0.1', 1))
    expect(held).toBeLessThanOrEqual(5 + Math.floor((Date.now() - t0) / 5000))
    expect(b.policy.stats().refused.rate).toBe(14 - held)
    console.log(JSON.stringify({ scenario: 'per-address caps (ip 3, /24 5)', ...a.policy.stats(), rateBurst14: b.policy.stats().refused }))
  })
})
