/**
 * Writing a file the user (or an API caller) named, safely (SPEC §9 `PATH_EXISTS`,
 * `PATH_INVALID`, `NO_SPACE`). Every command or handler that writes a file at a given path
 * goes through `writeFileSafely`:
 *
 * - the path is absolute and names a file in an existing directory; the directory is
 *   resolved to its real path once, and everything after happens there (a symlink in the
 *   path swapped later cannot redirect the write);
 * - nothing is written inside the node's home (compared by real path, so `../` and a
 *   symlinked directory pointing into the home are caught): the org key lives there;
 * - the target itself is never a symlink, a directory or anything but a regular file; an
 *   existing file is replaced only with `force`;
 * - the bytes go to a new temp file in the same directory (O_CREAT|O_EXCL|O_NOFOLLOW, so it
 *   is ours and fresh), are fsynced, then moved into place: without `force` by link(2),
 *   which fails if the name was taken meanwhile (nothing is ever overwritten), with `force`
 *   by rename(2), which replaces the directory entry and never follows a symlink. A reader
 *   sees the old file or the whole new one, never a part;
 * - on any failure (full disk included) the temp file is removed and the target is as it
 *   was. Errors are typed: ENOSPC/EDQUOT → `NO_SPACE`; a missing directory, a directory, a
 *   symlink, a path without write permission → `PATH_INVALID`.
 */
import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { link, lstat, open, realpath, rename, stat, unlink, type FileHandle } from 'node:fs/promises'
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path'
import { OosError } from '../errors.ts'
import { NoSpaceError, PathExistsError, PathInvalidError } from './errors.ts'

export interface SafeWriteOptions {
  /** replace an existing regular file (never a symlink, a directory or anything else) */
  force?: boolean
  /** the node's home: nothing is written inside it */
  home?: string
  /** mode of a new file (default 0o644) */
  mode?: number
  signal?: AbortSignal
}

/** Where a checked write lands: the real directory, the name in it, and both joined. */
export interface Target { dir: string, name: string, path: string }

/** Buffered output to the temp file. */
export interface Sink {
  write: (bytes: Uint8Array) => Promise<void>
  /** bytes written so far */
  readonly bytes: number
}

/** bytes gathered before one write(2) */
const SINK_BUFFER = 256 * 1024

/** Check that `path` may be written (see the module comment); throws the typed error if not. */
export async function checkTarget (path: string, options: Pick<SafeWriteOptions, 'force' | 'home'> = {}): Promise<Target> {
  if (!isAbsolute(path)) throw new PathInvalidError(`${path}: not an absolute path`)
  const name = basename(path)
  if (name === '' || name === '.' || name === '..' || path.endsWith(sep)) throw new PathInvalidError(`${path} names a directory, not a file`)
  const given = dirname(path)
  let dir: string
  try {
    dir = await realpath(given)
    if (!(await stat(dir)).isDirectory()) throw new PathInvalidError(`${given} is not a directory`)
  } catch (err) {
    throw fsError(err, given)
  }
  if (options.home !== undefined) {
    const home = await realpath(options.home).catch(() => resolve(options.home as string))
    if (dir === home || dir.startsWith(home.endsWith(sep) ? home : home + sep)) {
      throw new PathInvalidError(`${path} is inside the node's home (${options.home}), which holds its keys and store; write somewhere else`)
    }
  }
  const target = { dir, name, path: join(dir, name) }
  await checkExisting(target.path, path, options.force === true)
  return target
}

/** What is at the target now: nothing, or (with `force`) a regular file. */
async function checkExisting (target: string, shown: string, force: boolean): Promise<void> {
  let st
  try {
    st = await lstat(target)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
    throw fsError(err, shown)
  }
  if (st.isSymbolicLink()) throw new PathInvalidError(`${shown} is a symbolic link; refusing to write through it or replace it`)
  if (st.isDirectory()) throw new PathInvalidError(`${shown} is a directory`)
  if (!st.isFile()) throw new PathInvalidError(`${shown} is not a regular file`)
  if (!force) throw new PathExistsError(`${shown} already exists (--force to replace it)`)
}

/**
 * Write a new file at `path` through `write` (which receives a buffered sink), as described
 * in the module comment. Returns what `write` returned.
 */
export async function writeFileSafely<T> (path: string, write: (sink: Sink) => Promise<T>, options: SafeWriteOptions = {}): Promise<T> {
  const force = options.force === true
  const t = await checkTarget(path, options)
  const tmp = join(t.dir, `.${t.name}.${randomBytes(6).toString('hex')}.tmp`)
  let fh: FileHandle | undefined
  let placed = false
  try {
    // O_EXCL: a file we create, never one that was there; O_NOFOLLOW: never through a link
    fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, options.mode ?? 0o644)
    const sink = bufferedSink(fh)
    const result = await write(sink)
    await sink.flush()
    await fh.sync()
    await fh.close()
    fh = undefined
    options.signal?.throwIfAborted()
    // the final check: the directory is still the one checked (no component swapped for a link)
    if (await realpath(t.dir) !== t.dir) throw new PathInvalidError(`${dirname(path)} changed while the file was being written`)
    placed = await place(tmp, t, path, force)
    await syncDir(t.dir)
    return result
  } catch (err) {
    throw fsError(err, path)
  } finally {
    await fh?.close().catch(() => {})
    if (!placed) await unlink(tmp).catch(() => {})
  }
}

/** Move the temp file to the target; true once it is there. */
async function place (tmp: string, t: Target, shown: string, force: boolean): Promise<boolean> {
  if (!force) {
    try {
      await link(tmp, t.path) // EEXIST if anything took the name since the check
      await unlink(tmp).catch(() => {})
      return true
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'EEXIST') throw new PathExistsError(`${shown} already exists (--force to replace it)`)
      // a filesystem without hard links: check again, then rename (a race window remains)
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EMLINK') throw err
    }
  }
  await checkExisting(t.path, shown, force)
  await rename(tmp, t.path)
  return true
}

/** fsync the directory, so the new entry survives a crash (best effort: not every platform allows it). */
async function syncDir (dir: string): Promise<void> {
  const d = await open(dir, constants.O_RDONLY).catch(() => undefined)
  if (d === undefined) return
  try { await d.sync() } catch {} finally { await d.close() }
}

function bufferedSink (fh: FileHandle): Sink & { flush: () => Promise<void> } {
  const buf = new Uint8Array(SINK_BUFFER)
  let used = 0
  let total = 0
  const out = async (bytes: Uint8Array): Promise<void> => {
    for (let off = 0; off < bytes.length;) off += (await fh.write(bytes, off, bytes.length - off)).bytesWritten
  }
  const flush = async (): Promise<void> => {
    if (used > 0) await out(buf.subarray(0, used))
    used = 0
  }
  return {
    async write (bytes) {
      total += bytes.length
      if (used + bytes.length > buf.length) await flush()
      if (bytes.length >= buf.length) { await out(bytes); return }
      buf.set(bytes, used)
      used += bytes.length
    },
    get bytes () { return total },
    flush
  }
}

/** An fs error as the typed error a caller can act on; typed errors and aborts pass unchanged. */
export function fsError (err: unknown, path: string): unknown {
  if (err instanceof OosError || (err as Error)?.name === 'AbortError') return err
  const code = (err as NodeJS.ErrnoException)?.code
  switch (code) {
    case 'ENOSPC': case 'EDQUOT': return new NoSpaceError(`no space left to write ${path}`, { cause: err })
    case 'ENOENT': return new PathInvalidError(`${path}: no such directory`, { cause: err })
    case 'ENOTDIR': return new PathInvalidError(`${path}: a part of the path is not a directory`, { cause: err })
    case 'EISDIR': return new PathInvalidError(`${path} is a directory`, { cause: err })
    case 'ELOOP': return new PathInvalidError(`${path}: too many symbolic links`, { cause: err })
    case 'ENAMETOOLONG': return new PathInvalidError(`${path}: name too long`, { cause: err })
    case 'EACCES': case 'EPERM': return new PathInvalidError(`${path}: permission denied`, { cause: err })
    case 'EROFS': return new PathInvalidError(`${path}: read-only filesystem`, { cause: err })
    case 'EEXIST': return new PathExistsError(`${path} already exists`, { cause: err })
    default: return err
  }
}
