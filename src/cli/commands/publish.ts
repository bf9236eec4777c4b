import { publish as publishVersion } from '../../node/publish.ts'
import type { Command } from '../command.ts'
import { readDocument } from '../document.ts'
import { orgSecret, withLocal } from '../session.ts'

export const publish: Command = {
  name: 'publish',
  summary: 'validate an OOS document (.oos.md or .oos.json) and publish it as the next signed version',
  usage: 'publish FILE',
  help: 'Front matter fields that disagree with the claims (claim_count, distributions, word_count) are corrected and reported; version and parent_version are set from the chain. Publishing an unchanged document is refused.',
  args: [1, 1],
  async run (ctx) {
    const { body, corrections } = await readDocument(ctx.positionals[0])
    const secretKey = await orgSecret(ctx)
    try {
      const r = await withLocal(ctx, async (l) => await publishVersion(l.store, l.ingest, body, { org: l.config.org, secretKey, signal: ctx.signal }))
      const fixed = corrections.map(c => ({ field: c.field, declared: c.declared ?? null, actual: c.actual }))
      ctx.io.result({ org: r.org, seq: r.seq, cid: r.cid, claims: r.claims?.length ?? 0, corrections: fixed }, () => [
        ...fixed.map(c => `corrected ${c.field}: the document said ${JSON.stringify(c.declared)}, the claims give ${JSON.stringify(c.actual)}`),
        `published version ${r.seq} of ${r.org}`,
        `  cid     ${r.cid.toString()}`,
        `  claims  ${r.claims?.length ?? 0}`
      ].join('\n'))
    } finally {
      secretKey.fill(0)
    }
  }
}
