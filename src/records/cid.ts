/**
 * Content addresses (SPEC §3.3): CIDv1, multicodec dag-cbor (0x71), multihash sha2-256 (0x12).
 * Hashing uses Node's OpenSSL-backed sha256 (hot path); the digest is wrapped with
 * multiformats so the CID is byte-identical to what any IPLD tool computes.
 */
import { hash } from 'node:crypto'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'

export const DAG_CBOR_CODE = 0x71
const DAG_CBOR_CODE_BYTE = 0x71
export const SHA2_256_CODE = 0x12

export function sha256 (bytes: Uint8Array): Uint8Array {
  const h = hash('sha256', bytes, 'buffer')
  return new Uint8Array(h.buffer, h.byteOffset, h.byteLength)
}

/** The binary CID (v1, dag-cbor, sha2-256) of `bytes`: `01 71 12 20` ‖ digest. */
export function cidBytesOf (bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(36)
  out.set(CID_HEAD, 0)
  out.set(hash('sha256', bytes, 'buffer'), 4)
  return out
}
const CID_HEAD = Uint8Array.from([0x01, DAG_CBOR_CODE_BYTE, 0x12, 0x20])

export function cidOf (bytes: Uint8Array): CID {
  return CID.createV1(DAG_CBOR_CODE, Digest.create(SHA2_256_CODE, sha256(bytes)))
}

/** Parse a CID string; returns undefined rather than throwing on junk. */
export function tryParseCid (s: string): CID | undefined {
  try { return CID.parse(s) } catch { return undefined }
}

/** A CID this protocol addresses records by: v1, dag-cbor, sha2-256. */
export function isRecordCid (cid: CID): boolean {
  return cid.version === 1 && cid.code === DAG_CBOR_CODE && cid.multihash.code === SHA2_256_CODE && cid.multihash.size === 32
}

export { CID }
