import { describe, it, expect } from 'vitest'
import { stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { testKey } from '../../protocol/vectors/generate.ts'
import { smallBody } from '../../protocol/vectors/bodies.ts'
import { signVersion } from '../../src/records/version.ts'
import { Follows } from '../../src/node/follows.ts'
import { effectiveTrusted, emptySettings, loadTrustSettings, saveTrustSettings, setTrust, trustView } from '../../src/trust/settings.ts'
import { trustedSetOf } from '../../src/app/settings.ts'
import { keyDigest, makeRotation } from '../../src/trust/keys.ts'
import { openNode, tempDir } from '../helpers.ts'

const T0 = Date.UTC(2026, 0, 1)
const [alice, bob, carol, dave] = ['alice', 'bob', 'carol', 'dave'].map(testKey)

describe('trust settings', () => {
  it('effective trusted set = follows + trusted − untrusted (+ us), kept in trust.json mode 0600', async () => {
    const dir = await tempDir()
    try {
      expect(await loadTrustSettings(dir.path)).toEqual(emptySettings())
      const follows = new Follows(dir.path)
      await follows.add(alice.did)
      await follows.add(bob.did)
      let s = setTrust(emptySettings(), carol.did, 'trusted')
      s = setTrust(s, bob.did, 'untrusted')
      await saveTrustSettings(dir.path, s)
      expect((await stat(join(dir.path, 'trust.json'))).mode & 0o777).toBe(0o600)
      const loaded = await loadTrustSettings(dir.path)
      expect(loaded).toEqual({ version: 1, trusted: [carol.did], untrusted: [bob.did] })
      expect([...effectiveTrusted(loaded, follows.list().map(f => f.org))].sort()).toEqual([alice.did, carol.did].sort())
      expect([...await trustedSetOf(dir.path, dave.did)].sort()).toEqual([alice.did, carol.did, dave.did].sort())
      // neutral: back to the default (bob is followed, so trusted again)
      expect(effectiveTrusted(setTrust(loaded, bob.did, 'neutral'), follows.list().map(f => f.org)).has(bob.did)).toBe(true)
      expect(() => setTrust(loaded, 'not-a-did', 'trusted')).toThrow(/not an org did/)
      await writeFile(join(dir.path, 'trust.json'), '{"version": 2}')
      await expect(loadTrustSettings(dir.path)).rejects.toMatchObject({ code: 'HOME_CORRUPT' })
    } finally { await dir.cleanup() }
  })

  it('lists every known org with its flags (equivocation, rotations, pre-rotation)', async () => {
    const node = await openNode()
    try {
      const v1 = signVersion(smallBody('Alice Logistics', 1), { org: alice.did, seq: 1, prev: null, createdAt: T0 }, alice.secretKey)
      await node.ingest.ingest(v1.bytes)
      await node.ingest.ingest(signVersion({ ...smallBody('Alice Logistics', 1), claims: smallBody('Alice Logistics', 2).claims }, { org: alice.did, seq: 1, prev: null, createdAt: T0 + 1 }, alice.secretKey).bytes)
      await node.ingest.ingest(await makeRotation({ org: bob.did, oldSecret: bob.secretKey, newSecret: testKey('bob-2').secretKey, nextKeyDigest: keyDigest(testKey('bob-3').did), reason: 'genesis', now: T0 }, node.store))
      const rows = await trustView(node.store, setTrust(emptySettings(), carol.did, 'untrusted'), [alice.did], dave.did)
      const by = (org: string) => rows.find(r => r.org === org)
      expect(by(alice.did)).toMatchObject({ name: 'Alice Logistics', followed: true, trusted: true, seq: 1, flags: { equivocation: [1], rotations: 0, preRotation: false } })
      expect(by(bob.did)).toMatchObject({ trusted: false, seq: 0, flags: { equivocation: [], rotations: 1, preRotation: true } })
      expect(by(carol.did)).toMatchObject({ trusted: false, explicit: 'untrusted' })
      expect(by(dave.did)).toMatchObject({ self: true, trusted: true })
    } finally { await node.close() }
  })
})
