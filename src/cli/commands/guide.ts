/**
 * `oos guide`: an AGENTS.md or CLAUDE.md from organizations' claims (app/guide.ts), through the
 * running node's API when there is one, else offline. The file's bytes go to stdout (exact in a
 * pipe, escaped on a terminal) or to `--out FILE`.
 */
import { rename, writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { CONFIDENCE, type Confidence } from '../../oos/types.ts'
import { withBackend } from '../backend.ts'
import { str, type Command } from '../command.ts'
import { UsageError } from '../errors.ts'
import { fileError } from '../values.ts'

const FORMATS = ['agents.md', 'claude.md'] as const

export const guide: Command = {
  name: 'guide',
  summary: 'an agent-ready AGENTS.md or CLAUDE.md from organizations\' claims, each rule with its provenance',
  usage: 'guide [ORG...] [--adopted] [--min-confidence C] [--format agents.md|claude.md] [--out FILE]',
  help: 'From the latest version held of each ORG (default: our own org): the rules grouped by section with why, failure mode and scope, each with a short provenance reference (org, claim CID, version, trusted confirmations, endorsements, disputes), then each org\'s authority and escalation (agents\' owns, does not own and escalates to; humans\' approvals; decisions; escalation levels). The header names the orgs and versions it was built from and says the content is data published by them. --adopted: only the claims our org adopted from others (ORG defaults to ours). agents.md gives each rule a heading and names every field; claude.md (Claude Code\'s memory file) gives each rule one imperative bullet, MUST / SHOULD / CONSIDER after its confidence. The same store, trust settings and options give the same bytes: regenerate rather than edit. --json: { text, sources } (and file with --out).',
  options: {
    adopted: { type: 'boolean', description: 'only claims adopted from other orgs (derived_from)' },
    'min-confidence': { type: 'string', value: 'C', description: `leave out claims below C: ${CONFIDENCE.join(', ')}`, default: 'LOW (all)' },
    format: { type: 'string', value: 'F', description: `${FORMATS.join(' or ')}`, default: 'agents.md' },
    out: { type: 'string', value: 'FILE', description: 'write the file there (replaced whole) instead of stdout' }
  },
  args: [0, 64],
  async run (ctx) {
    const min = str(ctx, 'min-confidence')?.toUpperCase()
    if (min !== undefined && !(CONFIDENCE as readonly string[]).includes(min)) throw new UsageError(`--min-confidence must be one of ${CONFIDENCE.join(', ')}`)
    const format = (str(ctx, 'format') ?? 'agents.md').toLowerCase()
    if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`)
    const out = str(ctx, 'out')
    const r = await withBackend(ctx, async (h) => await h.guide({
      ...(ctx.positionals.length > 0 ? { orgs: ctx.positionals } : {}),
      ...(ctx.values.adopted === true ? { adopted: true } : {}),
      ...(min !== undefined ? { minConfidence: min as Confidence } : {}),
      format: format as typeof FORMATS[number]
    }, { signal: ctx.signal }))
    if (out === undefined) {
      if (ctx.io.json) ctx.io.result(r, () => '')
      else ctx.io.document(r.text)
      return 0
    }
    const file = resolve(out)
    // written beside it, then renamed over: a reader never sees half a guide
    const tmp = `${file}.${process.pid}.tmp`
    await writeFile(tmp, r.text, { mode: 0o644 }).catch((err) => { throw fileError(err, '--out', file) })
    await rename(tmp, file).catch((err) => { throw fileError(err, '--out', file) })
    ctx.io.result({ ...r, file }, () => `wrote ${file} (${format}) from ${r.sources.map(s => `${s.label.alias ?? s.org} version ${s.seq}`).join(', ')}`)
    return 0
  }
}
