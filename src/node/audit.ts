/**
 * The audit log: every decision of the ingest door (accepted, duplicate, equivocation,
 * rejected with its code), who offered the record (a peer id, 'api', 'cli', 'node',
 * 'car:<file>'), and every violation, ban and unban of a peer, kept in the home:
 *
 *   <home>/audit/audit.log     the current file (appended to)
 *   <home>/audit/audit.1.log   the one before it, … up to audit.<maxFiles-1>.log (the oldest)
 *
 * One JSON object per line (JSONL), ASCII only (anything else is \u-escaped), with the
 * fields `time` (ISO 8601), `event`, and when known `code`, `kind`, `org`, `seq`, `cid`,
 * `source`, `peer`, `count`. A line is never split across files: before a write would take
 * the current file past `maxFileBytes`, the files are rotated (audit.log → audit.1.log, …,
 * the oldest dropped) and the write goes to a new audit.log. Files are mode 0600.
 *
 * No record body and no secret is ever written: a record is named by its CID, a rejection
 * by its code (the message, which may quote the record, is left out).
 *
 * The ingest hot path only formats a line and pushes it on a buffer; the buffer is appended
 * in one write every `flushMs` (or at once past `maxBufferBytes`), never fsynced: an audit
 * line is a report, not a commitment, and a crash may lose the last `flushMs` of them. If
 * the disk cannot keep up, lines past `maxPendingBytes` are dropped and counted.
 *
 * Readers (audit-read.ts, `oos audit`) read the files directly, while the node runs or not.
 */
import type { FileHandle } from 'node:fs/promises'
import { mkdir, open, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { IngestDecision, Ingest } from '../ingest/ingest.ts'
import { logger, type ComponentLogger, type Logger } from '../logger.ts'
import { cidText } from '../records/cid-text.ts'
import type { ViolationEvent, Violations } from './violations.ts'

export const AUDIT_EVENTS = ['accepted', 'duplicate', 'equivocation', 'rejected', 'violation', 'ban', 'unban'] as const
export type AuditEvent = typeof AUDIT_EVENTS[number]

export interface AuditEntry {
  /** ISO 8601, UTC */
  time: string
  event: AuditEvent
  /** a rejection or violation code (SPEC §9, protocol/NETWORK-reqresp.md) */
  code?: string
  /** the record's kind (for a rejection: what it claims to be) */
  kind?: string
  org?: string
  seq?: number
  cid?: string
  /** how the record came: 'local', 'gossip', 'sync', 'fetch', 'car' */
  source?: string
  /** who offered it: a peer id, 'api', 'cli', 'node', 'car:<file>'; for violations and bans the peer */
  peer?: string
  /** for violations and bans: the peer's violations so far */
  count?: number
}

export const MiB = 1024 * 1024

/** Defaults (documented in README, "oos audit"). */
export const AUDIT_DEFAULTS = {
  /** a file is rotated before it would grow past this */
  maxFileBytes: 16 * MiB,
  /** files kept, the current one included */
  maxFiles: 4,
  /** buffered lines reach the file within this many ms */
  flushMs: 200,
  /** a buffer this large is written at once */
  maxBufferBytes: 256 * 1024,
  /** lines waiting for the disk past this are dropped (and counted) */
  maxPendingBytes: 8 * MiB
}

export interface AuditInit {
  /** the directory of the files (the node uses `<home>/audit`) */
  dir: string
  maxFileBytes?: number
  maxFiles?: number
  flushMs?: number
  maxBufferBytes?: number
  maxPendingBytes?: number
}

export interface AuditComponents {
  ingest?: Pick<Ingest, 'onDecision'>
  violations?: Pick<Violations, 'onEvent'>
  /** the node's loggers (default: `oosnet:node:audit`, for a home opened by one command) */
  logger?: ComponentLogger
}

export interface AuditStats {
  /** lines written to disk */
  written: number
  /** lines dropped (disk too slow, or a write failed) */
  dropped: number
  rotations: number
}

/** `audit.log`, then `audit.1.log` … (n = 0 is the current file) */
export const auditFile = (dir: string, n: number): string => join(dir, n === 0 ? 'audit.log' : `audit.${n}.log`)

/** One line: JSON with every non-ASCII character \u-escaped (a line's length is its size in bytes). */
export function auditLine (e: AuditEntry): string {
  return JSON.stringify(e).replace(/[\u007f-\uffff]/g, c => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')) + '\n'
}

/** What a record claims (kind, org) is unverified when it is rejected: kept, but not at any length. */
const cut = (s: string | undefined): string | undefined => s !== undefined && s.length > 256 ? s.slice(0, 256) : s

export class AuditLog {
  private readonly dir: string
  private readonly opts: Required<Omit<AuditInit, 'dir'>>
  private readonly components: AuditComponents
  private readonly log: Logger
  private readonly counts: AuditStats = { written: 0, dropped: 0, rotations: 0 }
  private unsubscribe: Array<() => void> = []
  private buffer: string[] = []
  private bufferBytes = 0
  /** bytes handed to the writer and not yet written */
  private pending = 0
  private timer?: NodeJS.Timeout
  private writing: Promise<void> = Promise.resolve()
  private file?: FileHandle
  private size = 0
  private started = false

  constructor (components: AuditComponents, init: AuditInit) {
    this.components = components
    this.log = components.logger?.forComponent('audit') ?? logger('oosnet:node:audit')
    this.dir = init.dir
    this.opts = {
      maxFileBytes: init.maxFileBytes ?? AUDIT_DEFAULTS.maxFileBytes,
      maxFiles: Math.max(1, init.maxFiles ?? AUDIT_DEFAULTS.maxFiles),
      flushMs: init.flushMs ?? AUDIT_DEFAULTS.flushMs,
      maxBufferBytes: init.maxBufferBytes ?? AUDIT_DEFAULTS.maxBufferBytes,
      maxPendingBytes: init.maxPendingBytes ?? AUDIT_DEFAULTS.maxPendingBytes
    }
  }

  /** Subscribe to the door's decisions and the peers' violations. The file is opened at the first line. */
  async start (): Promise<void> {
    if (this.started) return
    this.started = true
    const { ingest, violations } = this.components
    if (ingest !== undefined) this.unsubscribe.push(ingest.onDecision(d => { this.decision(d) }))
    if (violations !== undefined) this.unsubscribe.push(violations.onEvent(e => { this.violation(e) }))
  }

  /** Unsubscribe, write what is buffered, close the file. */
  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    for (const u of this.unsubscribe) u()
    this.unsubscribe = []
    await this.flush()
    await this.file?.close().catch(() => {})
    this.file = undefined
  }

  stats (): AuditStats { return { ...this.counts } }

  /** Append one entry (buffered). */
  write (entry: Omit<AuditEntry, 'time'>): void {
    if (!this.started) return
    const line = auditLine({ time: new Date().toISOString(), ...entry })
    if (this.pending + this.bufferBytes + line.length > this.opts.maxPendingBytes) {
      if (this.counts.dropped++ === 0) this.log.error('audit lines dropped: the disk does not keep up')
      return
    }
    this.buffer.push(line)
    this.bufferBytes += line.length
    if (this.bufferBytes >= this.opts.maxBufferBytes) void this.flush()
    else if (this.timer === undefined) {
      this.timer = setTimeout(() => { void this.flush() }, this.opts.flushMs)
      this.timer.unref()
    }
  }

  /** Write what is buffered; resolves when every line given so far is in the file. */
  async flush (): Promise<void> {
    clearTimeout(this.timer)
    this.timer = undefined
    if (this.buffer.length > 0) {
      const lines = this.buffer
      const bytes = this.bufferBytes
      this.buffer = []
      this.bufferBytes = 0
      this.pending += bytes
      this.writing = this.writing.then(async () => { await this.append(lines) }).catch((err: Error) => {
        this.counts.dropped += lines.length
        this.log.error('audit write failed: %s', err.message)
        void this.file?.close().catch(() => {})
        this.file = undefined // reopen at the next write
      }).finally(() => { this.pending -= bytes })
    }
    await this.writing
  }

  private decision (d: IngestDecision): void {
    this.write({ event: d.status, code: d.code, kind: cut(d.kind), org: cut(d.org), seq: d.seq, cid: d.cid === undefined ? undefined : cidText(d.cid), source: d.source, peer: cut(d.from) })
  }

  private violation (e: ViolationEvent): void {
    this.write({ event: e.event, code: e.code, peer: e.peer, count: e.count })
  }

  /** Append lines in order, rotating between two lines whenever the next would overflow the file. */
  private async append (lines: string[]): Promise<void> {
    let chunk: string[] = []
    let chunkBytes = 0
    let file = await this.current()
    for (const line of lines) {
      if (this.size + chunkBytes + line.length > this.opts.maxFileBytes && this.size + chunkBytes > 0) {
        if (chunk.length > 0) await this.put(file, chunk, chunkBytes)
        chunk = []
        chunkBytes = 0
        await this.rotate()
        file = await this.current()
      }
      chunk.push(line)
      chunkBytes += line.length
    }
    if (chunk.length > 0) await this.put(file, chunk, chunkBytes)
  }

  private async put (file: FileHandle, chunk: string[], bytes: number): Promise<void> {
    await file.appendFile(chunk.join(''))
    this.size += bytes
    this.counts.written += chunk.length
  }

  private async current (): Promise<FileHandle> {
    if (this.file === undefined) {
      await mkdir(this.dir, { recursive: true, mode: 0o700 })
      const f = await open(auditFile(this.dir, 0), 'a', 0o600)
      await f.chmod(0o600) // a file made by someone else is made private too
      this.size = (await f.stat()).size
      this.file = f
    }
    return this.file
  }

  /** audit.log → audit.1.log → … → audit.<maxFiles-1>.log; the oldest is replaced (dropped). */
  private async rotate (): Promise<void> {
    await this.file?.close()
    this.file = undefined
    const last = this.opts.maxFiles - 1
    if (last === 0) await rm(auditFile(this.dir, 0), { force: true })
    for (let n = last; n >= 1; n--) {
      await rename(auditFile(this.dir, n - 1), auditFile(this.dir, n)).catch((err: NodeJS.ErrnoException) => { if (err.code !== 'ENOENT') throw err })
    }
    this.counts.rotations++
  }
}

export function auditLog (init: AuditInit): (components: AuditComponents) => AuditLog {
  return (components) => new AuditLog(components, init)
}
