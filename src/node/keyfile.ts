/**
 * Keystore files (protocol/IDENTITY.md §3): the file half of identity/keystore.ts, which seals
 * and opens the bytes. Files are written atomically (temp file 0600 in the same directory,
 * fsync, link/rename, directory fsync); a missing directory is created 0700. Reading refuses a
 * file whose mode grants any access to group or others (KEYSTORE_EXPOSED; fix with
 * `chmod 600`), like ssh. Secrets appear only encrypted: not in errors, logs or return values.
 */
import { randomBytes } from 'node:crypto'
import { link, mkdir, open, rename, stat, unlink } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import {
  inspectKeystore, MAX_FILE_BYTES, openKeystore, sealKeystore, serializeKeystore,
  type KeystoreContents, type KeystoreFile, type KeystoreInfo, type KeystoreMeta, type WriteOptions
} from '../identity/keystore.ts'
import { KeystoreCorruptError, KeystoreExistsError, KeystoreExposedError, KeystoreNotFoundError } from '../identity/errors.ts'


async function exists (path: string): Promise<boolean> {
  return await stat(path).then(() => true, () => false)
}

/**
 * Encrypt `contents.secretKey` under `passphrase` and write it to `path` atomically, mode 0600
 * (directory created 0700 if missing). Refuses to replace an existing file unless
 * `options.overwrite`. Returns the file object written (it holds no secret in the clear).
 */
export async function writeKeystore (path: string, contents: { secretKey: Uint8Array, meta?: KeystoreMeta }, passphrase: string, options: WriteOptions = {}): Promise<KeystoreFile> {
  const file = await sealKeystore(contents, passphrase, options)
  const target = resolve(path)
  const dir = dirname(target)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  if (options.overwrite !== true && await exists(target)) throw new KeystoreExistsError(`${path} exists; refusing to replace a keystore`)
  const tmp = join(dir, `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`)
  const fh = await open(tmp, 'wx', 0o600)
  let placed = false
  try {
    try {
      await fh.writeFile(serializeKeystore(file), 'utf8')
      await fh.sync()
    } finally {
      await fh.close()
    }
    if (options.overwrite === true) {
      await rename(tmp, target)
      placed = true
    } else {
      // link() fails if the target exists, so two writers cannot replace each other's key
      try {
        await link(tmp, target)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new KeystoreExistsError(`${path} exists; refusing to replace a keystore`)
        // a file system without hard links: fall back to check-then-rename
        if (await exists(target)) throw new KeystoreExistsError(`${path} exists; refusing to replace a keystore`)
        await rename(tmp, target)
        placed = true
      }
    }
  } finally {
    if (!placed) await unlink(tmp).catch(() => {})
  }
  // make the rename durable (best effort: not every platform can fsync a directory)
  try {
    const d = await open(dir, 'r')
    try { await d.sync() } finally { await d.close() }
  } catch {}
  return file
}

/** Read and JSON-parse a keystore file, checking what can be checked before the content. */
async function load (path: string, checkMode: boolean): Promise<unknown> {
  let fh
  try {
    fh = await open(path, 'r')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new KeystoreNotFoundError(`no keystore at ${path}`)
    throw err
  }
  try {
    const st = await fh.stat()
    if (!st.isFile()) throw new KeystoreCorruptError(`${path}: not a regular file`)
    if (checkMode && process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      throw new KeystoreExposedError(`${path} is accessible to group or others (mode ${(st.mode & 0o777).toString(8).padStart(3, '0')}); run: chmod 600 ${path}`)
    }
    if (st.size > MAX_FILE_BYTES) throw new KeystoreCorruptError(`${path}: too large to be a keystore (${st.size} bytes)`)
    const text = await fh.readFile('utf8')
    try {
      return JSON.parse(text)
    } catch {
      throw new KeystoreCorruptError(`${path}: not a keystore (not JSON)`)
    }
  } finally {
    await fh.close()
  }
}

/** Open the keystore at `path` with `passphrase`. */
export async function readKeystore (path: string, passphrase: string): Promise<KeystoreContents> {
  return await openKeystore(await load(path, true), passphrase, path)
}

/** The public part of the keystore at `path` (did, meta, scrypt cost); no passphrase needed. */
export async function readKeystoreInfo (path: string): Promise<KeystoreInfo> {
  return inspectKeystore(await load(path, false), path)
}
