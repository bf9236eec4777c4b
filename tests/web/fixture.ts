/**
 * Two real nodes for the web explorer's tests: B publishes the Carepath example (v1, and v2
 * with a hostile rule: markup that must stay text), A follows B and serves the explorer on its
 * loopback API, as `oos start` does; B's API serves B (another node's endorsements).
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { apiServer, type ApiServer } from '../../src/api/server.ts'
import type { UiOptions } from '../../src/api/sessions.ts'
import { nodeApp } from '../../src/app/node.ts'
import type { App } from '../../src/app/types.ts'
import { makeNode } from '../net/nodes.ts'
import type { EphemeralNode } from '../../src/node/ephemeral.ts'
import { raw } from '../api/raw.ts'

export const ORGS = join(fileURLToPath(new URL('../../', import.meta.url)), 'examples', 'orgs')
export const HOSTILE = '<script>window.pwned=1</script><img src=x onerror="window.pwned=2">'

export interface Pair {
  a: EphemeralNode
  b: EphemeralNode
  appA: App
  appB: App
  /** A's API and explorer */
  server: ApiServer
  /** B's org did */
  org: string
  /** the CID of B's claim C001 at v2 (its rule carries HOSTILE) */
  hostile: string
  /** the CID of another claim of B (C002) */
  claim: string
  /** the CID of a claim of A's own (A publishes the Ledgerline example; B follows A) */
  mine: string
  /** A's Ledgerline C009 (do not route on self-reported confidence), which Carepath's C008 contradicts (examples/orgs/CHANGES.md) */
  confidence: string
  stop: () => Promise<void>
}

export async function pair (ui: UiOptions = {}): Promise<Pair> {
  const a = await makeNode('Viewer')
  const b = await makeNode('Carepath')
  try {
    const appA = nodeApp(a, { orgKey: await a.orgSecret(), home: a.home })
    const appB = nodeApp(b, { orgKey: await b.orgSecret(), home: b.home })
    await appB.publish({ document: await readFile(join(ORGS, 'carepath', 'v1.oos.md'), 'utf8'), format: 'md' })
    const v2 = (await readFile(join(ORGS, 'carepath', 'v2.oos.md'), 'utf8')).split('\n')
    const at = v2.findIndex(l => l.startsWith('- **Rule:**'))
    v2[at] = `- **Rule:** ${HOSTILE} ${v2[at].slice('- **Rule:** '.length)}`
    await appB.publish({ document: v2.join('\n'), format: 'md' })
    await appA.follow({ org: b.config.org, via: [b.libp2p.getMultiaddrs()[0].toString()], alias: 'carepath' })
    await appA.publish({ document: await readFile(join(ORGS, 'ledgerline', 'v1.oos.md'), 'utf8'), format: 'md' })
    await appB.follow({ org: a.config.org, via: [a.libp2p.getMultiaddrs()[0].toString()], alias: 'viewer' })
    const ours = await appA.claims({ org: a.config.org })
    const mine = ours[0].cid
    const confidence = ours.find(c => c.claim_id === 'C009')?.cid ?? ''
    const claims = await appA.claims({ org: b.config.org })
    const hostile = claims.find(c => c.rule.includes('<script>'))
    const other = claims.find(c => c !== hostile)
    if (hostile === undefined || other === undefined) throw new Error('the hostile claim was not synced')
    const server = apiServer({ ui })({ handlers: appA })
    await server.start()
    return {
      a, b, appA, appB, server, org: b.config.org, hostile: hostile.cid, claim: other.cid, mine, confidence,
      stop: async () => { await server.stop(); await a.cleanup(); await b.cleanup() }
    }
  } catch (err) {
    await a.cleanup()
    await b.cleanup()
    throw err
  }
}

/** A one-time login link from the API (bearer), and the session cookie it gives. */
export async function login (server: ApiServer): Promise<{ url: string, cookie: string, csrf: string }> {
  const link = await raw(server.url, { method: 'POST', path: '/v1/ui/link', headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' }, body: '{}' })
  const url = link.json.url as string
  const r = await raw(server.url, { path: url.slice(server.url.length) })
  const cookie = String(r.headers['set-cookie']).split(';')[0]
  const page = await raw(server.url, { path: '/ui/orgs', headers: { cookie } })
  const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(page.text)?.[1] ?? ''
  return { url, cookie, csrf }
}
