/**
 * The trust operations of the app (protocol/TRUST.md): endorse / dispute,
 * retract, adopt into a draft, the provenance report, the trust view and `trust set`. The
 * same code answers offline (the CLI opens the store) and through a running node, where a
 * signed statement goes through the node's ingest door and is gossiped on the claim
 * author's topic like every local record.
 */
import { CID } from 'multiformats/cid'
import { isDid } from '../identity/index.ts'
import type { Ingest } from '../ingest/ingest.ts'
import { InvalidArgumentError, NoOrgKeyError, NotFoundError } from '../errors.ts'
import { getVersion, resolveOrg } from '../node/queries.ts'
import { parseOosMarkdown, writeOosMarkdown } from '../oos/index.ts'
import type { Store } from '../store/store.ts'
import { adopt as adoptClaim } from '../trust/adopt.ts'
import { provenance as provenanceOf } from './replay.ts'
import { effectiveTrusted, loadTrustSettings, saveTrustSettings, setTrust, trustView, type TrustLevel } from '../trust/settings.ts'
import { homeSettings } from './settings.ts'
import { makeEndorsement, makeRetraction } from '../trust/statements.ts'
import type { OrgSigner } from './local.ts'
import type { LocalApp } from './types.ts'

export type TrustApp = Pick<LocalApp, 'endorse' | 'retract' | 'adopt' | 'provenance' | 'trust' | 'trustSet'>

const LEVELS: readonly TrustLevel[] = ['trusted', 'untrusted', 'neutral']

function cidOf (s: unknown, path: string): CID {
  try {
    return CID.parse(String(s))
  } catch {
    throw new InvalidArgumentError(`${path} must be a CID (bafy…), not ${JSON.stringify(s)}`, { path })
  }
}

export interface TrustAppInit {
  /** our org's did */
  org: string
  /** the home directory (follows.json, trust.json); without one nobody but us is trusted */
  home?: string
  /** the org key; without it endorse and retract throw NO_ORG_KEY */
  signer?: OrgSigner
  /** who asks, for the audit log: 'api' (the default) or 'cli' */
  from?: string
}

export function trustApp (store: Store, ingest: Ingest, init: TrustAppInit): TrustApp {
  const { org, home, signer } = init
  const from = init.from ?? 'api'

  const settings = async (): ReturnType<typeof homeSettings> => await homeSettings(home)

  const key = (): OrgSigner => {
    if (signer === undefined) throw new NoOrgKeyError('this node was started without the org key, so it cannot sign statements')
    return signer
  }

  return {
    async endorse ({ target, stance = 'endorse', note, evidence, expiresAt }, options = {}) {
      const t = cidOf(target, 'target')
      const bytes = await makeEndorsement({ org, secretKey: key().secretKey, target: t, stance, note, evidence, expiresAt }, store)
      const r = await ingest.ingest(bytes, { source: 'local', from, signal: options.signal })
      return { cid: r.cid.toString(), status: r.status, stance, target: t.toString() }
    },

    async retract ({ target, reason = 'retracted by its author' }, options = {}) {
      const t = cidOf(target, 'target')
      const bytes = await makeRetraction({ org, secretKey: key().secretKey, target: t, reason }, store)
      const r = await ingest.ingest(bytes, { source: 'local', from, signal: options.signal })
      return { cid: r.cid.toString(), status: r.status, target: t.toString() }
    },

    async adopt ({ cid, draft }) {
      const source = cidOf(cid, 'cid')
      let body
      if (draft !== undefined) {
        body = parseOosMarkdown(draft).body
      } else {
        if (await store.head(org) === undefined) throw new NotFoundError('there is no draft and we have published nothing to start one from (oos new writes a starter)')
        body = (await getVersion(store, org)).signed.rec.body
      }
      const r = await adoptClaim(store, source, body, { self: org })
      const added = r.added === undefined
        ? null
        : { claim_id: r.added.claim_id, rule: r.added.rule, derived_from: (r.added.derived_from ?? []).map(String), ...(r.added.evidence_reference !== undefined ? { evidence_reference: r.added.evidence_reference } : {}) }
      return { ...(r.added !== undefined ? { document: writeOosMarkdown(r.body) } : {}), added, conflicts: r.conflicts }
    },

    async provenance ({ cid }, options = {}) {
      const s = await settings()
      return await provenanceOf(store, cidOf(cid, 'cid'), { trusted: effectiveTrusted(s.settings, s.follows, org), self: org, signal: options.signal })
    },

    async trust () {
      const s = await settings()
      return await trustView(store, s.settings, s.follows, org)
    },

    async trustSet ({ org: ref, level }) {
      if (home === undefined) throw new InvalidArgumentError('trust settings need a home directory')
      if (!LEVELS.includes(level)) throw new InvalidArgumentError(`level must be one of ${LEVELS.join(', ')}`, { path: 'level' })
      const target = isDid(ref) ? ref : await resolveOrg(store, ref)
      if (target === org) throw new InvalidArgumentError('we always trust ourselves', { path: 'org' })
      await saveTrustSettings(home, setTrust(await loadTrustSettings(home), target, level))
      return { org: target, level }
    }
  }
}
