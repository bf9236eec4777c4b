/**
 * The frame of every page of the explorer: a skip link, the navigation, the search box and
 * the main region. The page's script and styles are files under /ui/static/ (the
 * Content-Security-Policy allows no inline script); the session's CSRF token is in a meta
 * element the script reads for its POSTs.
 */
import { html, type Html } from './html.ts'

/** What every page knows of the request. */
export interface PageContext {
  /** the session's CSRF token */
  csrf: string
  /** endorse and dispute from the explorer (`oos start --ui-write`) */
  write: boolean
}

export interface Page {
  title: string
  /** which page, for the script (`feed`, `claim`, …) */
  name: string
  /** data attributes of <body> for the script (a claim's CID) */
  data?: Record<string, string>
  body: Html
}

const NAV: Array<[string, string, string]> = [['feed', '/ui/', 'Feed'], ['orgs', '/ui/orgs', 'Organizations'], ['search', '/ui/search', 'Search']]

export function layout (page: Page, ctx?: PageContext, query = ''): string {
  const data = Object.entries(page.data ?? {}).map(([k, v]) => html` data-${k}="${v}"`)
  return '<!doctype html>\n' + html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${ctx !== undefined ? html`<meta name="csrf-token" content="${ctx.csrf}">` : ''}
<title>${page.title} · oosnet</title>
<link rel="stylesheet" href="/ui/static/ui.css">
<script type="module" src="/ui/static/ui.js"></script>
</head>
<body data-page="${page.name}"${data}>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="/ui/">oosnet</a>
  <nav aria-label="Main">
    <ul>${NAV.map(([name, href, label]) => html`<li><a href="${href}"${name === page.name ? html` aria-current="page"` : ''}>${label}</a></li>`)}</ul>
  </nav>
  <form class="find" role="search" action="/ui/search" method="get">
    <label for="find-q" class="sr">Search claims</label>
    <input id="find-q" name="q" type="search" placeholder="Search claims" value="${query}">
    <button type="submit">Search</button>
  </form>
</header>
<main id="main" tabindex="-1">
${page.body}
</main>
</body>
</html>
`.text
}
