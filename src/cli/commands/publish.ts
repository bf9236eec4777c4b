import { readFile, stat } from 'node:fs/promises'
import { InvalidArgumentError, NotFoundError } from '../../errors.ts'
import { decodeDocument } from '../../oos/index.ts'
import type { Command } from '../command.ts'
import { withBackend } from '../backend.ts'

/** Documents larger than this are refused before reading (the record limit is 1 MiB). */
export const MAX_DOCUMENT_BYTES = 4 * 1024 * 1024

export const publish: Command = {
  name: 'publish',
  summary: 'validate an OOS document (.oos.md or .oos.json) and publish it as the next signed version',
  usage: 'publish FILE',
  help: 'Front matter fields that disagree with the claims (claim_count, distributions, word_count) are corrected and reported; version and parent_version are set from the chain. Publishing an unchanged document is refused. With a node running, the node signs and announces it.',
  args: [1, 1],
  async run (ctx) {
    const path = ctx.positionals[0]
    const st = await stat(path).catch(() => undefined)
    if (st === undefined || !st.isFile()) throw new NotFoundError(`${path}: no such file`)
    if (st.size > MAX_DOCUMENT_BYTES) throw new InvalidArgumentError(`${path} is ${st.size} bytes; documents are limited to ${MAX_DOCUMENT_BYTES}`)
    const document = decodeDocument(await readFile(path))
    const format = /\.json$/i.test(path) ? 'json' : 'md'
    const r = await withBackend(ctx, async (h) => await h.publish({ document, format }, { signal: ctx.signal }), { sign: true })
    ctx.io.result(r, () => [
      ...r.corrections.map(c => `corrected ${c.field}: the document said ${JSON.stringify(c.declared)}, the claims give ${JSON.stringify(c.actual)}`),
      `published version ${r.seq} of ${r.org}`,
      `  cid     ${r.cid}`,
      `  claims  ${r.claims}`
    ].join('\n'))
  }
}
