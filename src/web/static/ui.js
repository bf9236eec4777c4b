/* global document, EventSource, window, CSS, FormData */
// The explorer's one script (an ES module, no build step): the live feed, the claim page's
// live endorsements and its endorse / dispute form. Text from the network is only ever set
// with textContent; the one fragment inserted as HTML is rendered and escaped by the node.

const KINDS = ['version', 'endorsement', 'dispute', 'adoption', 'retraction', 'equivocation', 'rotation']
const csrf = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? ''
const page = document.body.dataset.page

/** The node's event stream (`GET /v1/events`, the session cookie authenticates it). */
function events (onEvent) {
  const live = document.querySelector('.live')
  const source = new EventSource('/v1/events')
  let opened = false
  source.addEventListener('open', () => {
    if (live) live.textContent = 'live'
    // back after a break: what was missed meanwhile is in the page's own data, fetched again
    if (opened) onEvent('reopen', {})
    opened = true
  })
  source.addEventListener('error', () => { if (live) live.textContent = 'reconnecting…' })
  for (const kind of KINDS) {
    source.addEventListener(kind, (msg) => {
      let data
      try { data = JSON.parse(msg.data) } catch { return }
      onEvent(kind, data)
    })
  }
  window.addEventListener('pagehide', () => { source.close() })
  return source
}

function el (tag, attrs = {}, text) {
  const e = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v)
  if (text !== undefined) e.textContent = text
  return e
}

/** A feed row, as the page renders it on the node (web/pages/feed.ts). */
function feedRow (ev) {
  const li = el('li', { class: `event ${ev.kind}`, 'data-id': ev.id })
  const at = new Date(ev.at)
  li.append(el('time', { datetime: at.toISOString() }, `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`), ' ')
  li.append(el('span', { class: 'kind badge' }, ev.kind), ' ')
  const href = ev.target !== undefined && ev.kind !== 'retraction' && ev.kind !== 'version'
    ? `/ui/claim/${encodeURIComponent(ev.target)}`
    : `/ui/org/${encodeURIComponent(ev.org)}${ev.seq !== undefined ? `?seq=${ev.seq}` : ''}`
  li.append(el('a', { href }, ev.summary))
  return li
}

function liveFeed () {
  const list = document.querySelector('ul.feed')
  if (!list) return
  events((_kind, ev) => {
    if (typeof ev?.id !== 'string' || list.querySelector(`li[data-id="${CSS.escape(ev.id)}"]`)) return
    document.querySelector('.empty-feed')?.remove()
    list.prepend(feedRow(ev))
  })
}

async function refreshEndorsements (cid) {
  const box = document.getElementById('endorsements')
  if (!box) return
  const res = await fetch(`/ui/claim/${encodeURIComponent(cid)}/endorsements`, { credentials: 'same-origin' })
  // the fragment is the node's own rendering, every peer value escaped (web/pages/claim.ts)
  if (res.ok) box.innerHTML = await res.text()
}

function claimPage () {
  const cid = document.body.dataset.cid
  events((kind, ev) => {
    if ((kind === 'endorsement' || kind === 'dispute') && ev.target === cid) void refreshEndorsements(cid)
    else if (kind === 'retraction' || kind === 'reopen') void refreshEndorsements(cid)
  })
  const form = document.getElementById('endorse-form')
  if (!form) return
  const status = document.getElementById('endorse-status')
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    const data = new FormData(form)
    const body = { target: form.dataset.target, stance: data.get('stance') }
    const note = String(data.get('note') ?? '').trim()
    if (note !== '') body.note = note
    const evidence = String(data.get('evidence') ?? '')
    if (evidence !== '') body.evidence = { type: evidence, text: String(data.get('evidenceText') ?? '').trim() || evidence }
    status.className = 'status-line'
    status.textContent = 'signing…'
    try {
      const res = await fetch('/v1/endorse', { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify(body) })
      const answer = await res.json()
      if (!res.ok) throw new Error(`${answer?.error?.code ?? res.status}: ${answer?.error?.message ?? ''}`)
      status.textContent = `Published ${answer.stance ?? body.stance}: ${answer.cid}`
      form.reset()
      await refreshEndorsements(cid)
    } catch (err) {
      status.className = 'status-line error'
      status.textContent = `Not published: ${err.message}`
    }
  })
}

if (page === 'feed') liveFeed()
if (page === 'claim') claimPage()
