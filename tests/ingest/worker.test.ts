/**
 * The verify worker's reply (src/ingest/worker.ts `checkBatch`): a signature check's result byte
 * survives the reply buffer growing at exactly that byte (the buffer moves when it grows).
 */
import { describe, expect, it } from 'vitest'
import { checkBatch, type VerifyBatch } from '../../src/ingest/worker.ts'
import { SIGNATURE, RECORD, signatureRequest } from '../../src/ingest/ops.ts'
import { generateKeyPair, sign } from '../../src/identity/index.ts'

function batch (reqs: Array<{ op: number, bytes: Uint8Array }>): VerifyBatch {
  const total = reqs.reduce((n, r) => n + r.bytes.length, 0)
  const buf = new Uint8Array(total)
  const ends: number[] = []
  let at = 0
  for (const r of reqs) { buf.set(r.bytes, at); at += r.bytes.length; ends.push(at) }
  return { ids: reqs.map((_, i) => i), ends, ops: reqs.map(r => r.op), buf: buf.buffer, now: 0 }
}

/** The results of a reply: for each entry its ok byte and, for a signature check, its validity. */
function results (reply: ArrayBuffer): Array<[number, boolean?]> {
  const w = new Uint8Array(reply)
  const dv = new DataView(reply)
  const out: Array<[number, boolean?]> = []
  for (let at = 0; at < w.length;) {
    const ok = w[at + 4]
    at += 5
    if (ok === 2) { out.push([2, w[at] === 1]); at += 1 } else { expect(ok).toBe(0); out.push([0]); at += 4 + dv.getUint32(at) }
  }
  return out
}

describe('verify worker replies', () => {
  it('a valid signature reads as valid whichever byte of the reply the buffer grows at', () => {
    const k = generateKeyPair()
    const message = new TextEncoder().encode('oosnet/v1:oos/announce\n…')
    const sig = { op: SIGNATURE, bytes: signatureRequest(k.publicKey, message, sign(k.secretKey, message)) }
    // records that are not records give error entries; their lengths move where the 6-byte
    // signature entries fall: two kinds of them (messages of different lengths), so that some
    // lead of them puts a signature entry's last byte at the 4,097th, where the buffer grows
    const arrayOf100 = new Uint8Array(104).fill(0x01)
    arrayOf100.set([0x99, 0, 100]) // non-canonical: "argument 100 encoded in 3 bytes"
    const kinds = [new Uint8Array([0xff]), arrayOf100].map(bytes => ({ op: RECORD, bytes, entry: new Uint8Array(checkBatch(batch([{ op: RECORD, bytes }]))).length }))
    let lead: typeof kinds = []
    for (let i = 0; i < 6 && lead.length === 0; i++) {
      for (let j = 0; j < 6; j++) if ((i * kinds[0].entry + j * kinds[1].entry) % 6 === (4096 - 5) % 6) { lead = [...Array(i).fill(kinds[0]), ...Array(j).fill(kinds[1])]; break }
    }
    expect(lead.length).toBeGreaterThan(0)
    const leadBytes = lead.reduce((n, k) => n + k.entry, 0)
    const count = Math.ceil((4096 - leadBytes) / 6) + 10
    const got = results(checkBatch(batch([...lead, ...Array(count).fill(sig)])))
    expect(got.slice(lead.length)).toEqual(Array(count).fill([2, true]))
  })
})
