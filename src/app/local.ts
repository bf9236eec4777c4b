/**
 * The operations of the app that need only the store, the ingest door, the home and the org
 * key: publish, show, log, claims, verify, CAR export and import, and the trust layer's
 * (trust.ts); over a running node, node.ts adds status, follow and unfollow. The CLI runs them
 * offline (offline.ts) and the HTTP API serves them, with results as plain JSON.
 */
import { isAbsolute } from 'node:path'
import type { Ingest } from '../ingest/ingest.ts'
import { exportCar, importCar } from '../node/car.ts'
import type { HomeConfig } from '../node/home.ts'
import { publish as publishVersion } from '../node/publish.ts'
import { claims as queryClaims, getVersion, log as queryLog } from '../node/queries.ts'
import { verifyStored } from '../node/verify.ts'
import { validateBody } from '../oos/index.ts'
import { documentError, validateDocument, validateResult } from './validate.ts'
import { CONFIDENCE, EVIDENCE } from '../oos/types.ts'
import { tryParseCid } from '../records/cid.ts'
import type { Store } from '../store/store.ts'
import { toJson } from '../records/json.ts'
import { InvalidArgumentError, NoOrgKeyError } from '../errors.ts'
import { PublishConflictError } from './errors.ts'
import { trustApp } from './trust.ts'
import { orgNames } from './names.ts'
import { followApp } from './follow.ts'
import { claimRef } from './claimref.ts'
import { guideApp } from './guide.ts'
import { feedHistory } from './feed.ts'
import type { ClaimResult, LocalApp, ShowResult, VerifyResult } from './types.ts'
import { ClaimIndex, search } from './search.ts'
import { similar } from './similar.ts'

/** The org's signing key: its 32-byte seed, and its did when it is not the inception key. */
export interface OrgSigner {
  secretKey: Uint8Array
  key?: string
}

/**
 * `home` holds follows.json and trust.json (whom provenance reports count as trusted);
 * without it only our own org is trusted and `trustSet` refuses. Every ORG argument is
 * resolved by names.ts (SPEC §9.2); `config.name`, the home's name, is our org's alias.
 */
export function localApp (store: Store, ingest: Ingest, config: Pick<HomeConfig, 'org'> & Partial<Pick<HomeConfig, 'name'>>, signer?: OrgSigner, home?: string, from = 'api'): LocalApp {
  const names = orgNames(store, { self: config.org, selfName: config.name, home })
  // built on first use, then kept up to date by the door's record:accepted (search.ts)
  const index = new ClaimIndex(store, ingest)
  const trust = trustApp(store, ingest, { org: config.org, home, signer, from, names })
  return {
    ...trust,
    ...guideApp(store, names, trust.provenance),
    ...followApp(store, names, home),

    async publish ({ document, format }, options = {}) {
      if (signer === undefined) throw new NoOrgKeyError('this node was started without the org key, so it cannot publish')
      if (typeof document !== 'string') throw new InvalidArgumentError('document must be a string', { path: 'document' })
      if (format !== 'md' && format !== 'json') throw new InvalidArgumentError('format must be "md" or "json"', { path: 'format' })
      // every problem at once, the starter's placeholders among them, whichever door it came in by
      const report = validateDocument(document, format)
      if (report.errors.length > 0 || report.body === undefined) throw documentError(report.errors)
      const body = validateBody(report.body)
      // serialized with every other publish of the org, the node's own included (node/publish.ts)
      const r = await publishVersion(store, ingest, body, { org: config.org, secretKey: signer.secretKey, key: signer.key, signal: options.signal, from })
      if (r.status === 'equivocation') {
        throw new PublishConflictError(`version ${r.seq ?? '?'} (${r.cid.toString()}) conflicts with another version ${r.seq ?? '?'} of ${r.org} held here; it was kept only as an equivocation proof`)
      }
      return {
        org: r.org,
        seq: r.seq ?? 0,
        cid: r.cid.toString(),
        claims: r.claims?.length ?? 0,
        corrections: report.corrections.map(c => ({ field: c.field, declared: toJson(c.declared), actual: toJson(c.actual) }))
      }
    },

    async validate ({ document, format }) {
      if (typeof document !== 'string') throw new InvalidArgumentError('document must be a string', { path: 'document' })
      if (format !== 'md' && format !== 'json') throw new InvalidArgumentError('format must be "md" or "json"', { path: 'format' })
      return validateResult(validateDocument(document, format))
    },

    async show ({ ref, seq }) {
      // a CID names a version, or a claim (the latest version holding it); anything else an org (names.ts), by default ours
      const cid = ref === undefined ? undefined : tryParseCid(ref)
      const claim = cid !== undefined && await store.stored(cid) === undefined ? await claimRef(store, cid) : undefined
      const v = claim !== undefined ? await getVersion(store, claim.version) : cid !== undefined ? await getVersion(store, ref as string) : await getVersion(store, await names.resolve(ref), seq)
      const label = (await names.labels()).get(v.signed.rec.org)
      return toJson({ cid: v.cid, rec: v.signed.rec, sig: v.signed.sig, label: label ?? { trust: 'neutral', nameShared: false }, ...(claim !== undefined ? { claim } : {}) }) as ShowResult
    },

    async log ({ org, limit }) {
      return await queryLog(store, await names.resolve(org), { limit })
    },

    orgs: async () => await names.directory(),

    feed: async (input, options = {}) => await feedHistory(store, names, input, options),

    async claims ({ org, search, section, confidence, evidence, trusted }) {
      if (confidence !== undefined && !(CONFIDENCE as readonly string[]).includes(confidence)) throw new InvalidArgumentError(`confidence must be one of ${CONFIDENCE.join(', ')}`, { path: 'confidence' })
      if (evidence !== undefined && !(EVIDENCE as readonly string[]).includes(evidence)) throw new InvalidArgumentError(`evidence must be one of ${EVIDENCE.join(', ')}`, { path: 'evidence' })
      const rows = await queryClaims(store, { org: org === undefined ? undefined : await names.resolve(org), search, section, confidence, evidence })
      const labels = await names.labels()
      const neutral = { trust: 'neutral' as const, nameShared: false }
      return (toJson(rows) as Array<Omit<ClaimResult, 'label'>>)
        .map(r => ({ ...r, label: labels.get(r.org) ?? neutral }))
        .filter(r => trusted !== true || r.label.trust === 'us' || r.label.trust === 'trusted')
    },

    search: async (input) => await search(index, store, names, input),
    similar: async (input, options) => await similar({ index, store, names, provenance: async (cid, o) => await trust.provenance({ cid }, o) }, input, options),

    async exportCar ({ org, path, force }, options = {}) {
      if (!isAbsolute(path)) throw new InvalidArgumentError('path must be absolute', { path: 'path' })
      const did = await names.resolve(org)
      // the same checks for the CLI and the API (node/files.ts): never into the home, never over a file without force
      const r = await exportCar(store, did, path, { force, home, signal: options.signal, onProgress: options.onProgress })
      return { org: did, file: path, root: r.root.toString(), blocks: r.blocks, bytes: r.bytes }
    },

    async importCar ({ path }, options = {}) {
      if (!isAbsolute(path)) throw new InvalidArgumentError('path must be absolute', { path: 'path' })
      return await importCar(ingest, path, { signal: options.signal, onProgress: options.onProgress })
    },

    async verify ({ cid }, options = {}) {
      const parsed = tryParseCid(cid)
      if (parsed === undefined) throw new InvalidArgumentError(`${JSON.stringify(cid)} is not a CID`, { path: 'cid' })
      // a claim CID: the latest version holding it is verified, and the claim's hash in it
      const claim = await store.stored(parsed) === undefined ? await claimRef(store, parsed) : undefined
      const report = await verifyStored(store, claim !== undefined ? tryParseCid(claim.version) ?? parsed : parsed, { signal: options.signal })
      const valid = report.valid && claim?.hashes !== false
      const first = report.errors[0]
      return toJson({ ...report, valid, ...(first !== undefined ? { code: first.code } : {}), ...(claim !== undefined ? { claim } : {}) }) as VerifyResult
    }
  }
}
