import { diffBodies } from '../../oos/diff.ts'
import { toOosJson, writeOosMarkdown } from '../../oos/index.ts'
import { CONFIDENCE, EVIDENCE, type Confidence, type Evidence } from '../../oos/types.ts'
import { str, type Command } from '../command.ts'
import { UsageError } from '../errors.ts'
import { NotFoundError } from '../../errors.ts'
import { claimsColors, clean, orgLabel, renderClaim, renderVersion, versionColors } from '../render.ts'
import { changedValues, diffColors, renderDiff, renderStat } from '../diffview.ts'
import { isoSecond, type Colorize } from '../style.ts'
import type { BodyDiff } from '../../oos/diff.ts'
import type { LocalApp } from '../../app/types.ts'
import { hydrate, withBackend } from '../backend.ts'
import { presentationOf } from '../../app/presentation.ts'
import { cidShaped, integerOption, seqValue as seqArg } from '../values.ts'
import { jsonText } from '../io.ts'
import { tryParseCid } from '../../records/cid.ts'

export const show: Command = {
  name: 'show',
  summary: 'show one version: agents and their authority, escalation, claims with their CIDs',
  usage: 'show [ORG|CID|CLAIM_CID] [--seq N] [--format text|oos.md|oos.json|json]',
  help: 'A claim CID shows the claim in the latest version holding it (the formats give that version), and its new wording when it was reworded. ORG (default: our own org) is a did, a did prefix, a pseudonym or a local alias (oos orgs lists them). The org\'s trust state is shown, and its did when another org known here has the same pseudonym. --format oos.md and --format oos.json write the document back in its Markdown or JSON form (keys in the canonical order, BODY.md §4, §5.4; a .oos.md published from this home keeps the list styles it was written with); --json (or --format json) gives the decoded record.',
  options: {
    seq: { type: 'string', value: 'N', description: 'the version to show', default: 'the latest' },
    format: { type: 'string', value: 'F', description: 'text, oos.md, oos.json or json', default: 'text (json under --json)' }
  },
  args: [0, 1],
  async run (ctx) {
    const format = str(ctx, 'format') ?? (ctx.io.json ? 'json' : 'text')
    if (!['text', 'oos.md', 'oos.json', 'json'].includes(format)) throw new UsageError('--format must be text, oos.md, oos.json or json')
    const ref = ctx.positionals[0]
    // a CID cut short or mistyped: a usage error, not an org not found
    if (ref !== undefined && cidShaped(ref) && tryParseCid(ref) === undefined) throw new UsageError(`${JSON.stringify(ref)} looks like a CID but is not one (cut short or mistyped?)`)
    const shown = await withBackend(ctx, async (h) => await h.show({ ref, seq: seqArg(str(ctx, 'seq'), '--seq') }, { signal: ctx.signal }))
    if (format === 'oos.md') ctx.io.document(writeOosMarkdown(hydrate(shown).body, { presentation: await presentationOf(ctx.home, shown.cid) }))
    else if (format === 'oos.json') ctx.io.document(toOosJson(hydrate(shown).body))
    else if (format === 'json') ctx.io.document(jsonText(shown) + '\n') // JSON is never wrapped or coloured (style.ts)
    else if (shown.claim !== undefined) ctx.io.out(renderClaim(hydrate(shown), shown.cid, shown.claim, shown.label), versionColors)
    else ctx.io.out(renderVersion(hydrate(shown), shown.cid, shown.label), versionColors)
  }
}

type Shown = Awaited<ReturnType<LocalApp['show']>>

/** `oos diff --json` and `log -p --json`: changed claims carry only the fields that changed, before and after. */
function diffJson (d: BodyDiff): Record<string, unknown> {
  return {
    claims: {
      added: d.claims.added.map(c => ({ claim_id: c.claim_id, rule: c.rule, confidence: c.confidence, evidence: c.evidence })),
      removed: d.claims.removed.map(c => ({ claim_id: c.claim_id, rule: c.rule })),
      changed: d.claims.changed.map(c => ({ claim_id: c.claim_id, fields: c.fields, reworded: c.reworded, confidence: c.confidence, evidence: c.evidence, before: changedValues(c.before, c.fields), after: changedValues(c.after, c.fields) })),
      unchanged: d.claims.unchanged
    },
    entities: d.entities
  }
}

const bodiesDiff = (a: Shown, b: Shown): BodyDiff => diffBodies(hydrate(a).body, hydrate(b).body)

/** the most versions `log --limit` takes (more than any chain holds) */
const MAX_LIMIT = 1_000_000_000

export const log: Command = {
  name: 'log',
  summary: 'the version chain of an organization, newest first',
  usage: 'log [ORG] [--limit N] [-p|--patch] [--stat]',
  help: 'ORG: default our own org. -p (--patch) shows each version\'s changes against the one before it, as oos diff does; --stat counts them.',
  options: {
    limit: { type: 'string', value: 'N', description: 'the newest N versions only', default: 'all' },
    patch: { type: 'boolean', short: 'p', description: 'each version\'s changes against the one before it' },
    stat: { type: 'boolean', description: 'count each version\'s changes' }
  },
  args: [0, 1],
  async run (ctx) {
    const org = ctx.positionals[0]
    const patch = ctx.values.patch === true
    const stat = ctx.values.stat === true
    const limit = integerOption(ctx, 'limit', { min: 1, max: MAX_LIMIT }) // a count of versions, checked before the home is opened
    const { entries, diffs } = await withBackend(ctx, async (h) => {
      const entries = await h.log({ org, limit }, { signal: ctx.signal })
      const diffs = new Map<number, BodyDiff>()
      if (!patch && !stat) return { entries, diffs }
      // each version against the one before it: the next entry, or (for the oldest listed) its prev by seq
      const shown = await Promise.all(entries.map(async e => await h.show({ ref: e.cid }, { signal: ctx.signal })))
      for (const [k, e] of entries.entries()) {
        if (e.seq === 1) continue
        const before = shown[k + 1] ?? await h.show({ ref: shown[k].rec.org, seq: e.seq - 1 }, { signal: ctx.signal })
        diffs.set(e.seq, bodiesDiff(before, shown[k]))
      }
      return { entries, diffs }
    })
    const json = entries.map(e => {
      const d = diffs.get(e.seq)
      if (d === undefined) return e
      const j = diffJson(d)
      return { ...e, ...(stat ? { stat: { added: d.claims.added.length, changed: d.claims.changed.length, removed: d.claims.removed.length, unchanged: d.claims.unchanged } } : {}), ...(patch ? { diff: j } : {}) }
    })
    ctx.io.result(json, () => entries.length === 0
      ? `no versions of ${org ?? 'our org'} here`
      : [`${clean(entries[0].name)}`, ...entries.flatMap(e => {
          const d = diffs.get(e.seq)
          return [
            `  ${String(e.seq).padStart(4)}  ${e.cid}  ${isoSecond(e.createdAt)}  ${e.claims} claims`,
            ...(d !== undefined && stat ? [renderStat(d)] : []),
            ...(d !== undefined && patch ? [renderDiff(d, e.seq - 1, e.seq).split('\n').map(l => '    ' + l).join('\n'), ''] : [])
          ]
        })].join('\n'), logColors)
  }
}

const VERSION_LINE = /^ {2} *[0-9]+ {2}\S+ {2}[0-9]{4}-/

/** log: the version lines yellow (git's commit lines), each patch (indented 4) in diff colours. */
const logColors: Colorize = (lines, paint) => {
  const out: string[] = []
  for (let k = 0; k < lines.length;) {
    if (!VERSION_LINE.test(lines[k]) && /^ {4}/.test(lines[k])) {
      const block: string[] = []
      while (k < lines.length && !VERSION_LINE.test(lines[k]) && /^ {4}/.test(lines[k])) block.push(lines[k++].slice(4))
      out.push(...diffColors(block, paint).map(l => '    ' + l))
    } else {
      out.push(k === 0 ? paint.bold(lines[k]) : VERSION_LINE.test(lines[k]) ? paint.yellow(lines[k]) : lines[k])
      k++
    }
  }
  return out
}

export const diff: Command = {
  name: 'diff',
  summary: 'what changed between two versions: every changed field of a claim before and after; claims added and removed; authority changes',
  usage: 'diff [ORG] [A B]',
  help: 'ORG: default our own org; A and B: version numbers, default the previous and the latest version. On a terminal the changed words are marked; --json gives, for each changed claim, the fields that changed with their values before and after.',
  args: [0, 3],
  async run (ctx) {
    const p = ctx.positionals
    // `diff A B` (two numbers) is our own org's
    const [ref, a, b] = p.length === 3 ? p : p.length === 2 ? [undefined, ...p] : [p[0], undefined, undefined]
    if (p.length === 2 && !p.every(x => /^[0-9]+$/.test(x))) throw new UsageError('usage: oos diff [ORG] [A B] (A and B are version numbers)')
    const [sa, sb, va, vb] = await withBackend(ctx, async (h) => {
      let pair: [number, number]
      if (a !== undefined) {
        pair = [seqArg(a, 'A') as number, seqArg(b, 'B') as number]
      } else {
        const last = await h.log({ ...(ref !== undefined ? { org: ref } : {}), limit: 2 }, { signal: ctx.signal })
        if (last.length < 2) throw new NotFoundError(`${ref ?? 'our org'} has ${last.length} version(s) here: nothing to diff`)
        pair = [last[1].seq, last[0].seq]
      }
      const [x, y] = await Promise.all(pair.map(async seq => await h.show({ ref, seq }, { signal: ctx.signal })))
      return [...pair, x, y] as const
    })
    const d = bodiesDiff(va, vb)
    ctx.io.result({ org: va.rec.org, from: { seq: sa, cid: va.cid }, to: { seq: sb, cid: vb.cid }, ...diffJson(d) }, () => renderDiff(d, sa, sb), diffColors)
  }
}

export const claims: Command = {
  name: 'claims',
  summary: 'list claims (latest version of each org) with their CIDs, confidence and evidence',
  usage: 'claims [ORG] [--search TEXT] [--section S] [--confidence C] [--evidence E] [--trusted]',
  help: 'Each org is marked with our trust in it (us, trusted, untrusted, neutral), and shown with a short did when another org known here has the same pseudonym. --trusted keeps the claims of the orgs we trust (followed, set trusted, ours). --search lists, unranked, the claims whose text holds TEXT; `oos search` ranks across orgs.',
  options: {
    search: { type: 'string', value: 'TEXT', description: 'claims whose text holds TEXT' },
    section: { type: 'string', value: 'S', description: 'claims of one section' },
    confidence: { type: 'string', value: 'C', description: `claims of one confidence: ${CONFIDENCE.join(', ')}` },
    evidence: { type: 'string', value: 'E', description: `claims with one evidence type: ${EVIDENCE.join(', ')}` },
    trusted: { type: 'boolean', description: 'claims of the orgs we trust only' }
  },
  args: [0, 1],
  async run (ctx) {
    const confidence = str(ctx, 'confidence')?.toUpperCase()
    const evidence = str(ctx, 'evidence')?.toUpperCase()
    if (confidence !== undefined && !(CONFIDENCE as readonly string[]).includes(confidence)) throw new UsageError(`--confidence must be one of ${CONFIDENCE.join(', ')}`)
    if (evidence !== undefined && !(EVIDENCE as readonly string[]).includes(evidence)) throw new UsageError(`--evidence must be one of ${EVIDENCE.join(', ')}`)
    const rows = await withBackend(ctx, async (h) => await h.claims({ org: ctx.positionals[0], search: str(ctx, 'search'), section: str(ctx, 'section'), confidence: confidence as Confidence | undefined, evidence: evidence as Evidence | undefined, ...(ctx.values.trusted === true ? { trusted: true } : {}) }, { signal: ctx.signal }))
    ctx.io.result(rows.map(({ claim: _claim, ...r }) => r), () => rows.length === 0
      ? 'no claims match'
      : rows.map(r => `${r.cid}\n  ${orgLabel(r.name, r.org, r.label)} ${r.claim_id} v${r.seq}  ${r.confidence} / ${r.evidence}  [${clean(r.section)}]\n  ${clean(r.rule)}`).join('\n'), claimsColors)
  }
}

export const orgs: Command = {
  name: 'orgs',
  summary: 'the organizations known here: alias, did, pseudonym, followed, trusted, head',
  usage: 'orgs [--json]',
  help: 'Every ORG argument resolves the same way (protocol/SPEC.md §9.2): absent, our own org; a did; a local alias (the home\'s name for ours, a follow\'s --alias); else a pseudonym or a did prefix of an org known here, which must name exactly one (AMBIGUOUS_ORG lists the candidates).',
  async run (ctx) {
    const rows = await withBackend(ctx, async (h) => await h.orgs({ signal: ctx.signal }))
    ctx.io.result(rows, () => rows.map(r => [
      `${orgLabel(r.pseudonym ?? '(no version held)', r.org, r)}${r.alias !== undefined ? `  alias ${clean(r.alias)}` : ''}`,
      `  ${r.org}`,
      `  ${[r.self ? 'us' : r.followed ? 'followed' : 'not followed', r.trusted ? 'trusted' : 'not trusted', r.head === null ? 'no version held' : `head ${r.head.seq} ${r.head.cid}`].join(', ')}`
    ].join('\n')).join('\n'))
  }
}
