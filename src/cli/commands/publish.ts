import { toOosJsonValue, writeOosMarkdown } from '../../oos/index.ts'
import { keepPresentation } from '../../app/presentation.ts'
import type { Command } from '../command.ts'
import { withBackend } from '../backend.ts'
import { clean } from '../render.ts'
import { checkDocumentFile, readDocumentFile, reportJson, reportLines } from '../document.ts'
import { documentError } from '../../app/validate.ts'

export const publish: Command = {
  name: 'publish',
  summary: 'validate an OOS document (.oos.md or .oos.json) and publish it as the next signed version',
  usage: 'publish FILE [--dry-run] [--fix]',
  help: 'Front matter fields that disagree with the claims (claim_count, distributions, word_count) are corrected and reported; --fix writes them back into FILE first. Every problem of the document is listed at once (as oos validate does). version and parent_version are set from the chain. Publishing an unchanged document is refused. --dry-run shows what would be published: nothing is signed or stored, no key is needed. With a node running, the node signs and announces it.',
  options: {
    'dry-run': { type: 'boolean', description: 'show what would be published; sign and store nothing' },
    fix: { type: 'boolean', description: 'write corrected derived fields back into FILE first' }
  },
  args: [1, 1],
  async run (ctx) {
    const doc = await readDocumentFile(ctx.positionals[0])
    const r = await checkDocumentFile(doc, { fix: ctx.values.fix === true })
    if (r.errors.length > 0) {
      // every problem at once; one alone is the error line itself
      if (!ctx.io.json && r.errors.length > 1) for (const e of r.errors) ctx.io.err(`error: ${e.message} [${e.code}]`)
      throw documentError(r.errors)
    }
    if (ctx.values['dry-run'] === true) {
      const body = r.body as NonNullable<typeof r.body>
      ctx.io.result({ ...reportJson(doc.path, r), body: toOosJsonValue(body) }, () => [
        ...reportLines(r),
        `would publish ${doc.path} as the next version of ${body.frontmatter.org_pseudonym} (dry run: nothing signed or stored)`,
        `  claims  ${body.claims.length}`,
        `  words   ${body.frontmatter.word_count}`
      ].join('\n'))
      return
    }
    const pub = await withBackend(ctx, async (h) => await h.publish({ document: r.text, format: doc.format }, { signal: ctx.signal }), { sign: true })
    // the file's list styles, where they are not the canonical ones, for show --format oos.md
    const body = r.body as NonNullable<typeof r.body>
    if (r.presentation !== undefined && writeOosMarkdown(body, { presentation: r.presentation }) !== writeOosMarkdown(body)) {
      await keepPresentation(ctx.home, pub.cid, r.presentation)
    }
    if (!ctx.io.json) for (const w of r.warnings) ctx.io.err(`warning: ${w.message}`)
    ctx.io.result(pub, () => [
      ...r.fixed.map(c => `fixed ${c.field} in ${doc.path}: ${JSON.stringify(c.declared)} → ${JSON.stringify(c.actual)}`),
      // a removed null comes back as actual null (JSON has no undefined); derived values are never null
      ...pub.corrections.map(c => c.actual === undefined || c.actual === null
        ? `corrected ${c.field}: null in an optional field is treated as absent`
        : `corrected ${c.field}: the document said ${JSON.stringify(c.declared)}, the claims give ${JSON.stringify(c.actual)} (oos publish --fix writes it back)`),
      `published version ${pub.seq} of ${clean(body.frontmatter.org_pseudonym)} (${pub.org})`,
      `  cid     ${pub.cid}`,
      `  claims  ${pub.claims}`
    ].join('\n'))
  }
}
