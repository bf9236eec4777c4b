/**
 * Search and similar claims (issue 17): how long the claim index takes to build from the
 * store (the first `search`), a search on the built index, and a `similar` (the scorer fitted
 * over every current claim, the relation of each hit, its provenance summary), on
 *   - the three example orgs (examples/orgs, v1–v3 each: 59 claim CIDs), and
 *   - a store of about BENCH_SEARCH_CLAIMS (default 1,000) claim CIDs: copies of the three
 *     example orgs (v3), each with a history in which every version rewords one claim.
 * Stores are LevelDB on disk, filled through the ingest door; times are medians of
 * BENCH_ROUNDS_SEARCH (default 5) fresh apps (a fresh app builds its index again).
 *
 *   npx node bench/search.ts [--json]
 */
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { CID } from 'multiformats/cid'
import { localApp } from '../src/app/local.ts'
import { generateKeyPair, publicKeyToDid } from '../src/identity/index.ts'
import { Ingest } from '../src/ingest/ingest.ts'
import { parseOosMarkdown } from '../src/oos/index.ts'
import type { OosBody } from '../src/oos/types.ts'
import { claimCid } from '../src/records/claims.ts'
import { signVersion } from '../src/records/version.ts'
import { Store } from '../src/store/store.ts'
import { evolve } from './ingest.ts'

const CLAIMS = Number(process.env.BENCH_SEARCH_CLAIMS ?? 1000)
const ROUNDS = Number(process.env.BENCH_ROUNDS_SEARCH ?? 5)
const json = process.argv.includes('--json')
const ORGS = ['ledgerline', 'carepath', 'parcelworks']
const body = (org: string, v: number): OosBody => parseOosMarkdown(readFileSync(new URL(`../examples/orgs/${org}/v${v}.oos.md`, import.meta.url), 'utf8')).body
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]
const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6

interface Figure { store: string, orgs: number, versions: number, claims: number, buildMs: number, searchMs: number, similarMs: number }

/** Publish `bodies` as the chain of a new org; the claim CID of its last version's first claim. */
async function publishChain (ingest: Ingest, bodies: OosBody[], claims: Set<string>): Promise<string> {
  const kp = generateKeyPair()
  const org = publicKeyToDid(kp.publicKey)
  let prev: CID | null = null
  const t0 = Date.now() - bodies.length * 1000
  for (const [i, b] of bodies.entries()) {
    const v = signVersion(b, { org, seq: i + 1, prev, createdAt: t0 + i * 1000 }, kp.secretKey)
    if ((await ingest.ingest(v.bytes, { source: 'bench' })).status !== 'accepted') throw new Error('not accepted')
    prev = v.cid
    for (const c of b.claims) claims.add(claimCid(org, c).toString())
  }
  return claimCid(org, bodies[bodies.length - 1].claims[0]).toString()
}

async function measure (name: string, fill: (ingest: Ingest, claims: Set<string>) => Promise<{ orgs: number, versions: number, probe: string }>): Promise<Figure> {
  const dir = await mkdtemp(join(tmpdir(), 'oosnet-bench-search-'))
  const store = new Store({ path: join(dir, 'db') })
  await store.start()
  const ingest = new Ingest({ store })
  try {
    const claims = new Set<string>()
    const { orgs, versions, probe } = await fill(ingest, claims)
    const build: number[] = []
    const search: number[] = []
    const similar: number[] = []
    for (let r = 0; r < ROUNDS; r++) {
      const app = localApp(store, ingest, { org: publicKeyToDid(generateKeyPair().publicKey) })
      let t0 = process.hrtime.bigint()
      await app.search({ text: 'timeout retry duplicate' })
      build.push(ms(t0))
      t0 = process.hrtime.bigint()
      await app.search({ text: 'human approval of templated customer messages' })
      search.push(ms(t0))
      t0 = process.hrtime.bigint()
      await app.similar({ cid: probe })
      similar.push(ms(t0))
    }
    return { store: name, orgs, versions, claims: claims.size, buildMs: median(build), searchMs: median(search), similarMs: median(similar) }
  } finally {
    await ingest.stop()
    await store.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

const figures: Figure[] = [
  await measure('examples', async (ingest, claims) => {
    let probe = ''
    for (const org of ORGS) probe = await publishChain(ingest, [1, 2, 3].map(v => body(org, v)), claims)
    return { orgs: 3, versions: 9, probe }
  }),
  await measure(`~${CLAIMS} claims`, async (ingest, claims) => {
    // copies of the three orgs' v3, each a history of rewordings, until about CLAIMS claim CIDs
    const bases = ORGS.map(org => body(org, 3))
    const copies = 12
    const perOrg = Math.max(1, Math.round(CLAIMS / copies) - 16)
    let probe = ''
    let versions = 0
    for (let i = 0; i < copies; i++) {
      const base = bases[i % bases.length]
      const bodies = Array.from({ length: perOrg }, (_, s) => evolve(base, s + 1))
      probe = await publishChain(ingest, bodies, claims)
      versions += bodies.length
    }
    return { orgs: copies, versions, probe }
  })
]

if (json) {
  console.log(JSON.stringify(figures))
} else {
  console.log('store            orgs  versions  claims   index build   search   similar   (medians of %d fresh apps)', ROUNDS)
  for (const f of figures) {
    console.log(`${f.store.padEnd(16)} ${String(f.orgs).padStart(4)}  ${String(f.versions).padStart(8)}  ${String(f.claims).padStart(6)}   ${f.buildMs.toFixed(1).padStart(8)} ms  ${f.searchMs.toFixed(1).padStart(5)} ms  ${f.similarMs.toFixed(1).padStart(5)} ms`)
  }
}
