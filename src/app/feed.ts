/**
 * The feed (issue 17, protocol/openapi.yaml "Feed and events"): what happened on the network
 * that concerns us, one event per record, from the store (`feedHistory`, `oos feed`,
 * `GET /v1/feed`) or live from a running node's typed events (`feedStream`, node/events.ts;
 * `GET /v1/events`, `oos feed --follow`, hooks). Both make each event with `feedEventOf`, so a
 * record reads the same in the history and live.
 *
 * What is news (never what we signed ourselves):
 * - `version`: a new version of another org held here, with its diff against the version
 *   before it (oos/diff.ts, as `oos diff` shows it) in one line;
 * - `adoption`: such a version that newly derives a claim (`derived_from`, TRUST.md §4) from a
 *   claim of ours or of an org we follow (the version's event, with what it adopted);
 * - `endorsement` / `dispute`: a statement about a claim of ours or of an org we follow;
 * - `retraction`: another org withdrew one of its claims, versions or statements;
 * - `rotation`: another org rotated its key (SPEC §7);
 * - `equivocation`: two signed versions of an org at one seq are held (SPEC §6).
 */
import type { CID } from 'multiformats/cid'
import { diffBodies, type BodyDiff } from '../oos/diff.ts'
import type { Claim } from '../oos/types.ts'
import { claimCid } from '../records/claims.ts'
import type { EndorsementRecord, KeyRotationRecord, RetractionRecord, VersionRecord } from '../records/types.ts'
import type { Store } from '../store/store.ts'
import { InvalidArgumentError } from '../errors.ts'
import { shortDid, type OrgLabel, type OrgNames, type OrgRow } from './names.ts'

export type FeedKind = 'version' | 'endorsement' | 'dispute' | 'adoption' | 'retraction' | 'equivocation' | 'rotation'
export const FEED_KINDS: readonly FeedKind[] = ['version', 'endorsement', 'dispute', 'adoption', 'retraction', 'equivocation', 'rotation']

export interface FeedEvent {
  /** stable and unique: the record's CID; `flag:<did>:<seq>` for an equivocation */
  id: string
  kind: FeedKind
  /** the record's createdAt (ms since the epoch); for an equivocation, the later conflicting version's (when it could first be seen) */
  at: number
  /** the did that signed it (the flagged org for an equivocation) */
  org: string
  /** how we stand towards `org` */
  label: OrgLabel
  /** version, adoption, equivocation: the seq */
  seq?: number
  /** statements and adoptions: the claim CID they are about; retraction: what it retracts */
  target?: string
  /** one human line, e.g. "ledgerline v3: 2 added, 1 reworded, 1 retired; authority: AGT-004" (peer text: print it escaped) */
  summary: string
  /** machine data: `name` (how `org` is called here) always; diff counts, stance, note, claim_id … by kind */
  detail?: Record<string, unknown>
}

export interface FeedInput {
  /** only events at or after this time (ms since the epoch) */
  since?: number
  /** the newest `limit` events (default FEED_LIMIT) */
  limit?: number
}

export const FEED_LIMIT = 100
export const FEED_MAX_LIMIT = 10_000

/** What the feed knows of the orgs here when it makes an event: names, labels, whom we watch. */
export interface FeedView {
  self: string
  rows: Map<string, OrgRow>
  /** us and the orgs we follow: statements about their claims and adoptions of them are news */
  watched: Set<string>
}

export async function feedView (names: OrgNames): Promise<FeedView> {
  const rows = new Map((await names.directory()).map(r => [r.org, r]))
  return { self: names.self, rows, watched: new Set([names.self, ...[...rows.values()].filter(r => r.followed).map(r => r.org)]) }
}

const NEUTRAL: OrgLabel = { trust: 'neutral', nameShared: false }
const nameOf = (view: FeedView, org: string): string => { const r = view.rows.get(org); return r?.alias ?? r?.pseudonym ?? shortDid(org) }
const labelOf = (view: FeedView, org: string): OrgLabel => {
  const r = view.rows.get(org)
  return r === undefined ? NEUTRAL : { trust: r.trust, nameShared: r.nameShared, ...(r.alias !== undefined ? { alias: r.alias } : {}) }
}
/** "our CLM-1", "ledgerline's CLM-1" */
const whose = (view: FeedView, org: string): string => org === view.self ? 'our' : `${nameOf(view, org)}'s`
/** the most characters of a summary: a note or a reason longer than that is cut (the whole is in `detail`) */
const MAX_SUMMARY = 300
/** one line: runs of white space (a note's newlines) as one space, cut at MAX_SUMMARY */
const oneLine = (s: string): string => { const t = s.replace(/\s+/g, ' ').trim(); return t.length > MAX_SUMMARY ? `${t.slice(0, MAX_SUMMARY - 1)}…` : t }
const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`

function event (view: FeedView, e: Omit<FeedEvent, 'label' | 'detail'>, detail: Record<string, unknown> = {}): FeedEvent {
  return { ...e, summary: oneLine(e.summary), label: labelOf(view, e.org), detail: { name: nameOf(view, e.org), ...detail } }
}

/** Claims added, reworded (a text field changed), otherwise changed (confidence, evidence, …) and retired. */
function claimCounts (d: BodyDiff): { added: number, reworded: number, changed: number, retired: number } {
  const reworded = d.claims.changed.filter(c => c.reworded.length > 0).length
  return { added: d.claims.added.length, reworded, changed: d.claims.changed.length - reworded, retired: d.claims.removed.length }
}

/** The one line of a diff: claims added / reworded / retired, and the agents and humans whose authority changed. */
export function diffLine (d: BodyDiff): string {
  const n = claimCounts(d)
  const parts = (['added', 'reworded', 'changed', 'retired'] as const).filter(k => n[k] > 0).map(k => `${n[k]} ${k}`)
  const e = d.entities
  const authority = [...e.added.map(x => `+${x.id}`), ...e.changed.map(x => x.id), ...e.removed.map(x => `-${x.id}`)]
  const claims = parts.length > 0 ? parts.join(', ') : 'no claim changed'
  return authority.length > 0 ? `${claims}; authority: ${authority.join(', ')}` : claims
}

/** The claims of `rec` that newly derive from a claim of an org we watch (not its own): adoptions. */
async function adoptions (store: Store, view: FeedView, rec: VersionRecord, before: Map<string, Claim>): Promise<Array<{ claim_id: string, source: string, sourceOrg: string, source_claim_id: string }>> {
  const out = []
  for (const c of rec.body.claims) {
    const had = new Set((before.get(c.claim_id)?.derived_from ?? []).map(String))
    for (const d of c.derived_from ?? []) {
      if (had.has(d.toString())) continue
      const author = await store.claimAuthor(d)
      if (author !== undefined && author !== rec.org && view.watched.has(author)) out.push({ claim_id: c.claim_id, source: d.toString(), sourceOrg: author, source_claim_id: await claimIdOf(store, author, d) ?? d.toString() })
    }
  }
  return out
}

/** The claim_id of the claim `cid` of `org`: found in `version`, else in the latest version of `org` holding it (the claim index). */
async function claimIdOf (store: Store, org: string, cid: CID, version?: CID): Promise<string | undefined> {
  const run = version === undefined ? await store.latestClaimRun(cid, org) : undefined
  const at = version ?? (run === undefined ? undefined : await store.versionCid(org, run.from))
  // the claim whose CID (by org and content, SPEC §5) is `cid`
  return at === undefined ? undefined : (await store.version(at))?.body.claims.find(c => claimCid(org, c).equals(cid))?.claim_id
}

async function versionEvent (store: Store, view: FeedView, cid: CID, rec: VersionRecord): Promise<FeedEvent> {
  const prev = rec.prev === null ? undefined : await store.version(rec.prev)
  const name = nameOf(view, rec.org)
  const base = { id: cid.toString(), at: rec.createdAt, org: rec.org, seq: rec.seq }
  const d = prev === undefined ? undefined : diffBodies(prev.body, rec.body)
  const counts = d === undefined
    ? { claims: rec.body.claims.length }
    : { claims: rec.body.claims.length, ...claimCounts(d), authority: [...d.entities.added, ...d.entities.changed, ...d.entities.removed].map(x => x.id) }
  const line = d === undefined ? `${rec.seq === 1 ? 'first version' : 'first version held'}, ${plural(rec.body.claims.length, 'claim')}` : diffLine(d)
  const adopted = await adoptions(store, view, rec, new Map((prev?.body.claims ?? []).map(c => [c.claim_id, c])))
  if (adopted.length === 0) return event(view, { ...base, kind: 'version', summary: `${name} v${rec.seq}: ${line}` }, counts)
  const what = adopted.map(a => `${whose(view, a.sourceOrg)} ${a.source_claim_id} as ${a.claim_id}`).join(', ')
  return event(view, { ...base, kind: 'adoption', target: adopted[0].source, summary: `${name} v${rec.seq} adopted ${what}; ${line}` }, { ...counts, adopted })
}

async function statementEvent (store: Store, view: FeedView, cid: CID, rec: EndorsementRecord): Promise<FeedEvent | undefined> {
  if (!view.watched.has(rec.targetOrg)) return undefined
  const claimId = await claimIdOf(store, rec.targetOrg, rec.target, rec.version)
  const verb = rec.stance === 'dispute' ? 'disputes' : 'endorses'
  const note = rec.note !== undefined ? `: ${rec.note}` : ''
  return event(view, {
    id: cid.toString(),
    kind: rec.stance === 'dispute' ? 'dispute' : 'endorsement',
    at: rec.createdAt,
    org: rec.org,
    target: rec.target.toString(),
    summary: `${nameOf(view, rec.org)} ${verb} ${whose(view, rec.targetOrg)} ${claimId ?? rec.target.toString()}${note}`
  }, { stance: rec.stance, targetOrg: rec.targetOrg, ...(claimId !== undefined ? { claim_id: claimId } : {}), ...(rec.note !== undefined ? { note: rec.note } : {}), ...(rec.evidence !== undefined ? { evidence: rec.evidence } : {}) })
}

async function retractionEvent (store: Store, view: FeedView, cid: CID, rec: RetractionRecord): Promise<FeedEvent> {
  const target = (await store.record(rec.target))?.rec
  const what = target?.type === 'oos/version'
    ? `its version ${target.seq}`
    : target?.type === 'oos/endorsement'
      ? `its ${target.stance === 'dispute' ? 'dispute' : 'endorsement'} of ${whose(view, target.targetOrg)} ${await claimIdOf(store, target.targetOrg, target.target, target.version) ?? target.target.toString()}`
      : `its claim ${await claimIdOf(store, rec.org, rec.target) ?? rec.target.toString()}`
  return event(view, { id: cid.toString(), kind: 'retraction', at: rec.createdAt, org: rec.org, target: rec.target.toString(), summary: `${nameOf(view, rec.org)} retracted ${what}: ${rec.reason}` }, { reason: rec.reason, ...(target !== undefined ? { targetKind: target.type } : {}) })
}

function rotationEvent (view: FeedView, cid: CID, rec: KeyRotationRecord): FeedEvent {
  return event(view, { id: cid.toString(), kind: 'rotation', at: rec.createdAt, org: rec.org, summary: `${nameOf(view, rec.org)} rotated its key (rotation ${rec.seq}, from version ${rec.effectiveSeq}): ${rec.reason}` }, { rotation: rec.seq, effectiveSeq: rec.effectiveSeq, oldKey: rec.oldKey, newKey: rec.newKey, reason: rec.reason })
}

/** The event of the record `cid`, or undefined when it is not news here (ours, a binding, a statement about others). */
export async function feedEventOf (store: Store, view: FeedView, cid: CID): Promise<FeedEvent | undefined> {
  const rec = (await store.record(cid))?.rec
  if (rec === undefined || rec.org === view.self) return undefined
  switch (rec.type) {
    case 'oos/version': return await versionEvent(store, view, cid, rec)
    case 'oos/endorsement': return await statementEvent(store, view, cid, rec)
    case 'oos/retraction': return await retractionEvent(store, view, cid, rec)
    case 'oos/key-rotation': return rotationEvent(view, cid, rec)
    default: return undefined
  }
}

/** The event of an equivocation of `org` at `seq` (store.equivocations), undefined when no proof is held. */
export async function equivocationEvent (store: Store, view: FeedView, org: string, seq: number): Promise<FeedEvent | undefined> {
  const proof = (await store.equivocations(org)).find(e => e.seq === seq)
  if (proof === undefined || org === view.self) return undefined
  const times = await Promise.all(proof.cids.map(async c => (await store.version(c))?.createdAt ?? 0))
  return event(view, { id: `flag:${org}:${seq}`, kind: 'equivocation', at: Math.max(...times), org, seq, summary: `EQUIVOCATION: ${nameOf(view, org)} signed ${proof.cids.length} different versions ${seq}` }, { versions: proof.cids.map(String) })
}

/** oldest first; ties by org, seq, id (a chain's versions keep their order) */
export const byTime = (a: FeedEvent, b: FeedEvent): number => a.at - b.at || a.org.localeCompare(b.org) || (a.seq ?? 0) - (b.seq ?? 0) || a.id.localeCompare(b.id)

export function checkFeedInput ({ since, limit }: FeedInput): void {
  if (since !== undefined && (!Number.isSafeInteger(since) || since < 0)) throw new InvalidArgumentError('since must be a time in ms since the epoch', { path: 'since' })
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1 || limit > FEED_MAX_LIMIT)) throw new InvalidArgumentError(`limit must be 1 to ${FEED_MAX_LIMIT}`, { path: 'limit' })
}

/** The feed from the store: the newest `limit` events at or after `since`, oldest first. */
export async function feedHistory (store: Store, names: OrgNames, input: FeedInput = {}, options: { signal?: AbortSignal } = {}): Promise<FeedEvent[]> {
  checkFeedInput(input)
  const since = input.since ?? 0
  const view = await feedView(names)
  const out: FeedEvent[] = []
  const add = (e: FeedEvent | undefined): void => { if (e !== undefined && e.at >= since) out.push(e) }
  const orgs = new Set<string>(await store.orgsKnown())
  for await (const h of store.heads()) {
    orgs.add(h.org)
    if (h.org === view.self) continue
    // createdAt never goes back along a chain: newest first, until one is older than `since`
    for await (const v of store.chain(h.org, { reverse: true })) {
      options.signal?.throwIfAborted()
      const e = await feedEventOf(store, view, v.cid)
      if (e === undefined) continue
      if (e.at < since) break
      out.push(e)
    }
  }
  for await (const s of store.statements()) {
    options.signal?.throwIfAborted()
    if (s.org !== view.self) add(await feedEventOf(store, view, s.cid))
  }
  for (const org of orgs) {
    if (org === view.self) continue
    for (const r of await store.rotationCids(org)) add(await feedEventOf(store, view, r.cid))
    for (const q of await store.equivocations(org)) add(await equivocationEvent(store, view, org, q.seq))
  }
  return out.sort(byTime).slice(-(input.limit ?? FEED_LIMIT))
}
