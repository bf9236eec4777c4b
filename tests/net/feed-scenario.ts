/**
 * The feed's scenario (issue 17, "Must show: Feed"): Ledgerline, Carepath and Parcelworks
 * (examples/orgs) publish; an observer follows all three; Carepath endorses a claim of
 * Ledgerline's, Parcelworks disputes another and adopts the first, Ledgerline publishes v2,
 * Carepath retracts its endorsement. Each act waits until the observer holds its record.
 */
import { readFile } from 'node:fs/promises'
import { nodeApp } from '../../src/app/node.ts'
import type { AdoptApiResult, App, ClaimResult } from '../../src/app/types.ts'
import type { EphemeralNode } from '../../src/node/ephemeral.ts'
import { makeNode, until } from './nodes.ts'

export const exampleText = async (org: string, v: number): Promise<string> => await readFile(new URL(`../../examples/orgs/${org}/v${v}.oos.md`, import.meta.url), 'utf8')
export const via = (n: EphemeralNode): string[] => [n.libp2p.getMultiaddrs()[0].toString()]

export interface Org { node: EphemeralNode, app: App }

/** Three example orgs on real nodes, with the app of each. */
export async function threeOrgs (): Promise<{ a: Org, b: Org, c: Org, cleanup: () => Promise<void> }> {
  const nodes = await Promise.all([makeNode('Ledgerline'), makeNode('Carepath'), makeNode('Parcelworks')])
  const [a, b, c] = await Promise.all(nodes.map(async node => ({ node, app: nodeApp(node, { orgKey: await node.orgSecret(), home: node.home }) })))
  return { a, b, c, cleanup: async () => { await Promise.all(nodes.map(async n => await n.cleanup())) } }
}

export interface Observer {
  /** follow `org` through `via` */
  follow: (org: string, via: string[]) => Promise<void>
  /** resolves once the observer holds the record `cid` */
  holds: (cid: string) => Promise<void>
}

export interface Scenario {
  /** each act's record in the order made: [feed kind, org, record CID] */
  made: Array<[string, string, string]>
  /** Ledgerline's claims (v1): the first endorsed then adopted, the second disputed */
  claims: ClaimResult[]
  adopted: AdoptApiResult
  endorsement: string
}

export async function feedScenario ({ a, b, c }: { a: Org, b: Org, c: Org }, observer: Observer): Promise<Scenario> {
  const made: Scenario['made'] = []
  // records made one after another get later times (the feed orders by createdAt)
  let last = 0
  const later = async (): Promise<void> => { await until(() => Date.now() > last, 1000, 'the clock to move'); last = Date.now() }
  const act = async (kind: string, o: Org, make: () => Promise<string>): Promise<string> => {
    await later()
    const cid = await make()
    last = Date.now()
    made.push([kind, o.node.org, cid])
    await observer.holds(cid)
    return cid
  }
  const publish = async (o: Org, document: string): Promise<string> => (await o.app.publish({ document, format: 'md' })).cid

  for (const [o, name] of [[a, 'ledgerline'], [b, 'carepath'], [c, 'parcelworks']] as const) {
    await later()
    made.push(['version', o.node.org, await publish(o, await exampleText(name, 1))])
    last = Date.now()
  }
  for (const o of [a, b, c]) await observer.follow(o.node.org, via(o.node))
  for (const o of [b, c]) await o.node.follow(a.node.org, { via: via(a.node) })
  for (const [, , cid] of made) await observer.holds(cid)
  const claims = await a.app.claims({ org: a.node.org })
  const endorsement = await act('endorsement', b, async () => (await b.app.endorse({ target: claims[0].cid, note: 'we do the same' })).cid)
  await act('dispute', c, async () => (await c.app.endorse({ target: claims[1].cid, stance: 'dispute', note: 'fails for us' })).cid)
  const adopted = await c.app.adopt({ cid: claims[0].cid })
  await act('adoption', c, async () => await publish(c, adopted.document as string))
  await act('version', a, async () => await publish(a, await exampleText('ledgerline', 2)))
  await act('retraction', b, async () => (await b.app.retract({ target: endorsement, reason: 'wrong claim' })).cid)
  return { made, claims, adopted, endorsement }
}
