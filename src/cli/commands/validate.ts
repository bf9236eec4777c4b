import type { Command } from '../command.ts'
import { checkDocumentFile, readDocumentFile, reportJson, reportLines } from '../document.ts'

export const validate: Command = {
  name: 'validate',
  summary: 'check an OOS document (.oos.md or .oos.json): every error with its line, every correction, warnings',
  usage: 'validate FILE [--fix]',
  help: 'Needs no key, no home and no node. Exit 0 when the document can be published, 1 when it has errors. --fix writes the corrected derived fields (claim_count, the distributions, word_count) back into FILE, changing nothing else. Warnings name prose that states counts the claims do not give (a "Confidence Map" table).',
  options: { fix: { type: 'boolean', description: 'write corrected derived fields back into FILE' } },
  args: [1, 1],
  async run (ctx) {
    const doc = await readDocumentFile(ctx.positionals[0])
    const r = await checkDocumentFile(doc, { fix: ctx.values.fix === true })
    ctx.io.result(reportJson(doc.path, r), () => [
      ...reportLines(r),
      r.errors.length === 0
        ? `${doc.path}: valid, ${r.body?.claims.length ?? 0} claims${r.corrections.length > 0 ? `, ${r.corrections.length} correction${r.corrections.length > 1 ? 's' : ''}` : ''}${r.warnings.length > 0 ? `, ${r.warnings.length} warning${r.warnings.length > 1 ? 's' : ''}` : ''}`
        : `${doc.path}: ${r.errors.length} error${r.errors.length > 1 ? 's' : ''}`
    ].join('\n'))
    return r.errors.length === 0 ? 0 : 1
  }
}
