/**
 * Issue 12 (3) at full scale, default connection policy (NETWORK.md §8): FLOOD_N throwaway
 * identities (default 230, FLOOD_PARALLEL=8 dials at a time) connect to node A and sit idle;
 * then a new node D follows A with --via A's address. Prints one JSON object: what A holds
 * and refused, and how long D took from `follow` to holding A's chain (retries included).
 * FLOOD_FROM=distinct (default: each identity from its own 127.x.y.1, so per-address caps
 * do not apply) or FLOOD_FROM=loopback (all from 127.0.0.1, exempt: only the reserve and
 * eviction stand). Run: `node bench/connflood.ts`.
 */
import { readFileSync } from 'node:fs'
import type { Libp2p } from 'libp2p'
import { ephemeralNode } from '../src/node/ephemeral.ts'
import { parseOosMarkdown } from '../src/oos/index.ts'
import { throwaway, until } from '../tests/net/nodes.ts'

const n = Number(process.env.FLOOD_N ?? 230)
const parallel = Number(process.env.FLOOD_PARALLEL ?? 8)
const loopback = process.env.FLOOD_FROM === 'loopback'

const a = await ephemeralNode('Ledgerline')
await a.publish(parseOosMarkdown(readFileSync(new URL('../examples/orgs/ledgerline/v1.oos.md', import.meta.url), 'utf8')).body)
const addr = a.libp2p.getMultiaddrs()[0]
const crowd: Libp2p[] = []
const t0 = Date.now()
for (let i = 0; i < n; i += parallel) {
  const batch = await Promise.all(Array.from({ length: Math.min(parallel, n - i) }, async (_, j) => await throwaway(loopback ? '127.0.0.1' : `127.${10 + ((i + j) >> 8)}.${(i + j) & 255}.1`)))
  crowd.push(...batch)
  await Promise.all(batch.map(async x => await x.dial(addr, { signal: AbortSignal.timeout(10_000) }).catch(() => undefined)))
}
const floodMs = Date.now() - t0
// (a node without the policy, as before NETWORK.md §8, has nothing to settle)
await until(() => a.policy === undefined || a.policy.stats().inbound === a.libp2p.getConnections().filter(c => c.direction === 'inbound').length, 20_000, 'settled')
const held = (): number => crowd.filter(x => a.libp2p.getConnections(x.peerId).length > 0).length
const heldAfterFlood = held()

const d = await ephemeralNode('Carepath', { followRetry: {} })
const t1 = Date.now()
const first = await d.follow(a.org, { via: [addr.toString()] }).then(r => `ok seq ${r.seq}`, (err: Error & { code?: string }) => `${err.code ?? 'ERROR'}: ${err.message}`)
const synced = await until(async () => (await d.store.head(a.org))?.seq === 1, 60_000, 'D synced').then(() => true, () => false)
const followMs = synced ? Date.now() - t1 : `not synced after ${Date.now() - t1} ms`

console.log(JSON.stringify({
  scenario: `${n} idle throwaway identities (${loopback ? 'all from 127.0.0.1' : 'each from its own address'}), ${parallel} dials at a time, default policy; then a new follower`,
  floodMs,
  crowdHeldAfterFlood: heldAfterFlood,
  followFirstAttempt: first,
  followMs,
  crowdHeldAfterFollow: held(),
  connections: a.policy?.stats() ?? { total: a.libp2p.getConnections().length },
  unprivilegedCap: a.policy === undefined ? 'none' : a.policy.init.maxConnections - a.policy.init.reserve
}))
await d.cleanup()
await Promise.all(crowd.map(async x => { await x.stop() }))
await a.cleanup()
