/**
 * How many endorsements and disputes a claim has, as a listing shows them beside a claim
 * (search, similar): the statements held about this wording of the claim that still hold
 * (not expired, not retracted by their author), one voice per org (its latest statement,
 * as provenance.ts counts them), the claim's author not counted. Unlike the provenance
 * report's `confirmations` and `disputes`, these are not limited to trusted orgs: the listing
 * shows its org's trust mark beside them, and the provenance report says which ones count.
 */
import type { CID } from 'multiformats/cid'
import type { EndorsementRecord } from '../records/types.ts'
import type { Reader } from './reader.ts'

export interface StatementCounts { endorsements: number, disputes: number }

export async function statementCounts (reader: Reader, claim: CID, author: string, now = Date.now()): Promise<StatementCounts> {
  const latest = new Map<string, EndorsementRecord>()
  for (const s of await reader.statementsAbout(claim)) {
    if (s.rec.type !== 'oos/endorsement' || s.rec.org === author) continue
    if (s.rec.expiresAt !== undefined && s.rec.expiresAt <= now) continue
    if (await reader.retractionOf(s.cid, s.rec.org) !== undefined) continue
    const prev = latest.get(s.rec.org)
    if (prev === undefined || prev.createdAt <= s.rec.createdAt) latest.set(s.rec.org, s.rec)
  }
  const stances = [...latest.values()].map(r => r.stance)
  return { endorsements: stances.filter(s => s === 'endorse').length, disputes: stances.filter(s => s === 'dispute').length }
}
