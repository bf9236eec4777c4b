/**
 * Checking the addresses a person or a client gives, before anything uses them: the API's
 * host (loopback only), and multiaddrs. In app/ because the CLI (option values) and the API
 * (request fields) check the same way, and neither may reach into net/.
 *
 * A multiaddr given by a person or a client (`--listen`, `--bootstrap`, `--via`,
 * `POST /v1/follow`'s `via`) before it reaches libp2p, which would throw an untyped error.
 * Only TCP is spoken (libp2p.ts), so an address names an IP or DNS host and a TCP port, or
 * is a `/dnsaddr/` name, optionally followed by `/p2p/<peer id>`.
 */
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { isIP } from 'node:net'

/** Whether an address must end in `/p2p/<peer id>` (a peer to dial), must not (ours to listen on), or may. */
export type PeerPart = 'required' | 'forbidden' | 'optional'

/** A value as quoted in an error message, cut at 60 characters (a value can be any size). */
export const quote = (s: string): string => JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s)

/** The address parsed, or what is wrong with it (a phrase that follows the option's name). */
export function checkAddress (s: string, peer: PeerPart): Multiaddr | string {
  const example = peer === 'forbidden' ? '/ip4/0.0.0.0/tcp/4710' : '/ip4/192.0.2.1/tcp/4710/p2p/12D3KooW…'
  let ma: Multiaddr
  try {
    ma = multiaddr(s)
  } catch (err) {
    return `must be a multiaddr such as ${example}, not ${quote(s)}: ${(err as Error).message.split('\n')[0]}`
  }
  const parts = ma.getComponents()
  const names = parts.map(c => c.name)
  const host = ['ip4', 'ip6', 'dns', 'dns4', 'dns6'].includes(names[0]) && names[1] === 'tcp'
  const dnsaddr = names[0] === 'dnsaddr' && peer !== 'forbidden'
  const rest = names.slice(host ? 2 : 1)
  if (!(host || dnsaddr) || rest.length > 1 || (rest.length === 1 && rest[0] !== 'p2p')) {
    return `must be a TCP multiaddr such as ${example}, not ${quote(s)}`
  }
  const last = parts[parts.length - 1]
  if (last.name === 'p2p') {
    if (peer === 'forbidden') return `is an address of this node: it takes no /p2p/ part (${quote(s)})`
    try { peerIdFromString(last.value ?? '') } catch { return `names ${quote(last.value ?? '')}, which is not a peer id (12D3KooW…)` }
  } else if (peer === 'required' || dnsaddr) {
    return `must end in /p2p/<peer id>: ${quote(s)}`
  }
  return ma
}

/** Whether a host name or address is loopback: 127.0.0.0/8, ::1 or `localhost`. */
export function isLoopbackHost (host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1')
  if (h === 'localhost') return true
  const v = isIP(h)
  if (v === 4) return h.split('.')[0] === '127'
  if (v === 6) {
    try { return new URL(`http://[${h}]/`).hostname === '[::1]' } catch { return false }
  }
  return false
}

/**
 * The API's address, `HOST:PORT` with a loopback host (the API has no other protection than
 * its token): parsed, or what is wrong with it (a phrase that follows the option's name).
 */
export function checkApiAddress (s: string): { host: string, port: number } | string {
  const m = /^(\[[^\]]+\]|[^:[\]]+):([0-9]{1,5})$/.exec(s)
  if (m === null) return `must be HOST:PORT (127.0.0.1:4711, [::1]:4711, localhost:0), not ${quote(s)}`
  const host = m[1].replace(/^\[|\]$/g, '')
  if (!isLoopbackHost(host)) return `must be a loopback address (127.0.0.0/8, ::1, localhost), not ${quote(host)}`
  const port = Number(m[2])
  if (port > 65535) return `must have a port from 0 to 65535, not ${quote(m[2])}`
  return { host, port }
}
