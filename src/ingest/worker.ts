/**
 * A verification worker: runs the CPU-bound part of the ingest door (canonical form,
 * decoding, schema, signatures, CIDs) off the main thread. Pure: no store, no network.
 *
 * Messages are packed into single transferred buffers (structured cloning of many small
 * objects costs more than the work itself): a request batch is one buffer of concatenated
 * records with their offsets; a reply is one DAG-CBOR buffer of results.
 */
import { parentPort } from 'node:worker_threads'
import * as dagCbor from '@ipld/dag-cbor'
import { OosError } from '../errors.ts'
import { checkBytes, type WireVerified } from '../records/verified.ts'

export interface VerifyBatch {
  ids: number[]
  /** end offset of each record in `buf` */
  ends: number[]
  buf: ArrayBuffer
  now: number
}

/** One result: [id, 1, wire] or [id, 0, code, message, path?] */
export type VerifyResult = [number, 1, WireVerified] | [number, 0, string, string, string?]

parentPort?.on('message', (batch: VerifyBatch) => {
  const all = new Uint8Array(batch.buf)
  const results: VerifyResult[] = batch.ids.map((id, i) => {
    const bytes = all.subarray(i === 0 ? 0 : batch.ends[i - 1], batch.ends[i])
    try {
      return [id, 1, checkBytes(bytes, batch.now)]
    } catch (err) {
      const e = err instanceof OosError ? err : new OosError('INTERNAL', String((err as Error)?.message ?? err))
      return e.path !== undefined ? [id, 0, e.code, e.message, e.path] : [id, 0, e.code, e.message]
    }
  })
  const out = dagCbor.encode(results)
  const buf = (out.buffer as ArrayBuffer).slice(out.byteOffset, out.byteOffset + out.byteLength)
  parentPort?.postMessage(buf, [buf])
})

parentPort?.postMessage('ready')
