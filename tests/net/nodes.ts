/** Real oosnet nodes for tests: temp homes, real keys, libp2p on 127.0.0.1, real LevelDB. */
import { ephemeralNode, type EphemeralNode } from '../../src/node/ephemeral.ts'
import type { OosNodeInit } from '../../src/node/node.ts'
import { createLibp2p, type Libp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPair } from '@libp2p/crypto/keys'

export async function makeNode (name: string, options: Partial<OosNodeInit> = {}): Promise<EphemeralNode> {
  return await ephemeralNode(name, options)
}

/** Poll until `fn` is true (or fail after `ms`). */
export async function until (fn: () => Promise<boolean> | boolean, ms = 15_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (await fn()) return
    await new Promise(resolve => setTimeout(resolve, 25))
  }
  throw new Error(`timed out waiting for ${what}`)
}

/**
 * A bare identity (TCP, Noise, Yamux, nothing else) whose dials leave from `from`: Linux routes
 * all of 127.0.0.0/8 to lo, and @libp2p/tcp passes `dialOpts` to net.connect (`localAddress`),
 * so each throwaway can have its own loopback source address.
 */
export async function throwaway (from: string): Promise<Libp2p> {
  return await createLibp2p({
    privateKey: await generateKeyPair('Ed25519'),
    addresses: { listen: [] },
    transports: [tcp({ dialOpts: { localAddress: from } as object })],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()]
  })
}
