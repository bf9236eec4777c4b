/**
 * `oos provenance` of a claim in a long chain (issue 15, "provenance without replay"): a chain
 * of BENCH_VERSIONS (default 3000) versions of the published example document (10.8 KB), with
 * a key rotation half-way and an endorsement by a second org, ingested through the door into a
 * LevelDB on disk; then the provenance report of a claim of its head, as the node's API makes
 * it (app/replay.ts `provenance` over the node's store), against the full replay from seq 1
 * the node made on every call before the door kept its verified markers (TRUST.md §2.1.1).
 *
 *   npx node bench/provenance.ts [--json]      (BENCH_VERSIONS=3000, BENCH_ROUNDS_PROV=5)
 */
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { provenance, replayChains } from '../src/app/replay.ts'
import { generateKeyPair, publicKeyToDid } from '../src/identity/index.ts'
import { Ingest } from '../src/ingest/ingest.ts'
import { parseOosMarkdown } from '../src/oos/index.ts'
import { claimCid } from '../src/records/claims.ts'
import { signVersion } from '../src/records/version.ts'
import type { CID } from 'multiformats/cid'
import { Store } from '../src/store/store.ts'
import { makeRotation } from '../src/trust/keys.ts'
import { provenanceReport } from '../src/trust/provenance.ts'
import { makeEndorsement } from '../src/trust/statements.ts'
import { evolve } from './ingest.ts'

const N = Number(process.env.BENCH_VERSIONS ?? 3000)
const R = Number(process.env.BENCH_ROUNDS_PROV ?? 5)
const json = process.argv.includes('--json')
const example = parseOosMarkdown(readFileSync(new URL('../tests/fixtures/example.oos.md', import.meta.url), 'utf8')).body
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]

const dir = await mkdtemp(join(tmpdir(), 'oosnet-bench-prov-'))
const store = new Store({ path: join(dir, 'db') })
await store.start()
const ingest = new Ingest({ store })
try {
  const first = generateKeyPair()
  const second = generateKeyPair()
  const endorser = generateKeyPair()
  const org = publicKeyToDid(first.publicKey)
  const t0 = Date.now() - N * 1000
  const take = async (bytes: Uint8Array): Promise<void> => { const r = await ingest.ingest(bytes, { source: 'bench' }); if (r.status !== 'accepted') throw new Error(r.status) }
  let prev: CID | null = null
  let last = example
  for (let seq = 1; seq <= N; seq++) {
    if (seq === (N >> 1) + 1) await take(await makeRotation({ org, oldSecret: first.secretKey, newSecret: second.secretKey, reason: 'scheduled', now: t0 + seq * 1000 - 1 }, store))
    const rotated = seq > N >> 1
    last = evolve(example, seq)
    const v = signVersion(last, { org, seq, prev, createdAt: t0 + seq * 1000, ...(rotated ? { key: publicKeyToDid(second.publicKey) } : {}) }, rotated ? second.secretKey : first.secretKey)
    await take(v.bytes)
    prev = v.cid
  }
  const claim = claimCid(org, last.claims[0])
  const by = publicKeyToDid(endorser.publicKey)
  await take(signVersion(example, { org: by, seq: 1, prev: null, createdAt: t0 }, endorser.secretKey).bytes)
  await take(await makeEndorsement({ org: by, secretKey: endorser.secretKey, target: claim, stance: 'endorse' }, store))

  const options = { trusted: new Set([by]) }
  const time = async (f: () => Promise<unknown>): Promise<number> => { const t = performance.now(); await f(); return performance.now() - t }
  const before: number[] = []
  const after: number[] = []
  let checkedBy = ''
  for (let r = 0; r < R; r++) {
    before.push(await time(async () => await provenanceReport(store, claim, async (orgs, o) => await replayChains(store, orgs, o), options)))
    after.push(await time(async () => { checkedBy = (await provenance(store, claim, options)).author.chain.checkedBy }))
  }
  const out = { versions: N, rounds: R, replayMs: Math.round(median(before)), markerMs: Math.round(median(after) * 10) / 10, checkedBy }
  if (json) console.log(JSON.stringify(out))
  else console.log(`provenance of a claim in a ${N}-version chain (median of ${R}): before (replay from seq 1) ${out.replayMs} ms, after (verified marker) ${out.markerMs} ms [checked by ${checkedBy}]`)
} finally {
  await ingest.stop()
  await store.stop()
  await rm(dir, { recursive: true, force: true })
}
