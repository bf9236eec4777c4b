/**
 * The documents the benches publish and the chains they sign, given the parser and signer of
 * the code tree that runs them: a node process of the network bench loads the node from one
 * tree only (dist/ or src/, cluster.ts NODE_CODE), not a second copy of its modules beside it.
 */
import { readFileSync, readdirSync } from 'node:fs'
import type { CID } from 'multiformats/cid'
import type { OosBody } from '../src/oos/types.ts'
import type { signVersion } from '../src/records/version.ts'

/** `fixture`: the 10.8 KB example document and a one-claim revision of it; `examples`: every document of examples/orgs */
export type DocSet = 'examples' | 'fixture'

export function readDocuments (parse: (text: string) => { body: OosBody }, set: DocSet = 'examples'): OosBody[] {
  if (set === 'fixture') {
    const body = parse(readFileSync(new URL('../tests/fixtures/example.oos.md', import.meta.url), 'utf8')).body
    const last = body.claims.length - 1
    return [body, { ...body, claims: body.claims.map((c, i) => i === last ? { ...c, rule: c.rule + ' (revised)' } : c) }]
  }
  const root = new URL('../examples/orgs/', import.meta.url)
  const out: OosBody[] = []
  for (const org of readdirSync(root, { withFileTypes: true }).filter(d => d.isDirectory()).map(d => d.name).sort()) {
    for (const f of readdirSync(new URL(`${org}/`, root)).filter(f => f.endsWith('.oos.md')).sort()) {
      out.push(parse(readFileSync(new URL(`${org}/${f}`, root), 'utf8')).body)
    }
  }
  return out
}

/** `n` versions of `org` (seq 1..n, the documents in turn), signed with its key; created in the recent past. */
export function signChainWith (sign: typeof signVersion, org: string, orgKey: Uint8Array, n: number, docs: OosBody[]): Uint8Array[] {
  const records: Uint8Array[] = []
  let prev: CID | null = null
  const t0 = Date.now() - n - 1000
  for (let seq = 1; seq <= n; seq++) {
    const v = sign(docs[(seq - 1) % docs.length], { org, seq, prev, createdAt: t0 + seq }, orgKey)
    records.push(v.bytes)
    prev = v.cid
  }
  return records
}
