/**
 * The three example orgs (examples/orgs/{ledgerline,carepath,parcelworks}, v1–v3 each) signed
 * with test keys and offered to a store's ingest door, for the search and similar tests.
 */
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { CID } from 'multiformats/cid'
import { expect } from 'vitest'
import { testKey } from '../../protocol/vectors/generate.ts'
import { parseOosMarkdown } from '../../src/oos/index.ts'
import { claimCid } from '../../src/records/claims.ts'
import { signVersion } from '../../src/records/version.ts'
import type { Ingest } from '../../src/ingest/ingest.ts'

export const ORGS = ['ledgerline', 'carepath', 'parcelworks'] as const
export type OrgName = typeof ORGS[number]

export const exampleText = async (org: OrgName, v: number): Promise<string> =>
  await readFile(new URL(`../../examples/orgs/${org}/v${v}.oos.md`, import.meta.url), 'utf8')

export const T0 = Date.UTC(2026, 4, 1)

export interface Published {
  did: Record<OrgName, string>
  /** the claim CID of `org`'s claim `id` in version `v` */
  claim: (org: OrgName, id: string, v?: number) => string
}

/** Publish v1..`upTo` of the three orgs through `ingest`, version by version. */
export async function publishExamples (ingest: Pick<Ingest, 'ingest'>, upTo = 3): Promise<Published> {
  const did = {} as Record<OrgName, string>
  const cids = new Map<string, string>()
  for (const org of ORGS) {
    const key = testKey(org)
    did[org] = key.did
    let prev: CID | null = null
    for (let v = 1; v <= upTo; v++) {
      const body = parseOosMarkdown(await exampleText(org, v)).body
      const signed = signVersion(body, { org: key.did, seq: v, prev, createdAt: T0 + v * 86_400_000 }, key.secretKey)
      expect((await ingest.ingest(signed.bytes, { source: 'test' })).status).toBe('accepted')
      prev = signed.cid
      for (const c of body.claims) cids.set(`${org}/${c.claim_id}/${v}`, claimCid(key.did, c).toString())
    }
  }
  return {
    did,
    claim: (org, id, v = upTo) => {
      const c = cids.get(`${org}/${id}/${v}`)
      if (c === undefined) throw new Error(`${org} has no claim ${id} in v${v}`)
      return c
    }
  }
}

/**
 * Three homes, one per example org, each publishing its v1..v3 with `oos publish`; the
 * other two orgs exported (`oos export`) and imported (`oos import`) into ledgerline's home,
 * which is returned with the dids `oos id` printed.
 */
export async function exampleHomes (dir: string): Promise<{ home: string, did: Record<OrgName, string> }> {
  const { oosIn } = await import('../cli/run.ts')
  const { join } = await import('node:path')
  const run = async (args: string[]): Promise<ReturnType<Awaited<ReturnType<typeof oosIn>>['json']>> => {
    const r = await oosIn([...args, '--json'])
    expect(r.code, `oos ${args.join(' ')}: ${r.stderr}`).toBe(0)
    return r.stdout === '' ? undefined : r.json()
  }
  const did = {} as Record<OrgName, string>
  for (const org of ORGS) {
    const home = join(dir, org)
    await run(['init', '--name', org, '--home', home])
    for (let v = 1; v <= 3; v++) await run(['publish', fileURLToPath(new URL(`../../examples/orgs/${org}/v${v}.oos.md`, import.meta.url)), '--home', home])
    did[org] = (await run(['id', '--home', home])).org
  }
  const home = join(dir, 'ledgerline')
  for (const org of ['carepath', 'parcelworks'] as const) {
    const car = join(dir, `${org}.car`)
    await run(['export', '--out', car, '--home', join(dir, org)])
    await run(['import', car, '--home', home])
  }
  return { home, did }
}
