/**
 * A node's settings in its home's config.json (README, "Node configuration"): besides the
 * facts `oos init` writes there (version, name, org, peerId, createdAt), the operator may add
 *
 *   "listen":    ["/ip4/0.0.0.0/tcp/4710"]    multiaddrs to listen on (no /p2p/ part)
 *   "announce":  ["/dns4/oos.example.org/tcp/4710"]   what peers are told to dial (NAT, containers)
 *   "bootstrap": ["/ip4/…/tcp/4710/p2p/12D3KooW…"]    peers to connect to at start
 *   "api":       "127.0.0.1:4711"              the local API (loopback only)
 *   "mdns":      false                         LAN discovery
 *   "metrics":   true                          GET /metrics (Prometheus) on the API
 *   "hooks":     [{ "on": ["dispute"], "run": ["/path/cmd", "arg"] }]   commands run with each feed event (hooks.ts)
 *
 * `oos start` takes a flag over its environment variable (`OOS_LISTEN`, …) over this file over
 * the defaults. Every value is checked as the flag's is (app/address.ts); a bad one is one
 * line naming the file and the key (`HOME_CORRUPT`), before anything starts.
 */
import { HomeCorruptError } from '../errors.ts'
import { checkAddress, checkApiAddress, type PeerPart } from './address.ts'
import { FEED_KINDS, type FeedKind } from './feed.ts'
import type { Hook } from './hooks.ts'

/** the verify workers `oos start` runs at most without `--workers` (the cores less one, 1 to 4) */
export { defaultWorkers } from '../ingest/threads.ts'

export interface NodeSettings {
  listen?: string[]
  announce?: string[]
  bootstrap?: string[]
  api?: { host: string, port: number }
  mdns?: boolean
  metrics?: boolean
  hooks?: Hook[]
}

/** the longest a hook may run, in seconds */
const MAX_HOOK_SECONDS = 3600

/** `hooks`: each `{ on: [kind…], run: [program, arg…], timeoutSeconds? }`, or a HOME_CORRUPT line naming the hook. */
function hooksOf (v: unknown, bad: (key: string, what: string) => HomeCorruptError): Hook[] {
  if (!Array.isArray(v)) throw bad('hooks', 'must be a list of { "on": [kinds], "run": [program, args…] }')
  return v.map((h: Record<string, unknown> | null, i): Hook => {
    const key = `hooks[${i}]`
    if (typeof h !== 'object' || h === null || Array.isArray(h)) throw bad(key, 'must be an object { "on": [kinds], "run": [program, args…] }')
    const extra = Object.keys(h).find(k => !['on', 'run', 'timeoutSeconds'].includes(k))
    if (extra !== undefined) throw bad(key, `has an unknown key ${JSON.stringify(extra)} (on, run, timeoutSeconds)`)
    const on = h.on
    if (!Array.isArray(on) || on.length === 0 || on.some(k => !(FEED_KINDS as readonly unknown[]).includes(k))) throw bad(`${key}.on`, `must be a list of feed kinds: ${FEED_KINDS.join(', ')}`)
    const run = h.run
    if (!Array.isArray(run) || run.length === 0 || run.some(a => typeof a !== 'string' || a.includes('\0')) || run[0] === '') throw bad(`${key}.run`, 'must be a list of strings: the program, then its arguments (run without a shell)')
    const t = h.timeoutSeconds
    if (t !== undefined && (typeof t !== 'number' || !Number.isInteger(t) || t < 1 || t > MAX_HOOK_SECONDS)) throw bad(`${key}.timeoutSeconds`, `must be a whole number of seconds from 1 to ${MAX_HOOK_SECONDS}`)
    return { on: on as FeedKind[], run: run as string[], ...(t !== undefined ? { timeoutSeconds: t } : {}) }
  })
}

/** The multiaddr lists and whether their addresses end in /p2p/<peer id> (address.ts). */
const LISTS = { listen: 'forbidden', announce: 'forbidden', bootstrap: 'required' } as const satisfies Record<string, PeerPart>

/** The node settings of `config` (the parsed config.json at `file`), checked. */
export function nodeSettings (config: object, file: string): NodeSettings {
  const c = config as Record<string, unknown>
  const bad = (key: string, what: string): HomeCorruptError => new HomeCorruptError(`${file}: "${key}" ${what}`)
  const out: NodeSettings = {}
  for (const [key, peer] of Object.entries(LISTS)) {
    const v = c[key]
    if (v === undefined) continue
    if (!Array.isArray(v) || v.some(a => typeof a !== 'string')) throw bad(key, 'must be a list of multiaddrs (strings)')
    out[key as keyof typeof LISTS] = v.map((a: string) => {
      const r = checkAddress(a, peer)
      if (typeof r === 'string') throw bad(key, r)
      return r.toString()
    })
  }
  if (c.api !== undefined) {
    const r = typeof c.api === 'string' ? checkApiAddress(c.api) : 'must be a string HOST:PORT'
    if (typeof r === 'string') throw bad('api', r)
    out.api = r
  }
  for (const key of ['mdns', 'metrics'] as const) {
    if (c[key] === undefined) continue
    if (typeof c[key] !== 'boolean') throw bad(key, 'must be true or false')
    out[key] = c[key]
  }
  if (c.hooks !== undefined) out.hooks = hooksOf(c.hooks, bad)
  return out
}
