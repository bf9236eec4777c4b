import { writeFile } from 'node:fs/promises'
import { toOosJson, writeOosMarkdown } from '../../oos/index.ts'
import { TEMPLATES, type Template } from '../../oos/types.ts'
import { str, type Command } from '../command.ts'
import { UsageError } from '../errors.ts'
import { starterBody } from '../../app/starter.ts'
import { fileError } from '../values.ts'

export const starter: Command = {
  name: 'new',
  summary: 'write a starter document with placeholders to replace (publish refuses it until they are)',
  usage: 'new [--template agent_army|value_chain|org_chart] [--format oos.md|oos.json] [--out FILE]',
  options: {
    template: { type: 'string', value: 'T', description: `the kind of document: ${TEMPLATES.join(', ')}`, default: 'agent_army' },
    format: { type: 'string', value: 'F', description: 'oos.md or oos.json', default: 'oos.json for an --out ending in .json, else oos.md' },
    out: { type: 'string', value: 'FILE', description: 'write to FILE (never over an existing one)', default: 'stdout' }
  },
  async run (ctx) {
    const template = (str(ctx, 'template') ?? 'agent_army') as Template
    if (!TEMPLATES.includes(template)) throw new UsageError(`--template must be one of ${TEMPLATES.join(', ')}`)
    const format = str(ctx, 'format') ?? (str(ctx, 'out')?.endsWith('.json') === true ? 'oos.json' : 'oos.md')
    if (format !== 'oos.md' && format !== 'oos.json') throw new UsageError('--format must be oos.md or oos.json')
    const text = format === 'oos.json' ? toOosJson(starterBody(template)) : writeOosMarkdown(starterBody(template))
    const out = str(ctx, 'out')
    if (out === undefined) { ctx.io.document(text); return }
    await writeFile(out, text, { flag: 'wx' }).catch((err) => {
      if (err.code === 'EEXIST') throw new UsageError(`${out} exists; refusing to overwrite it`)
      throw fileError(err, '--out', out)
    })
    ctx.io.result({ file: out, template }, () => `wrote the ${template} starter to ${out}: replace every <placeholder>, then oos publish ${out}`)
  }
}
