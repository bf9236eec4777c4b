/**
 * Whom we trust: local settings, not records, kept in `<home>/trust.json` (mode 0600):
 * explicit `trusted` and `untrusted` orgs. The effective trusted set is
 * follows + trusted − untrusted (protocol/TRUST.md §3); our own org is always trusted.
 */
import { readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { isDid } from '../identity/did.ts'
import { HomeCorruptError, InvalidArgumentError } from '../errors.ts'
import type { Store } from '../store/store.ts'
import { equivocations, keyState } from './keys.ts'
import { Reader } from './reader.ts'

export interface TrustSettings {
  version: 1
  trusted: string[]
  untrusted: string[]
}

export type TrustLevel = 'trusted' | 'untrusted' | 'neutral'

export const trustPath = (home: string): string => join(home, 'trust.json')

export function emptySettings (): TrustSettings {
  return { version: 1, trusted: [], untrusted: [] }
}

export async function loadTrustSettings (home: string): Promise<TrustSettings> {
  let text: string
  try {
    text = await readFile(trustPath(home), 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptySettings()
    throw err
  }
  try {
    const v = JSON.parse(text)
    if (v?.version !== 1 || !Array.isArray(v.trusted) || !Array.isArray(v.untrusted)) throw new HomeCorruptError('expected {version: 1, trusted: [], untrusted: []}')
    return { version: 1, trusted: v.trusted.filter(isDid), untrusted: v.untrusted.filter(isDid) }
  } catch (err) {
    throw new HomeCorruptError(`${trustPath(home)} is not valid trust settings: ${(err as Error).message}`)
  }
}

/** Write atomically, mode 0600. */
export async function saveTrustSettings (home: string, settings: TrustSettings): Promise<void> {
  const path = trustPath(home)
  const tmp = `${path}.${process.pid}.tmp`
  const value = { version: 1, trusted: [...new Set(settings.trusted)].sort(), untrusted: [...new Set(settings.untrusted)].sort() }
  await writeFile(tmp, JSON.stringify(value, null, 2) + '\n', { mode: 0o600 })
  await rename(tmp, path)
}

/** Mark an org trusted, untrusted, or neither (neutral: back to the default, following = trusted). */
export function setTrust (settings: TrustSettings, org: string, level: TrustLevel): TrustSettings {
  if (!isDid(org)) throw new InvalidArgumentError(`${org} is not an org did (did:key:z…)`)
  const trusted = settings.trusted.filter(o => o !== org)
  const untrusted = settings.untrusted.filter(o => o !== org)
  if (level === 'trusted') trusted.push(org)
  else if (level === 'untrusted') untrusted.push(org)
  else if (level !== 'neutral') throw new InvalidArgumentError('the trust level is trusted, untrusted or neutral')
  return { version: 1, trusted, untrusted }
}

/** The orgs we follow (the home's follows.json, read by the caller: app/settings.ts). */
type FollowSource = Iterable<string>

function followed (follows: FollowSource): Set<string> {
  return new Set(follows)
}

/** follows + trusted − untrusted (+ ourselves). */
export function effectiveTrusted (settings: TrustSettings, follows: FollowSource, self?: string): Set<string> {
  const out = followed(follows)
  for (const o of settings.trusted) out.add(o)
  for (const o of settings.untrusted) out.delete(o)
  if (self !== undefined) out.add(self)
  return out
}

export interface TrustRow {
  org: string
  name?: string
  self: boolean
  followed: boolean
  /** in the effective trusted set */
  trusted: boolean
  /** what trust.json says explicitly */
  explicit?: 'trusted' | 'untrusted'
  /** versions held (head seq) */
  seq: number
  /** endorsements and disputes it made that are not retracted */
  given: { endorse: number, dispute: number }
  /** endorsements and disputes of its claims, not retracted */
  received: { endorse: number, dispute: number }
  flags: {
    /** seqs at which it signed two different versions */
    equivocation: number[]
    /** key rotations held */
    rotations: number
    /** it committed to its next key (pre-rotation) */
    preRotation: boolean
  }
}

/** Every org known here (versions, statements, follows, settings), with our trust in it. */
export async function trustView (store: Store, settings: TrustSettings, follows: FollowSource, self?: string): Promise<TrustRow[]> {
  const reader = new Reader(store)
  const follow = followed(follows)
  const trusted = effectiveTrusted(settings, follow, self)
  const orgs = new Set<string>([...follow, ...settings.trusted, ...settings.untrusted])
  if (self !== undefined) orgs.add(self)
  const heads = new Map<string, number>()
  for await (const h of store.heads()) { orgs.add(h.org); heads.set(h.org, h.seq) }
  // orgs known by a key rotation or a node binding only
  for (const org of await store.orgsKnown()) orgs.add(org)
  const given = new Map<string, { endorse: number, dispute: number }>()
  const received = new Map<string, { endorse: number, dispute: number }>()
  const tally = (m: typeof given, org: string, stance: 'endorse' | 'dispute'): void => {
    const t = m.get(org) ?? { endorse: 0, dispute: 0 }
    t[stance]++
    m.set(org, t)
  }
  // every statement, by author
  for await (const { org: author, cid } of store.statements()) {
    orgs.add(author)
    const rec = (await store.record(cid))?.rec
    if (rec === undefined) continue
    if (rec.type !== 'oos/endorsement') continue
    if (await reader.retractionOf(cid, rec.org) !== undefined) continue
    tally(given, rec.org, rec.stance)
    tally(received, rec.targetOrg, rec.stance)
    orgs.add(rec.targetOrg)
  }
  const rows: TrustRow[] = []
  for (const org of [...orgs].sort()) {
    if (!isDid(org)) continue
    const keys = await keyState(store, org)
    const name = await reader.orgName(org)
    const explicit = settings.untrusted.includes(org) ? 'untrusted' : settings.trusted.includes(org) ? 'trusted' : undefined
    rows.push({
      org,
      ...(name !== undefined ? { name } : {}),
      self: org === self,
      followed: follow.has(org),
      trusted: trusted.has(org),
      ...(explicit !== undefined ? { explicit } : {}),
      seq: heads.get(org) ?? 0,
      given: given.get(org) ?? { endorse: 0, dispute: 0 },
      received: received.get(org) ?? { endorse: 0, dispute: 0 },
      flags: { equivocation: (await equivocations(store, org)).map(p => p.seq), rotations: keys.rotations.length, preRotation: keys.committedNextKey !== undefined }
    })
  }
  return rows
}
