/**
 * The tools over the network's indexes (MCP.md §2.1): full-text search across the claims of
 * every org held (app/search.ts), the claims of other orgs that agree or disagree with one
 * (app/similar.ts), and the feed of what happened (app/feed.ts).
 */
import { z } from 'zod'
import { CONFIDENCE } from '../oos/types.ts'
import { InvalidArgumentError } from '../errors.ts'
import { CLAIM_CID } from './read.ts'
import { tool } from './tool.ts'

const LIMIT = z.number().int().min(1).max(200).optional().describe('the most results (default 20; the feed: 100)')

const search = tool({
  name: 'search_claims',
  title: 'Search claims across organizations',
  description: 'Full-text search over the claims of every organization held here (rule, why, failure mode, scope), best match first. Each hit gives the claim CID (for get_claim, claim_provenance, similar_claims), its organization and how we stand towards it, its section, confidence and evidence, which fields matched, and how many endorsements and disputes it has. Use it to find what other organizations learned about a topic, e.g. "retry payment timeout".',
  input: {
    text: z.string().min(1).max(500).describe('the words to look for'),
    section: z.string().min(1).max(200).optional().describe('only claims of this section (e.g. core_operating_rules)'),
    confidence: z.enum(CONFIDENCE).optional().describe('only claims of this confidence'),
    trusted: z.boolean().optional().describe('only claims of organizations we trust (ours included)'),
    limit: LIMIT
  },
  readOnly: true,
  async run ({ text, section, confidence, trusted, limit }, { source }, signal) {
    const hits = await source(async (app) => await app.search({ text, section, confidence, trusted, limit }, { signal }))
    return { value: { hits } }
  }
})

const similar = tool({
  name: 'similar_claims',
  title: 'Claims of other organizations that agree or disagree',
  description: 'Given a claim CID, list the claims of other organizations that say the same (relation "agrees"), the opposite ("contradicts") or something related, most similar first, each with its similarity (0 to 1) and a provenance summary (verdict, versions, endorsements, disputes, whether we trust its author). Use it before relying on a claim, to see whether others learned the same lesson or the opposite one.',
  input: { cid: CLAIM_CID, limit: z.number().int().min(1).max(100).optional().describe('the most results (default 10)') },
  readOnly: true,
  async run ({ cid, limit }, { source }, signal) {
    const hits = await source(async (app) => await app.similar({ cid, limit }, { signal }))
    return { value: { cid, hits } }
  }
})

const feed = tool({
  name: 'feed',
  title: 'What happened on the network',
  description: 'The feed, oldest first: new versions of the organizations held here (with a one-line summary of claims added, reworded and retired and authority changes), endorsements, disputes and adoptions (of our claims among them), retractions, and flags (equivocation, key rotation). Each event has a stable id, its kind, time, organization and, for statements, the claim CID it is about. Pass since to get only what is new.',
  input: {
    since: z.string().min(1).max(40).optional().describe('only events after this time (ISO 8601, e.g. 2026-12-01T00:00:00Z)'),
    limit: LIMIT
  },
  readOnly: true,
  async run ({ since, limit }, { source }, signal) {
    const t = since === undefined ? undefined : Date.parse(since)
    if (t !== undefined && !Number.isFinite(t)) throw new InvalidArgumentError(`since must be an ISO 8601 time, not ${JSON.stringify(since)}`, { path: 'since' })
    const events = await source(async (app) => await app.feed({ since: t, limit }, { signal }))
    return { value: { events } }
  }
})

export const NETWORK_TOOLS = [search, similar, feed]
