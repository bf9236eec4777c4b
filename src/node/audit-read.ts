/**
 * Reading the audit log (audit.ts) for `oos audit`: the files are read directly, whether a
 * node is running or not — they are append-only JSON lines, so a reader needs no lock and
 * no API (and sees what a running node wrote up to its last flush, at most `flushMs` ago).
 *
 * Entries come oldest first. A reader and a rotation may meet: every file is opened before
 * any is read, and the opens are made again if a rotation renamed files meanwhile (an open
 * file stays readable whatever its name becomes), so a read loses no line that existed
 * when it began, except in a file dropped as the oldest. A line that does not parse (a
 * write in progress at the end of the current file) is skipped.
 */
import { createInterface } from 'node:readline'
import type { FileHandle } from 'node:fs/promises'
import { open, readdir, stat } from 'node:fs/promises'
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

interface Opened { n: number, file: FileHandle, ino: number, mtimeMs: number }

/**
 * Open every audit file, newest first. A rotation renames files while this runs; if the
 * names and the files behind them are not the same after the opens as at them, the opens
 * raced a rotation: they are tried again (a few times; then what was opened, each file once).
 */
async function openAll (dir: string): Promise<Opened[]> {
  let opened: Opened[] = []
  for (let attempt = 0; ; attempt++) {
    for (const n of (await fileNumbers(dir)).reverse()) {
      const file = await open(auditFile(dir, n), 'r').catch(() => undefined)
      if (file === undefined) continue
      const st = await file.stat()
      opened.push({ n, file, ino: st.ino, mtimeMs: st.mtimeMs })
    }
    const now = await fileNumbers(dir)
    const same = now.length === opened.length && (await Promise.all(opened.map(async o => await stat(auditFile(dir, o.n)).then(st => st.ino === o.ino, () => false)))).every(Boolean)
    if (same) return opened
    if (attempt === 4) {
      const seen = new Set<number>()
      return opened.filter(o => !seen.has(o.ino) && seen.add(o.ino) !== undefined)
    }
    await Promise.all(opened.map(async o => { await o.file.close().catch(() => {}) }))
    opened = []
  }
}

/** Every entry of the log in `dir` that matches `q`, oldest first. */
export async function * readAudit (dir: string, q: AuditQuery = {}): AsyncGenerator<AuditEntry> {
  const opened = await openAll(dir)
  try {
    for (const { file, mtimeMs } of opened.reverse()) {
      if (q.since !== undefined && mtimeMs < q.since) continue // last written before `since`: nothing after it
      for await (const line of createInterface({ input: file.createReadStream({ autoClose: false }), crlfDelay: Infinity })) {
        let e: AuditEntry
        try { e = JSON.parse(line) } catch { continue }
        if (typeof e !== 'object' || e === null || typeof e.time !== 'string' || typeof e.event !== 'string') continue
        if (matches(e, q)) yield e
      }
    }
  } finally {
    await Promise.all(opened.map(async o => { await o.file.close().catch(() => {}) }))
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
