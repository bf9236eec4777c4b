/**
 * What a running node tells its operator (`oos start`, README "Running a node"): peers joining
 * and leaving, versions and statements accepted, follows synced, violations, bans and
 * equivocations, one line each on stderr. `human`: a time to the second and a sentence, orgs
 * by name (alias, else pseudonym) and short did; `json`: one object per line with `time`,
 * `event` (the node's typed event, node/events.ts, or libp2p's `peer:connect` /
 * `peer:disconnect`) and its fields, for a log collector; `off`: nothing. On a terminal the
 * human lines are coloured by event (`--no-color`, `NO_COLOR` and a redirected stderr: none).
 */
import type { OosNode, OosNodeEvents } from '../app/runtime.ts'
import type { App } from '../app/types.ts'
import { clean } from './render.ts'
import type { Colorize, Paint } from './style.ts'

export const LOG_FORMATS = ['human', 'json', 'off'] as const
export type LogFormat = typeof LOG_FORMATS[number]

/** A line to log: the event's name, its fields, and its sentence for a person. */
interface Line { event: string, fields: Record<string, unknown>, text: string }

/**
 * The colour of each event's sentence on a terminal (the time dimmed): peers joining and syncs
 * green, records received cyan, peers leaving and lifted bans yellow, violations, bans and
 * equivocations red. Applied after the line was escaped (io.ts), so it colours our own words.
 */
const COLOUR: Record<string, keyof Paint> = {
  'peer:connect': 'green', 'follow:synced': 'green', 'record:accepted': 'cyan', 'peer:disconnect': 'yellow', 'peer:unbanned': 'yellow', 'peer:violation': 'red', 'peer:banned': 'red', 'org:flagged': 'red'
}
const colourOf = (event: string): Colorize => (lines, p) => lines.map(l => l.replace(/^(\S+) (.*)$/s, (_, time: string, text: string) => `${p.dim(time)} ${p[COLOUR[event] ?? 'bold'](text)}`))

const short = (id: string): string => id.length > 20 ? `${id.slice(0, 16)}…${id.slice(-4)}` : id
const shortDid = (did: string): string => short(did.replace(/^did:key:/, ''))

/**
 * Log the node's events to `write` (a line at a time) until the returned function is called.
 * `app` names orgs (its `orgs` directory, re-read when an org's new version arrives).
 */
export function logNode (node: OosNode, app: Pick<App, 'orgs'>, format: LogFormat, write: (line: string, colorize?: Colorize) => void): () => void {
  if (format === 'off') return () => {}
  let names: Promise<Map<string, string>> | undefined
  const nameOf = async (org: string): Promise<string> => {
    names ??= app.orgs().then(rows => new Map(rows.map(r => [r.org, r.alias ?? r.pseudonym ?? ''])), () => new Map())
    const name = (await names).get(org) ?? ''
    return name === '' ? shortDid(org) : `${clean(name)} (${shortDid(org)})`
  }
  // lines are written in the order their events came, whatever a name lookup costs
  let queue = Promise.resolve()
  const log = (line: () => Line | Promise<Line>): void => {
    queue = queue.then(async () => {
      const l = await line()
      const time = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')
      if (format === 'json') write(JSON.stringify({ time, event: l.event, ...l.fields }))
      else write(`${time} ${l.text}`, colourOf(l.event))
    }).catch(() => {})
  }
  const peers = (): number => node.libp2p.getPeers().length
  const peerEvent = (event: 'peer:connect' | 'peer:disconnect', verb: string) => (e: CustomEvent<{ toString: () => string }>): void => {
    const peer = e.detail.toString()
    log(() => ({ event, fields: { peer, peers: peers() }, text: `peer ${verb} ${peer} (${peers()} connected)` }))
  }
  const joined = peerEvent('peer:connect', 'joined')
  const left = peerEvent('peer:disconnect', 'left')
  const accepted = (e: OosNodeEvents['record:accepted']): void => {
    const d = e.detail
    const kind = d.kind.replace(/^oos\//, '')
    if (kind === 'version') names = undefined // its pseudonym may be new
    const fields = { kind: d.kind, org: d.org, ...(d.seq !== undefined ? { seq: d.seq } : {}), cid: d.cid.toString(), ...(d.from !== undefined ? { from: d.from } : {}) }
    const what = kind === 'version' ? `version ${d.seq ?? '?'}` : kind
    log(async () => ({ event: 'record:accepted', fields, text: `${what} of ${await nameOf(d.org)} received${kind === 'version' ? '' : ` (${d.cid.toString()})`}${d.from !== undefined ? ` from ${clean(d.from)}` : ''}` }))
  }
  const synced = (e: OosNodeEvents['follow:synced']): void => {
    log(async () => ({ event: 'follow:synced', fields: { ...e.detail }, text: `synced ${await nameOf(e.detail.org)}: version ${e.detail.seq} held` }))
  }
  const flagged = (e: OosNodeEvents['org:flagged']): void => {
    log(async () => ({ event: 'org:flagged', fields: { ...e.detail }, text: `EQUIVOCATION: ${await nameOf(e.detail.org)} signed two versions ${e.detail.seq}` }))
  }
  const violation = (e: OosNodeEvents['peer:violation']): void => {
    log(() => ({ event: 'peer:violation', fields: { ...e.detail }, text: `violation by peer ${e.detail.peer}: ${e.detail.code}` }))
  }
  const on = <K extends keyof OosNodeEvents>(type: K, fn: (e: OosNodeEvents[K]) => void): () => void => {
    node.addEventListener(type, fn)
    return () => { node.removeEventListener(type, fn) }
  }
  node.libp2p.addEventListener('peer:connect', joined)
  node.libp2p.addEventListener('peer:disconnect', left)
  const offs: Array<() => void> = [
    () => { node.libp2p.removeEventListener('peer:connect', joined) },
    () => { node.libp2p.removeEventListener('peer:disconnect', left) },
    on('record:accepted', accepted),
    on('follow:synced', synced),
    on('org:flagged', flagged),
    on('peer:violation', violation)
  ]
  offs.push(node.violations.onEvent((e) => {
    if (e.event === 'ban') log(() => ({ event: 'peer:banned', fields: { peer: e.peer, code: e.code, count: e.count }, text: `banned peer ${e.peer} after ${e.count ?? '?'} violations (last: ${e.code ?? '?'})` }))
    if (e.event === 'unban') log(() => ({ event: 'peer:unbanned', fields: { peer: e.peer }, text: `ban of peer ${e.peer} lifted` }))
  }))
  return () => { for (const off of offs) off() }
}
