/** Helpers for the audit tests: the audit files as they are on disk, and a CAR holding a record with a broken signature. */
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CarWriter } from '@ipld/car'
import type { CID } from 'multiformats/cid'
import { cidOf } from '../../src/records/cid.ts'
import type { AuditEntry } from '../../src/node/audit.ts'

/** The audit files in `dir`, oldest first, with their text. */
export async function auditFiles (dir: string): Promise<Array<{ name: string, text: string }>> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter(n => /^audit(\.\d+)?\.log$/.test(n))
  const num = (n: string): number => Number(/^audit\.(\d+)\.log$/.exec(n)?.[1] ?? 0)
  names.sort((a, b) => num(b) - num(a))
  return await Promise.all(names.map(async name => ({ name, text: await readFile(join(dir, name), 'utf8') })))
}

/** Every entry of the audit files in `dir`, oldest first, parsed line by line (every line must parse). */
export async function auditEntries (dir: string): Promise<AuditEntry[]> {
  return (await auditFiles(dir)).flatMap(f => f.text.split('\n').filter(l => l !== '').map(l => JSON.parse(l) as AuditEntry))
}

/** `bytes` with the last byte (inside the signature) flipped: canonical still, signature wrong. */
export function breakSignature (bytes: Uint8Array): { bytes: Uint8Array, cid: CID } {
  const bad = Uint8Array.from(bytes)
  bad[bad.length - 1] ^= 0x01
  return { bytes: bad, cid: cidOf(bad) }
}

/** Write a CARv1 file of `blocks` (the first is the root). */
export async function writeCar (path: string, blocks: Array<{ cid: CID, bytes: Uint8Array }>): Promise<void> {
  const { writer, out } = CarWriter.create([blocks[0].cid])
  const chunks: Uint8Array[] = []
  const collect = (async () => { for await (const c of out) chunks.push(c) })()
  for (const b of blocks) await writer.put(b)
  await writer.close()
  await collect
  await writeFile(path, Buffer.concat(chunks))
}
