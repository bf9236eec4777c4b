import { diffBodies } from '../../oos/diff.ts'
import { writeOosMarkdown } from '../../oos/index.ts'
import { CONFIDENCE, EVIDENCE, type Confidence, type Evidence } from '../../oos/types.ts'
import { str, type Command } from '../command.ts'
import { UsageError } from '../errors.ts'
import { clean, renderDiff, renderVersion } from '../render.ts'
import { hydrate, withBackend } from '../backend.ts'
import { seqValue as seqArg } from '../values.ts'
import { jsonText } from '../io.ts'

export const show: Command = {
  name: 'show',
  summary: 'show one version: agents and their authority, escalation, claims with their CIDs',
  usage: 'show ORG|CID [--seq N] [--format text|oos.md|json]',
  help: 'ORG is a did:key, a unique prefix of one, or an org pseudonym. --format oos.md writes the document back in its Markdown form; --json (or --format json) gives the decoded record.',
  options: { seq: { type: 'string' }, format: { type: 'string' } },
  args: [1, 1],
  async run (ctx) {
    const format = str(ctx, 'format') ?? (ctx.io.json ? 'json' : 'text')
    if (!['text', 'oos.md', 'json'].includes(format)) throw new UsageError('--format must be text, oos.md or json')
    const shown = await withBackend(ctx, async (h) => await h.show({ ref: ctx.positionals[0], seq: seqArg(str(ctx, 'seq'), '--seq') }, { signal: ctx.signal }))
    if (format === 'oos.md') ctx.io.document(writeOosMarkdown(hydrate(shown).body))
    else if (format === 'json') ctx.io.out(jsonText(shown))
    else ctx.io.out(renderVersion(hydrate(shown), shown.cid))
  }
}

export const log: Command = {
  name: 'log',
  summary: 'the version chain of an organization, newest first',
  usage: 'log ORG [--limit N]',
  options: { limit: { type: 'string' } },
  args: [1, 1],
  async run (ctx) {
    const org = ctx.positionals[0]
    const entries = await withBackend(ctx, async (h) => await h.log({ org, limit: seqArg(str(ctx, 'limit'), '--limit') }, { signal: ctx.signal }))
    ctx.io.result(entries, () => entries.length === 0
      ? `no versions of ${org} here`
      : [`${clean(entries[0].name)}`, ...entries.map(e => `  ${String(e.seq).padStart(4)}  ${e.cid}  ${e.createdAt}  ${e.claims} claims`)].join('\n'))
  }
}

export const diff: Command = {
  name: 'diff',
  summary: 'what changed between two versions: claims added, reworded, removed; confidence, evidence and authority changes',
  usage: 'diff ORG A B',
  args: [3, 3],
  async run (ctx) {
    const [ref, a, b] = ctx.positionals
    const sa = seqArg(a, 'A') as number
    const sb = seqArg(b, 'B') as number
    {
      const [sva, svb] = await withBackend(ctx, async (h) => await Promise.all([h.show({ ref, seq: sa }), h.show({ ref, seq: sb })]))
      const va = { cid: sva.cid, rec: hydrate(sva) }
      const vb = { cid: svb.cid, rec: hydrate(svb) }
      const org = va.rec.org
      const d = diffBodies(va.rec.body, vb.rec.body)
      const json = {
        org, from: { seq: sa, cid: va.cid }, to: { seq: sb, cid: vb.cid },
        claims: {
          added: d.claims.added.map(c => ({ claim_id: c.claim_id, rule: c.rule, confidence: c.confidence, evidence: c.evidence })),
          removed: d.claims.removed.map(c => ({ claim_id: c.claim_id, rule: c.rule })),
          changed: d.claims.changed.map(c => ({ claim_id: c.claim_id, reworded: c.reworded, confidence: c.confidence, evidence: c.evidence, before: { rule: c.before.rule }, after: { rule: c.after.rule } })),
          unchanged: d.claims.unchanged
        },
        entities: d.entities
      }
      ctx.io.result(json, () => renderDiff(d, sa, sb))
    }
  }
}

export const claims: Command = {
  name: 'claims',
  summary: 'list claims (latest version of each org) with their CIDs, confidence and evidence',
  usage: 'claims [ORG] [--search TEXT] [--section S] [--confidence C] [--evidence E]',
  options: { search: { type: 'string' }, section: { type: 'string' }, confidence: { type: 'string' }, evidence: { type: 'string' } },
  args: [0, 1],
  async run (ctx) {
    const confidence = str(ctx, 'confidence')?.toUpperCase()
    const evidence = str(ctx, 'evidence')?.toUpperCase()
    if (confidence !== undefined && !(CONFIDENCE as readonly string[]).includes(confidence)) throw new UsageError(`--confidence must be one of ${CONFIDENCE.join(', ')}`)
    if (evidence !== undefined && !(EVIDENCE as readonly string[]).includes(evidence)) throw new UsageError(`--evidence must be one of ${EVIDENCE.join(', ')}`)
    const rows = await withBackend(ctx, async (h) => await h.claims({ org: ctx.positionals[0], search: str(ctx, 'search'), section: str(ctx, 'section'), confidence: confidence as Confidence | undefined, evidence: evidence as Evidence | undefined }, { signal: ctx.signal }))
    ctx.io.result(rows.map(({ claim: _claim, ...r }) => r), () => rows.length === 0
      ? 'no claims match'
      : rows.map(r => `${r.cid}\n  ${clean(r.name)} ${r.claim_id} v${r.seq}  ${r.confidence} / ${r.evidence}  [${clean(r.section)}]\n  ${clean(r.rule)}`).join('\n'))
  }
}
