/**
 * Generates protocol/vectors/*.json from fixed, TEST-ONLY seeds (never use these keys).
 * Deterministic: running it twice gives identical files; tests/vectors.test.ts checks the
 * implementation against the committed files. Run: `npm run vectors`.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import { keyPairFromSeed, publicKeyToDid } from '../../src/identity/index.ts'
import { sha256 } from '../../src/records/cid.ts'
import { claimBlock } from '../../src/records/claims.ts'
import { encodeSigned, signingBytes } from '../../src/records/codec.ts'
import { signVersion } from '../../src/records/version.ts'
import { parseOosMarkdown } from '../../src/oos/index.ts'
import type { OosBody } from '../../src/oos/types.ts'
import type { Decoded, UnsignedRecord } from '../../src/records/types.ts'
import { smallBody } from './bodies.ts'
import { buildCases, resign } from './cases.ts'
import { carVectors } from './cars.ts'
import { equivocatingVersion } from './cases-rules.ts'

const here = dirname(fileURLToPath(import.meta.url))
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const T0 = Date.UTC(2026, 10, 1, 12, 0, 0) // 2026-11-01T12:00:00Z

export function testKey (name: string): { name: string, seed: Uint8Array, secretKey: Uint8Array, publicKey: Uint8Array, did: string } {
  const seed = sha256(new TextEncoder().encode(`oosnet/v1 TEST-ONLY key ${name}`))
  const kp = keyPairFromSeed(seed)
  return { name, seed, secretKey: kp.secretKey, publicKey: kp.publicKey, did: publicKeyToDid(kp.publicKey) }
}

function describe (name: string, note: string, d: Decoded, ingestAfter: string[]) {
  const rec = d.signed.rec
  return {
    name,
    note,
    kind: d.kind,
    after: ingestAfter,
    rec: JSON.parse(new TextDecoder().decode(dagJson.encode(rec))),
    recHex: hex(dagCbor.encode(rec)),
    signingBytesHex: hex(signingBytes(d.kind, dagCbor.encode(rec))),
    sigHex: hex(d.signed.sig),
    bytesHex: hex(d.bytes),
    cid: d.cid.toString(),
    ...(rec.type === 'oos/version' ? { claims: rec.body.claims.map(c => ({ claim_id: c.claim_id, cid: claimBlock(rec.org, c).cid.toString(), blockHex: hex(claimBlock(rec.org, c).bytes) })) } : {})
  }
}

export const NOW = Date.UTC(2026, 10, 2) // the receiver's clock of the conformance cases

export function generate (): { keys: unknown[], valid: any[], invalid: any[], cases: ReturnType<typeof buildCases>, cars: ReturnType<typeof carVectors> } {
  const alice = testKey('alice')
  const bob = testKey('bob')
  const carol = testKey('carol')
  const example = parseOosMarkdown(readFileSync(join(here, '..', '..', 'tests', 'fixtures', 'example.oos.md'), 'utf8')).body

  const a1 = signVersion(smallBody('Alice Logistics', 1), { org: alice.did, seq: 1, prev: null, createdAt: T0 }, alice.secretKey)
  const body2: OosBody = smallBody('Alice Logistics', 2)
  const a2 = signVersion(body2, { org: alice.did, seq: 2, prev: a1.cid, createdAt: T0 + 60_000 }, alice.secretKey)
  const b1 = signVersion(example, { org: bob.did, seq: 1, prev: null, createdAt: T0 }, bob.secretKey)
  const claim0 = a2.signed.rec.body.claims[0]
  const c0 = claimBlock(alice.did, claim0).cid
  const endorse = encodeSigned({ type: 'oos/endorsement', org: carol.did, createdAt: T0 + 120_000, target: c0, targetOrg: alice.did, version: a2.cid, stance: 'endorse', note: 'Confirmed in our own depots over 3 months.', evidence: { type: 'OBSERVED_REPEATEDLY', text: '3 incidents avoided' }, expiresAt: T0 + 365 * 86_400_000 } as UnsignedRecord, [carol.secretKey], T0)
  const dispute = encodeSigned({ type: 'oos/endorsement', org: bob.did, createdAt: T0 + 130_000, target: c0, targetOrg: alice.did, version: a2.cid, stance: 'dispute', note: 'Did not hold for us.' } as UnsignedRecord, [bob.secretKey], T0)
  const retract = encodeSigned({ type: 'oos/retraction', org: carol.did, createdAt: T0 + 180_000, target: endorse.cid, reason: 'Endorsed the wrong claim.' } as UnsignedRecord, [carol.secretKey], T0)
  const binding = encodeSigned({ type: 'oos/node-binding', org: alice.did, createdAt: T0 + 1000, peers: ['12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf'] } as UnsignedRecord, [alice.secretKey], T0)
  const alice2 = testKey('alice-2')
  const rotation = encodeSigned({ type: 'oos/key-rotation', org: alice.did, createdAt: T0 + 200_000, seq: 1, prev: null, oldKey: alice.did, newKey: alice2.did, effectiveSeq: 3, nextKeyDigest: sha256(testKey('alice-3').publicKey), reason: 'scheduled rotation' } as UnsignedRecord, [alice.secretKey, alice2.secretKey], T0)
  const a3 = signVersion(smallBody('Alice Logistics', 3), { org: alice.did, seq: 3, prev: a2.cid, createdAt: T0 + 300_000, key: alice2.did }, alice2.secretKey)

  const alice3 = testKey('alice-3')
  const rotation2 = encodeSigned({ type: 'oos/key-rotation', org: alice.did, createdAt: T0 + 400_000, seq: 2, prev: rotation.cid, oldKey: alice2.did, newKey: alice3.did, effectiveSeq: 4, nextKeyDigest: sha256(testKey('alice-4').publicKey), reason: 'rotating to the pre-committed key' } as UnsignedRecord, [alice2.secretKey, alice3.secretKey], T0)
  const carolBody = smallBody('Carol Freight', 1)
  carolBody.claims[0] = { ...carolBody.claims[0], confidence: 'LOW', derived_from: [c0], evidence_reference: `adopted from ${alice.did} C001` }
  carolBody.frontmatter.confidence_distribution = { high: 0, medium: 1, low: 2 }
  const derived = signVersion(carolBody, { org: carol.did, seq: 1, prev: null, createdAt: T0 + 500_000 }, carol.secretKey)

  const valid = [
    describe('version-1', 'first version of a small org: seq 1, prev null', a1, []),
    describe('version-2', 'second version: prev = version-1; claim C001 unchanged (same claim CID), C002 reworded', a2, ['version-1']),
    describe('version-example', 'the published example document (CC BY 4.0, orgtp) as seq 1 of org bob, derived fields recomputed', b1, []),
    describe('endorsement', 'carol endorses alice\'s C001 as seen in version-2, with evidence and expiry', endorse, ['version-1', 'version-2']),
    describe('dispute', 'bob disputes the same claim', dispute, ['version-1', 'version-2']),
    describe('retraction', 'carol retracts her endorsement', retract, ['version-1', 'version-2', 'endorsement']),
    describe('node-binding', 'alice binds one libp2p peer id', binding, []),
    describe('key-rotation', 'alice rotates to alice-2 from version 3 on, pre-committing to alice-3 (sig = old ‖ new)', rotation, ['version-1', 'version-2']),
    describe('version-3-rotated', 'version 3 signed by the rotated-in key, named in `key`', a3, ['version-1', 'version-2', 'key-rotation']),
    describe('key-rotation-2', 'alice rotates again, to the key committed by key-rotation (alice-3), committing to alice-4 (TRUST.md §5)', rotation2, ['version-1', 'version-2', 'key-rotation']),
    describe('version-derived', 'carol adopts alice\'s C001: derived_from names its claim CID, confidence LOW (TRUST.md §4)', derived, ['version-1', 'version-2'])
  ]

  const invalid: any[] = []
  const bad = (name: string, note: string, bytes: Uint8Array, code: string, after: string[] = []): void => {
    invalid.push({ name, note, after, bytesHex: hex(bytes), code })
  }
  // a tampered byte: one letter of a claim's text changed after signing
  const tampered = Uint8Array.from(a1.bytes)
  const at = Buffer.from(tampered).indexOf('Rule one')
  tampered[at] = 'r'.charCodeAt(0)
  bad('tampered-byte', 'one byte of the body changed after signing', tampered, 'BAD_SIGNATURE')
  // signed by bob's key but claiming alice's org
  const forged = signVersion(smallBody('Alice Logistics', 1), { org: alice.did, seq: 1, prev: null, createdAt: T0 }, bob.secretKey)
  bad('wrong-signer', 'a version of alice signed with bob\'s key', forged.bytes, 'BAD_SIGNATURE')
  // non-minimal integer: seq 1 written as 0x18 0x01
  const seqAt = Buffer.from(a1.bytes).indexOf(Buffer.from([0x63, 0x73, 0x65, 0x71, 0x01]))
  const nonCanon = new Uint8Array(a1.bytes.length + 1)
  nonCanon.set(a1.bytes.subarray(0, seqAt + 4), 0)
  nonCanon.set([0x18, 0x01], seqAt + 4)
  nonCanon.set(a1.bytes.subarray(seqAt + 5), seqAt + 6)
  bad('non-canonical-int', 'seq encoded as 0x18 0x01 instead of 0x01', nonCanon, 'NON_CANONICAL')
  // unsorted envelope keys: {sig, rec}
  const unsorted = Buffer.concat([Buffer.from([0xa2]), Buffer.from(dagCbor.encode('sig')), Buffer.from(dagCbor.encode(a1.signed.sig)), Buffer.from(dagCbor.encode('rec')), Buffer.from(dagCbor.encode(a1.signed.rec))])
  bad('non-canonical-key-order', 'envelope keys in the order sig, rec', unsorted, 'NON_CANONICAL')
  const gap = signVersion(smallBody('Alice Logistics', 3), { org: alice.did, seq: 3, prev: a2.cid, createdAt: T0 + 300_000 }, alice.secretKey)
  bad('seq-gap', 'version 3 offered when only version 1 is held', gap.bytes, 'SEQ_GAP', ['version-1'])
  const wrongPrev = signVersion(smallBody('Alice Logistics', 2), { org: alice.did, seq: 2, prev: b1.cid, createdAt: T0 + 60_000 }, alice.secretKey)
  bad('wrong-prev', 'version 2 whose prev is not version 1', wrongPrev.bytes, 'WRONG_PREV', ['version-1'])
  const backwards = signVersion(smallBody('Alice Logistics', 2), { org: alice.did, seq: 2, prev: a1.cid, createdAt: T0 - 60_000 }, alice.secretKey)
  bad('time-regression', 'version 2 created before version 1', backwards.bytes, 'TIME_REGRESSION', ['version-1'])
  const big = new Uint8Array(1024 * 1024 + 1)
  big.set(a1.bytes.subarray(0, 16))
  bad('oversize', '1 MiB + 1 byte: rejected before decoding (bytesHex holds only the first 64 bytes; pad with zeros to 1,048,577)', big, 'RECORD_TOO_LARGE')
  invalid[invalid.length - 1].bytesHex = hex(big.subarray(0, 64))
  invalid[invalid.length - 1].padTo = big.length
  const unknown = dagCbor.encode({ rec: { type: 'oos/unknown', org: alice.did, createdAt: T0 }, sig: new Uint8Array(64) })
  bad('unknown-kind', 'a record of a kind this protocol version does not have', unknown, 'UNKNOWN_KIND')
  bad('truncated', 'version-1 cut in half', a1.bytes.subarray(0, a1.bytes.length >> 1), 'DECODE_FAILED')
  const extra = dagCbor.encode({ rec: a1.signed.rec, sig: a1.signed.sig, x: 1 })
  bad('envelope-extra-key', 'an envelope with a third key', extra, 'SCHEMA_INVALID')
  // the body's claim_count disagrees with its claims: must be re-signed to reach the check
  const lying = { ...a1.signed.rec, body: { ...a1.signed.rec.body, frontmatter: { ...a1.signed.rec.body.frontmatter, claim_count: 99 } } }
  bad('derived-mismatch', 'claim_count 99 with 3 claims (validly signed)', resign(lying, alice.secretKey), 'DERIVED_MISMATCH')
  const wrongVersion = { ...a1.signed.rec, body: { ...a1.signed.rec.body, frontmatter: { ...a1.signed.rec.body.frontmatter, version: 7 } } }
  bad('version-mismatch', 'frontmatter.version 7 in the record of seq 1', resign(wrongVersion, alice.secretKey), 'VERSION_MISMATCH')
  const badEnum = { ...a1.signed.rec, body: { ...a1.signed.rec.body, claims: a1.signed.rec.body.claims.map((c, i) => i === 1 ? { ...c, confidence: 'VERY_HIGH' } : c) } }
  bad('schema-invalid-confidence', 'claims[1].confidence VERY_HIGH', resign(badEnum, alice.secretKey), 'SCHEMA_INVALID')
  const unknownClaim = encodeSigned({ type: 'oos/endorsement', org: carol.did, createdAt: T0, target: b1.cid, targetOrg: alice.did, version: a1.cid, stance: 'endorse' } as UnsignedRecord, [carol.secretKey], T0)
  bad('endorse-unknown-claim', 'an endorsement whose target is not a known claim', unknownClaim.bytes, 'UNKNOWN_TARGET', ['version-1'])
  const otherSigner = resign({ type: 'oos/endorsement', org: carol.did, createdAt: T0, target: c0, targetOrg: alice.did, version: a2.cid, stance: 'endorse' }, bob.secretKey)
  bad('endorsement-wrong-key', 'an endorsement of carol signed by bob\'s key', otherSigner, 'BAD_SIGNATURE', ['version-1', 'version-2'])
  const oneSig = dagCbor.encode({ rec: rotation.signed.rec, sig: rotation.signed.sig.subarray(0, 64) })
  bad('rotation-one-signature', 'a key rotation signed by the old key only', oneSig, 'BAD_SIGNATURE', ['version-1', 'version-2'])
  const oldKeyAfter = signVersion(smallBody('Alice Logistics', 3), { org: alice.did, seq: 3, prev: a2.cid, createdAt: T0 + 300_000 }, alice.secretKey)
  bad('rotated-out-key', 'version 3 signed by the inception key after rotation effective at 3', oldKeyAfter.bytes, 'UNAUTHORIZED_KEY', ['version-1', 'version-2', 'key-rotation'])
  const notAuthor = encodeSigned({ type: 'oos/retraction', org: bob.did, createdAt: T0 + 200_000, target: endorse.cid, reason: 'not mine' } as UnsignedRecord, [bob.secretKey], T0)
  bad('retract-not-author', 'bob retracts carol\'s endorsement', notAuthor.bytes, 'NOT_AUTHOR', ['version-1', 'version-2', 'endorsement'])

  const uncommitted = encodeSigned({ type: 'oos/key-rotation', org: alice.did, createdAt: T0 + 400_000, seq: 2, prev: rotation.cid, oldKey: alice2.did, newKey: carol.did, effectiveSeq: 4, nextKeyDigest: sha256(testKey('alice-4').publicKey), reason: 'a thief of alice-2 rotates to a key of its own' } as UnsignedRecord, [alice2.secretKey, carol.secretKey], T0)
  bad('rotation-uncommitted-key', 'a rotation to a key other than the one key-rotation committed to (pre-rotation)', uncommitted.bytes, 'UNAUTHORIZED_KEY', ['version-1', 'version-2', 'key-rotation'])
  bad('derived-from-unknown', 'carol\'s version whose claim is derived from a claim not known to the receiver', derived.bytes, 'UNKNOWN_TARGET', [])

  const alice4 = testKey('alice-4')
  const keys = [alice, bob, carol, alice2, alice3, alice4].map(k => ({ name: k.name, seedHex: hex(k.seed), publicKeyHex: hex(k.publicKey), did: k.did }))
  const v: Record<string, Decoded> = { 'version-1': a1, 'version-2': a2, 'version-example': b1, endorsement: endorse, dispute, retraction: retract, 'node-binding': binding, 'key-rotation': rotation, 'version-3-rotated': a3, 'key-rotation-2': rotation2, 'version-derived': derived, 'seq-gap': gap }
  const fixtures = { T0, NOW, keys: { alice, bob, carol, alice2, alice3, alice4 }, v, c0 }
  const cases = buildCases(fixtures, valid, invalid)
  return { keys, valid, invalid, cases, cars: carVectors(fixtures, equivocatingVersion(fixtures)) }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { keys, valid, invalid, cases, cars } = generate()
  const write = (f: string, v: unknown): void => writeFileSync(join(here, f), JSON.stringify(v, null, 2) + '\n')
  write('keys.json', keys)
  write('valid.json', valid)
  write('invalid.json', invalid)
  write('cases.json', cases)
  write('cars.json', cars)
  console.log(`wrote ${keys.length} keys, ${valid.length} valid and ${invalid.length} invalid vectors, ${cases.cases.length} conformance cases and ${cars.length} CAR vectors to ${here}`)
}
