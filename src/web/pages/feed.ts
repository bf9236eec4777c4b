/**
 * The feed: what happened to the orgs we follow and to our claims (`App.feed`), newest first;
 * the page's script adds each event of the node's stream (`GET /v1/events`) as it comes, in
 * the same form (static/ui.js `feedRow`).
 */
import type { FeedEvent } from '../../app/feed.ts'
import { html, seg, when, type Html } from '../html.ts'
import type { Page } from '../layout.ts'

/** Where an event leads: the claim a statement or adoption is about, else the org's version. */
export function eventHref (e: Pick<FeedEvent, 'kind' | 'org' | 'seq' | 'target'>): string {
  if (e.target !== undefined && e.kind !== 'retraction' && e.kind !== 'version') return `/ui/claim/${seg(e.target)}`
  return `/ui/org/${seg(e.org)}${e.seq !== undefined ? `?seq=${e.seq}` : ''}`
}

export function feedRow (e: FeedEvent): Html {
  return html`<li class="event ${e.kind}" data-id="${e.id}">${when(e.at)} <span class="kind badge">${e.kind}</span> <a href="${eventHref(e)}">${e.summary}</a></li>`
}

export function feedPage (events: FeedEvent[]): Page {
  const newest = [...events].reverse()
  return {
    title: 'Feed',
    name: 'feed',
    body: html`<h1>Feed</h1>
<p>New versions of the orgs we follow, statements about our claims, retractions and flags. <span class="live" role="status">connecting…</span></p>
${newest.length === 0 ? html`<p class="muted empty-feed">Nothing yet: follow an org (<kbd>oos follow ORG</kbd>) and new versions show up here as they arrive.</p>` : ''}
<ul class="feed">${newest.map(feedRow)}</ul>`
  }
}
