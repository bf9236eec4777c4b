import { initHome, loadHome } from '../../app/home.ts'
import { str, type Command } from '../command.ts'
import { UsageError } from '../errors.ts'
import { MAX_NAME_CHARS, textValue } from '../values.ts'

export const init: Command = {
  name: 'init',
  summary: 'create this organization\'s keys (encrypted) and node identity',
  usage: 'init --name NAME',
  help: `Creates the home directory with an encrypted org signing key and node key (mode 0600). Refuses to overwrite an existing home. NAME: 1 to ${MAX_NAME_CHARS} characters, no control characters.`,
  options: { name: { type: 'string', value: 'NAME', description: 'the org\'s local alias, 1 to 128 characters (required)' } },
  async run (ctx) {
    const name = str(ctx, 'name')
    if (name === undefined || name.trim() === '') throw new UsageError('oos init needs --name NAME')
    textValue(name.trim(), '--name', { max: MAX_NAME_CHARS, printable: true })
    const passphrase = await ctx.io.passphrase('New passphrase for the organization key: ', { confirm: true })
    const n = ctx.proc.env.OOS_SCRYPT_N
    const config = await initHome(ctx.home, { name: name.trim(), passphrase, ...(n !== undefined ? { scryptN: Number(n) } : {}) })
    ctx.io.result({ org: config.org, name: config.name, peerId: config.peerId, home: ctx.home }, () =>
      `created ${config.name} in ${ctx.home}\n  org     ${config.org}\n  peer id ${config.peerId}`)
  }
}

export const id: Command = {
  name: 'id',
  summary: 'print the organization did, its name and the node peer id',
  usage: 'id',
  async run (ctx) {
    const c = await loadHome(ctx.home)
    ctx.io.result({ org: c.org, name: c.name, peerId: c.peerId }, () => `${c.name}\n  org     ${c.org}\n  peer id ${c.peerId}`)
  }
}
