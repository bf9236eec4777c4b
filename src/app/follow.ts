/**
 * Follow and unfollow by any name of an org (names.ts, SPEC §9.2), with an optional local
 * alias. Offline (no node running) a follow is only recorded in follows.json and syncs when
 * the node starts; over a running node (node.ts) the node follows it at once. Both check the
 * same way here: our own org is refused (FOLLOW_SELF), an alias must be free.
 */
import { Follows } from '../node/follows.ts'
import type { Store } from '../store/store.ts'
import { InvalidArgumentError } from '../errors.ts'
import { checkAddress } from './address.ts'
import { FollowSelfError } from './errors.ts'
import type { OrgNames } from './names.ts'
import type { App, FollowInput } from './types.ts'

/** The did a follow names, and its alias, checked. */
export async function followTarget (names: OrgNames, input: FollowInput): Promise<{ org: string, alias?: string }> {
  if (typeof input.org !== 'string') throw new InvalidArgumentError('org is required', { path: 'org' })
  const org = await names.resolve(input.org)
  if (org === names.self) throw new FollowSelfError(`${input.org} is our own organization (${org}): it is always held and trusted, and cannot be followed`, { path: 'org' })
  if (input.alias !== undefined) await names.checkAlias(input.alias, org)
  return { org, ...(input.alias !== undefined ? { alias: input.alias } : {}) }
}

/** The did an unfollow names: our own org is never followed, so naming it is refused as a follow is. */
export async function unfollowTarget (names: OrgNames, ref: string): Promise<string> {
  const org = await names.resolve(ref)
  if (org === names.self) throw new FollowSelfError(`${ref} is our own organization (${org}): it is always held and was never followed`, { path: 'org' })
  return org
}

/** Follow and unfollow without a running node: recorded in `<home>/follows.json`, synced when the node starts. */
export function followApp (store: Store, names: OrgNames, home: string | undefined): Pick<App, 'follow' | 'unfollow'> {
  const file = async (): Promise<Follows> => {
    if (home === undefined) throw new InvalidArgumentError('follows need a home directory')
    const f = new Follows(home)
    await f.load()
    return f
  }
  return {
    async follow (input) {
      const { org, alias } = await followTarget(names, input)
      for (const [i, a] of (input.via ?? []).entries()) {
        const r = checkAddress(a, 'optional')
        if (typeof r === 'string') throw new InvalidArgumentError(`via[${i}] ${r}`, { path: `via[${i}]` })
      }
      await (await file()).add(org, input.via, alias)
      return { org, seq: (await store.head(org))?.seq ?? 0, pending: true }
    },
    async unfollow ({ org: ref }) {
      const org = await unfollowTarget(names, ref)
      return { org, removed: await (await file()).remove(org) }
    }
  }
}
