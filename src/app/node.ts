/**
 * The app over a running node (`oos start`, the demo, a program): every operation of `App`.
 * The HTTP API serves exactly this (api/server.ts takes an `App`), so the API, the demo and a
 * program that embeds a node do the same thing for the same call. Publishes go through the
 * one publish lock of the node's store (node/publish.ts `withPublishLock`), whichever door
 * they come in by: the app, the API, or `node.publish`.
 */
import type { OosNode } from '../node/node.ts'
import { toJson } from '../records/json.ts'
import { localApp, type OrgSigner } from './local.ts'
import { orgSigner } from './keys.ts'
import { followTarget, unfollowTarget } from './follow.ts'
import { orgNames } from './names.ts'
import { feedStream } from './feedstream.ts'
import type { ApiStatus, App, StopResult } from './types.ts'

/** What of a running node the app uses (type only: libp2p is not loaded by importing this). */
export type RunningNode = Pick<OosNode, 'home' | 'config' | 'store' | 'ingest' | 'status' | 'follow' | 'unfollow' | 'addEventListener' | 'removeEventListener'> & Partial<Pick<OosNode, 'registry'>>

export interface NodeAppInit {
  /** the org key (32-byte seed); without it publish, endorse and retract throw NO_ORG_KEY */
  orgKey?: Uint8Array
  /**
   * the home whose follows.json and trust.json (aliases, trust for provenance) the app reads and
   * CAR exports never go into; default: the node's own (so every app over a node resolves aliases)
   */
  home?: string
  /** who asks, for the audit log (default 'api') */
  from?: string
  /** how `stop` stops the node (`oos start` ends its run); without it `stop` is NOT_FOUND */
  stop?: () => StopResult
}

export function nodeApp (node: RunningNode, init: NodeAppInit = {}): App {
  const signer: OrgSigner | undefined = init.orgKey === undefined ? undefined : orgSigner(init.orgKey, node.config.org)
  const stop = init.stop
  const registry = node.registry
  const home = init.home ?? node.home
  // the same resolver as localApp's (SPEC §9.2): follows.json is the node's, written on each change
  const names = orgNames(node.store, { self: node.config.org, selfName: node.config.name, home })
  return {
    ...localApp(node.store, node.ingest, node.config, signer, home, init.from),
    status: async () => {
      const s = await node.status()
      // each followed org by name (its alias, else its pseudonym), as `oos status` shows it
      const rows = new Map((await names.directory()).map(r => [r.org, r.alias ?? r.pseudonym]))
      const following = s.following.map(f => ({ ...f, ...(rows.get(f.org) !== undefined ? { name: rows.get(f.org) } : {}) }))
      return toJson({ ...s, following }) as ApiStatus
    },
    follow: async (input, o) => {
      const { org, alias } = await followTarget(names, input)
      return await node.follow(org, { via: input.via, alias, signal: o?.signal })
    },
    unfollow: async ({ org: ref }) => {
      const org = await unfollowTarget(names, ref)
      return { org, removed: await node.unfollow(org) }
    },
    events: (o) => feedStream(node, names, { signal: o?.signal }),
    ...(stop !== undefined ? { stop: async () => stop() } : {}),
    // the Prometheus text of the node's registry (node/metrics.ts), when it has one
    ...(registry !== undefined ? { metrics: async () => await registry.metrics() } : {})
  }
}
