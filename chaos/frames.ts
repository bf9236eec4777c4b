/**
 * Fuzzed frames (issue 12, chaos suite), per request/response protocol (fetch, sync, heads),
 * over real libp2p streams on 127.0.0.1, both directions:
 * - requests: the wire bytes of valid requests (length prefix included), mutated, sent by a
 *   bare peer to a responder (the real reqresp service over a real store). Pass: the
 *   responder never crashes, every refused request is counted as a violation, and it still
 *   serves a valid request at the end.
 * - responses: a fake responder answers the real requester with the wire bytes of a valid
 *   response, mutated. Pass: every failure is a typed error (reqresp or SPEC §9 code), every
 *   record the door rejected has a SPEC §9 code, and no record that is not byte-identical to
 *   a valid one is ever stored.
 */
import type { Libp2p } from '@libp2p/interface'
import * as lp from 'it-length-prefixed'
import fc from 'fast-check'
import type { CID } from 'multiformats/cid'
import { testKey } from '../protocol/vectors/generate.ts'
import { reqResp, encodeFetchRequest, encodeSyncRequest, encodeHeadsRequest, encodeHeadsResponse, encodeReconcileRequest, encodeAnswers, PROTOCOLS, type ProtocolName, type ReqResp } from '../src/net/reqresp/index.ts'
import { bareLibp2p, ms, pool, scoped, sendRaw, storeIn, type Scope } from './lib.ts'
import { countingCrashes, validVectors } from './fuzz.ts'
import { mutatedFrom, REQRESP_CODES, SPEC_CODES, typedCode } from './mutate.ts'

const NAMES: ProtocolName[] = ['fetch', 'sync', 'heads', 'reconcile']
const FAST = { perPeer: { rate: 1e6, burst: 1e6 }, total: { rate: 1e6, burst: 1e6 }, maxInboundStreams: 64, maxOutboundStreams: 16, outboundRate: { rate: 1e6, burst: 1e6 } }
const wire = (...frames: Uint8Array[]): Uint8Array => Buffer.concat(frames.map(f => lp.encode.single(f).subarray()))

export interface FramesFigures {
  ok: boolean
  framesPerProtocol: number
  seed: number
  requests: Record<ProtocolName, { sent: number, served: number, refused: number, violations: number }>
  responses: Record<ProtocolName, { sent: number, completed: number, failed: number, codes: Record<string, number>, rejectedRecords: number }>
  untyped: number
  storedMutated: number
  crashes: number
  responderAlive: boolean
  ms: number
}

/** `n` samples of `arb`, drawn in chunks (memory stays small), handed to `each` 16 at a time. */
async function drive (arb: fc.Arbitrary<Uint8Array>, n: number, seed: number, each: (x: Uint8Array) => Promise<void>): Promise<void> {
  for (let done = 0, chunk = 0; done < n; chunk++) {
    const batch = fc.sample(arb, { numRuns: Math.min(512, n - done), seed: seed + chunk })
    await pool(batch, 16, each)
    done += batch.length
  }
}

async function holder (scope: Scope, records: Uint8Array[]): Promise<{ libp2p: Libp2p, rr: ReqResp, violations: () => number }> {
  const libp2p = await bareLibp2p(scope)
  const { store, ingest } = await storeIn(scope)
  for (const r of await ingest.ingestMany(records, { source: 'chaos' })) if (r instanceof Error) throw r
  let violations = 0
  // no lenience budget (NETWORK-reqresp.md §7): a mutated frame cut short ends its stream early,
  // which the budget would forgive; here every refused request must be counted
  const rr = reqResp({ ...FAST, lenience: { rate: 1, burst: 0 }, onViolation: () => { violations++ } })({ libp2p, store, ingest })
  await rr.start()
  scope.defer(async () => { await rr.stop() })
  return { libp2p, rr, violations: () => violations }
}

export async function fuzzFrames (options: { frames?: number, seed?: number } = {}): Promise<FramesFigures> {
  const n = options.frames ?? 10_000
  const seed = options.seed ?? Date.now() % 2 ** 30
  const t0 = performance.now()
  return await scoped(async (scope) => await countingCrashes(async (crashes) => {
    const vectors = validVectors()
    const byName = (name: string): { bytes: Uint8Array, cid: CID } => vectors.find(x => x.name === name) as { bytes: Uint8Array, cid: CID }
    const chain = ['version-1', 'version-2', 'key-rotation', 'version-3-rotated'].map(byName)
    const org = testKey('alice').did
    const validRequests: Record<ProtocolName, Uint8Array[]> = {
      fetch: [wire(encodeFetchRequest(chain.map(c => c.cid))), wire(encodeFetchRequest([chain[0].cid]))],
      sync: [wire(encodeSyncRequest({ org, from: 1 })), wire(encodeSyncRequest({ org, from: 2, limit: 1 }))],
      heads: [wire(encodeHeadsRequest([org])), wire(new Uint8Array(Buffer.from('a166636c61696d7380', 'hex')))],
      reconcile: [wire(encodeReconcileRequest({ org, ranges: [{ lo: { t: 0, id: new Uint8Array(0) }, hi: { t: Number.MAX_SAFE_INTEGER, id: new Uint8Array(0) }, fp: new Uint8Array(16) }] }))]
    }
    const head = chain[3]
    const validResponses: Record<ProtocolName, Uint8Array[]> = {
      fetch: [wire(chain[0].bytes, chain[1].bytes)],
      sync: [wire(chain[2].bytes, chain[0].bytes, chain[1].bytes, chain[3].bytes)],
      heads: [wire(encodeHeadsResponse([{ org, seq: 3, cid: head.cid }]))],
      reconcile: [wire(encodeAnswers([{ ids: [head.cid.multihash.digest] }]))]
    }

    // requests: a bare attacker against the real responder
    const victim = await holder(scope, chain.map(c => c.bytes))
    const attacker = await bareLibp2p(scope)
    await attacker.dial(victim.libp2p.getMultiaddrs()[0])
    const requests = {} as FramesFigures['requests']
    for (const [i, name] of NAMES.entries()) {
      const before = victim.violations()
      const r = { sent: 0, served: 0, refused: 0, violations: 0 }
      await drive(mutatedFrom(validRequests[name], 64), n, seed + i * 1000, async (bytes) => {
        r.sent++
        if (await sendRaw(attacker, victim.libp2p.peerId, PROTOCOLS[name], bytes) === 'closed') r.served++
        else r.refused++
      })
      // a stream that ends early is charged once the grace for a closing connection has passed
      // (NETWORK-reqresp.md §7): wait for the charges of this protocol before counting them
      const deadline = Date.now() + 10_000
      while (victim.violations() - before < r.refused && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 50))
      r.violations = victim.violations() - before
      requests[name] = r
    }

    // responses: the real requester against a fake responder that answers with mutated bytes
    const valid = new Set(vectors.map(v => Buffer.from(v.bytes).toString('hex')))
    const { store, ingest } = await storeIn(scope)
    let storedMutated = 0
    ingest.onRecord((_r, v) => { if (!valid.has(Buffer.from(v.bytes).toString('hex'))) storedMutated++ })
    const requester = await bareLibp2p(scope)
    const rr = reqResp(FAST)({ libp2p: requester, store, ingest })
    await rr.start()
    scope.defer(async () => { await rr.stop() })
    const fake = await bareLibp2p(scope)
    const queue: Record<ProtocolName, Uint8Array[]> = { fetch: [], sync: [], heads: [], reconcile: [] }
    for (const name of NAMES) {
      await fake.handle(PROTOCOLS[name], async (stream) => {
        const answer = queue[name].shift() ?? new Uint8Array()
        try {
          for await (const _ of lp.decode(stream)) break
          stream.send(answer)
          await stream.close()
        } catch { stream.abort(new Error('fake responder')) }
      }, { maxInboundStreams: 64 })
    }
    await requester.dial(fake.getMultiaddrs()[0])
    let untyped = 0
    const responses = {} as FramesFigures['responses']
    for (const [i, name] of NAMES.entries()) {
      const r = { sent: 0, completed: 0, failed: 0, codes: {} as Record<string, number>, rejectedRecords: 0 }
      const count = (code: string): void => { r.codes[code] = (r.codes[code] ?? 0) + 1; if (code.startsWith('UNTYPED')) untyped++ }
      await drive(mutatedFrom(validResponses[name], 4096), n, seed + 7 + i * 1000, async (bytes) => {
        r.sent++
        queue[name].push(bytes)
        try {
          const res = name === 'fetch'
            ? await rr.fetch(fake.peerId, chain.slice(0, 2).map(c => c.cid))
            : name === 'sync' ? await rr.sync(fake.peerId, org, { from: 1 }) : name === 'heads' ? await rr.heads(fake.peerId, [org]) : await rr.reconcile(fake.peerId, org)
          r.completed++
          if (!Array.isArray(res) && 'rejections' in res) {
            r.rejectedRecords += res.rejected
            for (const [code, k] of Object.entries(res.rejections)) for (let j = 0; j < k; j++) count(SPEC_CODES.has(code) ? code : `UNTYPED(${code})`)
          }
        } catch (err) {
          r.failed++
          count(typedCode(err, new Set([...REQRESP_CODES, ...SPEC_CODES])))
        }
      })
      responses[name] = r
    }

    const alive = await sendRaw(attacker, victim.libp2p.peerId, PROTOCOLS.sync, validRequests.sync[0]) === 'closed'
    const crashCount = crashes()
    const requestsCounted = NAMES.every(name => requests[name].violations >= requests[name].refused)
    return {
      ok: crashCount === 0 && untyped === 0 && storedMutated === 0 && alive && requestsCounted,
      framesPerProtocol: n,
      seed,
      requests,
      responses,
      untyped,
      storedMutated,
      crashes: crashCount,
      responderAlive: alive,
      ms: ms(t0)
    }
  }))
}

