/** A thread of `CoreVerify`: verifies a chain's signed messages when told which, and posts its rate. */
import { parentPort, workerData } from 'node:worker_threads'
import { verify } from '../src/identity/index.ts'

const chains = workerData as Array<{ pub: Uint8Array, msgs: Uint8Array[], sigs: Uint8Array[] }>
const port = parentPort
if (port === null) throw new Error('core-verify-worker runs as a worker thread')
// warm: the first verifications of a thread pay for loading OpenSSL's code paths
for (let j = 0; j < 50; j++) verify(chains[0].pub, chains[0].msgs[j % chains[0].msgs.length], chains[0].sigs[j % chains[0].sigs.length])
port.on('message', (i: number) => {
  const { pub, msgs, sigs } = chains[i]
  const t = performance.now()
  for (let j = 0; j < msgs.length; j++) if (!verify(pub, msgs[j], sigs[j])) throw new Error('verify failed')
  port.postMessage(Math.round(msgs.length / ((performance.now() - t) / 1000)))
})
port.postMessage('ready')
