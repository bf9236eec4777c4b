/**
 * Read-only lookups the trust layer shares (claims by CID, lineages, org names, statements
 * about a target), with per-call caches: one `Reader` answers one question (a provenance
 * report, an adoption) and is then dropped. Records come out of the store already verified
 * by the ingest door; decoding them here is plain DAG-CBOR decoding.
 */
import { CID } from 'multiformats/cid'
import type { Claim } from '../oos/types.ts'
import type { EndorsementRecord, RetractionRecord, UnsignedRecord, VersionRecord } from '../records/types.ts'
import type { ClaimSighting, Store } from '../store/store.ts'

/** A claim as the store knows it: its author and the latest version that contains it. */
export interface ClaimInfo {
  cid: CID
  org: string
  claim: Claim
  /** runs of consecutive versions of `org` that contain it, oldest first */
  sightings: ClaimSighting[]
  /** the latest version containing the claim */
  seq: number
  version: CID
  createdAt: number
}

export interface Statement<R extends EndorsementRecord | RetractionRecord = EndorsementRecord | RetractionRecord> {
  cid: CID
  rec: R
}

export class Reader {
  readonly store: Store
  private readonly records = new Map<string, UnsignedRecord | null>()
  private readonly claimsCache = new Map<string, ClaimInfo | null>()
  private readonly names = new Map<string, string | undefined>()
  private readonly lineages = new Map<string, Map<string, string>>()

  constructor (store: Store) { this.store = store }

  /** The unsigned record stored under `cid` (undefined when not held). */
  async record (cid: CID): Promise<UnsignedRecord | undefined> {
    const k = cid.toString()
    let r = this.records.get(k)
    if (r === undefined) {
      r = (await this.store.record(cid))?.rec ?? null
      this.records.set(k, r)
    }
    return r ?? undefined
  }

  async version (cid: CID): Promise<VersionRecord | undefined> {
    const r = await this.record(cid)
    return r?.type === 'oos/version' ? r : undefined
  }

  /** A claim by CID: found through the claim index, read from the latest version holding it. */
  async claim (cid: CID): Promise<ClaimInfo | undefined> {
    const k = cid.toString()
    const hit = this.claimsCache.get(k)
    if (hit !== undefined) return hit ?? undefined
    const info = await this.findClaim(cid)
    this.claimsCache.set(k, info ?? null)
    return info
  }

  private async findClaim (cid: CID): Promise<ClaimInfo | undefined> {
    const sightings = await this.store.claimSightings(cid)
    if (sightings.length === 0) return undefined
    const org = sightings[0].org
    const runs = sightings.filter(s => s.org === org)
    const last = runs[runs.length - 1]
    const seq = last.until === undefined ? (await this.store.head(org))?.seq : last.until - 1
    if (seq === undefined) return undefined
    const claims = await this.store.versionClaims(org, seq)
    const at = claims?.findIndex(c => c.equals(cid)) ?? -1
    const versionCid = await this.store.versionCid(org, seq)
    if (at < 0 || versionCid === undefined) return undefined
    const v = await this.version(versionCid)
    const claim = v?.body.claims[at]
    if (v === undefined || claim === undefined) return undefined
    return { cid, org, claim, sightings: runs, seq, version: versionCid, createdAt: v.createdAt }
  }

  /** The pseudonym of the org's latest version (undefined if no version is held). */
  async orgName (org: string): Promise<string | undefined> {
    if (this.names.has(org)) return this.names.get(org)
    const head = await this.store.head(org)
    const name = head === undefined ? undefined : (await this.version(head.cid))?.body.frontmatter.org_pseudonym
    this.names.set(org, name)
    return name
  }

  /**
   * Every claim CID the org has published, with its claim_id (its lineage is
   * `(org, claim_id)`, SPEC §5). Decodes only the versions that bring claim CIDs not seen
   * before in the chain.
   */
  async claimIds (org: string): Promise<Map<string, string>> {
    let ids = this.lineages.get(org)
    if (ids !== undefined) return ids
    ids = new Map()
    for await (const e of this.store.chain(org)) {
      if (e.claims.every(c => ids?.has(c.toString()))) continue
      const v = await this.version(e.cid)
      if (v === undefined) continue
      e.claims.forEach((c, i) => {
        const id = v.body.claims[i]?.claim_id
        if (id !== undefined && !ids?.has(c.toString())) ids?.set(c.toString(), id)
      })
    }
    this.lineages.set(org, ids)
    return ids
  }

  /** The claim CIDs of the lineage `(org, claimId)`, oldest first. */
  async lineage (org: string, claimId: string): Promise<CID[]> {
    const out: CID[] = []
    for (const [c, id] of await this.claimIds(org)) if (id === claimId) out.push(CID.parse(c))
    return out
  }

  /** Endorsements and retractions whose target is `target`. */
  async statementsAbout (target: CID): Promise<Statement[]> {
    const out: Statement[] = []
    for (const cid of await this.store.statementsAbout(target)) {
      const rec = await this.record(cid)
      if (rec?.type === 'oos/endorsement' || rec?.type === 'oos/retraction') out.push({ cid, rec })
    }
    return out
  }

  /** The author's retraction of `target`, if any (ingest admits only the author's own). */
  async retractionOf (target: CID, author: string): Promise<Statement<RetractionRecord> | undefined> {
    for (const s of await this.statementsAbout(target)) {
      if (s.rec.type === 'oos/retraction' && s.rec.org === author) return s as Statement<RetractionRecord>
    }
    return undefined
  }

  /** Statements an org authored. */
  async authored (org: string): Promise<Statement[]> {
    const out: Statement[] = []
    for await (const cid of this.store.statementsBy(org)) {
      const rec = await this.record(cid)
      if (rec?.type === 'oos/endorsement' || rec?.type === 'oos/retraction') out.push({ cid, rec })
    }
    return out
  }
}
