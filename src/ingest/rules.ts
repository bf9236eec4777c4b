/**
 * Chain and reference rules per record kind (SPEC §6): given a checked record, decide
 * whether it is accepted and which store entries it adds to the open batch. Throws a typed
 * rejection, having added nothing.
 */
import type { CID } from 'multiformats/cid'
import { equals } from 'uint8arrays/equals'
import { RETRACTABLE_KINDS } from '../records/constants.ts'
import { claimIdsOf } from '../records/peek.ts'
import { readRec } from '../records/read.ts'
import type { KeyRotationRecord } from '../records/types.ts'
import type { RecordHead, Verified } from '../records/verified.ts'
import type { Store } from '../store/store.ts'
import { concatBytes, type Transactor } from '../store/transactor.ts'
import { keyForSeq, mayState, rotate } from './authority.ts'
import { cidKey, fromCidKey, type ChainState } from './state.ts'
import { covers, RULES_VERSION } from './verified.ts'
import { NotAuthorError, SeqGapError, StaleRecordError, TimeRegressionError, UnauthorizedKeyError, UnknownTargetError, UnknownSourceError, WrongPrevError } from './errors.ts'

export type Outcome = 'accepted' | 'equivocation' | 'duplicate'

export interface RuleContext {
  store: Store
  state: ChainState
  /** the open batch to add writes to (call it after any flush) */
  batch: () => Transactor
  /** write everything planned so far, so that store reads see it */
  flush: () => Promise<void>
}

type Rec<T extends RecordHead['type']> = Extract<RecordHead, { type: T }>

const signer = (rec: { org: string, key?: string }): string => rec.key ?? rec.org

async function version (v: Verified, rec: Rec<'oos/version'>, ctx: RuleContext): Promise<Outcome> {
  const { org, seq } = rec
  const head = await ctx.state.head(org)
  const mustSign = keyForSeq(await ctx.state.keys(org), seq)
  const authorized = (): void => {
    if (signer(rec) !== mustSign) throw new UnauthorizedKeyError(`version ${seq} of ${org} must be signed by ${mustSign}, not ${signer(rec)}`, { path: 'key' })
  }
  if (head !== undefined && seq <= head.seq) {
    await ctx.flush()
    // SPEC: a record already held is a no-op, before any chain rule
    const existing = await ctx.store.versionCid(org, seq)
    if (existing === undefined || existing.toString() === v.cid.toString() || await ctx.store.has(v.cid)) return 'duplicate'
    authorized()
    // a second, validly signed version at the same seq: keep both as proof, flag the org
    ctx.batch().putBlock(v.cid, v.bytes).putEquivocation(org, seq, existing).putEquivocation(org, seq, v.cid)
    return 'equivocation'
  }
  authorized()
  const expected = (head?.seq ?? 0) + 1
  if (seq > expected) throw new SeqGapError(`version ${seq} of ${org} arrived but the chain is at ${expected - 1}: fetch the missing versions first`, { path: 'seq' })
  if (head === undefined) {
    if (rec.prev !== null) throw new WrongPrevError('the first version must have prev null', { path: 'prev' })
  } else {
    if (rec.prev === null || !rec.prev.equals(head.cid)) throw new WrongPrevError(`prev must be ${head.cid.toString()} (version ${head.seq})`, { path: 'prev' })
    if (rec.createdAt < head.createdAt) throw new TimeRegressionError(`createdAt ${rec.createdAt} is before version ${head.seq}'s ${head.createdAt}`, { path: 'createdAt' })
  }
  await derivedFromKnown(v, ctx)
  // claim index: open a run for each claim new in this version, close the runs of claims it dropped
  const claims = v.claims ?? []
  const list = v.claimList ?? concatBytes(claims)
  const before = await ctx.state.headClaims(org)
  const marker = await ctx.state.verified(org)
  const rotations = (await ctx.state.keys(org)).length - 1
  const claimIdOf = claimIdsBy(v, claims)
  // the open batch only now: an await above may have flushed the one open before
  const batch = ctx.batch()
  // the common case, a version whose claims are those of the previous one: nothing changes
  const after = head?.claimList === undefined || !equals(head.claimList, list)
    ? nextClaims(before, head?.claimList, claims, list, seq, (k, from, until) => {
      batch.putClaimRun(fromCidKey(k), org, from, until)
      const id = until === undefined ? claimIdOf(k) : undefined
      if (id !== undefined) batch.putLineage(org, id, seq, fromCidKey(k))
    })
    : before
  const next = { seq, cid: v.cid, createdAt: rec.createdAt }
  batch.putBlock(v.cid, v.bytes).putChainEntry(org, seq, v.cid, list).setHead(org, next)
  ctx.state.setHead(org, { ...next, claims: after, claimList: list })
  advance(org, covers(marker, head, rotations, marker?.rotation), { seq, cid: v.cid, rotations, rotation: marker?.rotation }, ctx)
  return 'accepted'
}

/** The claim_id of a claim of `v` by its cidKey, read without decoding the body (records/peek.ts), for the lineage index. */
function claimIdsBy (v: Verified, claims: Uint8Array[]): (k: string) => string | undefined {
  let ids: string[] | undefined
  return (k) => {
    ids ??= claimIdsOf(v.bytes) ?? []
    const id = ids[claims.findIndex(c => cidKey(c) === k)]
    return id === '' ? undefined : id
  }
}

/**
 * The verified marker after an accepted version or rotation (verified.ts, TRUST.md §2.1.1):
 * moved on only when the marker covered the state the record was checked against, so it
 * never claims more than this door checked contiguously from seq 1.
 */
function advance (org: string, covered: boolean, next: { seq: number, cid?: CID, rotations: number, rotation?: CID }, ctx: RuleContext): void {
  if (!covered) return
  const marker = { seq: next.seq, rotations: next.rotations, rules: RULES_VERSION, ...(next.cid !== undefined ? { cid: next.cid } : {}), ...(next.rotation !== undefined ? { rotation: next.rotation } : {}) }
  ctx.batch().setVerified(org, marker)
  ctx.state.setVerified(org, marker)
}

/**
 * The claims of a new head (claim key → first seq of its run), from those of the head
 * before; `run` is told of each run opened (until undefined) or closed. When both versions
 * have as many claims, only the positions whose CIDs differ are looked at (a new version
 * usually rewords a claim or two of the last).
 */
function nextClaims (before: Map<string, number>, prevList: Uint8Array | undefined, claims: Uint8Array[], list: Uint8Array, seq: number,
  run: (key: string, from: number, until?: number) => void): Map<string, number> {
  if (prevList === undefined || prevList.length !== list.length) {
    const after = new Map<string, number>()
    for (const c of claims) {
      const k = cidKey(c)
      const from = before.get(k)
      after.set(k, from ?? seq)
      if (from === undefined) run(k, seq)
    }
    for (const [k, from] of before) if (!after.has(k)) run(k, from, seq)
    return after
  }
  // updated in place: `before` is the cached head's, which this version replaces (and the
  // cache is cleared if the batch then fails to commit)
  const after = before
  const added = new Set<string>()
  const dropped: string[] = []
  for (let i = 0, at = 0; i < claims.length; i++, at += claims[i - 1].length) {
    if (sameBytesAt(prevList, list, at, claims[i].length)) continue
    added.add(cidKey(claims[i]))
    dropped.push(cidKey(prevList.subarray(at, at + claims[i].length)))
  }
  // a claim at a changed position that is now at no position (a moved one is in `added`)
  for (const k of dropped) {
    if (added.has(k)) continue
    run(k, after.get(k) as number, seq)
    after.delete(k)
  }
  for (const k of added) {
    if (after.has(k)) continue // moved, not new
    after.set(k, seq)
    run(k, seq)
  }
  return after
}

function sameBytesAt (a: Uint8Array, b: Uint8Array, at: number, n: number): boolean {
  for (let j = at; j < at + n; j++) if (a[j] !== b[j]) return false
  return true
}

/**
 * Every `derived_from` CID of the version's claims must be a known claim (the claim index),
 * or one of this version's own claims (protocol/TRUST.md §4). The body is decoded only when
 * the check said a claim has `derived_from` (`Verified.derived`), so versions without adopted
 * claims stay on the hot path.
 */
async function derivedFromKnown (v: Verified, ctx: RuleContext): Promise<void> {
  if (v.derived !== true) return
  const rec = readRec(v.bytes)
  if (rec.type !== 'oos/version') return
  const claims = rec.body.claims
  const own = new Set((v.claims ?? []).map(c => cidKey(c)))
  const known = new Set<string>()
  let flushed = false
  let unknown: UnknownSourceError | undefined
  for (let i = 0; i < claims.length; i++) {
    const sources = claims[i].derived_from ?? []
    for (const source of sources) {
      const k = cidKey(source.bytes)
      if (own.has(k) || known.has(k)) continue
      if (!flushed) { await ctx.flush(); flushed = true }
      if ((await ctx.store.claimSightings(source)).length === 0) {
        unknown ??= new UnknownSourceError(`claims[${i}] (${claims[i].claim_id}) is derived from ${source.toString()}, which is not a claim known here`, { path: `body.claims[${i}].derived_from` })
        unknown.missing.push(source)
      }
      known.add(k)
    }
  }
  if (unknown !== undefined) throw unknown
}

async function statementSigner (rec: { org: string, key?: string, createdAt: number }, ctx: RuleContext): Promise<void> {
  const epochs = await ctx.state.keys(rec.org)
  const key = signer(rec)
  if (!mayState(epochs, key, rec.createdAt)) {
    throw new UnauthorizedKeyError(`${key} is not a key of ${rec.org} at ${new Date(rec.createdAt).toISOString()}`, { path: 'key' })
  }
}

/** `subject`: the org whose claims the statement is about (the set of NETWORK-reqresp.md §5.2) */
function indexStatement (v: Verified, rec: { org: string, target: CID, createdAt: number }, subject: string, ctx: RuleContext): void {
  ctx.batch().putBlock(v.cid, v.bytes).putStatement(rec.target, rec.org, v.cid).putAbout(subject, rec.createdAt, v.cid)
}

async function endorsement (v: Verified, rec: Rec<'oos/endorsement'>, ctx: RuleContext): Promise<Outcome> {
  await statementSigner(rec, ctx)
  const sightings = await ctx.store.claimSightings(rec.target)
  if (sightings.length === 0) throw new UnknownTargetError(`claim ${rec.target.toString()} is not known here`, { path: 'target' })
  const version = (await ctx.store.record(rec.version))?.rec
  if (version?.type !== 'oos/version' || version.org !== rec.targetOrg || !sightings.some(s => s.org === rec.targetOrg && s.from <= version.seq && (s.until === undefined || version.seq < s.until))) {
    throw new UnknownTargetError(`claim ${rec.target.toString()} is not in version ${rec.version.toString()} of ${rec.targetOrg}`, { path: 'version' })
  }
  indexStatement(v, rec, rec.targetOrg, ctx)
  return 'accepted'
}

async function retraction (v: Verified, rec: Rec<'oos/retraction'>, ctx: RuleContext): Promise<Outcome> {
  await statementSigner(rec, ctx)
  const held = (await ctx.store.record(rec.target))?.rec
  const author = held !== undefined ? held.org : await ctx.store.claimAuthor(rec.target)
  if (author === undefined) throw new UnknownTargetError(`${rec.target.toString()} is not known here`, { path: 'target' })
  if (author !== rec.org) throw new NotAuthorError(`${rec.org} cannot retract ${rec.target.toString()}, which ${author} wrote`, { path: 'target' })
  if (held !== undefined && !RETRACTABLE_KINDS.has(held.type)) throw new NotAuthorError(`a ${held.type} cannot be retracted: only claims, versions and endorsements (SPEC R-4.3.2)`, { path: 'target' })
  // a retracted endorsement is about the endorsed org's claims; a retracted claim or version, about the org's own
  indexStatement(v, rec, held?.type === 'oos/endorsement' ? held.targetOrg : rec.org, ctx)
  return 'accepted'
}

async function rotation (v: Verified, rec: KeyRotationRecord, ctx: RuleContext): Promise<Outcome> {
  const epochs = await ctx.state.keys(rec.org)
  const seq = epochs.length
  if (rec.seq > seq) throw new SeqGapError(`rotation ${rec.seq} of ${rec.org} arrived but ${seq - 1} are known`, { path: 'seq' })
  if (rec.seq < seq) throw new StaleRecordError(`rotation ${rec.seq} of ${rec.org} conflicts with one already known`, { path: 'seq' })
  const prevCid = seq === 1 ? undefined : await ctx.store.rotationCid(rec.org, seq - 1)
  if ((prevCid === undefined) !== (rec.prev === null) || (rec.prev !== null && prevCid !== undefined && !rec.prev.equals(prevCid))) {
    throw new WrongPrevError('prev must be the org\'s previous rotation', { path: 'prev' })
  }
  const next = rotate(epochs, rec)
  const head = await ctx.state.head(rec.org)
  if (rec.effectiveSeq <= (head?.seq ?? 0)) throw new StaleRecordError(`effectiveSeq ${rec.effectiveSeq} is not after the org's head ${head?.seq ?? 0}`, { path: 'effectiveSeq' })
  const covered = covers(await ctx.state.verified(rec.org), head, seq - 1, prevCid)
  ctx.batch().putBlock(v.cid, v.bytes).putRotation(rec.org, rec.seq, v.cid)
  ctx.state.addRotation(rec.org, next)
  advance(rec.org, covered, { seq: head?.seq ?? 0, cid: head?.cid, rotations: rec.seq, rotation: v.cid }, ctx)
  return 'accepted'
}

async function binding (v: Verified, rec: Rec<'oos/node-binding'>, ctx: RuleContext): Promise<Outcome> {
  await statementSigner(rec, ctx)
  const cur = await ctx.store.binding(rec.org)
  if (cur !== undefined && cur.rec.createdAt >= rec.createdAt) {
    throw new StaleRecordError(`a newer node binding of ${rec.org} is already known`, { path: 'createdAt' })
  }
  ctx.batch().putBlock(v.cid, v.bytes).putBinding(rec.org, v.cid)
  return 'accepted'
}

/**
 * Plan one record into `ctx.batch`. Versions extending a chain are decided from the
 * in-memory state alone (the hot path); everything else first flushes earlier writes so
 * that the store reads below see them.
 */
export async function plan (v: Verified, ctx: RuleContext): Promise<Outcome> {
  const rec = v.rec
  if (rec.type === 'oos/version') return await version(v, rec, ctx)
  await ctx.flush()
  if (await ctx.store.has(v.cid)) return 'duplicate'
  switch (rec.type) {
    case 'oos/endorsement': return await endorsement(v, rec, ctx)
    case 'oos/retraction': return await retraction(v, rec, ctx)
    case 'oos/key-rotation': return await rotation(v, rec, ctx)
    case 'oos/node-binding': return await binding(v, rec, ctx)
  }
}
