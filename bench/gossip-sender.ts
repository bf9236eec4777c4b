/**
 * The sending side of bench/gossip-cpu.ts, in a worker thread (so that its CPU is not the
 * receiver's main thread's): a bare libp2p stack of the same tree (`src`) that dials the
 * receiver, joins the org's topic and publishes the records it is handed, in chunks.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import * as dagCbor from '@ipld/dag-cbor'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'

const { src, target, topic, records } = workerData as { src: string, target: string, topic: string, records: Uint8Array[] }
const { createNet } = await import(pathToFileURL(join(src, 'net/libp2p.ts')).href)
const net = await createNet({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })
await net.dial(multiaddr(target))
net.services.pubsub.subscribe(topic)
while (net.services.pubsub.getSubscribers(topic).length === 0) await new Promise(resolve => setTimeout(resolve, 20))
parentPort?.postMessage('ready')
await new Promise(resolve => parentPort?.once('message', resolve))
for (let i = 0; i < records.length; i++) {
  await net.services.pubsub.publish(topic, dagCbor.encode({ record: records[i] }))
  if (i % 20 === 19) await new Promise(resolve => setTimeout(resolve, 5)) // a steady stream, not one burst
}
parentPort?.postMessage('sent')
await new Promise(resolve => parentPort?.once('message', resolve))
await net.stop()
