/**
 * A verification worker: runs the CPU-bound part of the ingest door (canonical form,
 * decoding, schema, signatures, CIDs) off the main thread. Pure: no store, no network.
 *
 * Messages are single transferred buffers (structured cloning of many small objects costs
 * more than the work itself): a request batch is one buffer of concatenated requests with
 * their offsets and operations; a reply is one buffer of entries `u32 id ‖ u8 ok ‖ …`: for
 * ok = 1 a `packVerified` entry (records/verified.ts), for ok = 2 (a signature check) `u8
 * valid`, for ok = 0 `u32 n ‖ n bytes of JSON [code, message, path?]`. The request buffer goes
 * back with the reply (`spare`), for the pool to fill again.
 *
 * The operations (`RECORD`, `SIGNATURE`) are in ops.ts.
 */
import { parentPort } from 'node:worker_threads'
import { InternalError, OosError } from '../errors.ts'
import { checkSignature, SIGNATURE } from './ops.ts'
import { packVerified, Writer } from '../records/verified.ts'
import { prepareValidation } from '../oos/validate.ts'

export interface VerifyBatch {
  ids: number[]
  /** end offset of each request in `buf` */
  ends: number[]
  /** each request's operation (ops.ts; RECORD when absent) */
  ops?: number[]
  buf: ArrayBuffer
  now: number
}

export interface VerifyReply {
  reply: ArrayBuffer
  /** the request's buffer, handed back */
  spare: ArrayBuffer
}

const utf8 = new TextEncoder()
const out = new Writer()

/** Check every record of a batch; the reply buffer. */
export function checkBatch (batch: VerifyBatch): ArrayBuffer {
  const all = new Uint8Array(batch.buf)
  for (let i = 0; i < batch.ids.length; i++) {
    const bytes = all.subarray(i === 0 ? 0 : batch.ends[i - 1], batch.ends[i])
    const head = out.reserve(5)
    out.view.setUint32(head, batch.ids[i])
    try {
      if (batch.ops?.[i] === SIGNATURE) {
        out.buf[head + 4] = 2
        const at = out.reserve(1) // first: reserve may move `out.buf`
        out.buf[at] = checkSignature(bytes) ? 1 : 0
      } else {
        packVerified(bytes, batch.now, out)
        out.buf[head + 4] = 1
      }
    } catch (err) {
      out.length = head + 5 // drop anything a failed check wrote
      out.buf[head + 4] = 0
      const e = err instanceof OosError ? err : new InternalError(String((err as Error)?.message ?? err))
      const json = utf8.encode(JSON.stringify(e.path !== undefined ? [e.code, e.message, e.path] : [e.code, e.message]))
      const at = out.reserve(4 + json.length)
      out.view.setUint32(at, json.length)
      out.buf.set(json, at + 4)
    }
  }
  return out.take()
}

parentPort?.on('message', (batch: VerifyBatch) => {
  const reply = checkBatch(batch)
  const msg: VerifyReply = { reply, spare: batch.buf }
  parentPort?.postMessage(msg, [reply, batch.buf])
})

prepareValidation() // before 'ready': the first records do not wait for the validators to load
parentPort?.postMessage('ready')
