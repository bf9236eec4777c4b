/**
 * Test CAR files made independently of the code under test (@ipld/car's own CarWriter): a
 * chain of valid, signed versions of a fresh org whose documents carry long prose sections
 * (a realistic large history: each version a full document of a few hundred KB), written
 * to disk as they are made, so the generator itself never holds the file.
 */
import { createWriteStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { CarWriter } from '@ipld/car'
import { CID } from 'multiformats/cid'
import { generateKeyPair, publicKeyToDid } from '../src/identity/index.ts'
import type { OosBody } from '../src/oos/types.ts'
import { signVersion } from '../src/records/version.ts'
import { smallBody } from '../protocol/vectors/bodies.ts'

const WORDS = ['carrier', 'depot', 'refund', 'agent', 'ledger', 'review', 'handover', 'escalate', 'invoice', 'route', 'retry', 'human', 'approve', 'state', 'file', 'batch']

/** A prose block of about `chars` characters, different for each (seq, i). */
function prose (seq: number, i: number, chars: number): string {
  const out: string[] = []
  let n = 0
  let x = (seq * 7919 + i * 104729) >>> 0
  while (n < chars - 20) {
    x = (x * 1103515245 + 12345) >>> 0
    const w = WORDS[x % WORDS.length]
    out.push(w)
    n += w.length + 1
  }
  return `Revision ${seq}, part ${i}: ${out.join(' ')}.`
}

/** Version `seq` of a document with `sections` prose sections of ~`chars` characters each. */
export function bigBody (seq: number, sections: number, chars: number): OosBody {
  const body = smallBody('Bulk Freight', seq)
  return { ...body, sections: [...(body.sections ?? []), ...Array.from({ length: sections }, (_, i) => ({ heading: `Part ${i + 1}`, blocks: [{ text: prose(seq, i, chars) }] }))] }
}

/**
 * Write a CAR of `versions` versions of a new org (root: the last), each with `sections`
 * prose sections of ~`chars` characters; blocks in `order` ('forward', or 'reverse' so that
 * every version but the last must wait for the one before it).
 */
export async function writeVersionsCar (path: string, options: { versions: number, sections?: number, chars?: number, order?: 'forward' | 'reverse' }): Promise<{ org: string, head: CID, blocks: number }> {
  const kp = generateKeyPair()
  const org = publicKeyToDid(kp.publicKey)
  const t0 = Date.now() - options.versions * 1000
  const made: Array<{ cid: CID, bytes: Uint8Array }> = []
  let prev: CID | null = null
  const sign = (seq: number): { cid: CID, bytes: Uint8Array } => {
    const v = signVersion(bigBody(seq, options.sections ?? 8, options.chars ?? 60_000), { org, seq, prev, createdAt: t0 + seq * 1000 }, kp.secretKey)
    prev = v.cid
    return { cid: v.cid, bytes: v.bytes }
  }
  if (options.order === 'reverse') {
    // the chain is signed front to back, then written back to front (this order holds it in memory: small files only)
    for (let seq = 1; seq <= options.versions; seq++) made.push(sign(seq))
    made.reverse()
  }
  // the root: the head, known at the end when writing forward; a CID of the same length stands in until then
  const head = options.order === 'reverse' ? made[0].cid : undefined
  const { writer, out } = CarWriter.create([head ?? PLACEHOLDER])
  const done = pipeline(Readable.from(out), createWriteStream(path))
  let last: CID | undefined
  if (options.order === 'reverse') {
    for (const b of made) await writer.put(b)
  } else {
    for (let seq = 1; seq <= options.versions; seq++) { const b = sign(seq); last = b.cid; await writer.put(b) }
  }
  await writer.close()
  await done
  if (last !== undefined) {
    const fh = await open(path, 'r+')
    try { await CarWriter.updateRootsInFile(fh.fd, [last]) } finally { await fh.close() }
  }
  return { org, head: head ?? last as CID, blocks: options.versions }
}

const PLACEHOLDER = CID.parse('bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy')
