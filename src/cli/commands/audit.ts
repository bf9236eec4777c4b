import { AUDIT_DEFAULTS, AUDIT_EVENTS, parseSince, readAudit, type AuditEntry, type AuditEvent, type AuditQuery } from '../../app/files.ts'
import { homePaths, loadHome } from '../../app/home.ts'
import { str, type Command, type Context } from '../command.ts'
import { UsageError } from '../errors.ts'
import { clean } from '../render.ts'
import { isoSecond } from '../style.ts'

function query (ctx: Context): AuditQuery {
  const q: AuditQuery = {}
  const peer = str(ctx, 'peer')
  const org = str(ctx, 'org')
  const code = str(ctx, 'code')
  const event = str(ctx, 'event')
  const since = str(ctx, 'since')
  if (peer !== undefined) q.peer = peer
  if (org !== undefined) q.org = org
  if (code !== undefined) {
    if (!/^[A-Za-z_]{1,64}$/.test(code)) throw new UsageError(`--code must be an error code such as BAD_SIGNATURE, not ${JSON.stringify(code)}`)
    q.code = code.toUpperCase()
  }
  if (event !== undefined) {
    if (!(AUDIT_EVENTS as readonly string[]).includes(event)) throw new UsageError(`--event must be one of ${AUDIT_EVENTS.join(', ')}`)
    q.event = event as AuditEvent
  }
  if (since !== undefined) {
    const t = parseSince(since)
    if (t === undefined) throw new UsageError(`--since must be an ISO date (2026-12-01, 2026-12-01T10:00Z) or a duration back from now (30s, 15m, 2h, 7d), not ${JSON.stringify(since)}`)
    q.since = t
  }
  return q
}

function limitArg (s: string | undefined): number | undefined {
  if (s === undefined) return undefined
  if (!/^[1-9][0-9]{0,8}$/.test(s)) throw new UsageError(`--limit must be a number of entries (1, 2, …), not ${JSON.stringify(s)}`)
  return Number(s)
}

/** One line: time, event, code, what (kind org #seq cid), how and from whom. Every value may come from a peer: cleaned. */
export function renderEntry (e: AuditEntry): string {
  const what = [e.kind, e.org, e.seq !== undefined ? `#${e.seq}` : undefined, e.cid].filter(x => x !== undefined).map(clean).join(' ')
  const who = e.source !== undefined ? `${clean(e.source)} from ${clean(e.peer ?? '?')}` : e.peer !== undefined ? `peer ${clean(e.peer)}` : ''
  const count = e.count !== undefined ? `(${e.count} violations)` : ''
  return [clean(isoSecond(e.time)), clean(e.event).padEnd(12), clean(e.code ?? '-').padEnd(18), what, who, count].filter(x => x !== '').join('  ')
}

export const audit: Command = {
  name: 'audit',
  summary: 'the audit log: every record offered to the ingest door (accepted or rejected, from whom), violations and bans',
  usage: 'audit [--peer P] [--org O] [--code C] [--event E] [--since T] [--limit N] [--json]',
  help: [
    `Reads <home>/audit/ (audit.log, then audit.1.log … the older ones) directly, whether the node runs or not; a running node writes its lines within ${AUDIT_DEFAULTS.flushMs} ms.`,
    '--peer and --org match a prefix (of a peer id, or api, cli, node, car:FILE; of an org did); --code an exact code; --event one of ' + AUDIT_EVENTS.join(', ') + '.',
    '--since is an ISO date or a duration back from now (30s, 15m, 2h, 7d). --limit N keeps the newest N. Oldest first; --json prints one JSON object per line.'
  ].join(' '),
  options: {
    peer: { type: 'string', value: 'P', description: 'entries from a peer id, api, cli, node or car:FILE starting with P' },
    org: { type: 'string', value: 'O', description: 'entries about an org whose did starts with O' },
    code: { type: 'string', value: 'C', description: 'entries with this error code (exact)' },
    event: { type: 'string', value: 'E', description: `entries of one event: ${AUDIT_EVENTS.join(', ')}` },
    since: { type: 'string', value: 'T', description: 'entries since an ISO date or a duration back from now (30s, 15m, 2h, 7d)' },
    limit: { type: 'string', value: 'N', description: 'the newest N entries only', default: 'all' }
  },
  async run (ctx) {
    const q = query(ctx)
    const limit = limitArg(str(ctx, 'limit'))
    await loadHome(ctx.home)
    const print = (e: AuditEntry): void => { ctx.io.out(ctx.io.json ? JSON.stringify(e) : renderEntry(e)) }
    let n = 0
    // without --limit, entries are printed as they are read (the log may hold millions); with it, the newest N are kept
    const kept: AuditEntry[] = []
    for await (const e of readAudit(homePaths(ctx.home).audit, q)) {
      n++
      if (limit === undefined) print(e)
      else {
        kept.push(e)
        if (kept.length >= 2 * limit) kept.splice(0, kept.length - limit)
      }
    }
    kept.slice(-(limit ?? 0)).forEach(print)
    if (n === 0 && !ctx.io.json) ctx.io.err('no audit entries match')
  }
}
