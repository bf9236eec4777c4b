import { ApiClient } from '../../api/client.ts'
import { loadHome } from '../../app/home.ts'
import { NotFoundError } from '../../errors.ts'
import { str, type Command, type Context } from '../command.ts'
import { withBackend } from '../backend.ts'
import { clean } from '../render.ts'
import { multiaddrOption } from '../values.ts'
import { NodeNotRunningError } from '../errors.ts'
import { exited } from '../lifecycle.ts'

/** A follow being tried again: not yet synced, or synced and cut off from the org's gossip (NETWORK.md §8.5). */
function retrying (f: { state?: string, lastError?: string, nextRetry?: string }): string {
  const why = `${f.lastError !== undefined ? ` (${clean(f.lastError)})` : ''}${f.nextRetry !== undefined ? `, next try ${f.nextRetry}` : ''}`
  if (f.state === 'following, not yet synced') return `  not yet synced${why}`
  return f.nextRetry !== undefined ? `  reaching it again${why}` : ''
}

async function running (ctx: Context): Promise<ApiClient | undefined> {
  await loadHome(ctx.home)
  return await ApiClient.fromHome(ctx.home)
}

export const status: Command = {
  name: 'status',
  summary: 'the running node: peer id, addresses, connected peers, followed orgs and their latest seq, counters',
  usage: 'status',
  async run (ctx) {
    const api = await running(ctx)
    if (api === undefined) throw new NotFoundError(`no node is running for ${ctx.home} (start one with oos start)`)
    const s = await api.status({ signal: ctx.signal })
    ctx.io.result(s, () => [
      `${clean(s.name)}  ${s.org}`,
      `  peer id    ${s.peerId}`,
      ...s.multiaddrs.map(a => `  listen     ${a}`),
      `  peers      ${s.peers.length}`,
      ...s.peers.map(p => `    ${p}`),
      `  head       ${s.head}`,
      ...s.following.map(f => `  following  ${f.name !== undefined ? `${clean(f.name)}  ` : ''}${f.org}  seq ${f.seq}${retrying(f)}`),
      `  ingest     ${s.ingest?.accepted ?? 0} accepted, ${s.ingest?.rejected ?? 0} rejected`
    ].join('\n'))
  }
}

export const follow: Command = {
  name: 'follow',
  summary: 'follow an organization: subscribe to its updates and fetch its whole chain',
  usage: 'follow ORG [--alias NAME] [--via MULTIADDR...]',
  help: 'ORG is a did:key, or a did prefix, a pseudonym or an alias of an org held here. --alias NAME gives it a local name (kept in follows.json, never published) that works as ORG in every command from then on; an alias wins over a pseudonym, so an impostor copying the name cannot take it. Our own org cannot be followed (FOLLOW_SELF). Without --via the node finds peers that serve the org through the DHT. With no node running, the follow is recorded and takes effect when the node starts. A follow that reaches no one is retried with backoff (status shows it as not yet synced); when no --via address answered, the command exits 1 with UNREACHABLE (the follow stays recorded); when nothing could be synced yet (NO_PEERS, NO_VERSIONS), it exits 1 with that reason and the node keeps trying.',
  options: {
    via: { type: 'string', multiple: true, value: 'MULTIADDR', description: 'a peer that serves the org (repeatable, or comma-separated)', default: 'peers found through the DHT' },
    alias: { type: 'string', value: 'NAME', description: 'a local name for the org, usable as ORG in every command' }
  },
  args: [1, 1],
  async run (ctx) {
    const via = multiaddrOption(ctx, 'via', 'optional')
    const alias = str(ctx, 'alias')
    const named = alias !== undefined ? ` (alias ${clean(alias)})` : ''
    // through the running node, else recorded in follows.json (app/follow.ts): resolved and checked the same way
    const r = await withBackend(ctx, async (h) => await h.follow({ org: ctx.positionals[0], ...(via.length > 0 ? { via } : {}), ...(alias !== undefined ? { alias } : {}) }, { signal: ctx.signal }))
    if (r.pending === true) {
      ctx.io.result({ org: r.org, seq: r.seq, pending: true, ...(alias !== undefined ? { alias } : {}) }, () => `following ${r.org}${named}: no node is running; it syncs when the node starts`)
      return
    }
    if (r.synced === false) {
      // never a silent success: the follow is recorded, but nothing could be synced yet
      ctx.io.result(r, () => `following ${r.org}${named}: not yet synced (${r.seq} version(s) held): ${clean(r.error?.message ?? '')} [${r.error?.code ?? ''}]; the node keeps trying`)
      return 1
    }
    ctx.io.result(r, () => `following ${r.org}${named}: ${r.seq} version(s) held`)
  }
}

export const unfollow: Command = {
  name: 'unfollow',
  summary: 'stop following an organization (what is stored stays)',
  usage: 'unfollow ORG',
  help: 'ORG is a did, a did prefix, a pseudonym or an alias (the alias goes with the follow). Exit 1 when ORG names no org known here (NOT_FOUND) or several (AMBIGUOUS_ORG); exit 0 with "was not followed" when it names one we do not follow.',
  args: [1, 1],
  async run (ctx) {
    const ref = ctx.positionals[0]
    const { org, removed } = await withBackend(ctx, async (h) => await h.unfollow({ org: ref }, { signal: ctx.signal }))
    const named = ref === org ? org : `${clean(ref)} (${org})`
    ctx.io.result({ org, removed }, () => removed ? `no longer following ${named}` : `${named} was not followed`)
  }
}

export const stop: Command = {
  name: 'stop',
  summary: 'stop the node running for this home, through its API: it closes its store and exits',
  usage: 'stop',
  help: 'Returns once the node\'s process has exited (its store and ports are then free). Exit 1 with NODE_NOT_RUNNING when no node runs for the home.',
  async run (ctx) {
    const api = await running(ctx)
    if (api === undefined) throw new NodeNotRunningError(`no node is running for ${ctx.home}`)
    const r = await api.stop({ signal: ctx.signal })
    await exited(r.pid, { signal: ctx.signal })
    ctx.io.result({ stopped: true, pid: r.pid }, () => `stopped the node of ${ctx.home} (pid ${r.pid})`)
  }
}
