/**
 * Partition and heal (issue 12, chaos suite): real nodes on 127.0.0.1 in three groups, each
 * group with its own publishing org, every node following all three orgs. The partition is
 * made at the nodes' connection gaters (the live set of refused peers `createNet` is given):
 * every node refuses the other groups' peers and hangs up on them. Each group publishes
 * while cut off, and must converge inside itself. Heal: the gaters open and the links that
 * existed are dialled again (the network and the peers' bootstrap lists come back); the
 * figure is the time from the heal until every node holds every org's latest version.
 */
import { startNode, stopNodes, type BenchNode } from '../bench/propagation.ts'
import { ms, randInt, revision, until } from './lib.ts'
import { parseOosMarkdown } from '../src/oos/index.ts'

export interface PartitionOptions {
  groups?: number
  /** nodes per group (default 3) */
  size?: number
  /** versions each group's publisher publishes while partitioned (default 3) */
  versions?: number
  /** how long convergence may take, ms (default 60 s) */
  timeoutMs?: number
  log?: (line: string) => void
}

export interface PartitionFigures {
  ok: boolean
  nodes: number
  groups: number
  versionsPerGroup: number
  /** no connection across groups remained while partitioned */
  isolated: boolean
  /** ms until each group held its own publisher's versions while cut off */
  convergedInsideMs: number
  /** ms from the heal until every node held every org's latest version */
  healToConvergedMs: number
  /** how far behind the nodes were at the heal (versions missing in all) */
  missingAtHeal: number
  converged: boolean
  ms: number
}

/** The live set of peers a node's gater refuses (OosNode keeps it private; the gater reads it on every dial). */
const gaterOf = (n: BenchNode): Set<string> => (n.policy as unknown as { blocked: Set<string> }).blocked // the policy's live block set: the cut, without a firewall

export async function partitionScenario (options: PartitionOptions = {}): Promise<PartitionFigures> {
  const G = options.groups ?? 3
  const K = options.size ?? 3
  const V = options.versions ?? 3
  const timeout = options.timeoutMs ?? 60_000
  const log = options.log ?? (() => {})
  const t0 = performance.now()
  const nodes: BenchNode[] = []
  try {
    for (let i = 0; i < G * K; i++) nodes.push(await startNode(`p${i}`, { antiEntropyMs: 2000 }))
    const group = (i: number): number => Math.floor(i / K)
    const publishers = Array.from({ length: G }, (_, g) => nodes[g * K])
    const body = (i: number): ReturnType<typeof parseOosMarkdown>['body'] => parseOosMarkdown(revision(i)).body
    for (const [g, p] of publishers.entries()) await p.publish(body(g * 1000))
    // a connected graph: a ring inside each group, and each node linked to one random node of every other group
    const links: Array<[number, number]> = []
    for (let i = 0; i < nodes.length; i++) {
      const g = group(i)
      links.push([i, g * K + ((i + 1) % K)])
      for (let h = 0; h < G; h++) if (h !== g && i % K === 0) links.push([i, h * K + randInt(0, K - 1)])
    }
    const dial = async ([a, b]: [number, number]): Promise<void> => {
      if (a === b) return
      await nodes[a].libp2p.dial(nodes[b].libp2p.getMultiaddrs()[0], { signal: AbortSignal.timeout(10_000) }).catch(() => {})
    }
    for (const l of links) await dial(l)
    for (const n of nodes) {
      for (const p of publishers) if (p !== n) await n.follow(p.org, { via: [p.libp2p.getMultiaddrs()[0].toString()], signal: AbortSignal.timeout(20_000) })
    }
    const holds = async (n: BenchNode, org: string, seq: number): Promise<boolean> => ((await n.store.head(org))?.seq ?? 0) >= seq
    const heads = await Promise.all(publishers.map(async p => (await p.store.head(p.org))?.seq ?? 0))
    if (!await until(async () => (await Promise.all(nodes.map(async n => (await Promise.all(publishers.map(async (p, g) => await holds(n, p.org, heads[g])))).every(Boolean)))).every(Boolean), timeout)) throw new Error('the nodes did not converge before the partition')
    log(`partition: ${nodes.length} nodes converged before the cut`)

    // the cut (the links across groups at this moment are the ones the heal restores)
    const across: Array<[number, number]> = []
    for (const [i, n] of nodes.entries()) for (const p of n.libp2p.getPeers()) { const j = nodes.findIndex(m => m.peerId.equals(p)); if (j >= 0 && group(j) !== group(i)) across.push([i, j]) }
    for (const [i, n] of nodes.entries()) {
      for (const [j, m] of nodes.entries()) if (group(i) !== group(j)) gaterOf(n).add(m.peerId.toString())
    }
    await Promise.all(nodes.map(async (n, i) => {
      for (const [j, m] of nodes.entries()) if (group(i) !== group(j)) await n.libp2p.hangUp(m.peerId).catch(() => {})
    }))
    const cross = (): number => nodes.reduce((s, n, i) => s + n.libp2p.getPeers().filter(p => nodes.some((m, j) => group(j) !== group(i) && m.peerId.equals(p))).length, 0)
    const tc = performance.now()
    for (const [g, p] of publishers.entries()) for (let v = 1; v <= V; v++) await p.publish(body(g * 1000 + v))
    const target = await Promise.all(publishers.map(async p => (await p.store.head(p.org))?.seq ?? 0))
    const inside = await until(async () => (await Promise.all(nodes.map(async (n, i) => await holds(n, publishers[group(i)].org, target[group(i)])))).every(Boolean), timeout)
    const convergedInsideMs = ms(tc)
    const isolated = cross() === 0
    let missingAtHeal = 0
    for (const n of nodes) for (const [g, p] of publishers.entries()) missingAtHeal += target[g] - ((await n.store.head(p.org))?.seq ?? 0)
    log(`partition: inside groups ${inside ? 'converged' : 'NOT converged'} in ${convergedInsideMs} ms; isolated ${isolated}; ${missingAtHeal} versions missing across groups`)

    // the heal
    const th = performance.now()
    for (const n of nodes) for (const m of nodes) gaterOf(n).delete(m.peerId.toString())
    await Promise.all(across.map(dial))
    const converged = await until(async () => (await Promise.all(nodes.map(async n => (await Promise.all(publishers.map(async (p, g) => await holds(n, p.org, target[g])))).every(Boolean)))).every(Boolean), timeout, 20)
    const healToConvergedMs = ms(th)
    log(`partition: healed, ${converged ? 'converged' : 'NOT converged'} in ${healToConvergedMs} ms`)
    return { ok: converged && inside && isolated, nodes: nodes.length, groups: G, versionsPerGroup: V, isolated, convergedInsideMs, healToConvergedMs, missingAtHeal, converged, ms: ms(t0) }
  } finally {
    await stopNodes(nodes)
  }
}
