/**
 * The binder (protocol/SPEC.md, oos/node-binding): at start, a node holding its org's key signs
 * a node binding naming its peer id, unless the latest binding does (the peers named before it
 * are kept, at most 16). The peers bound to the orgs the node keeps are privileged by the
 * follow reacher: ours at start, and an org's again with each new binding of it.
 */
import type { Counter, Logger, PeerId } from '@libp2p/interface'
import type { Ingest } from '../../ingest/ingest.ts'
import { encodeSigned } from '../../records/codec.ts'
import type { NodeBindingRecord } from '../../records/types.ts'
import { boundPeers, type FollowReacher } from '../reach.ts'
import { background, counter, type ServiceComponents } from './service.ts'

export interface BinderInit {
  /** our org's did */
  org: string
  /** the orgs this node keeps: its own and those it follows */
  orgs: () => string[]
  /** the org's signing key (32-byte seed); without it no binding is signed */
  orgKey?: Uint8Array
  /** the did of the signing key when it is not the inception key (after a rotation) */
  signingKey?: string
  /** most peers a binding names (default 16) */
  maxPeers?: number
}

export interface BinderComponents extends ServiceComponents {
  libp2p: { peerId: PeerId }
  store: Parameters<typeof boundPeers>[0]
  ingest: Pick<Ingest, 'ingest' | 'onRecord'>
  reacher: Pick<FollowReacher, 'protectBound'>
}

export class Binder {
  private readonly c: BinderComponents
  private readonly init: BinderInit
  private readonly log: Logger
  private readonly signed: Counter
  private off?: () => void

  constructor (components: BinderComponents, init: BinderInit) {
    this.c = components
    this.init = init
    this.log = components.logger.forComponent('binder')
    this.signed = counter(components.metrics, 'oosnet_binder_signed_total', 'node bindings signed by this node')
  }

  async start (): Promise<void> {
    this.off = this.c.ingest.onRecord((r) => {
      if (r.kind === 'oos/node-binding' && this.init.orgs().includes(r.org)) background(this.log, this.c.reacher.protectBound(r.org), 'protectBound')
    })
    await this.bind()
    background(this.log, this.c.reacher.protectBound(this.init.org), 'protectBound')
  }

  async stop (): Promise<void> {
    this.off?.()
  }

  /** Sign and publish an oos/node-binding naming this node, unless the latest one does. */
  private async bind (): Promise<void> {
    if (this.init.orgKey === undefined) return
    const me = this.c.libp2p.peerId.toString()
    const peers = await boundPeers(this.c.store, this.init.org)
    if (peers.includes(me)) return
    const key = this.init.signingKey
    const rec: NodeBindingRecord = { type: 'oos/node-binding', org: this.init.org, createdAt: Date.now(), peers: [me, ...peers].slice(0, this.init.maxPeers ?? 16), ...(key !== undefined ? { key } : {}) }
    const d = encodeSigned(rec, [this.init.orgKey])
    await this.c.ingest.ingest(d.bytes, { source: 'local', from: 'node' })
    this.signed.increment()
    this.log('bound %s to %s', me, this.init.org)
  }
}

export function binder (init: BinderInit): (components: BinderComponents) => Binder {
  return (components) => new Binder(components, init)
}
