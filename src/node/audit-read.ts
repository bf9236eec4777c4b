/**
 * Reading the audit log (audit.ts) for `oos audit`: the files are read directly, whether a
 * node is running or not — they are append-only JSON lines, so a reader needs no lock and
 * no API (and sees what a running node wrote up to its last flush, at most `flushMs` ago).
 *
 * Entries come oldest first. A reader and a rotation may meet: every file is opened before
 * any is read, newest first, and a file seen twice (same inode: renamed in between) is read
 * once, so a rotation during a read loses no line that existed when the read began. A line
 * that does not parse (a write in progress at the end of the current file) is skipped.
 */
import { createInterface } from 'node:readline'
import type { FileHandle } from 'node:fs/promises'
import { open, readdir } from 'node:fs/promises'
import { auditFile, type AuditEntry, type AuditEvent } from './audit.ts'

export interface AuditQuery {
  /** peer id (or 'api', 'cli', 'car:…') prefix */
  peer?: string
  /** org did prefix */
  org?: string
  /** exact code */
  code?: string
  event?: AuditEvent
  /** entries at or after this time (ms since the epoch) */
  since?: number
}

export function matches (e: AuditEntry, q: AuditQuery): boolean {
  if (q.peer !== undefined && !(e.peer?.startsWith(q.peer) ?? false)) return false
  if (q.org !== undefined && !(e.org?.startsWith(q.org) ?? false)) return false
  if (q.code !== undefined && e.code !== q.code) return false
  if (q.event !== undefined && e.event !== q.event) return false
  if (q.since !== undefined && !(Date.parse(e.time) >= q.since)) return false
  return true
}

/** The numbers of the audit files in `dir`, oldest first (…, 2, 1, 0 = audit.log). */
async function fileNumbers (dir: string): Promise<number[]> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
  const ns: number[] = []
  for (const name of names) {
    const m = /^audit(?:\.([1-9][0-9]{0,5}))?\.log$/.exec(name)
    if (m !== null) ns.push(m[1] === undefined ? 0 : Number(m[1]))
  }
  return ns.sort((a, b) => b - a)
}

/** Every entry of the log in `dir` that matches `q`, oldest first. */
export async function * readAudit (dir: string, q: AuditQuery = {}): AsyncGenerator<AuditEntry> {
  const files: FileHandle[] = []
  const seen = new Set<number>()
  try {
    for (const n of (await fileNumbers(dir)).reverse()) { // newest first: see the header
      const f = await open(auditFile(dir, n), 'r').catch(() => undefined)
      if (f === undefined) continue
      files.push(f)
      const st = await f.stat()
      // a file last written before `since` holds nothing after it
      if (seen.has(st.ino) || (q.since !== undefined && st.mtimeMs < q.since)) { await f.close(); files.pop(); continue }
      seen.add(st.ino)
    }
    for (const f of files.reverse()) {
      for await (const line of createInterface({ input: f.createReadStream({ autoClose: false }), crlfDelay: Infinity })) {
        let e: AuditEntry
        try { e = JSON.parse(line) } catch { continue }
        if (typeof e !== 'object' || e === null || typeof e.time !== 'string' || typeof e.event !== 'string') continue
        if (matches(e, q)) yield e
      }
    }
  } finally {
    await Promise.all(files.map(async f => { await f.close().catch(() => {}) }))
  }
}

/** `--since`: an ISO 8601 date or time, or a duration back from now (`30s`, `15m`, `2h`, `7d`). Undefined when it is neither. */
export function parseSince (s: string, now = Date.now()): number | undefined {
  const rel = /^([0-9]{1,9})(s|m|h|d)$/.exec(s)
  if (rel !== null) return now - Number(rel[1]) * { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[rel[2] as 's' | 'm' | 'h' | 'd']
  if (!/^[0-9]{4}-[0-9]{2}-[0-9]{2}/.test(s)) return undefined
  const t = Date.parse(s)
  return Number.isNaN(t) ? undefined : t
}
