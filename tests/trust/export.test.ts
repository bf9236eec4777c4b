/**
 * An export carries everything its own verification needs (node/car.ts `orgRecords`): the
 * statements about the org's claims, and the key rotations of the orgs that made them.
 */
import { describe, it, expect, afterEach } from 'vitest'
import { join } from 'node:path'
import { testKey } from '../../protocol/vectors/generate.ts'
import { smallBody } from '../../protocol/vectors/bodies.ts'
import { signVersion } from '../../src/records/version.ts'
import { claimCid } from '../../src/records/claims.ts'
import { makeRotation } from '../../src/trust/keys.ts'
import { makeEndorsement, makeRetraction } from '../../src/trust/statements.ts'
import { exportCar, verifyCar } from '../../src/node/car.ts'
import { openNode } from '../helpers.ts'

const T0 = Date.UTC(2026, 0, 1)
const alice = testKey('alice')
const bob = testKey('bob')
const bob2 = testKey('bob-2')

describe('oos export after an endorser rotated its key', () => {
  let node: Awaited<ReturnType<typeof openNode>> | undefined
  afterEach(async () => { await node?.close() })

  it('the export of the endorsed org carries the endorser\'s rotation and verifies', async () => {
    node = await openNode()
    const { ingest, store } = node
    // A publishes
    const a1 = signVersion(smallBody('Alice Logistics', 1), { org: alice.did, seq: 1, prev: null, createdAt: T0 }, alice.secretKey)
    await ingest.ingest(a1.bytes)
    const [c1, c2] = a1.signed.rec.body.claims.map(c => claimCid(alice.did, c))
    // B endorses A's claim with its inception key, rotates, endorses again with the new key, and retracts the first
    const first = await makeEndorsement({ org: bob.did, secretKey: bob.secretKey, target: c1, stance: 'endorse', now: T0 + 1000 }, store)
    expect((await ingest.ingest(first)).status).toBe('accepted')
    expect((await ingest.ingest(await makeRotation({ org: bob.did, oldSecret: bob.secretKey, newSecret: bob2.secretKey, reason: 'routine', now: T0 + 2000 }, store))).status).toBe('accepted')
    const second = await makeEndorsement({ org: bob.did, secretKey: bob2.secretKey, target: c2, stance: 'dispute', now: T0 + 3000 }, store)
    expect((await ingest.ingest(second)).status).toBe('accepted')
    const firstCid = (await ingest.ingest(first)).cid
    expect((await ingest.ingest(await makeRetraction({ org: bob.did, secretKey: bob2.secretKey, target: firstCid, reason: 'superseded', now: T0 + 4000 }, store))).status).toBe('accepted')

    const file = join(node.path, 'alice.car')
    const out = await exportCar(store, alice.did, file)
    const v = await verifyCar(file)
    expect(v, JSON.stringify(v.errors)).toMatchObject({ valid: true, rejected: 0, reasons: {} })
    // a1, two endorsements, the retraction, and bob's rotation
    expect({ blocks: out.blocks, accepted: v.accepted }).toEqual({ blocks: 5, accepted: 5 })
  })
})
