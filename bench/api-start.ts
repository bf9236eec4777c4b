/**
 * What starting the local API costs (every `oos start`, every test node): the time to load
 * src/api/server.ts, to start the server, and to answer its first request (schemas are
 * compiled on first use); then the same for a second server in the same process (as a test
 * file starts several nodes). Run: `npx node bench/api-start.ts`.
 */
import { performance } from 'node:perf_hooks'

const t0 = performance.now()
const { apiServer } = await import('../src/api/server.ts')
const t1 = performance.now()
const handlers = { status: async () => ({ org: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK', name: 'x', peerId: 'p', multiaddrs: [], peers: [], following: [], head: 0 }) } as never

async function round (): Promise<string> {
  const server = apiServer()({ handlers })
  const t1 = performance.now()
  await server.start()
  const t2 = performance.now()
  const res = await fetch(`${server.url}/v1/status`, { headers: { authorization: `Bearer ${server.token}` } })
  await res.text()
  const t3 = performance.now()
  await server.stop()
  const t4 = performance.now()
  return `start ${(t2 - t1).toFixed(1)} ms, first request ${(t3 - t2).toFixed(1)} ms (status ${res.status}), stop ${(t4 - t3).toFixed(1)} ms`
}

console.log(`load ${(t1 - t0).toFixed(1)} ms; first server: ${await round()}; second server: ${await round()}`)
