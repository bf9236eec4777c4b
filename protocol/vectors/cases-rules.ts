/**
 * Hostile cases of the record kinds (R-4.*), the body formats (R-B*), the chain and
 * reference rules (R-5.*, R-6.*) and key authority (R-7.*).
 */
import { CID } from 'multiformats/cid'
import { sha256 as sha256Hasher, sha512 } from 'multiformats/hashes/sha2'
import { create as digestOf } from 'multiformats/hashes/digest'
import { base58btc } from 'multiformats/bases/base58'
import { sha256 } from '../../src/records/cid.ts'
import { claimBlock } from '../../src/records/claims.ts'
import { encodeSigned } from '../../src/records/codec.ts'
import { signVersion } from '../../src/records/version.ts'
import type { OosBody } from '../../src/oos/types.ts'
import type { Decoded, UnsignedRecord } from '../../src/records/types.ts'
import { smallBody } from './bodies.ts'
import { peerOf } from './cases-encoding.ts'
import { resign, type Cases, type Fixtures } from './cases.ts'

export function ruleCases (c: Cases, f: Fixtures): void {
  const { alice, bob, carol, alice2, alice3, alice4 } = f.keys
  const { T0, NOW, v, c0 } = f
  const a1 = v['version-1'].signed.rec as any
  const a2 = v['version-2'].signed.rec as any
  const endorse = v.endorsement.signed.rec as any
  const retract = v.retraction.signed.rec as any
  const binding = v['node-binding'].signed.rec as any
  const rot = v['key-rotation'].signed.rec as any
  const v12 = ['version-1', 'version-2']
  const v12r = [...v12, 'key-rotation']
  const si = 'SCHEMA_INVALID'
  const ok = 'accepted'
  const cidOther = (code: number, digest: Uint8Array, hashCode = 0x12): CID => CID.createV1(code, digestOf(hashCode, digest))
  const sig = {
    a1: (r: object): Uint8Array => resign({ ...a1, ...r }, alice.secretKey),
    end: (r: object): Uint8Array => resign({ ...endorse, ...r }, carol.secretKey),
    ret: (r: object): Uint8Array => resign({ ...retract, ...r }, carol.secretKey),
    bind: (r: object, sk = alice.secretKey): Uint8Array => resign({ ...binding, ...r }, sk),
    rot: (r: object): Uint8Array => resign({ ...rot, ...r }, alice.secretKey, alice2.secretKey)
  }

  // ---- the kind
  const uk = (name: string, note: string, type: unknown): void => c.add('R-4.0.1', name, note, resign({ ...a1, type }, alice.secretKey), 'UNKNOWN_KIND')
  uk('kind-uppercase', 'type "OOS/VERSION"', 'OOS/VERSION')
  uk('kind-trailing-space', 'type "oos/version " (trailing space)', 'oos/version ')
  uk('kind-claim', 'type "oos/claim": a claim block is not a record', 'oos/claim')
  uk('kind-integer', 'type is the integer 1', 1)
  uk('kind-map-tostring', 'type is the map {"toString": 1}: an implementation that turns the value into text for its message must not fail on it', { toString: 1 })
  c.add('R-4.0.1', 'kind-missing', 'no type at all: UNKNOWN_KIND, not SCHEMA_INVALID', resign(without(a1, 'type'), alice.secretKey), 'UNKNOWN_KIND')
  // ---- exactly the kind's fields
  c.add('R-4.0.2', 'field-unknown-version', 'a version with an extra field note', sig.a1({ note: 'x' }), si)
  c.add('R-4.0.2', 'field-unknown-endorsement', 'an endorsement with an extra field seq', sig.end({ seq: 1 }), si, v12)
  c.add('R-4.0.2', 'field-key-in-rotation', 'a key rotation with a key field (its signers are oldKey and newKey)', sig.rot({ key: alice2.did }), si, v12)
  c.add('R-4.0.2', 'field-missing-org', 'a version without org', resign(without(a1, 'org'), alice.secretKey), si)
  c.add('R-4.0.2', 'field-missing-createdAt', 'a version without createdAt', resign(without(a1, 'createdAt'), alice.secretKey), si)
  c.add('R-4.0.2', 'field-missing-body', 'a version without body', resign(without(a1, 'body'), alice.secretKey), si)
  c.add('R-4.0.2', 'field-missing-stance', 'an endorsement without stance', resign(without(endorse, 'stance'), carol.secretKey), si, v12)
  c.add('R-4.0.2', 'field-null-optional', 'an endorsement whose optional note is null (absent is written by leaving it out)', sig.end({ note: null }), si, v12)
  // ---- dids
  const notEd = alice.did.slice(0, 12) + (alice.did[12] === 'a' ? 'b' : 'a') + alice.did.slice(13)
  c.add('R-4.0.3', 'did-short', 'org "did:key:z6Mk"', sig.a1({ org: 'did:key:z6Mk' }), si)
  c.add('R-4.0.3', 'did-uppercase-scheme', 'org with the scheme in upper case', sig.a1({ org: alice.did.replace('did:key:', 'DID:KEY:') }), si)
  c.add('R-4.0.3', 'did-bad-base58', 'org with a character outside base58btc (0)', sig.a1({ org: alice.did.slice(0, 20) + '0' + alice.did.slice(21) }), si)
  c.add('R-4.0.3', 'did-not-ed25519', 'org of the right length that does not decode to 0xed 0x01 ‖ 32 bytes', sig.a1({ org: notEd }), si)
  c.add('R-4.0.3', 'did-bytes', 'org as a byte string', sig.a1({ org: new TextEncoder().encode(alice.did) }), si)
  c.add('R-4.0.3', 'did-targetOrg', 'an endorsement whose targetOrg is a peer id', sig.end({ targetOrg: peerOf(alice.publicKey) }), si, v12)
  // ---- record CIDs are CIDv1 dag-cbor sha2-256
  const a1cid = v['version-1'].cid
  c.add('R-4.0.4', 'cid-prev-v0', 'version 2 whose prev is the CIDv0 of version-1\'s digest', resign({ ...a2, prev: CID.createV0(a1cid.multihash as any) }, alice.secretKey), si, ['version-1'])
  c.add('R-4.0.4', 'cid-target-raw', 'an endorsement whose target is a raw-codec CIDv1', sig.end({ target: cidOther(0x55, c0.multihash.digest) }), si, v12)
  c.add('R-4.0.4', 'cid-version-sha512', 'an endorsement whose version is a dag-cbor sha2-512 CID', sig.end({ version: CID.createV1(0x71, digestOf(sha512.code, new Uint8Array(64))) }), si, v12)
  c.add('R-4.0.4', 'cid-target-dag-pb', 'a retraction whose target is a dag-pb CIDv1', sig.ret({ target: cidOther(0x70, v.endorsement.cid.multihash.digest) }), si, [...v12, 'endorsement'])
  c.add('R-4.0.4', 'cid-prev-string', 'version 2 whose prev is the CID as a text string', resign({ ...a2, prev: a1cid.toString() }, alice.secretKey), si, ['version-1'])
  void sha256Hasher
  // ---- key is never the org's own did
  c.add('R-4.0.5', 'key-equals-org', 'version 1 with key = org (leave key out instead)', sig.a1({ key: alice.did }), si)
  c.add('R-4.0.5', 'key-equals-org-binding', 'a binding with key = org', sig.bind({ key: alice.did }), si)
  // ---- createdAt: 0 ≤ createdAt ≤ now + 10 min
  c.add('R-4.0.6', 'createdAt-negative', 'createdAt -1', sig.bind({ createdAt: -1 }), si)
  c.add('R-4.0.6', 'createdAt-string', 'createdAt as an RFC 3339 string', sig.bind({ createdAt: '2026-11-01T12:00:00Z' }), si)
  c.add('R-4.0.6', 'createdAt-future', 'createdAt 10 min + 1 ms after the receiver\'s clock (now)', sig.bind({ createdAt: NOW + 600_001 }), si)
  c.add('R-4.0.6', 'createdAt-skew-limit', 'createdAt exactly 10 min after now: accepted', sig.bind({ createdAt: NOW + 600_000 }), ok)
  c.add('R-4.0.6', 'createdAt-zero', 'createdAt 0: accepted', sig.bind({ createdAt: 0 }), ok)
  // ---- integers
  c.add('R-4.0.7', 'int-2p53', 'seq 2^53 (above 2^53 - 1)', sig.a1({ seq: 2n ** 53n, prev: a1cid }), si)
  c.add('R-4.0.7', 'int-2p64', 'seq 2^64 - 1', sig.a1({ seq: 2n ** 64n - 1n, prev: a1cid }), si)
  c.add('R-4.0.7', 'int-negative', 'effectiveSeq -1', sig.rot({ effectiveSeq: -1 }), si, v12)
  c.add('R-4.0.7', 'int-fraction', 'expiresAt 1.5e12 + 0.5', sig.end({ expiresAt: 1.5e12 + 0.5 }), si, v12)
  // ---- text fields: 1..4000 UTF-16 code units
  c.add('R-4.0.8', 'text-empty-note', 'an endorsement with note ""', sig.end({ note: '' }), si, v12)
  c.add('R-4.0.8', 'text-note-4001', 'a note of 4,001 units', sig.end({ note: 'x'.repeat(4001) }), si, v12)
  c.add('R-4.0.8', 'text-note-4000', 'a note of 4,000 units: accepted', sig.end({ note: 'x'.repeat(4000) }), ok, v12)
  c.add('R-4.0.8', 'text-units-not-points', 'a note of 2,001 astral characters: 2,001 code points but 4,002 UTF-16 units', sig.end({ note: '\u{1F600}'.repeat(2001) }), si, v12)
  c.add('R-4.0.8', 'text-empty-reason', 'a retraction with reason ""', sig.ret({ reason: '' }), si, [...v12, 'endorsement'])
  c.add('R-4.0.8', 'text-rotation-reason-4001', 'a rotation reason of 4,001 units', sig.rot({ reason: 'r'.repeat(4001) }), si, v12)
  c.add('R-4.0.8', 'text-empty-evidence', 'evidence text ""', sig.end({ evidence: { type: 'OBSERVED_ONCE', text: '' } }), si, v12)

  // ---- a version's seq and prev (null iff seq = 1: a schema rule)
  c.add('R-4.1.1', 'version-seq-0', 'seq 0', sig.a1({ seq: 0 }), si)
  c.add('R-4.1.1', 'version-seq-1-prev', 'seq 1 whose prev is a CID', sig.a1({ prev: a1cid }), si)
  c.add('R-4.1.1', 'version-seq-2-prev-null', 'seq 2 whose prev is null: SCHEMA_INVALID, not WRONG_PREV', resign({ ...a2, prev: null }, alice.secretKey), si, ['version-1'])
  c.add('R-4.1.1', 'version-prev-missing', 'seq 1 without prev (null is required, not absence)', resign(without(a1, 'prev'), alice.secretKey), si)
  // ---- the body (BODY.md) and its formats
  const body = (edit: (b: any) => void): any => { const b = structuredClone(a1.body); edit(b); return b }
  const badBody = (rule: string, name: string, note: string, edit: (b: any) => void, expect = si): void => c.add(rule, name, note, sig.a1({ body: body(edit) }), expect)
  badBody('R-B3.5.2', 'body-extension-cid', 'a body with a top-level extension key x holding a CID (extension keys hold plain data)', b => { b.x = a1cid })
  badBody('R-B3.5.2', 'body-extension-level-33', 'a front matter extension value at level 33 (the key\'s value is level 1)', b => { b.frontmatter.x = JSON.parse('['.repeat(32) + '1' + ']'.repeat(32)) }, 'LIMIT_EXCEEDED')
  badBody('R-B3.5.3', 'body-frontmatter-top-level', 'a front matter key top_level (reserved: it holds the top-level extension keys in .oos.md)', b => { b.frontmatter.top_level = { x: 1 } })
  badBody('R-B6.1.1', 'body-null-optional', 'a body whose front matter has org_id null (readers remove it; a body never holds it)', b => { b.frontmatter.org_id = null })
  badBody('R-B6.1.1', 'body-null-entity-optional', 'a decision whose approval_required_from is null', b => { b.entities = { decisions: [{ id: 'DEC-001', domain: 'd', authority: 'a', approval_required_from: null }] } })
  badBody('R-4.1.2', 'body-claim-unknown-key', 'a claim with a key x', b => { b.claims[0].x = 'y' })
  badBody('R-4.1.2', 'body-duplicate-claim-id', 'two claims with claim_id C001', b => { b.claims[1].claim_id = 'C001'; b.sections[0].blocks[2] = { text: 'x' } })
  badBody('R-B7.5.1', 'datetime-space', 'generated_at "2026-11-01 12:00:00Z" (space separator)', b => { b.frontmatter.generated_at = '2026-11-01 12:00:00Z' })
  badBody('R-B7.5.1', 'datetime-lowercase', 'generated_at "2026-11-01t12:00:00z"', b => { b.frontmatter.generated_at = '2026-11-01t12:00:00z' })
  badBody('R-B7.5.1', 'datetime-leap-second', 'generated_at with second 60', b => { b.frontmatter.generated_at = '2026-12-31T23:59:60Z' })
  badBody('R-B7.5.1', 'datetime-feb-30', 'generated_at on February 30', b => { b.frontmatter.generated_at = '2026-02-30T12:00:00Z' })
  badBody('R-B7.5.1', 'datetime-no-offset', 'generated_at without Z or offset', b => { b.frontmatter.generated_at = '2026-11-01T12:00:00' })
  const goodBody = (rule: string, name: string, note: string, edit: (b: OosBody) => void): void => {
    const b = smallBody('Alice Logistics', 1)
    edit(b)
    c.add(rule, name, note, signVersion(b, { org: alice.did, seq: 1, prev: null, createdAt: T0 }, alice.secretKey).bytes, ok)
  }
  goodBody('R-B3.5.1', 'body-extension-keys', 'a body with a top-level _comment and a front matter mcp_servers (extension keys): accepted', b => {
    Object.assign(b, { _comment: 'kept as written' })
    Object.assign(b.frontmatter, { mcp_servers: [{ name: 'crm', tools: ['read', 'write'], note: null }] })
  })
  goodBody('R-B3.5.2', 'body-extension-level-32', 'a front matter extension value at level 32: accepted', b => { Object.assign(b.frontmatter, { x: JSON.parse('['.repeat(31) + '1' + ']'.repeat(31)) }) })
  goodBody('R-B7.5.1', 'datetime-fraction-offset', 'generated_at "2024-02-29T23:59:59.123+05:30": accepted', b => { b.frontmatter.generated_at = '2024-02-29T23:59:59.123+05:30' })
  badBody('R-B7.5.2', 'uuid-urn', 'org_id with a urn:uuid: prefix', b => { b.frontmatter.org_id = 'urn:uuid:123e4567-e89b-12d3-a456-426614174000' })
  badBody('R-B7.5.2', 'uuid-braces', 'org_id in braces', b => { b.frontmatter.org_id = '{123e4567-e89b-12d3-a456-426614174000}' })
  badBody('R-B7.5.2', 'uuid-no-hyphens', 'org_id as 32 hex digits', b => { b.frontmatter.org_id = '123e4567e89b12d3a456426614174000' })
  goodBody('R-B7.5.2', 'uuid-uppercase', 'org_id in upper case: accepted', b => { (b.frontmatter as any).org_id = '123E4567-E89B-12D3-A456-426614174000' })
  const deep = (levels: number): unknown => { let d: unknown = 1; for (let i = 0; i < levels - 3; i++) d = [d]; return d }
  const agent = (d: unknown): any => ({ id: 'AGT-001', name: 'a', role: 'r', authority_level: 'advisory', inputs: [], outputs: [], deep: d })
  badBody('R-B3.3.1', 'entities-level-33', 'an entity value at level 33 below entities (agents 1, agents[0] 2, deep 3, …)', b => { b.entities = { agents: [agent(deep(33))] } }, 'LIMIT_EXCEEDED')
  goodBody('R-B3.3.1', 'entities-level-32', 'an entity value at level 32: accepted', b => { b.entities = { agents: [agent(deep(32))] } as any })
  const many = (b: any): void => {
    b.claims = Array.from({ length: 1001 }, (_, i) => ({ ...b.claims[0], claim_id: `C${String(i + 1).padStart(4, '0')}` }))
    b.sections = [{ heading: 'Purpose', blocks: [{ text: 'x' }] }]
  }
  badBody('R-8.2', 'limit-claims-1001', '1,001 claims', many, 'LIMIT_EXCEEDED')
  // ----
  const a2body = structuredClone(a2.body)
  a2body.frontmatter.parent_version = 5
  c.add('R-4.1.3', 'version-parent-mismatch', 'seq 2 whose parent_version is 5', resign({ ...a2, body: a2body }, alice.secretKey), 'VERSION_MISMATCH', ['version-1'])
  badBody('R-4.1.4', 'derived-confidence', 'confidence_distribution high 2', b => { b.frontmatter.confidence_distribution.high = 2 }, 'DERIVED_MISMATCH')
  badBody('R-4.1.4', 'derived-evidence', 'evidence_distribution speculation 0', b => { b.frontmatter.evidence_distribution.speculation = 0 }, 'DERIVED_MISMATCH')

  // ---- endorsements
  c.add('R-4.2.1', 'stance-neutral', 'stance "neutral"', sig.end({ stance: 'neutral' }), si, v12)
  c.add('R-4.2.1', 'evidence-type', 'evidence type GUESS', sig.end({ evidence: { type: 'GUESS', text: 'x' } }), si, v12)
  c.add('R-4.2.1', 'evidence-extra-key', 'evidence with a key at', sig.end({ evidence: { type: 'OBSERVED_ONCE', text: 'x', at: 1 } }), si, v12)
  c.add('R-4.2.1', 'evidence-no-text', 'evidence without text', sig.end({ evidence: { type: 'OBSERVED_ONCE' } }), si, v12)
  c.add('R-4.2.2', 'expires-at-creation', 'expiresAt = createdAt', sig.end({ expiresAt: endorse.createdAt }), si, v12)
  c.add('R-4.2.2', 'expires-before-creation', 'expiresAt before createdAt', sig.end({ expiresAt: endorse.createdAt - 1 }), si, v12)
  c.add('R-4.2.2', 'expires-just-after', 'expiresAt = createdAt + 1: accepted', sig.end({ expiresAt: endorse.createdAt + 1 }), ok, v12)
  // ---- retractions
  c.add('R-4.3.1', 'retraction-no-target', 'a retraction without target', resign(without(retract, 'target'), carol.secretKey), si, [...v12, 'endorsement'])
  c.add('R-4.3.1', 'retraction-no-reason', 'a retraction without reason', resign(without(retract, 'reason'), carol.secretKey), si, [...v12, 'endorsement'])
  const retraction = (org: typeof alice, target: CID, createdAt: number, key?: typeof alice): Uint8Array =>
    encodeSigned({ type: 'oos/retraction', org: org.did, createdAt, target, reason: 'withdrawn', ...(key !== undefined ? { key: key.did } : {}) } as UnsignedRecord, [(key ?? org).secretKey], NOW).bytes
  c.add('R-4.3.2', 'retract-own-rotation', 'alice retracts her key rotation', retraction(alice, v['key-rotation'].cid, T0 + 250_000, alice2), 'NOT_AUTHOR', v12r)
  c.add('R-4.3.2', 'retract-own-binding', 'alice retracts her node binding', retraction(alice, v['node-binding'].cid, T0 + 2000), 'NOT_AUTHOR', ['node-binding'])
  c.add('R-4.3.2', 'retract-own-retraction', 'carol retracts her retraction', retraction(carol, v.retraction.cid, T0 + 190_000), 'NOT_AUTHOR', [...v12, 'endorsement', 'retraction'])
  c.add('R-4.3.2', 'retract-own-claim', 'alice retracts her claim C001: accepted', retraction(alice, c0, T0 + 100_000), ok, v12)
  c.add('R-4.3.2', 'retract-own-version', 'alice retracts her version 1: accepted', retraction(alice, a1cid, T0 + 100_000), ok, v12)
  c.add('R-4.3.2', 'retract-other-claim', 'carol retracts alice\'s claim', retraction(carol, c0, T0 + 100_000), 'NOT_AUTHOR', v12)
  c.add('R-4.3.2', 'retract-unknown', 'a retraction of a CID not known to the receiver', retraction(carol, c0, T0 + 100_000), 'UNKNOWN_TARGET', [])
  // ---- rotation fields
  const rotNames = v12
  c.add('R-4.4.1', 'rotation-seq-0', 'rotation seq 0', sig.rot({ seq: 0 }), si, rotNames)
  c.add('R-4.4.1', 'rotation-seq-1-prev', 'rotation seq 1 with a prev', sig.rot({ prev: a1cid }), si, rotNames)
  c.add('R-4.4.1', 'rotation-same-key', 'oldKey = newKey', resign({ ...rot, newKey: alice.did }, alice.secretKey, alice.secretKey), si, rotNames)
  c.add('R-4.4.1', 'rotation-effective-0', 'effectiveSeq 0', sig.rot({ effectiveSeq: 0 }), si, rotNames)
  c.add('R-4.4.1', 'rotation-digest-31', 'nextKeyDigest of 31 bytes', sig.rot({ nextKeyDigest: new Uint8Array(31) }), si, rotNames)
  c.add('R-4.4.1', 'rotation-digest-text', 'nextKeyDigest as hex text', sig.rot({ nextKeyDigest: 'ab'.repeat(32) }), si, rotNames)
  c.add('R-4.4.1', 'rotation-empty-reason', 'a rotation with reason "" (at least 1 unit, R-4.0.8)', sig.rot({ reason: '' }), si, rotNames)
  c.add('R-4.4.1', 'rotation-no-reason', 'a rotation without reason', resign(without(rot, 'reason'), alice.secretKey, alice2.secretKey), si, rotNames)
  // ---- node bindings
  const peer = peerOf(alice.publicKey)
  const peers = (n: number): string[] => Array.from({ length: n }, (_, i) => peerOf(sha256(Uint8Array.of(i))))
  c.add('R-4.5.1', 'peers-empty', 'peers []', sig.bind({ peers: [] }), si)
  c.add('R-4.5.1', 'peers-17', '17 peers', sig.bind({ peers: peers(17) }), si)
  c.add('R-4.5.1', 'peers-16', '16 peers: accepted', sig.bind({ peers: peers(16) }), ok)
  c.add('R-4.5.1', 'peers-duplicate', 'the same peer twice', sig.bind({ peers: [peer, peer] }), si)
  c.add('R-4.5.2', 'peer-hello', 'the peer "hello"', sig.bind({ peers: ['hello'] }), si)
  c.add('R-4.5.2', 'peer-cid-form', 'a peer id as a base32 CID string', sig.bind({ peers: [CID.createV1(0x72, digestOf(0, Uint8Array.of(8, 1, 18, 32, ...alice.publicKey))).toString()] }), si)
  c.add('R-4.5.2', 'peer-truncated', 'a peer id without its last character', sig.bind({ peers: [peer.slice(0, -1)] }), si)
  c.add('R-4.5.2', 'peer-bad-char', 'a peer id holding 0 (not base58btc)', sig.bind({ peers: [peer.slice(0, 10) + '0' + peer.slice(11)] }), si)
  c.add('R-4.5.2', 'peer-sha256', 'an RSA-style peer id (Qm…, sha2-256 multihash): accepted', sig.bind({ peers: [base58btc.baseEncode(Uint8Array.of(0x12, 0x20, ...sha256(Uint8Array.of(1))))] }), ok)
  c.add('R-4.5.3', 'binding-same-createdAt', 'a second binding with the same createdAt as the one held', sig.bind({ peers: [peerOf(bob.publicKey)] }), 'STALE_RECORD', ['node-binding'])
  c.add('R-4.5.3', 'binding-older', 'a binding older than the one held', sig.bind({ createdAt: binding.createdAt - 1, peers: [peerOf(bob.publicKey)] }), 'STALE_RECORD', ['node-binding'])
  c.add('R-4.5.3', 'binding-newer', 'a newer binding: accepted', sig.bind({ createdAt: binding.createdAt + 1, peers: [peerOf(bob.publicKey)] }), ok, ['node-binding'])

  chainCases(c, f, { sig, v12, v12r, peer })
  void alice3; void alice4
}

function chainCases (c: Cases, f: Fixtures, h: { sig: any, v12: string[], v12r: string[], peer: string }): void {
  const { alice, bob, carol, alice2, alice3, alice4 } = f.keys
  const { T0, v, c0 } = f
  const { v12, v12r } = h
  const a1cid = v['version-1'].cid
  const a2cid = v['version-2'].cid
  const rot = v['key-rotation'].signed.rec as any
  const version = (seq: number, prev: CID | null, createdAt: number, sk: Uint8Array, key?: string, body = smallBody('Alice Logistics', seq)): Uint8Array =>
    signVersion(body, { org: alice.did, seq, prev, createdAt, ...(key !== undefined ? { key } : {}) }, sk).bytes
  // ---- a record already held is a no-op, before any chain rule
  c.add('R-6.2', 'dup-version', 'version-1 again', 'version-1', 'duplicate', ['version-1'])
  c.add('R-6.2', 'dup-old-version', 'version-1 again after version-2 (not WRONG_PREV, not SEQ_GAP)', 'version-1', 'duplicate', v12)
  c.add('R-6.2', 'dup-old-version-rotated', 'version-1 again after a rotation effective at 3', 'version-1', 'duplicate', v12r)
  c.add('R-6.2', 'dup-rotation', 'key-rotation again (not STALE_RECORD)', 'key-rotation', 'duplicate', v12r)
  c.add('R-6.2', 'dup-binding', 'node-binding again (not STALE_RECORD)', 'node-binding', 'duplicate', ['node-binding'])
  c.add('R-6.2', 'dup-endorsement', 'the endorsement again', 'endorsement', 'duplicate', [...v12, 'endorsement'])
  // ---- equivocation; its claims are not indexed
  const other = equivocatingBody()
  const eq = c.record('equivocation-2', equivocatingVersion(f).bytes)
  c.add('R-6.3', 'equivocation', 'a second, validly signed version 2: kept as proof', eq, 'equivocation', v12)
  c.add('R-6.2', 'dup-equivocation', 'the equivocating version again', eq, 'duplicate', [...v12, eq])
  c.add('R-6.3', 'equivocation-wrong-key', 'a second version 2 naming and signed by bob\'s key: UNAUTHORIZED_KEY after the duplicate check', version(2, a1cid, T0 + 70_000, bob.secretKey, bob.did, other), 'UNAUTHORIZED_KEY', v12)
  const eqRec = c.records[eq]
  const eqClaim = claimBlock(alice.did, other.claims[1]).cid
  const eqCid = CID.decode(cidBytes(eqRec))
  const endorsement = (r: object, sk = carol.secretKey): Uint8Array => encodeSigned({ type: 'oos/endorsement', org: carol.did, createdAt: T0 + 120_000, target: c0, targetOrg: alice.did, version: a2cid, stance: 'endorse', ...r } as UnsignedRecord, [sk], f.NOW).bytes
  c.add('R-5.2', 'endorse-equivocation-only-claim', 'an endorsement of a claim found only in the equivocating version 2', endorsement({ target: eqClaim, version: eqCid }), 'UNKNOWN_TARGET', [...v12, eq])
  c.add('R-5.2', 'endorse-via-equivocation', 'an endorsement of C001 (in the chain at seq 2) naming the equivocating version 2: accepted', endorsement({ version: eqCid }), 'accepted', [...v12, eq])
  // ---- the version chain
  c.add('R-6.4', 'first-version-seq-2', 'version 2 of an org with no version held', 'version-2', 'SEQ_GAP')
  c.add('R-6.5', 'prev-self-chain', 'version 2 whose prev is bob\'s version', version(2, v['version-example'].cid, T0 + 60_000, alice.secretKey), 'WRONG_PREV', ['version-1', 'version-example'])
  c.add('R-6.6', 'time-equal', 'version 2 with the same createdAt as version 1: accepted', version(2, a1cid, T0, alice.secretKey), 'accepted', ['version-1'])
  // ---- derived_from is checked against the claim index (see version-derived, derived-from-unknown)
  // ---- an endorsement's target in the named version of the named org
  const c002v1 = claimBlock(alice.did, smallBody('Alice Logistics', 1).claims[1]).cid
  c.add('R-6.8', 'endorse-version-is-endorsement', 'version names an endorsement, not a version', endorsement({ version: v.endorsement.cid }), 'UNKNOWN_TARGET', [...v12, 'endorsement'])
  c.add('R-6.8', 'endorse-claim-not-in-version', 'C002 as worded in version 1, named with version 2 (reworded there)', endorsement({ target: c002v1 }), 'UNKNOWN_TARGET', v12)
  c.add('R-6.8', 'endorse-earlier-wording', 'C002 as worded in version 1, named with version 1: accepted', endorsement({ target: c002v1, version: a1cid }), 'accepted', v12)
  c.add('R-6.8', 'endorse-wrong-target-org', 'targetOrg bob for alice\'s claim in bob\'s version', endorsement({ targetOrg: bob.did, version: v['version-example'].cid }), 'UNKNOWN_TARGET', [...v12, 'version-example'])
  // ---- the order of the chain checks
  c.add('R-6.9', 'order-key-before-gap', 'version 3 after version 1 (a gap), naming and signed by bob\'s key: UNAUTHORIZED_KEY before SEQ_GAP', version(3, a2cid, T0 + 300_000, bob.secretKey, bob.did), 'UNAUTHORIZED_KEY', ['version-1'])
  c.add('R-6.9', 'order-key-before-target', 'an unknown-target endorsement of carol naming and signed by bob\'s key: UNAUTHORIZED_KEY before UNKNOWN_TARGET', endorsement({ key: bob.did, target: a1cid }, bob.secretKey), 'UNAUTHORIZED_KEY', v12)
  // ---- the key of a version seq
  c.add('R-7.1', 'version-new-key-too-early', 'version 2 signed by alice-2, whose rotation is effective from 3', version(2, a1cid, T0 + 250_000, alice2.secretKey, alice2.did), 'UNAUTHORIZED_KEY', ['version-1', 'key-rotation'])
  c.add('R-7.1', 'version-rotated-key-unknown', 'version 3 signed by alice-2 with no rotation held', 'version-3-rotated', 'UNAUTHORIZED_KEY', v12)
  // ---- statements: the current key, or an earlier key inside its period [since, until)
  const bindAt = (createdAt: number, k: typeof alice): Uint8Array => h.sig.bind({ createdAt, ...(k === alice ? {} : { key: k.did }) }, k.secretKey)
  const r1 = rot.createdAt as number
  const r2 = (v['key-rotation-2'].signed.rec as any).createdAt as number
  c.add('R-7.2', 'period-old-key-at-rotation', 'a binding by the inception key dated exactly at the rotation\'s createdAt', bindAt(r1, alice), 'UNAUTHORIZED_KEY', v12r)
  c.add('R-7.2', 'period-old-key-before', 'a binding by the inception key dated 1 ms before the rotation: accepted', bindAt(r1 - 1, alice), 'accepted', v12r)
  c.add('R-7.2', 'period-current-key-any-time', 'a binding by the current key dated before its rotation: accepted', bindAt(T0 + 1500, alice2), 'accepted', v12r)
  c.add('R-7.2', 'period-new-key-at-rotation', 'a binding by alice-2 dated exactly at its rotation: accepted', bindAt(r1, alice2), 'accepted', v12r)
  c.add('R-7.2', 'period-middle-key-at-end', 'after the second rotation, a binding by alice-2 dated at that rotation\'s createdAt', bindAt(r2, alice2), 'UNAUTHORIZED_KEY', [...v12r, 'key-rotation-2'])
  c.add('R-7.2', 'period-middle-key-inside', 'after the second rotation, a binding by alice-2 dated inside its period: accepted', bindAt(r2 - 1, alice2), 'accepted', [...v12r, 'key-rotation-2'])
  c.add('R-7.2', 'period-inception-after-two', 'after two rotations, a binding by the inception key dated after the first', bindAt(r1 + 10, alice), 'UNAUTHORIZED_KEY', [...v12r, 'key-rotation-2'])
  c.add('R-7.2', 'statement-foreign-key', 'a binding of alice naming and signed by bob\'s key', bindAt(T0 + 1500, bob), 'UNAUTHORIZED_KEY', [])
  // ---- the rotation chain
  const rotation = (r: object, sks: Uint8Array[] = [alice.secretKey, alice2.secretKey]): Uint8Array => resign({ ...rot, ...r }, ...sks)
  c.add('R-7.3', 'rotation-seq-gap', 'rotation 2 with no rotation held', rotation({ seq: 2, prev: a1cid }), 'SEQ_GAP', v12)
  c.add('R-7.3', 'rotation-seq-stale', 'a different rotation 1 after key-rotation', rotation({ reason: 'another' }), 'STALE_RECORD', v12r)
  c.add('R-7.3', 'rotation-wrong-prev', 'rotation 2 whose prev is version 1', resign({ ...(v['key-rotation-2'].signed.rec as any), prev: a1cid }, alice2.secretKey, alice3.secretKey), 'WRONG_PREV', v12r)
  c.add('R-7.3', 'rotation-old-key-not-current', 'a first rotation of alice signed by bob (oldKey) and carol', rotation({ oldKey: bob.did, newKey: carol.did }, [bob.secretKey, carol.secretKey]), 'UNAUTHORIZED_KEY', v12)
  // ---- effectiveSeq after the head (SPEC §4.4)
  c.add('R-7.4', 'rotation-effective-at-head', 'effectiveSeq 2 when the head is version 2', rotation({ effectiveSeq: 2 }), 'STALE_RECORD', v12)
  c.add('R-7.4', 'rotation-effective-below-head', 'effectiveSeq 1 when the head is version 2', rotation({ effectiveSeq: 1 }), 'STALE_RECORD', v12)
  // ---- pre-rotation
  const rot2 = v['key-rotation-2'].signed.rec as any
  const noDigest = { ...rot2 }
  delete noDigest.nextKeyDigest
  c.add('R-7.5', 'rotation-drops-commitment', 'a rotation to the committed key that does not commit again', resign(noDigest, alice2.secretKey, alice3.secretKey), 'UNAUTHORIZED_KEY', v12r)
  c.add('R-7.5', 'rotation-first-uncommitted', 'a first rotation without nextKeyDigest: accepted (the first commitment is optional)', resign(without(rot, 'nextKeyDigest'), alice.secretKey, alice2.secretKey), 'accepted', v12)
  void alice4
}

/** A second version 2 of alice (C002 worded otherwise), validly signed: an equivocation. */
export function equivocatingBody (): OosBody {
  const other = smallBody('Alice Logistics', 2)
  other.claims[1] = { ...other.claims[1], rule: 'Refunds above 10 EUR need a human.' }
  return other
}

export function equivocatingVersion (f: Fixtures): Decoded {
  return signVersion(equivocatingBody(), { org: f.keys.alice.did, seq: 2, prev: f.v['version-1'].cid, createdAt: f.T0 + 70_000 }, f.keys.alice.secretKey)
}

const without = (o: any, k: string): any => { const x = { ...o }; delete x[k]; return x }

function cidBytes (h: string): Uint8Array {
  return Uint8Array.of(0x01, 0x71, 0x12, 0x20, ...sha256(Buffer.from(h, 'hex')))
}
