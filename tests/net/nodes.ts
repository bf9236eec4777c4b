/** Real oosnet nodes for tests: temp homes, real keys, libp2p on 127.0.0.1, real LevelDB. */
import { ephemeralNode, type EphemeralNode } from '../../src/node/ephemeral.ts'
import type { NodeConfig } from '../../src/node/create.ts'
import { createNet, type OosLibp2p } from '../../src/net/libp2p.ts'
import { readOneFrame } from '../../src/net/reqresp/frames.ts'
import { decodeSyncRequest } from '../../src/net/reqresp/sync.ts'
import { createLibp2p, type Libp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPair } from '@libp2p/crypto/keys'

export async function makeNode (name: string, options: Partial<NodeConfig> = {}): Promise<EphemeralNode> {
  return await ephemeralNode(name, options)
}

/**
 * The next `name` event on `target` whose detail satisfies `predicate`: resolves with the
 * detail; rejects when `signal` aborts (default: after 15 s). Listen before acting.
 */
export async function nextEvent<D> (target: EventTarget, name: string, predicate: (detail: D) => boolean = () => true, options: { signal?: AbortSignal } = {}): Promise<D> {
  const signal = options.signal ?? AbortSignal.timeout(15_000)
  return await new Promise<D>((resolve, reject) => {
    const done = (): void => { target.removeEventListener(name, on); signal.removeEventListener('abort', abort) }
    const on = (evt: Event): void => {
      const detail = (evt as CustomEvent<D>).detail
      if (!predicate(detail)) return
      done()
      resolve(detail)
    }
    const abort = (): void => { done(); reject(new Error(`no ${name} event: ${String(signal.reason)}`)) }
    if (signal.aborted) { abort(); return }
    target.addEventListener(name, on)
    signal.addEventListener('abort', abort, { once: true })
  })
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
 * A stranger on the network: a bare libp2p stack (createNet) with a fresh identity, connected
 * to `target` and subscribed to `topic` (both sides see it), serving nothing of oosnet; it
 * counts the sync requests it is sent (`syncAsked`), and of them those that ask for versions
 * (`chainAsked`: all but the "show the rotations of the org" request, from past any head,
 * that a node sends the sender of an unknown key when no bound peer of the org is connected:
 * node/hints.ts). It never connects to the peers in `avoid` (it would find them through the
 * DHT), so what they get of its messages came through `target`.
 */
export async function rogue (target: EphemeralNode, topic: string, avoid: EphemeralNode[] = []): Promise<{ net: OosLibp2p, syncAsked: () => number, chainAsked: () => number }> {
  const blocked = new Set(avoid.map(n => n.peerId.toString()))
  const net = await createNet({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], blocked })
  let asked = 0
  let chain = 0
  await net.handle('/oos/sync/1.0.0', async (stream) => {
    asked++
    // a request that cannot be read counts as one for versions
    const req = await readOneFrame(stream, 4096).then(b => b === undefined ? undefined : decodeSyncRequest(b), () => undefined)
    if (req === undefined || req.from < Number.MAX_SAFE_INTEGER) chain++
    stream.abort(new Error('no'))
  })
  await net.dial(target.libp2p.getMultiaddrs()[0])
  net.services.pubsub.subscribe(topic)
  await until(() => net.services.pubsub.getSubscribers(topic).some(p => p.equals(target.peerId)), 10_000, 'rogue sees the target subscribed')
  await until(() => target.libp2p.services.pubsub.getSubscribers(topic).some(p => p.equals(net.peerId)), 10_000, 'the target sees the rogue subscribed')
  return { net, syncAsked: () => asked, chainAsked: () => chain }
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
