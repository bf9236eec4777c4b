/**
 * Full-text search over the claims of every org held here (`oos search`, `GET /v1/search`),
 * with MiniSearch (BM25 ranking, prefix and fuzzy matching). The index holds every claim CID
 * any version of an org carried, with the latest version holding it; it is built from the
 * store on first use and then kept up to date by the ingest door's `record:accepted` events
 * (a version marks its org for re-reading at the next question), so it lives as long as the
 * app: the whole run of a node (app/node.ts), one call offline (app/offline.ts).
 * Endorsement counts and trust marks are read at question time: they change without a version.
 */
import MiniSearch, { type SearchResult } from 'minisearch'
import { CID } from 'multiformats/cid'
import type { Ingest } from '../ingest/ingest.ts'
import { InvalidArgumentError } from '../errors.ts'
import { CONFIDENCE, type Claim, type Confidence } from '../oos/types.ts'
import type { Store } from '../store/store.ts'
import { statementCounts } from '../trust/counts.ts'
import { Reader } from '../trust/reader.ts'
import type { OrgLabel, OrgNames } from './names.ts'
import { indexTerm, words } from './tokens.ts'

/** A claim as the index holds it. */
export interface IndexedClaim {
  cid: string
  org: string
  /** the pseudonym of the org's latest version */
  name: string
  claim: Claim
  /** the latest version of `org` holding the claim */
  seq: number
  /** the claim is in the org's latest version */
  current: boolean
}

/** One answer of `App.search` (contracts of issue 17). */
export interface SearchHit {
  cid: string
  claim_id: string
  org: string
  /** the pseudonym of the org's latest version */
  name: string
  label: OrgLabel
  /** the latest version of `org` holding this claim CID */
  seq: number
  /** the claim is in the org's latest version (else an earlier wording, or dropped) */
  current: boolean
  section: string
  confidence: string
  evidence: string
  rule: string
  score: number
  /** the claim fields the query matched: rule, why, failure_mode, scope, section, claim_id, org */
  matched: string[]
  /** current endorsements and disputes held, one per org (trust/counts.ts) */
  endorsements: number
  disputes: number
}

export interface SearchInput {
  text: string
  section?: string
  confidence?: Confidence
  /** only claims of orgs we trust (ours included) */
  trusted?: boolean
  /** most hits (default 20, at most 200) */
  limit?: number
}

export const SEARCH_LIMIT = { default: 20, max: 200 }
/** A claim no longer in its org's latest version ranks below the current wording. */
const RETIRED_WEIGHT = 0.5
const FIELDS = ['rule', 'why', 'failure_mode', 'scope', 'section', 'claim_id', 'org'] as const

interface Doc { id: string, rule: string, why: string, failure_mode: string, scope: string, section: string, claim_id: string, org: string }

export class ClaimIndex {
  private readonly store: Store
  private readonly mini = new MiniSearch<Doc>({
    fields: [...FIELDS],
    tokenize: words,
    processTerm: indexTerm,
    searchOptions: { boost: { rule: 2, claim_id: 2 }, prefix: t => t.length >= 4, fuzzy: t => t.length >= 6 ? 0.2 : false }
  })

  private readonly claims = new Map<string, IndexedClaim>()
  private readonly byOrg = new Map<string, Set<string>>()
  /** the seq each org is indexed up to, its name and its alias as indexed */
  private readonly orgs = new Map<string, { seq: number, name: string, alias?: string }>()
  private readonly dirty = new Set<string>()
  private built = false
  private listening = false
  private tail: Promise<void> = Promise.resolve()

  private readonly ingest?: Pick<Ingest, 'addEventListener'>

  constructor (store: Store, ingest?: Pick<Ingest, 'addEventListener'>) {
    this.store = store
    this.ingest = ingest
  }

  /** The index, built or brought up to date; `aliases`: our names for orgs, indexed with their pseudonyms. */
  async ready (aliases: Map<string, string | undefined> = new Map()): Promise<this> {
    const run = this.tail.then(async () => await this.update(aliases))
    this.tail = run.catch(() => {})
    await run
    return this
  }

  /** Every claim indexed. */
  all (): IterableIterator<IndexedClaim> { return this.claims.values() }

  get (cid: string): IndexedClaim | undefined { return this.claims.get(cid) }

  search (text: string, filter: (c: IndexedClaim) => boolean): Array<{ claim: IndexedClaim, score: number, matched: string[] }> {
    return this.mini.search(text, { filter: (r) => { const c = this.claims.get(r.id); return c !== undefined && filter(c) } })
      .map((r: SearchResult) => {
        const claim = this.claims.get(r.id) as IndexedClaim
        return { claim, score: r.score * (claim.current ? 1 : RETIRED_WEIGHT), matched: FIELDS.filter(f => Object.values(r.match).some(fs => fs.includes(f))) }
      })
      .sort((a, b) => b.score - a.score || a.claim.cid.localeCompare(b.claim.cid))
  }

  private async update (aliases: Map<string, string | undefined>): Promise<void> {
    if (!this.listening) {
      // listened to from the first question on: until someone searches, the door dispatches nothing for us
      this.ingest?.addEventListener('record:accepted', (e) => {
        if (e.detail.kind === 'oos/version') this.dirty.add(e.detail.org)
      })
      this.listening = true
    }
    if (!this.built) {
      for await (const h of this.store.heads()) this.dirty.add(h.org)
      this.built = true
    }
    // a version accepted while its org is read marks it again; a failed read (a store stopping) is tried again at the next question
    for (const org of [...this.dirty]) {
      this.dirty.delete(org)
      try {
        await this.refresh(org, aliases.get(org))
      } catch (err) {
        this.dirty.add(org)
        throw err
      }
    }
    for (const [org, known] of this.orgs) {
      if (known.alias !== aliases.get(org)) { known.alias = aliases.get(org); this.reindex(org) }
    }
  }

  /** Read the versions of `org` not indexed yet. */
  private async refresh (org: string, alias: string | undefined): Promise<void> {
    const head = await this.store.head(org)
    const known = this.orgs.get(org)
    if (head === undefined || (known !== undefined && head.seq <= known.seq)) return
    const name = (await this.store.version(head.cid))?.body.frontmatter.org_pseudonym ?? ''
    const mine = this.byOrg.get(org) ?? new Set<string>()
    this.byOrg.set(org, mine)
    const added: IndexedClaim[] = []
    for await (const e of this.store.chain(org, { from: (known?.seq ?? 0) + 1 })) {
      let body: Claim[] | undefined
      for (const [i, cid] of e.claims.entries()) {
        const key = cid.toString()
        const held = this.claims.get(key)
        if (held !== undefined) { held.seq = e.seq; continue }
        body ??= (await this.store.version(e.cid))?.body.claims
        const claim = body?.[i]
        if (claim === undefined) continue
        const c: IndexedClaim = { cid: key, org, name, claim, seq: e.seq, current: false }
        this.claims.set(key, c)
        mine.add(key)
        added.push(c)
      }
    }
    const current = new Set((await this.store.versionClaims(org, head.seq) ?? []).map(String))
    for (const key of mine) (this.claims.get(key) as IndexedClaim).current = current.has(key)
    const renamed = known !== undefined && (known.name !== name || known.alias !== alias)
    this.orgs.set(org, { seq: head.seq, name, alias })
    if (renamed) this.reindex(org)
    else this.mini.addAll(added.map(c => this.doc(c)))
  }

  /** Index the org's claims again (a new pseudonym or alias). */
  private reindex (org: string): void {
    const name = this.orgs.get(org)?.name ?? ''
    for (const key of this.byOrg.get(org) ?? []) {
      const c = this.claims.get(key) as IndexedClaim
      c.name = name
      if (this.mini.has(key)) this.mini.replace(this.doc(c))
      else this.mini.add(this.doc(c))
    }
  }

  private doc (c: IndexedClaim): Doc {
    const o = this.orgs.get(c.org)
    return { id: c.cid, rule: c.claim.rule, why: c.claim.why, failure_mode: c.claim.failure_mode, scope: c.claim.scope, section: c.claim.section, claim_id: c.claim.claim_id, org: [o?.name ?? c.name, o?.alias ?? ''].join(' ') }
  }
}

const NEUTRAL: OrgLabel = { trust: 'neutral', nameShared: false }
export const isTrusted = (label: OrgLabel): boolean => label.trust === 'us' || label.trust === 'trusted'

/** The labels of the orgs known here, and the aliases the index files their claims under. */
export async function orgContext (names: OrgNames): Promise<{ labels: Map<string, OrgLabel>, aliases: Map<string, string | undefined> }> {
  const labels = await names.labels()
  return { labels, aliases: new Map([...labels].map(([org, l]) => [org, l.alias])) }
}

/** A hit of an indexed claim: its org's label and its current endorsements and disputes. */
export async function hitOf (reader: Reader, c: IndexedClaim, labels: Map<string, OrgLabel>, score: number, matched: string[]): Promise<SearchHit> {
  const counts = await statementCounts(reader, CID.parse(c.cid), c.org)
  return {
    cid: c.cid,
    claim_id: c.claim.claim_id,
    org: c.org,
    name: c.name,
    label: labels.get(c.org) ?? NEUTRAL,
    seq: c.seq,
    current: c.current,
    section: c.claim.section,
    confidence: c.claim.confidence,
    evidence: c.claim.evidence,
    rule: c.claim.rule,
    score,
    matched,
    ...counts
  }
}

export function checkLimit (limit: unknown, bounds: { default: number, max: number }): number {
  if (limit === undefined) return bounds.default
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > bounds.max) throw new InvalidArgumentError(`limit must be an integer from 1 to ${bounds.max}`, { path: 'limit' })
  return limit
}

/** `App.search`: the claims matching `text`, best first. */
export async function search (index: ClaimIndex, store: Store, names: OrgNames, input: SearchInput): Promise<SearchHit[]> {
  const { text, section, confidence, trusted } = input
  if (typeof text !== 'string' || text.trim() === '') throw new InvalidArgumentError('the search text must not be empty', { path: 'text' })
  if (text.length > 1000) throw new InvalidArgumentError('the search text must be at most 1000 characters', { path: 'text' })
  if (confidence !== undefined && !(CONFIDENCE as readonly string[]).includes(confidence)) throw new InvalidArgumentError(`confidence must be one of ${CONFIDENCE.join(', ')}`, { path: 'confidence' })
  const limit = checkLimit(input.limit, SEARCH_LIMIT)
  const { labels, aliases } = await orgContext(names)
  await index.ready(aliases)
  const found = index.search(text, c =>
    (section === undefined || c.claim.section === section) &&
    (confidence === undefined || c.claim.confidence === confidence) &&
    (trusted !== true || isTrusted(labels.get(c.org) ?? NEUTRAL)))
  const reader = new Reader(store)
  const out: SearchHit[] = []
  for (const f of found.slice(0, limit)) out.push(await hitOf(reader, f.claim, labels, f.score, f.matched))
  return out
}
