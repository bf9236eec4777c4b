/**
 * `oos search TEXT` (ranked full-text search across orgs, app/search.ts) and `oos similar
 * CLAIM_CID` (claims of other orgs that say the same or the opposite, app/similar.ts).
 */
import { CONFIDENCE, type Confidence } from '../../oos/types.ts'
import type { SearchHit } from '../../app/types.ts'
import { str, type Command } from '../command.ts'
import { UsageError } from '../errors.ts'
import { claimsColors, clean, orgLabel } from '../render.ts'
import { withBackend } from '../backend.ts'
import { cidValue, integerOption } from '../values.ts'

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`

/** The lines of one hit: its CID, its org, claim, version; how it was found and its counts; `more`; its rule. */
export function hitLines (h: SearchHit, found: string, more: string[] = []): string {
  return [
    h.cid,
    `  ${orgLabel(h.name, h.org, h.label)} ${clean(h.claim_id)} v${h.seq}${h.current ? '' : ' (not current)'}  ${h.confidence} / ${h.evidence}  [${clean(h.section)}]`,
    `  ${found}  ${plural(h.endorsements, 'endorsement')}, ${plural(h.disputes, 'dispute')}`,
    ...more,
    `  ${clean(h.rule)}`
  ].join('\n')
}

export const search: Command = {
  name: 'search',
  summary: 'ranked full-text search over the claims of every org held (which field matched, trust, endorsements)',
  usage: 'search TEXT [--section S] [--confidence C] [--trusted] [--limit N]',
  help: 'Ranks the claims of every org held here (BM25 over rule, why, failure mode, scope, section, claim id and the org\'s name; the rule weighs double), best first, and shows each hit\'s org with our trust in it, its current endorsements and disputes (any org\'s: `oos provenance` says which count) and the fields that matched. Claims no longer in their org\'s latest version are marked "not current" and rank lower. `oos claims --search` lists, unranked, the claims whose text holds a string.',
  options: {
    section: { type: 'string', value: 'S', description: 'claims of one section' },
    confidence: { type: 'string', value: 'C', description: `claims of one confidence: ${CONFIDENCE.join(', ')}` },
    trusted: { type: 'boolean', description: 'claims of the orgs we trust only' },
    limit: { type: 'string', value: 'N', description: 'most hits', default: '20' }
  },
  args: [1, 1],
  async run (ctx) {
    const confidence = str(ctx, 'confidence')?.toUpperCase()
    if (confidence !== undefined && !(CONFIDENCE as readonly string[]).includes(confidence)) throw new UsageError(`--confidence must be one of ${CONFIDENCE.join(', ')}`)
    const limit = integerOption(ctx, 'limit', { min: 1, max: 200 })
    const text = ctx.positionals[0]
    // found before anything is read, as every bad argument (README "CLI reference": exit 2)
    if (text.trim() === '') throw new UsageError('TEXT must not be empty: the words to search for (oos search approval)')
    if (text.length > 1000) throw new UsageError('TEXT must be at most 1000 characters')
    const hits = await withBackend(ctx, async (h) => await h.search({ text, section: str(ctx, 'section'), confidence: confidence as Confidence | undefined, ...(ctx.values.trusted === true ? { trusted: true } : {}), ...(limit !== undefined ? { limit } : {}) }, { signal: ctx.signal }))
    ctx.io.result(hits, () => hits.length === 0
      ? 'no claims match'
      : hits.map(h => hitLines(h, `score ${h.score.toFixed(2)}, matched ${h.matched.join(', ')}`)).join('\n'), claimsColors)
  }
}

const RELATION_MARKS = { agrees: 'AGREES', contradicts: 'CONTRADICTS', related: 'related' } as const

export const similar: Command = {
  name: 'similar',
  summary: 'claims of other orgs that say the same as a claim, or the opposite, each with its provenance summary',
  usage: 'similar CLAIM_CID [--limit N]',
  help: 'Compares the claim with the current claims of every other org held (TF-IDF over rule, why and failure mode), most similar first, and marks each AGREES, CONTRADICTS or related. The relation is a heuristic (protocol/SEARCH.md §3): it reads negations in the two rules\' closest clauses and exceptions stated in their scopes, not their meaning; check before you endorse or dispute. Each hit shows its org with our trust in it, its endorsements and disputes, and its provenance verdict (oos provenance CID for the whole report).',
  options: {
    limit: { type: 'string', value: 'N', description: 'most hits', default: '10' }
  },
  args: [1, 1],
  async run (ctx) {
    const limit = integerOption(ctx, 'limit', { min: 1, max: 100 })
    const cid = cidValue(ctx.positionals[0], 'CLAIM_CID').toString()
    const hits = await withBackend(ctx, async (h) => await h.similar({ cid, ...(limit !== undefined ? { limit } : {}) }, { signal: ctx.signal }))
    ctx.io.result(hits, () => hits.length === 0
      ? 'no claim of another org is similar'
      : hits.map(h => hitLines(h, `${RELATION_MARKS[h.relation]}, similarity ${h.similarity.toFixed(2)} (${h.matched.join(', ')})`, [
        `  provenance: ${h.provenance.verdict}, ${plural(h.provenance.versions, 'version')}, ${h.provenance.endorsements} trusted confirmation(s), ${h.provenance.disputes} trusted dispute(s)`
      ])).join('\n'), claimsColors)
  }
}
