/**
 * The read-only tools over the app (MCP.md §2): organizations, documents, claims, provenance and
 * the diff between two versions. Each answers plain JSON that tool.ts marks (marking.ts).
 */
import { z } from 'zod'
import type { ShowResult } from '../app/types.ts'
import { NotFoundError } from '../errors.ts'
import { diffBodies } from '../oos/diff.ts'
import type { Claim, OosBody } from '../oos/types.ts'
import { tool } from './tool.ts'

export const ORG = z.string().min(1).max(200).describe('an organization: its did (did:key:…), a did prefix, its pseudonym, or our local alias for it (see list_orgs)')
export const CLAIM_CID = z.string().min(1).max(200).describe('a claim\'s CID (bafy…), as get_document, search_claims or feed give it')
const SEQ = z.number().int().min(1).describe('a version number of the organization (1 is its first version)')

/** A shown version as an answer: the record's fields trusted, its document body authored by its org. */
export function versionAnswer (shown: ShowResult): Record<string, unknown> {
  const { rec, cid, label } = shown
  return { cid, org: rec.org, seq: rec.seq, prev: rec.prev, createdAt: new Date(rec.createdAt).toISOString(), label, claims: rec.body.claims.length, body: rec.body }
}

const orgs = tool({
  name: 'list_orgs',
  title: 'Organizations known here',
  description: 'List every organization this oosnet node holds or follows, ours first: its did, our local alias, its pseudonym, whether we follow and trust it, and its latest version (head). Start here to find the did or the seq to give to the other tools.',
  input: {},
  readOnly: true,
  async run (_args, { source }, signal) {
    return { value: { orgs: await source(async (app) => await app.orgs({ signal })) } }
  }
})

const document = tool({
  name: 'get_document',
  title: 'An organization\'s OOS document',
  description: 'Get one signed version of an organization\'s Organizational Operating System document: its agents and humans with their authority and escalation, and its claims (rules learned the hard way, each with why, failure mode, confidence, evidence and scope). Without seq, the latest version held. The document body is the organization\'s own text.',
  input: { org: ORG, seq: SEQ.optional() },
  readOnly: true,
  async run ({ org, seq }, { source }, signal) {
    return { value: versionAnswer(await source(async (app) => await app.show({ ref: org, seq }, { signal }))) }
  }
})

const claim = tool({
  name: 'get_claim',
  title: 'One claim',
  description: 'Get one claim by its CID: every field (rule, why, failure mode, confidence, evidence, scope, derived_from), which organization wrote it, the latest version holding it, whether that is the current version, and its new wording when it was reworded. For who endorsed or disputed it, use claim_provenance.',
  input: { cid: CLAIM_CID },
  readOnly: true,
  async run ({ cid }, { source }, signal) {
    const shown = await source(async (app) => await app.show({ ref: cid }, { signal }))
    if (shown.claim === undefined) throw new NotFoundError(`${cid} is not a claim CID known here (it names a version: use get_document)`)
    const text = shown.rec.body.claims.find(c => c.claim_id === shown.claim?.claim_id)
    return { value: { ...shown.claim, label: shown.label, claim: text } }
  }
})

const provenance = tool({
  name: 'claim_provenance',
  title: 'Provenance of a claim',
  description: 'Check where a claim comes from and how far to rely on it: its author and whether the author\'s signed chain verifies from version 1, the versions that carry it, endorsements and disputes by other organizations (with whether each counts: only organizations we trust count), what it was derived from, and a verdict (trusted, confirmed, disputed, stale, unverified, compromised) with its reasons.',
  input: { cid: CLAIM_CID },
  readOnly: true,
  async run ({ cid }, { source }, signal) {
    const report = await source(async (app) => await app.provenance({ cid }, { signal }))
    // the report's top level is about the claim: its author wrote what is not someone else's
    return { value: report as unknown as Record<string, unknown>, author: report.author.org }
  }
})

/** only the fields of a claim that changed, before and after */
const pick = (c: Claim, fields: string[]): Record<string, unknown> => Object.fromEntries(fields.map(f => [f, (c as unknown as Record<string, unknown>)[f]]))

const diff = tool({
  name: 'diff_versions',
  title: 'What changed between two versions',
  description: 'Compare two versions of an organization\'s document: claims added, removed and changed (with the fields that changed, before and after, and whether the rule was reworded or its confidence or evidence changed), and agents and humans added, removed or changed (authority, escalation). Default: the latest version against the one before it.',
  input: { org: ORG, from: SEQ.optional().describe('the older version (default: the one before `to`)'), to: SEQ.optional().describe('the newer version (default: the latest)') },
  readOnly: true,
  async run ({ org, from, to }, { source }, signal) {
    const [a, b] = await source(async (app) => {
      const newer = await app.show({ ref: org, seq: to }, { signal })
      const older = await app.show({ ref: newer.rec.org, seq: from ?? Math.max(1, newer.rec.seq - 1) }, { signal })
      return [older, newer]
    })
    // bodies compared as JSON on both sides (CIDs as strings): equal values stay equal
    const d = diffBodies(a.rec.body as unknown as OosBody, b.rec.body as unknown as OosBody)
    return {
      value: {
        org: b.rec.org,
        from: { seq: a.rec.seq, cid: a.cid },
        to: { seq: b.rec.seq, cid: b.cid },
        claims: {
          added: d.claims.added,
          removed: d.claims.removed,
          changed: d.claims.changed.map(c => ({ claim_id: c.claim_id, fields: c.fields, reworded: c.reworded, confidence: c.confidence, evidence: c.evidence, before: pick(c.before, c.fields), after: pick(c.after, c.fields) })),
          unchanged: d.claims.unchanged
        },
        entities: d.entities
      }
    }
  }
})

export const READ_TOOLS = [orgs, document, claim, provenance, diff]
