/**
 * The equivocation reporter (protocol/SPEC.md §6, NETWORK.md §2): when the ingest door holds two
 * signed versions of one org at one seq, the node gossips the proof, `{org, seq, cids}`, on
 * the org's topic, once per (org, seq), so that every follower fetches both and sees for itself.
 */
import type { Counter, Logger } from '@libp2p/interface'
import type { Ingest, IngestResult } from '../../ingest/ingest.ts'
import type { Gossip } from '../../net/gossip.ts'
import type { Store } from '../../store/store.ts'
import { background, counter, type ServiceComponents } from './service.ts'

/** No options: every equivocation is reported once per (org, seq) while the node runs. */
export type EquivocationReporterInit = Record<string, never>

export interface EquivocationReporterComponents extends ServiceComponents {
  store: Pick<Store, 'versionCid'>
  ingest: Pick<Ingest, 'onRecord'>
  gossip: Pick<Gossip, 'publishEquivocation'>
}

export class EquivocationReporter {
  private readonly c: EquivocationReporterComponents
  private readonly log: Logger
  private readonly reported: Counter
  private readonly proofsSent = new Set<string>()
  private off?: () => void

  constructor (components: EquivocationReporterComponents) {
    this.c = components
    this.log = components.logger.forComponent('equivocation')
    this.reported = counter(components.metrics, 'oosnet_equivocation_reported_total', 'equivocation proofs gossiped')
  }

  async start (): Promise<void> {
    this.off = this.c.ingest.onRecord((r) => {
      if (r.status === 'equivocation') background(this.log, this.report(r), 'onEquivocation')
    })
  }

  async stop (): Promise<void> {
    this.off?.()
  }

  /** We hold two signed versions of one org at one seq: tell everyone who follows it. */
  async report (r: IngestResult): Promise<void> {
    const seq = r.seq as number
    const first = await this.c.store.versionCid(r.org, seq)
    const key = `${r.org}/${seq}`
    if (first === undefined || this.proofsSent.has(key)) return
    this.proofsSent.add(key)
    this.log('equivocation by %s at seq %d: %s and %s', r.org, seq, first, r.cid)
    await this.c.gossip.publishEquivocation({ org: r.org, seq, cids: [first, r.cid] })
    this.reported.increment()
  }
}

export function equivocationReporter (init: EquivocationReporterInit = {}): (components: EquivocationReporterComponents) => EquivocationReporter {
  void init
  return (components) => new EquivocationReporter(components)
}
