import { describe, it, expect, afterAll } from 'vitest'
import { readFile } from 'node:fs/promises'
import type { CID } from 'multiformats/cid'
import { parseOosMarkdown } from '../../src/oos/index.ts'
import { encodeSigned } from '../../src/records/codec.ts'
import { generateKeyPair, publicKeyToDid } from '../../src/identity/index.ts'
import { answer, decodeAnswers, encodeAnswers, fingerprint, type Item } from '../../src/net/reqresp/index.ts'
import { makeNode, until } from './nodes.ts'

type Node = Awaited<ReturnType<typeof makeNode>>

// NETWORK-reqresp.md §5.2: statements about an org's claims reconcile by range-based set
// reconciliation over (createdAt, id): what is exchanged grows with the differences, not the set.
describe('/oos/reconcile/1.0.0', () => {
  const nodes: Node[] = []
  afterAll(async () => { await Promise.all(nodes.map(async n => { await n.cleanup() })) })

  const endorser = generateKeyPair()
  const eOrg = publicKeyToDid(endorser.publicKey)
  let made = 0
  /** `n` endorsements by one outside org of the claims of `a`'s head version */
  const endorsements = async (a: Node, n: number): Promise<Uint8Array[]> => {
    const head = await a.store.head(a.org) as { cid: CID, seq: number }
    const claims = await a.store.versionClaims(a.org, head.seq) as CID[]
    const t0 = Date.now() - 10_000_000
    return Array.from({ length: n }, () => {
      const i = made++
      return encodeSigned({ type: 'oos/endorsement', org: eOrg, createdAt: t0 + i * 997, target: claims[i % claims.length], targetOrg: a.org, version: head.cid, stance: 'endorse' }, [endorser.secretKey]).bytes
    })
  }
  const put = async (n: Node, records: Uint8Array[]): Promise<void> => {
    const r = await n.ingest.ingestMany(records, { source: 'test' })
    expect(r.filter(x => x instanceof Error)).toEqual([])
  }
  const set = async (n: Node, org: string): Promise<string[]> => (await n.store.aboutItems(org)).map(x => x.cid.toString())

  it('fingerprints are the sum of the ids mod 2^256 and the count, hashed (the vector of NETWORK-reqresp.md §5.2)', () => {
    const items: Item[] = [{ t: 1, id: new Uint8Array(32).fill(0xff) }, { t: 2, id: Uint8Array.from({ length: 32 }, (_, i) => i === 0 ? 2 : 0) }]
    expect(Buffer.from(fingerprint(items, 0, 0)).toString('hex')).toBe('7f9c9e31ac8256ca2f258583df262dbc')
    // 0xff…ff + 2 = 1 (mod 2^256), count 2
    expect(Buffer.from(fingerprint(items, 0, 2)).toString('hex')).toBe('6092a26dea6bc7bdc57a942f1df2d0d7')
    // an answer round-trips and a range the responder holds many of is split in 16
    const many: Item[] = Array.from({ length: 100 }, (_, i) => ({ t: 1000 + i, id: new Uint8Array(32).fill(i) }))
    const range = { lo: { t: 0, id: new Uint8Array(0) }, hi: { t: 5000, id: new Uint8Array(0) } }
    const a = answer(many, { ...range, fp: new Uint8Array(16) })
    expect('split' in a && a.split.length).toBe(16)
    expect(encodeAnswers(decodeAnswers(encodeAnswers([a]), [range]))).toEqual(encodeAnswers([a]))
    expect(answer(many, { ...range, fp: fingerprint(many, 0, 100) })).toEqual({ eq: true })
  })

  it('after N statements in common and k new, the bytes exchanged grow with k, not with N', async () => {
    const [a, b] = [await makeNode('Subject'), await makeNode('Back')]
    nodes.push(a, b)
    const body = parseOosMarkdown(await readFile(new URL('../fixtures/example.oos.md', import.meta.url), 'utf8')).body
    const v = await a.publish(body)
    await b.ingest.ingest((await a.store.get(v.cid)) as Uint8Array, { source: 'test' })
    await b.libp2p.dial(a.libp2p.getMultiaddrs()[0])
    const round = async (common: number, fresh: number): Promise<{ bytes: number, fetched: number }> => {
      const both = await endorsements(a, common)
      await put(a, both)
      await put(b, both)
      await put(a, await endorsements(a, fresh))
      const r = await b.reqresp.reconcile(a.peerId, a.org)
      expect(r).toMatchObject({ missing: fresh, accepted: fresh })
      expect(await set(b, a.org)).toEqual(await set(a, a.org))
      return { bytes: r.bytesSent + r.bytesReceived, fetched: r.fetchedBytes }
    }
    const small = await round(100, 3) // N = 100 in common, k = 3
    const large = await round(1897, 3) // N = 2,003 in common, k = 3
    const more = await round(0, 30) // N = 2,006, k = 30
    console.log(`reconcile bytes (requests + responses; records fetched): N 100 k 3: ${small.bytes} (${small.fetched}); N 2,003 k 3: ${large.bytes} (${large.fetched}); N 2,006 k 30: ${more.bytes} (${more.fetched})`)
    // 20× the set, the same k: a log factor, not 20×; far below listing the set's ids (34 bytes each)
    expect(large.bytes).toBeLessThan(3 * small.bytes)
    expect(large.bytes).toBeLessThan(2003 * 34 / 10)
    // 10× the differences: more bytes, and the records fetched are the k
    expect(more.bytes).toBeGreaterThan(large.bytes)
    expect(more.fetched).toBeGreaterThan(9 * large.fetched)
  })

  it('a node back from offline fetches the statements it missed when it reconnects', async () => {
    const [a, b] = [await makeNode('Subject'), await makeNode('Back')]
    nodes.push(a, b)
    const body = parseOosMarkdown(await readFile(new URL('../fixtures/example.oos.md', import.meta.url), 'utf8')).body
    await a.publish(body)
    await put(a, await endorsements(a, 40))
    await b.follow(a.org, { via: [a.libp2p.getMultiaddrs()[0].toString()] })
    // on connecting, B checks A's heads and reconciles the statements about A's claims
    await until(async () => (await set(b, a.org)).length === 40, 20_000, 'the statements held when B followed')
    await b.libp2p.hangUp(a.peerId)
    await until(() => b.libp2p.getPeers().length === 0, 10_000, 'B offline')
    await put(a, await endorsements(a, 5))
    expect((await set(b, a.org)).length).toBe(40)
    await b.libp2p.dial(a.libp2p.getMultiaddrs()[0])
    await until(async () => (await set(b, a.org)).length === 45, 20_000, 'the statements missed while offline')
    expect(await set(b, a.org)).toEqual(await set(a, a.org))
    expect(b.replicator.counts.statements).toBeGreaterThanOrEqual(5)
  })
})
