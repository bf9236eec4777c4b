import { readFileSync } from 'node:fs'
import { describe, it, expect } from 'vitest'
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { generate } from '../protocol/vectors/generate.ts'
import { decodeRecord, signingBytes } from '../src/records/codec.ts'
import { claimBlock } from '../src/records/claims.ts'
import { keyPairFromSeed, publicKeyToDid, verify, verifyNoble } from '../src/identity/index.ts'
import { OosError } from '../src/errors.ts'
import { dump, fromHex, openNode } from './helpers.ts'

const load = (f: string): any => JSON.parse(readFileSync(new URL(`../protocol/vectors/${f}`, import.meta.url), 'utf8'))
const NOW = Date.UTC(2026, 10, 2)

describe('protocol/vectors', () => {
  const keys = load('keys.json')
  const valid = load('valid.json')
  const invalid = load('invalid.json')
  const byName = new Map<string, any>(valid.map((v: any) => [v.name, v]))

  it('are what the generator makes (deterministic, consistent with the code)', () => {
    const fresh = JSON.parse(JSON.stringify(generate()))
    expect(fresh.keys).toEqual(keys)
    expect(fresh.valid).toEqual(valid)
    expect(fresh.invalid).toEqual(invalid)
    expect(fresh.cases).toEqual(load('cases.json'))
    expect(fresh.cars).toEqual(load('cars.json'))
  })

  it('keys: seed → public key → did:key', () => {
    for (const k of keys) {
      const kp = keyPairFromSeed(fromHex(k.seedHex))
      expect(Buffer.from(kp.publicKey).toString('hex')).toBe(k.publicKeyHex)
      expect(publicKeyToDid(kp.publicKey)).toBe(k.did)
    }
  })

  it.each((valid as any[]).map((v: any) => [v.name, v] as [string, any]))('valid %s: bytes, CID, signature, claim CIDs', (_name, v: any) => {
    const d = decodeRecord(fromHex(v.bytesHex), { now: NOW })
    expect(d.cid.toString()).toBe(v.cid)
    expect(d.kind).toBe(v.kind)
    // the unsigned record re-encodes to recHex, and the record to bytesHex
    expect(Buffer.from(dagCbor.encode(d.signed.rec)).toString('hex')).toBe(v.recHex)
    expect(Buffer.from(d.recBytes).toString('hex')).toBe(v.recHex)
    expect(Buffer.from(signingBytes(d.kind, d.recBytes)).toString('hex')).toBe(v.signingBytesHex)
    expect(Buffer.from(dagCbor.encode(d.signed)).toString('hex')).toBe(v.bytesHex)
    // every signature checks with both verifiers
    const sig = fromHex(v.sigHex)
    const signers = v.kind === 'oos/key-rotation' ? [v.rec.oldKey, v.rec.newKey] : [v.rec.key ?? v.rec.org]
    signers.forEach((did: string, i: number) => {
      const pub = fromHex(keys.find((k: any) => k.did === did).publicKeyHex)
      const s = sig.subarray(64 * i, 64 * (i + 1))
      expect(verify(pub, fromHex(v.signingBytesHex), s)).toBe(true)
      expect(verifyNoble(pub, fromHex(v.signingBytesHex), s)).toBe(true)
    })
    if (v.claims !== undefined) {
      const rec: any = d.signed.rec
      v.claims.forEach((c: any, i: number) => {
        const b = claimBlock(rec.org, rec.body.claims[i])
        expect(b.cid.toString()).toBe(c.cid)
        expect(CID.decode(d.claimCidBytes?.[i] as Uint8Array).toString()).toBe(c.cid)
        expect(Buffer.from(b.bytes).toString('hex')).toBe(c.blockHex)
      })
    }
  })

  it('an unchanged claim keeps its CID across versions; a reworded one does not', () => {
    const [v1, v2] = [byName.get('version-1'), byName.get('version-2')]
    expect(v2.claims[0].cid).toBe(v1.claims[0].cid)
    expect(v2.claims[1].cid).not.toBe(v1.claims[1].cid)
    expect(v2.claims[2].cid).toBe(v1.claims[2].cid)
  })

  it.each((valid as any[]).map((v: any) => [v.name, v] as [string, any]))('valid %s is accepted by the ingest pipeline after its prerequisites', async (_name, v: any) => {
    const node = await openNode()
    try {
      for (const dep of v.after) await node.ingest.ingest(fromHex(byName.get(dep).bytesHex))
      const r = await node.ingest.ingest(fromHex(v.bytesHex))
      expect(r.status).toBe('accepted')
      expect(r.cid.toString()).toBe(v.cid)
      expect(await node.store.get(r.cid)).toEqual(fromHex(v.bytesHex))
    } finally { await node.close() }
  })

  it.each((invalid as any[]).map((v: any) => [v.name, v] as [string, any]))('invalid %s is rejected with its code and changes nothing', async (_name, v: any) => {
    const node = await openNode()
    try {
      for (const dep of v.after) await node.ingest.ingest(fromHex(byName.get(dep).bytesHex))
      const before = await dump(node.store)
      let bytes = fromHex(v.bytesHex)
      if (v.padTo !== undefined) { const b = new Uint8Array(v.padTo); b.set(bytes); bytes = b }
      const err = await node.ingest.ingest(bytes).then(() => undefined, (e: unknown) => e)
      expect(err).toBeInstanceOf(OosError)
      expect((err as OosError).code).toBe(v.code)
      expect(await dump(node.store)).toEqual(before)
      expect(node.ingest.stats().rejections[v.code]).toBe(1)
    } finally { await node.close() }
  })

  it('covers every required negative case', () => {
    const names = new Set(invalid.map((v: any) => v.name))
    for (const n of ['tampered-byte', 'wrong-signer', 'non-canonical-int', 'seq-gap', 'wrong-prev', 'oversize', 'unknown-kind']) expect(names.has(n)).toBe(true)
  })
})
