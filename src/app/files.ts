/**
 * The app's operations on files that need no store of the home: verifying a CAR file, the
 * provenance report of a claim from a CAR file, the audit log, and conformance verdicts.
 * Each replays into a throw-away store or reads the files directly (node/car.ts,
 * node/audit-read.ts, node/conformance.ts do the work).
 */
import type { CID } from 'multiformats/cid'
import { loadHome } from '../node/home.ts'
import { withCarStore } from '../node/car.ts'
import { provenance, type ProvenanceReport } from './replay.ts'
import { trustedSetOf } from './settings.ts'

export { AUDIT_DEFAULTS, AUDIT_EVENTS, type AuditEntry, type AuditEvent } from '../node/audit.ts'
export { parseSince, readAudit, type AuditQuery } from '../node/audit-read.ts'
export { verdictOf, type CaseInput, type CaseVerdict } from '../node/conformance.ts'

/** Verify a CAR file offline: every block through an ingest door into a throw-away store. */
export { verifyCar } from '../node/car.ts'

/**
 * The provenance report of a claim from the records of a CAR file. The home, when there is one,
 * says whom we trust (follows and trust settings); it may be absent.
 */
export async function provenanceOfCar (path: string, cid: CID, options: { home?: string, signal?: AbortSignal } = {}): Promise<ProvenanceReport> {
  const config = options.home === undefined
    ? undefined
    : await loadHome(options.home).catch((err: { code?: string }) => { if (err.code === 'HOME_NOT_FOUND') return undefined; throw err })
  const trusted = config === undefined || options.home === undefined ? new Set<string>() : await trustedSetOf(options.home, config.org)
  return await withCarStore(path, async (store) => await provenance(store, cid, { trusted, self: config?.org, signal: options.signal }), { signal: options.signal })
}
