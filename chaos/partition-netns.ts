/**
 * Partition and heal in network namespaces (issue 12, chaos suite): `oos start` processes
 * in three groups, each group in its own namespace (chaos/netns.ts), each group with its own
 * publishing org, every node following all three orgs. The partition takes the groups'
 * links down — packets stop, the nodes are told nothing — for `holdMs` while each group
 * publishes; the heal brings them up, and nothing else is done: the nodes must find each
 * other again and converge by themselves. Needs root and `ip netns` (else `ok: false` with
 * the reason); `partition` is the same test at the connection gaters, in one process.
 */
import { NetnsLab, netnsAvailable } from './netns.ts'
import { ms, revision, scoped, sleep, until, type NodeProcess } from './lib.ts'

export interface NetnsPartitionOptions {
  groups?: number
  /** nodes per group (default 3) */
  size?: number
  /** versions each group publishes while cut off (default 3) */
  versions?: number
  /** how long the partition lasts at least, ms (default 15 s) */
  holdMs?: number
  timeoutMs?: number
  log?: (line: string) => void
}

export interface NetnsPartitionFigures {
  ok: boolean
  reason?: string
  nodes: number
  groups: number
  versionsPerGroup: number
  holdMs: number
  convergedInsideMs: number
  /** versions missing across groups when the links came back */
  missingAtHeal: number
  /** ms from the links coming back until every node held every org's latest version */
  healToConvergedMs: number
  converged: boolean
  ms: number
}

interface Member { g: number, home: string, proc: NodeProcess }

export async function netnsPartitionScenario (options: NetnsPartitionOptions = {}): Promise<NetnsPartitionFigures> {
  const G = options.groups ?? 3
  const K = options.size ?? 3
  const V = options.versions ?? 3
  const hold = options.holdMs ?? 15_000
  const timeout = options.timeoutMs ?? 60_000
  const log = options.log ?? (() => {})
  const t0 = performance.now()
  const base = { nodes: G * K, groups: G, versionsPerGroup: V, holdMs: hold, convergedInsideMs: 0, missingAtHeal: 0, healToConvergedMs: 0, converged: false }
  if (!netnsAvailable()) return { ok: false, reason: 'network namespaces are not available (needs root and ip netns)', ...base, ms: 0 }
  return await scoped(async (scope) => {
    const lab = new NetnsLab(G)
    scope.defer(async () => { lab.removeSync() })
    const members: Member[] = []
    for (let g = 0; g < G; g++) {
      for (let k = 0; k < K; k++) {
        const { home } = await scope.home(`G${g}N${k}`)
        // bootstrap: the node before it in its group, and the first node of every earlier group
        const prev = k > 0 ? [members[members.length - 1]] : Array.from({ length: g }, (_, h) => members[h * K])
        const boot = prev.flatMap(m => ['--bootstrap', m.proc.addr])
        const proc = await scope.start(home, ['--sync-interval', '1', ...boot], { netns: lab.groups[g], listen: `/ip4/${lab.address(g)}/tcp/0` })
        members.push({ g, home, proc })
      }
    }
    const call = async <T>(m: Member, method: 'status' | 'publish' | 'follow', input?: unknown): Promise<T> => await lab.agents[m.g].call<T>(m.home, method, input)
    const publishers = Array.from({ length: G }, (_, g) => members[g * K])
    const orgs = publishers.map(p => p.proc.info.org)
    const heads = Array.from({ length: G }, () => 0)
    const publish = async (g: number, i: number): Promise<void> => { heads[g] = (await call<{ seq: number }>(publishers[g], 'publish', { document: revision(g * 1000 + i), format: 'md' })).seq }
    for (let g = 0; g < G; g++) await publish(g, 0)
    for (const m of members) for (let g = 0; g < G; g++) if (publishers[g] !== m) await call(m, 'follow', { org: orgs[g], via: [publishers[g].proc.addr] })
    const seqs = async (m: Member): Promise<number[]> => {
      const s = await call<{ org: string, head: number, following: Array<{ org: string, seq: number }> }>(m, 'status').catch(() => undefined)
      return orgs.map(o => o === s?.org ? s.head : s?.following.find(f => f.org === o)?.seq ?? 0)
    }
    const all = async (want: (m: Member, g: number) => boolean): Promise<boolean> => (await Promise.all(members.map(async m => { const s = await seqs(m); return s.every((x, g) => !want(m, g) || x >= heads[g]) }))).every(Boolean)
    if (!await until(async () => await all(() => true), timeout, 250)) return { ok: false, reason: 'no convergence before the partition', ...base, ms: ms(t0) }
    log(`netns partition: ${members.length} processes in ${G} namespaces converged; cutting the links`)

    for (let g = 0; g < G; g++) lab.cut(g, true)
    const tc = performance.now()
    for (let v = 1; v <= V; v++) for (let g = 0; g < G; g++) await publish(g, v)
    const inside = await until(async () => await all((m, g) => m.g === g), timeout, 250)
    const convergedInsideMs = ms(tc)
    await sleep(Math.max(0, hold - ms(tc)))
    let missingAtHeal = 0
    for (const m of members) (await seqs(m)).forEach((x, g) => { missingAtHeal += heads[g] - x })
    log(`netns partition: inside ${inside ? 'converged' : 'NOT converged'} in ${convergedInsideMs} ms; ${missingAtHeal} versions missing across groups after ${ms(tc)} ms cut off; healing`)

    for (let g = 0; g < G; g++) lab.cut(g, false)
    const th = performance.now()
    const converged = await until(async () => await all(() => true), timeout, 250)
    const healToConvergedMs = ms(th)
    log(`netns partition: ${converged ? 'converged' : 'NOT converged'} ${healToConvergedMs} ms after the heal`)
    return { ok: inside && converged && missingAtHeal > 0, ...base, convergedInsideMs, missingAtHeal, healToConvergedMs, converged, ms: ms(t0) }
  })
}
