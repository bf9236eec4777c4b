/**
 * Read-only questions over the store, shared by the CLI (offline) and the API (online).
 * Records come out of the store already verified by the ingest door; decoding them again
 * here is plain DAG-CBOR decoding.
 */
import { CID } from 'multiformats/cid'
import { isDid } from '../identity/did.ts'
import { claimCid } from '../records/claims.ts'
import { tryParseCid } from '../records/cid.ts'
import type { SignedRecord, UnsignedRecord, VersionRecord } from '../records/types.ts'
import type { Claim, Confidence, Evidence } from '../oos/types.ts'
import type { Store } from '../store/store.ts'
import { InvalidArgumentError, NotFoundError } from './errors.ts'

export interface StoredRecord<R extends UnsignedRecord = UnsignedRecord> {
  cid: CID
  bytes: Uint8Array
  signed: SignedRecord<R>
}

export async function getRecord (store: Store, cid: CID): Promise<StoredRecord | undefined> {
  return await store.stored(cid)
}

/**
 * A version by CID, or by org did and seq (default: the head). Names (aliases, pseudonyms, did
 * prefixes) are resolved by the app's one resolver (app/names.ts, SPEC §9.2) before this.
 */
export async function getVersion (store: Store, ref: string, seq?: number): Promise<StoredRecord<VersionRecord>> {
  const cid = tryParseCid(ref)
  let target: CID | undefined
  if (cid !== undefined && !isDid(ref)) {
    target = cid
  } else {
    if (!isDid(ref)) throw new InvalidArgumentError(`${JSON.stringify(ref)} is neither an org did nor a version CID`)
    const org = ref
    target = seq === undefined ? (await store.head(org))?.cid : await store.versionCid(org, seq)
    if (target === undefined) throw new NotFoundError(`${org} has no version ${seq ?? ''} here`.replace(/ +here/, ' here'))
  }
  const r = await getRecord(store, target)
  if (r === undefined) throw new NotFoundError(`${target.toString()} is not in the store`)
  const { rec, sig } = r.signed
  if (rec.type !== 'oos/version') throw new InvalidArgumentError(`${target.toString()} is an ${rec.type}, not a version`)
  return { cid: r.cid, bytes: r.bytes, signed: { rec, sig } }
}

export interface LogEntry { seq: number, cid: string, createdAt: string, claims: number, name: string }

export async function log (store: Store, org: string, options: { limit?: number } = {}): Promise<LogEntry[]> {
  const out: LogEntry[] = []
  for await (const e of store.chain(org, { reverse: true, limit: options.limit })) {
    const rec = await store.version(e.cid)
    if (rec === undefined) continue // a chain entry's block is written with it (one batch)
    out.push({ seq: e.seq, cid: e.cid.toString(), createdAt: new Date(rec.createdAt).toISOString(), claims: rec.body.claims.length, name: rec.body.frontmatter.org_pseudonym })
  }
  return out
}

export interface ClaimFilter {
  org?: string
  search?: string
  section?: string
  confidence?: Confidence
  evidence?: Evidence
}

export interface ClaimRow {
  cid: string
  org: string
  name: string
  seq: number
  version: string
  claim_id: string
  section: string
  rule: string
  confidence: Confidence
  evidence: Evidence
  claim: Claim
}

/** Claims of the latest version of every org (or one org), filtered. */
export async function claims (store: Store, filter: ClaimFilter = {}): Promise<ClaimRow[]> {
  const needle = filter.search?.toLowerCase()
  const out: ClaimRow[] = []
  const orgs: Array<{ org: string, cid: CID }> = []
  if (filter.org !== undefined) {
    const h = await store.head(filter.org)
    if (h !== undefined) orgs.push({ org: filter.org, cid: h.cid })
  } else {
    for await (const h of store.heads()) orgs.push(h)
  }
  for (const { org, cid } of orgs) {
    const rec = await store.version(cid)
    if (rec === undefined) continue
    for (const c of rec.body.claims) {
      if (filter.section !== undefined && c.section !== filter.section) continue
      if (filter.confidence !== undefined && c.confidence !== filter.confidence) continue
      if (filter.evidence !== undefined && c.evidence !== filter.evidence) continue
      if (needle !== undefined && ![c.rule, c.why, c.failure_mode, c.scope, c.section, c.claim_id].some(t => t.toLowerCase().includes(needle))) continue
      out.push({ cid: claimCid(org, c).toString(), org, name: rec.body.frontmatter.org_pseudonym, seq: rec.seq, version: cid.toString(), claim_id: c.claim_id, section: c.section, rule: c.rule, confidence: c.confidence, evidence: c.evidence, claim: c })
    }
  }
  return out
}

export { CID }
