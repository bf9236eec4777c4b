/**
 * Hostile cases of the encoding layer: envelope, canonical DAG-CBOR and decoding
 * signatures, CIDs and the order of the
 * stages, sizes.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { publicKeyToDid, sign as signWith } from '../../src/identity/index.ts'
import { signingBytes } from '../../src/records/codec.ts'
import { bstr, cat, envelope, f64, head, splice, tstr } from './cbor.ts'
import { resign, type Cases, type Fixtures } from './cases.ts'

export function encodingCases (c: Cases, f: Fixtures): void {
  const { alice, bob, carol, alice2 } = f.keys
  const a1 = f.v['version-1']
  const a2 = f.v['version-2']
  const rot = f.v['key-rotation']
  const rec1 = a1.recBytes
  const sig1 = a1.signed.sig
  const seq1 = [0x63, 0x73, 0x65, 0x71, 0x01] // "seq": 1
  const seqAs = (item: Uint8Array | number[]): Uint8Array => splice(a1.bytes, seq1, cat(seq1.slice(0, 4), item))
  const v12 = ['version-1', 'version-2']

  // ---- not one well-formed data item: DECODE_FAILED
  const df = (name: string, note: string, bytes: Uint8Array): void => c.add('R-3.2.2', name, note, bytes, 'DECODE_FAILED')
  df('decode-empty', 'zero bytes', new Uint8Array(0))
  df('decode-trailing-byte', 'version-1 followed by one byte 0x00', cat(a1.bytes, [0x00]))
  df('decode-reserved-ai', 'a head with reserved additional information 28 (0x1c)', Uint8Array.of(0x1c))
  df('decode-ai31-integer', 'additional information 31 on an integer (0x1f), never well-formed', Uint8Array.of(0x1f))
  df('decode-only-map-head', 'the map head 0xa2 and nothing else', Uint8Array.of(0xa2))
  df('decode-huge-array', 'an array claiming 2^32 - 1 elements in 6 bytes', Uint8Array.of(0x9a, 0xff, 0xff, 0xff, 0xff, 0x00))
  df('decode-short-bytes', 'sig claims 64 bytes, 10 follow', cat(head(5, 2), tstr('rec'), rec1, tstr('sig'), [0x58, 0x40], new Uint8Array(10)))
  df('decode-utf8-invalid', 'a claim text holding the byte 0xff', splice(a1.bytes, 'Rule one', cat([0xff], Buffer.from('ule one'))))
  df('decode-utf8-overlong', 'a claim text holding an overlong UTF-8 form (0xc1 0x92 for "R")', splice(a1.bytes, 'Rule one', cat([0xc1, 0x92], Buffer.from('le one'))))
  df('decode-utf8-surrogate', 'a claim text holding an encoded surrogate (0xed 0xa0 0x80)', splice(a1.bytes, 'Rule one', cat([0xed, 0xa0, 0x80], Buffer.from('e one'))))
  // depth: the envelope is level 1; 64 levels decode, 65 do not
  const nested = (levels: number): Uint8Array => cat(new Array(levels - 1).fill(0x81), [0x80])
  c.add('R-3.2.5', 'decode-depth-65', 'rec is 64 nested arrays: with the envelope 65 levels (R-3.2.5: at most 64)', envelope(nested(64), sig1), 'DECODE_FAILED')
  c.add('R-3.2.5', 'decode-depth-64', 'rec is 63 nested arrays: 64 levels decode, so the schema rejects it (rec is not a map)', envelope(nested(63), sig1), 'SCHEMA_INVALID')

  // ---- well-formed CBOR that is not canonical DAG-CBOR: NON_CANONICAL
  const nc = (name: string, note: string, bytes: Uint8Array, rule = 'R-3.2.1'): void => c.add(rule, name, note, bytes, 'NON_CANONICAL')
  nc('nc-duplicate-key', 'the envelope holds the key rec twice', cat(head(5, 3), tstr('rec'), rec1, tstr('rec'), rec1, tstr('sig'), bstr(sig1)))
  nc('nc-integer-key', 'the envelope holds the integer key 1', cat(head(5, 3), [0x01, 0x00], tstr('rec'), rec1, tstr('sig'), bstr(sig1)))
  nc('nc-bytes-key', 'the envelope holds a byte-string key', cat(head(5, 3), [0x41, 0x00, 0x00], tstr('rec'), rec1, tstr('sig'), bstr(sig1)))
  nc('nc-tag-43', 'prev of version-2 under tag 43 instead of 42', splice(a2.bytes, [0xd8, 0x2a], [0xd8, 0x2b]))
  nc('nc-tag-0-text', 'seq as a tag-0 date string', seqAs(cat([0xc0], tstr('2026-11-01T12:00:00Z'))))
  nc('nc-tag42-no-prefix', 'a tag-42 CID whose content does not start with 0x00', splice(a2.bytes, [0x58, 0x25, 0x00, 0x01, 0x71], [0x58, 0x25, 0x01, 0x01, 0x71]))
  nc('nc-tag42-text', 'a tag-42 whose content is a text string', seqAs(cat([0xd8, 0x2a], tstr('bafy'))))
  nc('nc-undefined', 'seq is undefined (0xf7)', seqAs([0xf7]))
  nc('nc-simple-16', 'seq is the simple value 16 (0xf0)', seqAs([0xf0]))
  nc('nc-simple-32', 'seq is the simple value 32 (0xf8 0x20)', seqAs([0xf8, 0x20]))
  nc('nc-half-float', 'seq as a half-precision float 1.0 (0xf9 0x3c00)', seqAs([0xf9, 0x3c, 0x00]))
  nc('nc-single-float', 'seq as a single-precision float 1.0', seqAs([0xfa, 0x3f, 0x80, 0x00, 0x00]))
  nc('nc-nan', 'seq is NaN', seqAs(f64(NaN)))
  nc('nc-infinity', 'seq is +Infinity', seqAs(f64(Infinity)))
  nc('nc-break', 'seq is a lone break (0xff)', seqAs([0xff]))
  nc('nc-indefinite-map', 'the envelope as an indefinite-length map', cat([0xbf], tstr('rec'), rec1, tstr('sig'), bstr(sig1), [0xff]))
  nc('nc-indefinite-text', 'the key rec as an indefinite-length text string', cat(head(5, 2), [0x7f], tstr('rec'), [0xff], rec1, tstr('sig'), bstr(sig1)))
  nc('nc-long-text-head', 'the key rec with a one-byte length argument (0x78 0x03)', cat(head(5, 2), [0x78, 0x03], Buffer.from('rec'), rec1, tstr('sig'), bstr(sig1)))
  nc('nc-long-bytes-head', 'sig with a two-byte length argument (0x59 0x0040)', cat(head(5, 2), tstr('rec'), rec1, tstr('sig'), [0x59, 0x00, 0x40], sig1))
  nc('nc-long-tag-head', 'tag 42 written 0xd9 0x002a', splice(a2.bytes, [0xd8, 0x2a], [0xd9, 0x00, 0x2a]))
  nc('nc-unsorted-rec-keys', 'rec with its keys in insertion order, not length-first', envelope(cat(head(5, 6), tstr('type'), tstr('oos/version'), tstr('org'), tstr(alice.did), tstr('seq'), [0x01], tstr('prev'), [0xf6], tstr('createdAt'), dagCbor.encode(f.T0), tstr('body'), dagCbor.encode((a1.signed.rec as any).body)), sig1))
  // integral numbers are integers, whatever their size or sign
  nc('nc-float-integral', 'seq as the float64 1.0', seqAs(f64(1)), 'R-3.2.3')
  nc('nc-float-negative-zero', 'seq as the float64 -0.0', seqAs(f64(-0)), 'R-3.2.3')
  nc('nc-float-huge-integral', 'seq as the float64 2^60 (integral)', seqAs(f64(2 ** 60)), 'R-3.2.3')
  c.add('R-3.2.3', 'float-fraction-seq', 'seq as the float64 1.5: canonical, but not an integer (schema)', seqAs(f64(1.5)), 'SCHEMA_INVALID')
  // no text string starts with U+FEFF
  nc('nc-bom-text', 'a claim rule starting with U+FEFF', splice(a1.bytes, 'Rule one', cat([0xef, 0xbb, 0xbf], Buffer.from('e one'))), 'R-3.2.4')

  // ---- the envelope: exactly {rec: map, sig: bytes}
  const env = (name: string, note: string, bytes: Uint8Array): void => c.add('R-3.1.1', name, note, bytes, 'SCHEMA_INVALID')
  env('envelope-no-sig', 'the map {rec} alone', dagCbor.encode({ rec: a1.signed.rec }))
  env('envelope-sig-text', 'sig as a text string', dagCbor.encode({ rec: a1.signed.rec, sig: 'x'.repeat(64) }))
  env('envelope-rec-int', 'rec is the integer 1', dagCbor.encode({ rec: 1, sig: sig1 }))
  env('envelope-array', 'the record is the array [rec, sig]', dagCbor.encode([a1.signed.rec, sig1]))
  env('envelope-renamed-sig', 'the map {rec, sag}', dagCbor.encode({ rec: a1.signed.rec, sag: sig1 }))
  env('envelope-claim-block', 'a claim block (SPEC §5) offered as a record', dagCbor.encode({ type: 'oos/claim', org: alice.did, claim: (a1.signed.rec as any).body.claims[0] }))
  env('envelope-bare-int', 'the integer 0', Uint8Array.of(0x00))

  // ---- a signature of the wrong length is BAD_SIGNATURE (not SCHEMA_INVALID)
  const bs = (rule: string, name: string, note: string, bytes: Uint8Array, after: string[] = []): void => c.add(rule, name, note, bytes, 'BAD_SIGNATURE', after)
  bs('R-3.1.2', 'sig-63-bytes', 'version-1 with its signature cut to 63 bytes', dagCbor.encode({ rec: a1.signed.rec, sig: sig1.subarray(0, 63) }))
  bs('R-3.1.2', 'sig-128-bytes', 'version-1 with a second copy of its signature (128 bytes)', dagCbor.encode({ rec: a1.signed.rec, sig: cat(sig1, sig1) }))
  bs('R-3.1.2', 'sig-empty', 'version-1 with an empty sig', dagCbor.encode({ rec: a1.signed.rec, sig: new Uint8Array(0) }))
  bs('R-3.1.2', 'rotation-three-signatures', 'a key rotation with 192 bytes of signature', dagCbor.encode({ rec: rot.signed.rec, sig: cat(rot.signed.sig, rot.signed.sig.subarray(0, 64)) }), v12)

  // ---- what the signature covers
  const rawSig = (sk: Uint8Array, msg: Uint8Array): Uint8Array => dagCbor.encode({ rec: a1.signed.rec, sig: signWith(sk, msg) })
  bs('R-3.2.6', 'sig-no-prefix', 'signed over dag_cbor(rec) without the domain prefix', rawSig(alice.secretKey, rec1))
  bs('R-3.2.6', 'sig-other-kind-prefix', 'a version signed with the prefix of oos/endorsement', rawSig(alice.secretKey, signingBytes('oos/endorsement', rec1)))
  bs('R-3.2.6', 'sig-over-record', 'signed over the prefix and the whole {rec, sig} of version-1', rawSig(alice.secretKey, signingBytes('oos/version', a1.bytes)))
  bs('R-3.2.6', 'sig-zero', '64 zero bytes', dagCbor.encode({ rec: a1.signed.rec, sig: new Uint8Array(64) }))
  bs('R-3.2.6', 'rotation-swapped-signatures', 'a key rotation with the new key\'s signature first', dagCbor.encode({ rec: rot.signed.rec, sig: cat(rot.signed.sig.subarray(64), rot.signed.sig.subarray(0, 64)) }), v12)
  bs('R-3.2.6', 'rotation-old-key-twice', 'a key rotation signed twice by the old key', dagCbor.encode({ rec: rot.signed.rec, sig: cat(rot.signed.sig.subarray(0, 64), rot.signed.sig.subarray(0, 64)) }), v12)
  bs('R-3.2.6', 'sig-by-key-field', 'version 1 naming bob\'s key in `key`, signed by alice', resign({ ...a1.signed.rec, key: bob.did }, alice.secretKey))
  // ---- strict Ed25519: small-order keys and non-canonical S
  const small = publicKeyToDid(Uint8Array.from([1, ...new Array(31).fill(0)]))
  const forged = { type: 'oos/node-binding', org: small, createdAt: f.T0, peers: [peerOf(carol.publicKey)] }
  bs('R-3.2.7', 'sig-small-order-key', 'a binding of an org whose key is the small-order identity point, with the signature R = identity, S = 0 that verifies under cofactorless-lax rules', dagCbor.encode({ rec: forged, sig: cat([1], new Array(31).fill(0), new Array(32).fill(0)) }))
  const L = (1n << 252n) + 27742317777372353535851937790883648493n
  const s = Buffer.from(sig1.subarray(32)).reverse()
  const sPlusL = BigInt('0x' + s.toString('hex')) + L
  const malleable = cat(sig1.subarray(0, 32), Buffer.from(sPlusL.toString(16).padStart(64, '0'), 'hex').reverse())
  bs('R-3.2.7', 'sig-non-canonical-s', 'version-1\'s signature with S + L (malleated; S must be < L)', dagCbor.encode({ rec: a1.signed.rec, sig: malleable }))

  // ---- stage order: a CID the bytes were fetched as is checked first
  const tampered = splice(a1.bytes, 'Rule one', 'rule one')
  c.add('R-6.1', 'cid-mismatch-tampered', 'a byte changed inside version-1, fetched as version-1\'s CID: the hash check comes first', tampered, 'CID_MISMATCH', [], { expectedCid: a1.cid.toString() })
  c.add('R-3.3.1', 'cid-mismatch-other', 'version-1 fetched as version-2\'s CID', 'version-1', 'CID_MISMATCH', [], { expectedCid: a2.cid.toString() })
  c.add('R-3.3.1', 'cid-match', 'version-1 fetched as its own CID', 'version-1', 'accepted', [], { expectedCid: a1.cid.toString() })
  c.add('R-3.3.1', 'cid-mismatch-v0', 'version-1 fetched as the CIDv0 of the same digest: a record CID is CIDv1 dag-cbor', 'version-1', 'CID_MISMATCH', [], { expectedCid: CID.createV0(a1.cid.multihash as any).toString() })
  c.add('R-3.3.1', 'cid-mismatch-raw', 'version-1 fetched as the raw-codec CIDv1 of the same digest', 'version-1', 'CID_MISMATCH', [], { expectedCid: CID.createV1(0x55, a1.cid.multihash).toString() })
  c.add('R-6.1', 'cid-mismatch-truncated', 'half of version-1 fetched as version-1\'s CID: CID_MISMATCH, not DECODE_FAILED', a1.bytes.subarray(0, a1.bytes.length >> 1), 'CID_MISMATCH', [], { expectedCid: a1.cid.toString() })
  c.add('R-6.1', 'cid-mismatch-oversize', 'the oversize vector fetched as version-1\'s CID: CID_MISMATCH, not RECORD_TOO_LARGE', 'oversize', 'CID_MISMATCH', [], { expectedCid: a1.cid.toString(), padTo: 1024 * 1024 + 1 })
  c.add('R-6.1', 'order-schema-before-signature', 'version with seq 0 signed by bob for alice: the schema stage comes before the signature', resign({ ...a1.signed.rec, seq: 0 }, bob.secretKey), 'SCHEMA_INVALID')
  c.add('R-6.1', 'order-signature-before-chain', 'version 3 after version 1 (a gap) signed by bob: the signature comes before the chain rules', resign(f.v['seq-gap'].signed.rec as any, bob.secretKey), 'BAD_SIGNATURE', ['version-1'])
  c.add('R-6.1', 'order-kind-size-before-signature', 'an endorsement over 16,384 bytes with a zero signature: the per-kind size comes before the signature', dagCbor.encode({ rec: bigEndorsement(f), sig: new Uint8Array(64) }), 'RECORD_TOO_LARGE', v12)
  c.add('R-4.0.9', 'statement-too-large', 'a validly signed endorsement of 16,385+ bytes (note and evidence of 4,000 UTF-16 units each, in 4-byte characters)', resign(bigEndorsement(f), carol.secretKey), 'RECORD_TOO_LARGE', v12)
  void alice2
}

/** An endorsement with the longest note and evidence text, in 4-byte characters: over 16 KiB. */
function bigEndorsement (f: Fixtures): Record<string, unknown> {
  const wide = '\u{1F600}'.repeat(2000) // 4000 UTF-16 units, 8000 bytes
  return { type: 'oos/endorsement', org: f.keys.carol.did, createdAt: f.T0 + 120_000, target: f.c0, targetOrg: f.keys.alice.did, version: f.v['version-2'].cid, stance: 'endorse', note: wide, evidence: { type: 'OBSERVED_ONCE', text: wide } }
}

/** The libp2p peer id (identity multihash of the protobuf Ed25519 public key) of a key. */
export function peerOf (publicKey: Uint8Array): string {
  return base58(cat([0x00, 0x24, 0x08, 0x01, 0x12, 0x20], publicKey))
}

import { base58btc } from 'multiformats/bases/base58'
const base58 = (b: Uint8Array): string => base58btc.baseEncode(b)
