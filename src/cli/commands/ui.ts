import { spawn } from 'node:child_process'
import { ApiClient } from '../../api/client.ts'
import { loadHome } from '../../app/home.ts'
import type { Command } from '../command.ts'
import { NodeNotRunningError } from '../errors.ts'

/**
 * The program that opens a URL: `$BROWSER` when set (a command, the URL as its one argument),
 * else the desktop's opener.
 */
function opener (env: Record<string, string | undefined>): [string, string[]] {
  if (env.BROWSER !== undefined && env.BROWSER !== '') return [env.BROWSER, []]
  if (process.platform === 'darwin') return ['open', []]
  if (process.platform === 'win32') return ['cmd', ['/c', 'start', '""']]
  return ['xdg-open', []]
}

/** Runs the opener; resolves with why it failed, or undefined once it exited 0. */
async function open (url: string, env: Record<string, string | undefined>, signal?: AbortSignal): Promise<string | undefined> {
  const [cmd, pre] = opener(env)
  return await new Promise(resolve => {
    const child = spawn(cmd, [...pre, url], { stdio: 'ignore', env, ...(signal !== undefined ? { signal } : {}) })
    child.once('error', (err: NodeJS.ErrnoException) => { resolve(`${cmd}: ${err.code === 'ENOENT' ? 'not found' : err.message}`) })
    child.once('exit', (code, sig) => { resolve(code === 0 ? undefined : `${cmd} exited ${code ?? sig}`) })
  })
}

export const ui: Command = {
  name: 'ui',
  summary: 'a one-time login link to the running node\'s web explorer (feed, organizations, claims, search)',
  usage: 'ui [--open]',
  help: 'Asks the running node for a login link (POST /v1/ui/link): it works once, within 60 s, and sets a session cookie for this node\'s explorer (HttpOnly, SameSite=Strict; 8 hours), so the bearer token never goes into a URL. The explorer is read-only unless the node was started with --ui-write (then the claim page can endorse and dispute, with a CSRF token). --open opens the link with $BROWSER, else xdg-open (open on macOS); when that fails the link is still printed, with why. Exit 1 with NODE_NOT_RUNNING when no node runs for the home.',
  options: {
    open: { type: 'boolean', description: 'open the link in a browser ($BROWSER, else xdg-open / open)' }
  },
  async run (ctx) {
    await loadHome(ctx.home)
    const api = await ApiClient.fromHome(ctx.home)
    if (api === undefined) throw new NodeNotRunningError(`no node is running for ${ctx.home} (start one with oos start; the explorer is served by the node)`)
    const link = await api.uiLink({ signal: ctx.signal })
    let opened: { opened: boolean, error?: string } | undefined
    if (ctx.values.open === true) {
      const why = await open(link.url, ctx.proc.env, ctx.signal)
      opened = why === undefined ? { opened: true } : { opened: false, error: why }
    }
    ctx.io.result({ ...link, ...(opened ?? {}) }, () => [
      link.url,
      `  one-time login link, valid until ${link.expiresAt.slice(0, 19)}Z`,
      ...(opened === undefined ? [] : [opened.opened ? '  opened in the browser' : `  could not open a browser (${opened.error ?? ''}): open the link above yourself`])
    ].join('\n'))
  }
}
