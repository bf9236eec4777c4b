import { writeFile } from 'node:fs/promises'
import { writeOosMarkdown } from '../../oos/index.ts'
import { TEMPLATES, type Template } from '../../oos/types.ts'
import { str, type Command } from '../command.ts'
import { UsageError } from '../errors.ts'
import { starterBody } from '../starter.ts'
import { fileError } from '../values.ts'

export const starter: Command = {
  name: 'new',
  summary: 'write a starter .oos.md that validates, with placeholders to replace',
  usage: 'new [--template agent_army|value_chain|org_chart] [--out FILE]',
  options: { template: { type: 'string' }, out: { type: 'string' } },
  async run (ctx) {
    const template = (str(ctx, 'template') ?? 'agent_army') as Template
    if (!TEMPLATES.includes(template)) throw new UsageError(`--template must be one of ${TEMPLATES.join(', ')}`)
    const text = writeOosMarkdown(starterBody(template))
    const out = str(ctx, 'out')
    if (out === undefined) { ctx.io.document(text); return }
    await writeFile(out, text, { flag: 'wx' }).catch((err) => {
      if (err.code === 'EEXIST') throw new UsageError(`${out} exists; refusing to overwrite it`)
      throw fileError(err, '--out', out)
    })
    ctx.io.result({ file: out, template }, () => `wrote a ${template} starter to ${out}: replace every <placeholder>, then oos publish ${out}`)
  }
}
