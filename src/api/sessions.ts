/**
 * Browser sessions of the web explorer (protocol/openapi.yaml, "Browser sessions"): one-time
 * login links, session cookies and their CSRF tokens. The bearer token never reaches a
 * browser: `POST /v1/ui/link` (bearer) makes a login code, `GET /ui/login?code=…` trades it,
 * once, for a session cookie; the page carries the session's CSRF token for its POSTs.
 *
 * Codes, session ids and CSRF tokens are 32 random bytes (base64url); only their SHA-256 is
 * kept, so a lookup compares hashes, and a CSRF token is compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

/** how long a login link can be used (ms) */
export const LINK_TTL_MS = 60_000
/** how long a session lasts from login (ms) */
export const SESSION_TTL_MS = 8 * 3_600_000
/** the most login links outstanding and sessions alive at once (the oldest goes first) */
const MAX_LINKS = 16
const MAX_SESSIONS = 64
/** the header a page's POST carries the CSRF token in */
export const CSRF_HEADER = 'x-csrf-token'

export interface UiOptions {
  /** the explorer may endorse and dispute (`oos start --ui-write`); default read-only */
  write?: boolean
  linkTtlMs?: number
  sessionTtlMs?: number
}

export interface Session {
  /** the CSRF token the session's pages carry */
  csrf: string
  expiresAt: number
}

const digest = (value: string): string => createHash('sha256').update(value).digest('base64url')
const token = (): string => randomBytes(32).toString('base64url')

export class UiSessions {
  readonly write: boolean
  private readonly linkTtl: number
  private readonly sessionTtl: number
  /** sha256(code) → expiry */
  private readonly links = new Map<string, number>()
  /** sha256(session id) → session */
  private readonly sessions = new Map<string, Session>()

  constructor (options: UiOptions = {}) {
    this.write = options.write === true
    this.linkTtl = options.linkTtlMs ?? LINK_TTL_MS
    this.sessionTtl = options.sessionTtlMs ?? SESSION_TTL_MS
  }

  /** A new one-time login code and when it expires. */
  link (now = Date.now()): { code: string, expiresAt: number } {
    this.sweep(now)
    const code = token()
    const expiresAt = now + this.linkTtl
    this.links.set(digest(code), expiresAt)
    trim(this.links, MAX_LINKS)
    return { code, expiresAt }
  }

  /** Trades a login code for a session (its id goes in the cookie); undefined if the code is unknown, used or expired. */
  login (code: string, now = Date.now()): { id: string, session: Session } | undefined {
    const key = digest(code)
    const expiry = this.links.get(key)
    // used once: gone whether or not it was still valid
    this.links.delete(key)
    if (expiry === undefined || expiry <= now) return undefined
    this.sweep(now)
    const id = token()
    const session = { csrf: token(), expiresAt: now + this.sessionTtl }
    this.sessions.set(digest(id), session)
    trim(this.sessions, MAX_SESSIONS)
    return { id, session }
  }

  /** The live session of a request's cookie `name`, if any. */
  session (req: IncomingMessage, name: string, now = Date.now()): Session | undefined {
    const id = cookie(req.headers.cookie, name)
    if (id === undefined) return undefined
    const key = digest(id)
    const s = this.sessions.get(key)
    if (s === undefined) return undefined
    if (s.expiresAt <= now) { this.sessions.delete(key); return undefined }
    return s
  }

  /** Whether the request carries the session's CSRF token (constant time). */
  csrfOk (req: IncomingMessage, session: Session): boolean {
    const given = req.headers[CSRF_HEADER]
    if (typeof given !== 'string' || given.length > 512) return false
    return timingSafeEqual(Buffer.from(digest(given)), Buffer.from(digest(session.csrf)))
  }

  private sweep (now: number): void {
    for (const [k, t] of this.links) if (t <= now) this.links.delete(k)
    for (const [k, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(k)
  }
}

/** Drops the oldest entries (a Map iterates in insertion order) past `max`. */
function trim (map: Map<string, unknown>, max: number): void {
  for (const k of map.keys()) {
    if (map.size <= max) return
    map.delete(k)
  }
}

/** The value of cookie `name` in a Cookie header (RFC 6265 §5.4: `a=b; c=d`). */
export function cookie (header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=')
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim()
  }
  return undefined
}
