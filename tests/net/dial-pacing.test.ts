/**
 * Dials at start are paced (net/libp2p.ts, the connection manager's `maxParallelDials`): a node
 * given many peers to dial does not open every handshake at once — 100 nodes dialling each
 * other at once timed their Noise handshakes out. The peers here are real TCP listeners that
 * accept and never answer the handshake, so each dial holds its socket until it fails; the
 * listeners count the sockets open at once.
 */
import { describe, it, expect, afterAll } from 'vitest'
import { createServer, type Server, type Socket } from 'node:net'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { createNet, type OosLibp2p } from '../../src/net/libp2p.ts'
import { until } from './nodes.ts'

const cleanups: Array<() => Promise<void>> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

/** `n` silent listeners: they count the sockets open at once (and the peak) and can drop one */
async function silent (n: number): Promise<{ addrs: string[], accepted: () => number, peak: () => number, dropOne: () => void }> {
  const open = new Set<Socket>()
  let accepted = 0
  let peak = 0
  const servers: Server[] = []
  const addrs: string[] = []
  for (let i = 0; i < n; i++) {
    const server = createServer(socket => {
      accepted++
      open.add(socket)
      peak = Math.max(peak, open.size)
      socket.on('close', () => { open.delete(socket) })
      socket.on('error', () => {})
    })
    await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
    servers.push(server)
    const port = (server.address() as { port: number }).port
    addrs.push(`/ip4/127.0.0.1/tcp/${port}/p2p/${peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()}`)
  }
  cleanups.push(async () => {
    for (const s of open) s.destroy()
    await Promise.all(servers.map(async s => { await new Promise(resolve => { s.close(resolve) }) }))
  })
  return { addrs, accepted: () => accepted, peak: () => peak, dropOne: () => { open.values().next().value?.destroy() } }
}

describe('dials at start', () => {
  it('a node given 40 peers to dial opens at most 16 handshakes at once, and dials the rest as those end', async () => {
    const peers = await silent(40)
    const net: OosLibp2p = await createNet({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: peers.addrs })
    cleanups.push(async () => { await net.stop() })
    await until(() => peers.accepted() >= 16, 15_000, '16 dials started')
    // a handshake that ends (here: the listener drops it) lets the next queued dial start
    peers.dropOne()
    await until(() => peers.accepted() >= 17, 15_000, 'the next dial started')
    expect(peers.peak()).toBeLessThanOrEqual(16)
  })
})
