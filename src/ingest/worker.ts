/**
 * A verification worker: runs the CPU-bound part of the ingest door (canonical form,
 * decoding, schema, signatures, CIDs) off the main thread. Pure: no store, no network.
 */
import { parentPort } from 'node:worker_threads'
import { OosError } from '../errors.ts'
import { toWire, verifyBytes } from '../records/verified.ts'

export interface VerifyRequest { id: number, bytes: Uint8Array, now: number }
export type VerifyReply = { id: number, ok: true, v: ReturnType<typeof toWire> } | { id: number, ok: false, code: string, message: string, path?: string }

parentPort?.on('message', (batch: VerifyRequest[]) => {
  const replies: VerifyReply[] = batch.map(({ id, bytes, now }) => {
    try {
      return { id, ok: true, v: toWire(verifyBytes(bytes, now)) }
    } catch (err) {
      const e = err instanceof OosError ? err : new OosError('INTERNAL', String((err as Error)?.message ?? err))
      return { id, ok: false, code: e.code, message: e.message, ...(e.path !== undefined ? { path: e.path } : {}) }
    }
  })
  parentPort?.postMessage(replies)
})
