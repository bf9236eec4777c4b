/**
 * A small world for the store's reader tests, built through the ingest door with APIs that
 * exist unchanged since main at 8abb37c (so the same script wrote tests/fixtures/store-8abb37c.json
 * with the old code): two orgs, a key rotation, versions by the rotated-in key, a node
 * binding, an endorsement, a retraction of it, a second endorsement, and an equivocation.
 */
import type { CID } from 'multiformats/cid'
import { testKey } from '../../protocol/vectors/generate.ts'
import { smallBody } from '../../protocol/vectors/bodies.ts'
import type { Ingest } from '../../src/ingest/ingest.ts'
import { claimCid } from '../../src/records/claims.ts'
import { encodeSigned } from '../../src/records/codec.ts'
import type { NodeBindingRecord } from '../../src/records/types.ts'
import { signVersion } from '../../src/records/version.ts'
import type { Store } from '../../src/store/store.ts'
import { keyDigest, makeRotation } from '../../src/trust/keys.ts'
import { makeEndorsement, makeRetraction } from '../../src/trust/statements.ts'

export const T0 = Date.UTC(2026, 10, 1)
export const alice = testKey('alice')
export const alice2 = testKey('alice-2')
export const bob = testKey('bob')
export const PEER = '12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf'

export interface World {
  alice: CID[]
  bob: CID[]
  rotation: CID
  binding: CID
  /** bob's endorsement of alice's first claim, its retraction, and a second endorsement */
  endorsement: CID
  retraction: CID
  endorsement2: CID
  claim: CID
  /** the second version of alice at seq 1 (none with `equivocate: false`) */
  equivocating?: CID
}

export async function buildWorld (store: Store, ingest: Ingest, options: { equivocate?: boolean } = {}): Promise<World> {
  const take = async (bytes: Uint8Array): Promise<CID> => {
    const r = await ingest.ingest(bytes, { source: 'test' })
    if (r.status === 'duplicate') throw new Error('duplicate')
    return r.cid
  }
  const versions: CID[] = []
  let prev: CID | null = null
  for (let seq = 1; seq <= 2; seq++) {
    const v = signVersion(smallBody('Alice', seq), { org: alice.did, seq, prev, createdAt: T0 + seq * 1000 }, alice.secretKey)
    versions.push(await take(v.bytes))
    prev = v.cid
  }
  const rotation = await take(await makeRotation({ org: alice.did, oldSecret: alice.secretKey, newSecret: alice2.secretKey, nextKeyDigest: keyDigest(testKey('alice-3').publicKey), reason: 'scheduled', now: T0 + 2500 }, store))
  for (let seq = 3; seq <= 4; seq++) {
    const v = signVersion(smallBody('Alice', seq), { org: alice.did, seq, prev, createdAt: T0 + seq * 1000, key: alice2.did }, alice2.secretKey)
    versions.push(await take(v.bytes))
    prev = v.cid
  }
  const binding = await take(encodeSigned<NodeBindingRecord>({ type: 'oos/node-binding', org: alice.did, createdAt: T0 + 4500, peers: [PEER], key: alice2.did }, [alice2.secretKey]).bytes)
  const b1 = signVersion(smallBody('Bob', 1), { org: bob.did, seq: 1, prev: null, createdAt: T0 + 500 }, bob.secretKey)
  const bobVersions = [await take(b1.bytes)]
  const first = signVersion(smallBody('Alice', 1), { org: alice.did, seq: 1, prev: null, createdAt: T0 + 1000 }, alice.secretKey)
  const claim = claimCid(alice.did, first.signed.rec.body.claims[0])
  const endorsement = await take(await makeEndorsement({ org: bob.did, secretKey: bob.secretKey, target: claim, stance: 'endorse', now: T0 + 5000 }, store))
  const retraction = await take(await makeRetraction({ org: bob.did, secretKey: bob.secretKey, target: endorsement, reason: 'changed our mind', now: T0 + 6000 }, store))
  const endorsement2 = await take(await makeEndorsement({ org: bob.did, secretKey: bob.secretKey, target: claim, stance: 'dispute', now: T0 + 7000 }, store))
  const world = { alice: versions, bob: bobVersions, rotation, binding, endorsement, retraction, endorsement2, claim }
  if (options.equivocate === false) return world
  const other = signVersion({ ...smallBody('Alice', 1), claims: smallBody('Alice', 2).claims }, { org: alice.did, seq: 1, prev: null, createdAt: T0 + 5 }, alice.secretKey)
  return { ...world, equivocating: await take(other.bytes) }
}
