import { describe, it, expect, beforeEach, afterEach } from 'vitest'
import * as dagCbor from '@ipld/dag-cbor'
import type { CID } from 'multiformats/cid'
import { testKey } from '../../protocol/vectors/generate.ts'
import { smallBody } from '../../protocol/vectors/bodies.ts'
import { signVersion } from '../../src/records/version.ts'
import { claimCid } from '../../src/records/claims.ts'
import { keyDigest, keyState, makeRotation } from '../../src/trust/keys.ts'
import { makeEndorsement } from '../../src/trust/statements.ts'
import { provenance } from '../../src/app/replay.ts'
import { dump, openNode } from '../helpers.ts'

const T0 = Date.UTC(2026, 0, 1)
const alice = testKey('alice')
const alice2 = testKey('alice-2')
const alice3 = testKey('alice-3')
const alice4 = testKey('alice-4')
const mallory = testKey('mallory')
const carol = testKey('carol')

type Node = Awaited<ReturnType<typeof openNode>>
type Key = ReturnType<typeof testKey>

function version (seq: number, prev: CID | null, signer: Key, at = T0 + seq * 1000) {
  return signVersion(smallBody('Alice Logistics', seq), { org: alice.did, seq, prev, createdAt: at, key: signer.did }, signer.secretKey)
}

async function code (node: Node, bytes: Uint8Array): Promise<string> {
  const before = await dump(node.store)
  const err = await node.ingest.ingest(bytes).then(() => 'accepted', (e) => e.code as string)
  if (err !== 'accepted') expect(await dump(node.store)).toEqual(before)
  return err
}

describe('key rotation and pre-rotation', () => {
  let node: Node
  let v1: ReturnType<typeof version>
  let v2: ReturnType<typeof version>
  beforeEach(async () => {
    node = await openNode()
    v1 = version(1, null, alice)
    v2 = version(2, v1.cid, alice)
    await node.ingest.ingest(v1.bytes)
    await node.ingest.ingest(v2.bytes)
  })
  afterEach(async () => { await node.close() })

  const rotate = async (oldKey: Key, newKey: Key, next: Key | undefined, at: number, effectiveSeq?: number) =>
    await makeRotation({ org: alice.did, oldSecret: oldKey.secretKey, newSecret: newKey.secretKey, nextKeyDigest: next === undefined ? undefined : keyDigest(next.publicKey), effectiveSeq, reason: 'test rotation', now: at }, node.store)

  it('hands authority to the new key: versions by the new key are accepted, by the old key rejected', async () => {
    const r1 = await rotate(alice, alice2, alice3, T0 + 10_000)
    expect(dagCbor.decode<any>(r1).rec).toMatchObject({ seq: 1, prev: null, oldKey: alice.did, newKey: alice2.did, effectiveSeq: 3 })
    expect(await code(node, r1)).toBe('accepted')
    expect(await code(node, version(3, v2.cid, alice, T0 + 20_000).bytes)).toBe('UNAUTHORIZED_KEY')
    expect(await code(node, version(3, v2.cid, alice2, T0 + 20_000).bytes)).toBe('accepted')
    // statements: the new key is named in `key` automatically; the old key cannot sign new ones
    const c1 = claimCid(alice.did, v1.signed.rec.body.claims[0])
    const ok = await makeEndorsement({ org: alice.did, secretKey: alice2.secretKey, target: c1, stance: 'endorse', now: T0 + 30_000 }, node.store)
    expect(dagCbor.decode<any>(ok).rec.key).toBe(alice2.did)
    expect(await code(node, ok)).toBe('accepted')
    const stale = await makeEndorsement({ org: alice.did, secretKey: alice.secretKey, target: c1, stance: 'dispute', now: T0 + 30_000 }, node.store)
    expect(await code(node, stale)).toBe('UNAUTHORIZED_KEY')
    const ks = await keyState(node.store, alice.did)
    expect(ks.current).toBe(alice2.did)
    expect(ks.committedNextKey).toBe(Buffer.from(keyDigest(alice3.publicKey)).toString('hex'))
    // provenance replays the chain with its rotation from seq 1
    const p = await provenance(node.store, c1, { now: T0 + 40_000 })
    expect(p.author.chain).toMatchObject({ valid: true, head: 3, rotations: 1 })
    expect(p.author.keys).toMatchObject({ current: alice2.did, preRotation: true, rotations: [{ seq: 1, oldKey: alice.did, newKey: alice2.did, effectiveSeq: 3, committed: true }] })
  })

  it('pre-rotation: a thief of the current key cannot rotate to a key of its own; the owner recovers with the committed key', async () => {
    expect(await code(node, await rotate(alice, alice2, alice3, T0 + 10_000))).toBe('accepted')
    // the thief holds alice-2 and tries to rotate to mallory: not the committed key
    expect(await code(node, await rotate(alice2, mallory, mallory, T0 + 20_000))).toBe('UNAUTHORIZED_KEY')
    // the committed key without a new commitment is refused too: pre-rotation cannot be dropped
    expect(await code(node, await rotate(alice2, alice3, undefined, T0 + 20_000))).toBe('UNAUTHORIZED_KEY')
    // the owner rotates to the pre-committed alice-3, committing to alice-4
    const recovery = await rotate(alice2, alice3, alice4, T0 + 20_000)
    expect(dagCbor.decode<any>(recovery).rec).toMatchObject({ seq: 2, oldKey: alice2.did, newKey: alice3.did, effectiveSeq: 3 })
    expect(await code(node, recovery)).toBe('accepted')
    // the thief's versions with alice-2 are now refused; the owner's with alice-3 accepted
    expect(await code(node, version(3, v2.cid, alice2, T0 + 30_000).bytes)).toBe('UNAUTHORIZED_KEY')
    expect(await code(node, version(3, v2.cid, alice3, T0 + 30_000).bytes)).toBe('accepted')
    // and the thief cannot sign statements after the recovery
    const c1 = claimCid(alice.did, v1.signed.rec.body.claims[0])
    expect(await code(node, await makeEndorsement({ org: alice.did, secretKey: alice2.secretKey, target: c1, stance: 'dispute', now: T0 + 40_000 }, node.store))).toBe('UNAUTHORIZED_KEY')
    expect((await keyState(node.store, alice.did)).current).toBe(alice3.did)
  })

  it('without a commitment, the next rotation is not constrained (the first commitment is made by a rotation)', async () => {
    expect(await code(node, await rotate(alice, alice2, undefined, T0 + 10_000))).toBe('accepted')
    expect((await keyState(node.store, alice.did)).committedNextKey).toBeUndefined()
    expect(await code(node, await rotate(alice2, mallory, alice3, T0 + 20_000))).toBe('accepted')
    expect(await code(node, await rotate(mallory, alice4, alice3, T0 + 30_000))).toBe('UNAUTHORIZED_KEY')
  })

  it('a commitment rotation before the first version: version 1 must then be signed by the rotated-in key', async () => {
    const fresh = await openNode()
    try {
      const genesis = await makeRotation({ org: alice.did, oldSecret: alice.secretKey, newSecret: alice2.secretKey, nextKeyDigest: keyDigest(alice3.did), reason: 'genesis commitment', now: T0 }, fresh.store)
      expect(dagCbor.decode<any>(genesis).rec.effectiveSeq).toBe(1)
      expect(await code(fresh, genesis)).toBe('accepted')
      expect(await code(fresh, version(1, null, alice).bytes)).toBe('UNAUTHORIZED_KEY')
      expect(await code(fresh, version(1, null, alice2).bytes)).toBe('accepted')
    } finally { await fresh.close() }
  })

  it('rejects a rotation signed by one key only (BAD_SIGNATURE), or with the second signature by another key', async () => {
    const r = await rotate(alice, alice2, alice3, T0 + 10_000)
    const env = dagCbor.decode<{ rec: unknown, sig: Uint8Array }>(r)
    expect(await code(node, dagCbor.encode({ rec: env.rec, sig: env.sig.subarray(0, 64) }))).toBe('BAD_SIGNATURE')
    const wrong = await makeRotation({ org: alice.did, oldSecret: alice.secretKey, newSecret: mallory.secretKey, reason: 'x', now: T0 + 10_000 }, node.store)
    const w = dagCbor.decode<{ rec: unknown, sig: Uint8Array }>(wrong)
    const sig = new Uint8Array(128)
    sig.set(env.sig.subarray(0, 64), 0)
    sig.set(w.sig.subarray(64), 64)
    expect(await code(node, dagCbor.encode({ rec: env.rec, sig }))).toBe('BAD_SIGNATURE')
    // a rotation not signed by the current key
    expect(await code(node, await rotate(carol, alice2, alice3, T0 + 10_000))).toBe('UNAUTHORIZED_KEY')
  })
})
