import { ApiClient } from '../../api/client.ts'
import { loadHome } from '../../app/home.ts'
import { recordFollow, recordUnfollow } from '../../app/settings.ts'
import { NotFoundError } from '../../errors.ts'
import { type Command, type Context } from '../command.ts'
import { clean } from '../render.ts'
import { multiaddrOption } from '../values.ts'
import { NodeNotRunningError } from '../errors.ts'
import { exited } from '../lifecycle.ts'

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
      `  head       ${s.head}`,
      ...s.following.map(f => `  following  ${f.org}  seq ${f.seq}${f.state === 'following, not yet synced' ? `  not yet synced${f.lastError !== undefined ? ` (${clean(f.lastError)})` : ''}${f.nextRetry !== undefined ? `, next try ${f.nextRetry}` : ''}` : ''}`),
      `  ingest     ${s.ingest?.accepted ?? 0} accepted, ${s.ingest?.rejected ?? 0} rejected`
    ].join('\n'))
  }
}

export const follow: Command = {
  name: 'follow',
  summary: 'follow an organization: subscribe to its updates and fetch its whole chain',
  usage: 'follow ORG [--via MULTIADDR...]',
  help: 'ORG is a did:key. Without --via the node finds peers that serve the org through the DHT. With no node running, the follow is recorded and takes effect when the node starts. A follow that reaches no one is retried with backoff (status shows it as not yet synced); when no --via address answered, the command exits 1 with UNREACHABLE (the follow stays recorded); when nothing could be synced yet (NO_PEERS, NO_VERSIONS), it exits 1 with that reason and the node keeps trying.',
  options: { via: { type: 'string', multiple: true } },
  args: [1, 1],
  async run (ctx) {
    const org = ctx.positionals[0]
    const via = multiaddrOption(ctx, 'via', 'optional')
    const api = await running(ctx)
    if (api !== undefined) {
      const r = await api.follow({ org, ...(via.length > 0 ? { via } : {}) }, { signal: ctx.signal })
      if (r.synced === false) {
        // never a silent success: the follow is recorded, but nothing could be synced yet
        ctx.io.result(r, () => `following ${r.org}: not yet synced (${r.seq} version(s) held): ${clean(r.error?.message ?? '')} [${r.error?.code ?? ''}]; the node keeps trying`)
        return 1
      }
      ctx.io.result(r, () => `following ${r.org}: ${r.seq} version(s) held`)
      return
    }
    const f = await recordFollow(ctx.home, org, via)
    ctx.io.result({ org: f.org, seq: 0, pending: true }, () => `following ${f.org}: no node is running; it syncs when the node starts`)
  }
}

export const unfollow: Command = {
  name: 'unfollow',
  summary: 'stop following an organization (what is stored stays)',
  usage: 'unfollow ORG',
  args: [1, 1],
  async run (ctx) {
    const org = ctx.positionals[0]
    const api = await running(ctx)
    const removed = api !== undefined
      ? (await api.unfollow({ org }, { signal: ctx.signal })).removed
      : await recordUnfollow(ctx.home, org)
    ctx.io.result({ org, removed }, () => removed ? `no longer following ${org}` : `${org} was not followed`)
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
