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
import { integerOption } from '../values.ts'

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`

/** The lines of one hit: its CID, then its org, claim, version and counts, then its rule. */
export function hitLines (h: SearchHit, extra: string): string[] {
  return [
    h.cid,
    `  ${orgLabel(h.name, h.org, h.label)} ${clean(h.claim_id)} v${h.seq}${h.current ? '' : ' (not current)'}  ${h.confidence} / ${h.evidence}  [${clean(h.section)}]`,
    `  ${extra}  ${plural(h.endorsements, 'endorsement')}, ${plural(h.disputes, 'dispute')}`,
    `  ${clean(h.rule)}`
  ]
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
    const hits = await withBackend(ctx, async (h) => await h.search({ text, section: str(ctx, 'section'), confidence: confidence as Confidence | undefined, ...(ctx.values.trusted === true ? { trusted: true } : {}), ...(limit !== undefined ? { limit } : {}) }, { signal: ctx.signal }))
    ctx.io.result(hits, () => hits.length === 0
      ? 'no claims match'
      : hits.map(h => hitLines(h, `score ${h.score.toFixed(2)}, matched ${h.matched.join(', ')}`).join('\n')).join('\n'), claimsColors)
  }
}
