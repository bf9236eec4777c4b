/**
 * The home's local settings as the app reads them: whom we follow (follows.json, node/follows.ts)
 * and whom we trust (trust.json, trust/settings.ts). trust/ works on the lists; the files of
 * the home are read here, so that trust/ does not reach into node/.
 */
import { Follows } from '../node/follows.ts'
import { effectiveTrusted, emptySettings, loadTrustSettings, type TrustSettings } from '../trust/settings.ts'

/** The orgs a home follows (none without a home). */
export async function followedOrgs (home: string | undefined): Promise<string[]> {
  if (home === undefined) return []
  const follows = new Follows(home)
  await follows.load()
  return follows.list().map(f => f.org)
}

/** A home's trust settings and follows (empty without a home: only we are trusted). */
export async function homeSettings (home: string | undefined): Promise<{ settings: TrustSettings, follows: string[] }> {
  if (home === undefined) return { settings: emptySettings(), follows: [] }
  return { settings: await loadTrustSettings(home), follows: await followedOrgs(home) }
}

/** The effective trusted set of a home: its follows.json and trust.json, plus `self`. */
export async function trustedSetOf (home: string, self?: string): Promise<Set<string>> {
  const s = await homeSettings(home)
  return effectiveTrusted(s.settings, s.follows, self)
}
