/**
 * Names of organizations (protocol/SPEC.md §9.2): the ONE resolver of every ORG argument of
 * the app (CLI offline, and the HTTP API through the same app), and the directory `oos orgs`
 * lists. An org is named by its did, a did prefix, its pseudonym, or a local alias: the home's
 * own name (`oos init --name`) for our org, the `--alias` of a follow for a followed one.
 * Aliases are local settings kept in follows.json (0600), never records.
 */
import { isDid } from '../identity/index.ts'
import { Follows, type Follow } from '../node/follows.ts'
import type { Store } from '../store/store.ts'
import { effectiveTrusted, emptySettings, loadTrustSettings } from '../trust/settings.ts'
import { InvalidArgumentError, NotFoundError } from '../errors.ts'
import { AmbiguousOrgError } from './errors.ts'

/** How we stand towards an org: ours, trusted (followed or set), set untrusted, or neither. */
export type TrustMark = 'us' | 'trusted' | 'untrusted' | 'neutral'

/** One org known here (GET /v1/orgs, `oos orgs`). */
export interface OrgRow {
  org: string
  /** our local name for it: the home's name for us, the follow's alias */
  alias?: string
  /** the org_pseudonym of its latest version held */
  pseudonym?: string
  self: boolean
  followed: boolean
  trusted: boolean
  trust: TrustMark
  /** the latest version held, or null */
  head: { seq: number, cid: string } | null
  /** another org known here has the same pseudonym: show its did to tell them apart */
  nameShared: boolean
}

/** How an org is shown beside what it wrote (claims, show). */
export type OrgLabel = Pick<OrgRow, 'trust' | 'nameShared'> & { alias?: string }

export interface OrgNamesInit {
  /** our org's did */
  self: string
  /** the home's name (`oos init --name`): the alias of our org */
  selfName?: string
  /** the home (follows.json, trust.json); without one only our org has an alias and only it is trusted */
  home?: string
}

export interface OrgNames {
  /** our org's did */
  self: string
  /** The did an ORG argument names (absent: ours); NOT_FOUND, AMBIGUOUS_ORG. */
  resolve: (ref?: string) => Promise<string>
  /** Every org known here: held, followed, or ours; ours first, then by pseudonym. */
  directory: () => Promise<OrgRow[]>
  /** The label of each org known here, by did. */
  labels: () => Promise<Map<string, OrgLabel>>
  /** Check an alias to give `org`: INVALID_ARGUMENT when it is not a name or is another org's already. */
  checkAlias: (alias: string, org: string) => Promise<void>
}

/** The first characters of a did that tell it apart in a listing (a did prefix resolves). */
export const shortDid = (did: string): string => `${did.slice(0, 'did:key:z6Mk'.length + 8)}…`

const same = (a: string | undefined, b: string): boolean => a !== undefined && a.toLowerCase() === b.toLowerCase()

export function orgNames (store: Store, init: OrgNamesInit): OrgNames {
  const { self, selfName, home } = init

  const follows = async (): Promise<Follow[]> => {
    if (home === undefined) return []
    const f = new Follows(home)
    await f.load()
    return f.list()
  }

  const aliases = async (): Promise<Array<{ org: string, alias: string }>> => [
    ...(selfName !== undefined ? [{ org: self, alias: selfName }] : []),
    ...(await follows()).filter(f => f.alias !== undefined).map(f => ({ org: f.org, alias: f.alias as string }))
  ]

  async function directory (): Promise<OrgRow[]> {
    const held = new Map<string, { seq: number, cid: string, pseudonym?: string }>()
    for await (const h of store.heads()) {
      held.set(h.org, { seq: h.seq, cid: h.cid.toString(), pseudonym: (await store.version(h.cid))?.body.frontmatter.org_pseudonym })
    }
    const fl = await follows()
    const settings = home === undefined ? emptySettings() : await loadTrustSettings(home)
    const trusted = effectiveTrusted(settings, fl.map(f => f.org), self)
    const untrusted = new Set(settings.untrusted)
    const alias = new Map((await aliases()).map(a => [a.org, a.alias]))
    const orgs = new Set([self, ...fl.map(f => f.org), ...held.keys()])
    const count = new Map<string, number>()
    for (const h of held.values()) if (h.pseudonym !== undefined) count.set(h.pseudonym.toLowerCase(), (count.get(h.pseudonym.toLowerCase()) ?? 0) + 1)
    const rows = [...orgs].map((org): OrgRow => {
      const h = held.get(org)
      const a = alias.get(org)
      return {
        org,
        ...(a !== undefined ? { alias: a } : {}),
        ...(h?.pseudonym !== undefined ? { pseudonym: h.pseudonym } : {}),
        self: org === self,
        followed: fl.some(f => f.org === org),
        trusted: trusted.has(org),
        trust: org === self ? 'us' : untrusted.has(org) ? 'untrusted' : trusted.has(org) ? 'trusted' : 'neutral',
        head: h === undefined ? null : { seq: h.seq, cid: h.cid },
        nameShared: h?.pseudonym !== undefined && (count.get(h.pseudonym.toLowerCase()) ?? 0) > 1
      }
    })
    return rows.sort((x, y) => Number(y.self) - Number(x.self) || (x.pseudonym ?? x.alias ?? '').localeCompare(y.pseudonym ?? y.alias ?? '') || x.org.localeCompare(y.org))
  }

  async function resolve (ref?: string): Promise<string> {
    if (ref === undefined) return self
    if (typeof ref !== 'string' || ref.trim() === '') throw new InvalidArgumentError('an org is named by a did, a did prefix, a pseudonym or an alias, not an empty string', { path: 'org' })
    if (isDid(ref)) return ref
    // a local alias wins (SPEC §9.2): an impostor copying a pseudonym cannot take it
    const byAlias = (await aliases()).filter(a => same(a.alias, ref))
    if (byAlias.length === 1) return byAlias[0].org
    const rows = await directory()
    const matches = rows.filter(r => r.org.startsWith(ref) || r.org.slice('did:key:'.length).startsWith(ref) || same(r.pseudonym, ref) || same(r.alias, ref))
    if (matches.length === 1) return matches[0].org
    if (matches.length === 0) throw new NotFoundError(`no organization known here is named ${JSON.stringify(ref)} (a did, a did prefix, a pseudonym or an alias; oos orgs lists them)`)
    const list = matches.map(r => `${r.org} (${[r.pseudonym, r.alias !== undefined ? `alias ${r.alias}` : undefined, r.trust].filter(x => x !== undefined).join(', ')})`)
    const candidates = matches.map(r => ({ org: r.org, ...(r.pseudonym !== undefined ? { pseudonym: r.pseudonym } : {}), ...(r.alias !== undefined ? { alias: r.alias } : {}), trust: r.trust }))
    throw new AmbiguousOrgError(`${JSON.stringify(ref)} names ${matches.length} organizations: ${list.join('; ')}; use a did prefix or an alias (oos follow DID --alias NAME)`, { path: 'org', details: { candidates } })
  }

  return {
    self,
    resolve,
    directory,
    async labels () {
      return new Map((await directory()).map(r => [r.org, { trust: r.trust, nameShared: r.nameShared, ...(r.alias !== undefined ? { alias: r.alias } : {}) }]))
    },
    async checkAlias (alias, org) {
      if (typeof alias !== 'string' || alias.trim() !== alias || alias === '' || alias.length > 100 || /\p{Cc}/u.test(alias)) {
        throw new InvalidArgumentError('alias must be 1 to 100 characters, no control characters and no surrounding spaces', { path: 'alias' })
      }
      if (alias.toLowerCase().startsWith('did:')) throw new InvalidArgumentError('alias must not start with did: (it would read as a did)', { path: 'alias' })
      const taken = (await aliases()).find(a => same(a.alias, alias) && a.org !== org)
      if (taken !== undefined) throw new InvalidArgumentError(`alias ${JSON.stringify(alias)} already names ${taken.org}`, { path: 'alias' })
    }
  }
}
