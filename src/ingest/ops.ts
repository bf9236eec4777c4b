/**
 * The operations a verify worker runs (worker.ts), shared by the pool (pool.ts), which runs
 * them on the calling thread past its restart budget. Kept apart from worker.ts, whose import
 * starts a worker's work (schemas compiled, 'ready' posted).
 *
 * - `RECORD`: a record's bytes, checked as the ingest door does (records/verified.ts);
 * - `SIGNATURE`: `32-byte Ed25519 public key ‖ 64-byte signature ‖ message`, for a signature
 *   whose message the caller reads itself (a head announcement: net/gossip.ts).
 */
import { verify } from '../identity/index.ts'

export const RECORD = 0
export const SIGNATURE = 1

/** A `SIGNATURE` request: whether `sig` signs `message` under `key` (never throws). */
export function checkSignature (req: Uint8Array): boolean {
  return req.length >= 96 && verify(req.subarray(0, 32), req.subarray(96), req.subarray(32, 96))
}

/** A `SIGNATURE` request's bytes. */
export function signatureRequest (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Uint8Array {
  const req = new Uint8Array(96 + message.length)
  req.set(publicKey, 0)
  req.set(signature, 32)
  req.set(message, 96)
  return req
}
