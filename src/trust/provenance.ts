/**
 * The provenance of a claim (protocol/TRUST.md §2, §3): who wrote it, whether the author's
 * chain verifies from seq 1, which versions carry it, who endorsed or disputed it (and
 * whether that still holds), what it was derived from, and a verdict with its reasons.
 *
 * Sybil resistance: statements from orgs outside the trusted set are listed but never
 * counted — creating orgs is free, so only the reader's own choice of whom to trust (by
 * default, the orgs it follows) gives a statement weight.
 */
import type { CID } from 'multiformats/cid'
import { currentKey, keyValidAt, type KeyEpoch } from '../records/epochs.ts'
import { NotFoundError } from '../errors.ts'
import { decodeRecord } from '../records/codec.ts'
import type { EndorsementRecord } from '../records/types.ts'
import type { Claim, Evidence } from '../oos/types.ts'
import type { Store } from '../store/store.ts'
import { equivocations, keyState, type EquivocationProof, type RotationInfo } from './keys.ts'
import { Reader } from './reader.ts'

/** Whether an org's chain verifies from seq 1 (node/replay.ts replays it through the ingest door). */
export interface ChainCheck {
  org: string
  /** every version up to the local head and every rotation was accepted again */
  valid: boolean
  /** the local head seq (0: no version held) */
  head: number
  versions: number
  rotations: number
  errors: Array<{ cid: string, code: string, message: string }>
}

/** Replays orgs' chains from seq 1 through a fresh ingest door (node/replay.ts `verifyChains`): one call answers for all. */
export type ChainVerifier = (orgs: string[], options: { signal?: AbortSignal }) => Promise<Map<string, ChainCheck>>

export const DAY_MS = 86_400_000
/** A claim neither re-published nor endorsed (by a trusted org) for this long is stale. */
export const STALE_AFTER_MS = 90 * DAY_MS
/** Distinct trusted confirmations that make a claim `confirmed`. */
export const CONFIRMATIONS_NEEDED = 3
/** Deepest derivation chain followed. */
export const MAX_DERIVATION_DEPTH = 16

export type EndorsementStatus = 'valid' | 'expired' | 'retracted' | 'earlier-wording'
export type Verdict = 'trusted' | 'confirmed' | 'disputed' | 'stale' | 'unverified' | 'compromised'

export interface EndorsementEntry {
  cid: string
  org: string
  /** pseudonym of the endorser's latest version, if one is held */
  name?: string
  stance: 'endorse' | 'dispute'
  status: EndorsementStatus
  /** the endorser is in the trusted set (or is us) */
  trusted: boolean
  /** whether it counts towards confirmations / disputes */
  counted: boolean
  /** why it does not count, when it does not */
  notCounted?: string
  /** the claim CID it names: this claim, or (status earlier-wording) another wording */
  target: string
  /** for an earlier wording: its claim_id (the lineage's) */
  claim_id?: string
  version: string
  createdAt: string
  expiresAt?: string
  note?: string
  evidence?: { type: Evidence, text: string }
  retraction?: { cid: string, reason: string, createdAt: string }
  /** the key that signed it */
  signedBy: string
  /** that key has since been rotated out */
  keyRotatedOut: boolean
}

export interface DerivationNode {
  cid: string
  known: boolean
  org?: string
  name?: string
  claim_id?: string
  rule?: string
  /** the source author's chain verifies from seq 1 */
  chainValid?: boolean
  /** known and its author's chain valid */
  verified: boolean
  /** the CID is already on the path above (a cycle) */
  cycle?: true
  /** not followed further (MAX_DERIVATION_DEPTH) */
  truncated?: true
  derived_from: DerivationNode[]
}

export interface VersionRef { seq: number, cid: string, createdAt: string }

export interface ProvenanceReport {
  claim: {
    cid: string
    claim_id: string
    section: string
    rule: string
    why: string
    failure_mode: string
    confidence: Claim['confidence']
    evidence: Evidence
    scope: string
    evidence_reference?: string
    derived_from?: string[]
    /** the author retracted the claim */
    retracted?: { cid: string, reason: string, createdAt: string }
  }
  author: {
    org: string
    name?: string
    self: boolean
    trusted: boolean
    chain: ChainCheck
    binding: { present: boolean, signed: boolean, peers?: string[], createdAt?: string, cid?: string }
    keys: { current: string, rotations: RotationInfo[], preRotation: boolean }
  }
  versions: {
    firstSeen: VersionRef
    lastSeen: VersionRef
    /** the claim is in the author's latest version */
    current: boolean
    retired: boolean
    /** the first version without it, when retired */
    retiredAt?: number
    runs: Array<{ from: number, until?: number }>
  }
  endorsements: EndorsementEntry[]
  derivation: { verified: boolean, sources: DerivationNode[] }
  /** distinct trusted orgs whose latest valid statement endorses the claim */
  confirmations: string[]
  /** distinct trusted orgs whose latest valid statement disputes it */
  disputes: string[]
  confirmed: boolean
  stale: boolean
  /** latest re-publication or counted endorsement */
  lastActivity: string
  equivocation: { flagged: boolean, proofs: EquivocationProof[] }
  verdict: Verdict
  reasons: string[]
}

export interface ProvenanceOptions {
  /** orgs we trust (the CLI passes follows + trusted − untrusted, settings.ts); default none */
  trusted?: Set<string>
  /** our own org: implicitly trusted */
  self?: string
  /** the clock (ms), for expiry and staleness */
  now?: number
  signal?: AbortSignal
}

const iso = (ms: number): string => new Date(ms).toISOString()

async function versionRef (store: Store, reader: Reader, org: string, seq: number): Promise<VersionRef> {
  const cid = await store.versionCid(org, seq)
  const v = cid === undefined ? undefined : await reader.version(cid)
  return { seq, cid: cid?.toString() ?? '', createdAt: v === undefined ? '' : iso(v.createdAt) }
}

async function bindingOf (store: Store, org: string): Promise<ProvenanceReport['author']['binding']> {
  const held = await store.binding(org)
  if (held === undefined) return { present: false, signed: false }
  const { cid, bytes } = held
  try {
    // re-check the signature (decodeRecord verifies it under the key the record names) and the key's authority
    const rec = decodeRecord(bytes, { now: Number.MAX_SAFE_INTEGER }).signed.rec
    if (rec.type !== 'oos/node-binding') return { present: true, signed: false, cid: cid.toString() }
    const epochs = await store.keyHistory(org)
    const signer = rec.key ?? rec.org
    const signed = rec.org === org && (signer === currentKey(epochs) || keyValidAt(epochs, signer, rec.createdAt))
    return { present: true, signed, peers: rec.peers, createdAt: iso(rec.createdAt), cid: cid.toString() }
  } catch {
    return { present: true, signed: false, cid: cid.toString() }
  }
}

/**
 * The provenance report of a claim held here. Throws NOT_FOUND for a claim not in the
 * claim index.
 */
export async function provenanceReport (store: Store, claimCid: CID, verifyChains: ChainVerifier, options: ProvenanceOptions = {}): Promise<ProvenanceReport> {
  const reader = new Reader(store)
  const now = options.now ?? Date.now()
  const self = options.self
  const trustedSet = options.trusted ?? new Set<string>()
  const isTrusted = (org: string): boolean => org === self || trustedSet.has(org)

  const info = await reader.claim(claimCid)
  if (info === undefined) throw new NotFoundError(`claim ${claimCid.toString()} is not known here`)
  const org = info.org
  const claim = info.claim

  // versions carrying the claim
  const runs = info.sightings.map(s => ({ from: s.from, ...(s.until !== undefined ? { until: s.until } : {}) }))
  const lastRun = runs[runs.length - 1]
  const retired = lastRun.until !== undefined
  const firstSeen = await versionRef(store, reader, org, runs[0].from)
  const lastSeen = await versionRef(store, reader, org, info.seq)

  // the claim's own retraction by its author
  const claimRetraction = await reader.retractionOf(claimCid, org)

  // derivation tree (structure first; chain validity after the replay)
  const orgsInTree = new Set<string>()
  const build = async (cid: CID, path: Set<string>, depth: number): Promise<DerivationNode> => {
    const key = cid.toString()
    const src = await reader.claim(cid)
    const node: DerivationNode = { cid: key, known: src !== undefined, verified: false, derived_from: [] }
    if (src === undefined) return node
    orgsInTree.add(src.org)
    node.org = src.org
    const name = await reader.orgName(src.org)
    if (name !== undefined) node.name = name
    node.claim_id = src.claim.claim_id
    node.rule = src.claim.rule
    if (path.has(key)) { node.cycle = true; return node }
    const sources = src.claim.derived_from ?? []
    if (sources.length > 0 && depth >= MAX_DERIVATION_DEPTH) { node.truncated = true; return node }
    const below = new Set(path).add(key)
    for (const d of sources) node.derived_from.push(await build(d, below, depth + 1))
    return node
  }
  const rootPath = new Set([claimCid.toString()])
  const sources: DerivationNode[] = []
  for (const d of claim.derived_from ?? []) sources.push(await build(d, rootPath, 1))

  // the author's chain (and the chains of derivation sources), replayed from seq 1
  const chains = await verifyChains([org, ...orgsInTree], { signal: options.signal })
  const chain = chains.get(org) as ChainCheck
  let derivationOk = true
  const fill = (n: DerivationNode): void => {
    if (n.org !== undefined) n.chainValid = chains.get(n.org)?.valid ?? false
    n.verified = n.known && n.chainValid === true && n.cycle !== true
    if (!n.verified || n.truncated === true) derivationOk = false
    n.derived_from.forEach(fill)
  }
  sources.forEach(fill)

  // statements: this claim and every other wording of its lineage
  const lineage = await reader.lineage(org, claim.claim_id)
  if (!lineage.some(c => c.equals(claimCid))) lineage.push(claimCid)
  const endorsements: EndorsementEntry[] = []
  const epochsCache = new Map<string, KeyEpoch[]>()
  const flagged = new Map<string, boolean>()
  for (const target of lineage) {
    for (const s of await reader.statementsAbout(target)) {
      if (s.rec.type !== 'oos/endorsement') continue
      const rec: EndorsementRecord = s.rec
      const retraction = await reader.retractionOf(s.cid, rec.org)
      const earlier = !target.equals(claimCid)
      const status: EndorsementStatus = retraction !== undefined
        ? 'retracted'
        : rec.expiresAt !== undefined && rec.expiresAt <= now
          ? 'expired'
          : earlier ? 'earlier-wording' : 'valid'
      let epochs = epochsCache.get(rec.org)
      if (epochs === undefined) { epochs = await store.keyHistory(rec.org); epochsCache.set(rec.org, epochs) }
      const signedBy = rec.key ?? rec.org
      if (!flagged.has(rec.org)) flagged.set(rec.org, (await equivocations(store, rec.org)).length > 0)
      const e: EndorsementEntry = {
        cid: s.cid.toString(),
        org: rec.org,
        stance: rec.stance,
        status,
        trusted: isTrusted(rec.org),
        counted: false,
        target: target.toString(),
        version: rec.version.toString(),
        createdAt: iso(rec.createdAt),
        signedBy,
        keyRotatedOut: signedBy !== currentKey(epochs)
      }
      const name = await reader.orgName(rec.org)
      if (name !== undefined) e.name = name
      if (earlier) {
        const other = await reader.claim(target)
        if (other !== undefined) e.claim_id = other.claim.claim_id
      }
      if (rec.expiresAt !== undefined) e.expiresAt = iso(rec.expiresAt)
      if (rec.note !== undefined) e.note = rec.note
      if (rec.evidence !== undefined) e.evidence = rec.evidence
      if (retraction !== undefined) e.retraction = { cid: retraction.cid.toString(), reason: retraction.rec.reason, createdAt: iso(retraction.rec.createdAt) }
      if (status !== 'valid') e.notCounted = status === 'earlier-wording' ? 'it is for an earlier wording of the claim' : `it is ${status}`
      else if (!e.trusted) e.notCounted = 'the endorser is not trusted here'
      else if (rec.org === org) e.notCounted = 'the author cannot confirm its own claim'
      else if (flagged.get(rec.org) === true) e.notCounted = 'the endorser is flagged for equivocation'
      else e.counted = true
      endorsements.push(e)
    }
  }
  endorsements.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.cid.localeCompare(b.cid))
  // one voice per org: its latest counted statement
  const latest = new Map<string, EndorsementEntry>()
  for (const e of endorsements) {
    if (!e.counted) continue
    const prev = latest.get(e.org)
    if (prev !== undefined) { prev.counted = false; prev.notCounted = 'superseded by a later statement of the same org' }
    latest.set(e.org, e)
  }
  const confirmations = [...latest.values()].filter(e => e.stance === 'endorse').map(e => e.org)
  const disputes = [...latest.values()].filter(e => e.stance === 'dispute').map(e => e.org)
  const confirmed = confirmations.length >= CONFIRMATIONS_NEEDED

  // staleness: the latest re-publication (a version containing the claim) or counted endorsement
  let activity = info.createdAt
  for (const e of latest.values()) if (e.stance === 'endorse') activity = Math.max(activity, Date.parse(e.createdAt))
  const stale = now - activity > STALE_AFTER_MS

  const proofs = await equivocations(store, org)
  const keys = await keyState(store, org)
  const name = await reader.orgName(org)
  const authorTrusted = isTrusted(org)

  // the verdict: the first rule that applies
  const reasons: string[] = []
  let verdict: Verdict
  const counts = `${confirmations.length} trusted confirmation(s), ${disputes.length} trusted dispute(s)`
  const untrustedCount = endorsements.filter(e => !e.trusted).length
  if (proofs.length > 0) {
    verdict = 'compromised'
    reasons.push(`the author signed two different versions at seq ${proofs.map(p => p.seq).join(', ')} (equivocation proof held): its key may be compromised`)
  } else if (!chain.valid) {
    verdict = 'unverified'
    reasons.push(`the author's chain does not verify from seq 1${chain.errors[0] !== undefined ? ` (${chain.errors[0].code}: ${chain.errors[0].message})` : ''}`)
  } else if (!derivationOk) {
    verdict = 'unverified'
    reasons.push('a claim it is derived from is unknown here, or its author\'s chain does not verify')
  } else if (disputes.length > 0) {
    verdict = 'disputed'
    reasons.push(`disputed by ${disputes.length} trusted org(s); ${counts}`)
  } else if (claimRetraction !== undefined) {
    verdict = 'stale'
    reasons.push(`retracted by its author: ${claimRetraction.rec.reason}`)
  } else if (retired) {
    verdict = 'stale'
    reasons.push(`no longer in the author's latest version (dropped in version ${lastRun.until ?? '?'})`)
  } else if (stale) {
    verdict = 'stale'
    reasons.push(`neither re-published nor endorsed by a trusted org for ${Math.floor((now - activity) / DAY_MS)} days (limit ${STALE_AFTER_MS / DAY_MS})`)
  } else if (confirmed) {
    verdict = 'confirmed'
    reasons.push(`confirmed by ${confirmations.length} trusted orgs (${CONFIRMATIONS_NEEDED} needed)`)
  } else if (authorTrusted || confirmations.length > 0) {
    verdict = 'trusted'
    reasons.push(authorTrusted ? (org === self ? 'our own claim' : 'the author is trusted here') : `endorsed by ${confirmations.length} trusted org(s)`)
    reasons.push(counts)
  } else {
    verdict = 'unverified'
    reasons.push('the chain verifies, but neither the author nor any endorser is trusted here')
  }
  if (verdict !== 'compromised' && chain.valid) reasons.push(`the author's chain verifies from seq 1 to ${chain.head}`)
  if (untrustedCount > 0) reasons.push(`${untrustedCount} statement(s) from orgs not trusted here are listed but not counted`)

  return {
    claim: {
      cid: claimCid.toString(),
      claim_id: claim.claim_id,
      section: claim.section,
      rule: claim.rule,
      why: claim.why,
      failure_mode: claim.failure_mode,
      confidence: claim.confidence,
      evidence: claim.evidence,
      scope: claim.scope,
      ...(claim.evidence_reference !== undefined ? { evidence_reference: claim.evidence_reference } : {}),
      ...(claim.derived_from !== undefined ? { derived_from: claim.derived_from.map(String) } : {}),
      ...(claimRetraction !== undefined ? { retracted: { cid: claimRetraction.cid.toString(), reason: claimRetraction.rec.reason, createdAt: iso(claimRetraction.rec.createdAt) } } : {})
    },
    author: {
      org,
      ...(name !== undefined ? { name } : {}),
      self: org === self,
      trusted: authorTrusted,
      chain,
      binding: await bindingOf(store, org),
      keys: { current: keys.current, rotations: keys.rotations, preRotation: keys.committedNextKey !== undefined }
    },
    versions: { firstSeen, lastSeen, current: !retired, retired, ...(retired ? { retiredAt: lastRun.until } : {}), runs },
    endorsements,
    derivation: { verified: derivationOk, sources },
    confirmations,
    disputes,
    confirmed,
    stale,
    lastActivity: iso(activity),
    equivocation: { flagged: proofs.length > 0, proofs },
    verdict,
    reasons
  }
}
