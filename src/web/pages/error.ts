/** The page of a failed request to the explorer: its status, code and message, as text. */
import { html } from '../html.ts'
import { layout } from '../layout.ts'

export function errorPage (status: number, error: { code: string, message: string }): string {
  const hint = status === 401 ? html`<p>Run <kbd>oos ui</kbd> (or <kbd>oos ui --open</kbd>) on the node's machine for a new one-time login link.</p>` : ''
  return layout({
    title: `${status} ${error.code}`,
    name: 'error',
    body: html`<h1>${status} <code class="code">${error.code}</code></h1><p class="message">${error.message}</p>${hint}`
  })
}
