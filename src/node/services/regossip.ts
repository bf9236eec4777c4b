/**
 * Statement re-gossip: statements signed while the node was down (`oos endorse` offline) reach
 * the network once it runs. A while after start (when the mesh has formed), the node's latest
 * statements are gossiped again; receivers that hold them ignore them.
 */
import type { Counter, Logger } from '@libp2p/interface'
import { readRec } from '../../records/read.ts'
import type { CID } from 'multiformats/cid'
import type { Announcer } from './announcer.ts'
import { background, counter, type ServiceComponents } from './service.ts'

export interface RegossipInit {
  /** our org's did */
  org: string
  /** our latest statements, newest first, at most `max` */
  statements: (max: number) => AsyncIterable<{ cid: CID, bytes: Uint8Array }>
  /** how long after start the statements go out (default 3000 ms; the mesh needs a moment) */
  delayMs?: number
  /** most statements gossiped again (default 200) */
  max?: number
}

export interface RegossipComponents extends ServiceComponents {
  announcer: Pick<Announcer, 'onLocal'>
}

export class Regossip {
  private readonly c: RegossipComponents
  private readonly init: RegossipInit
  private readonly log: Logger
  private readonly sent: Counter
  private timer?: NodeJS.Timeout
  private abort = new AbortController()

  constructor (components: RegossipComponents, init: RegossipInit) {
    this.c = components
    this.init = init
    this.log = components.logger.forComponent('regossip')
    this.sent = counter(components.metrics, 'oosnet_regossip_statements_total', 'statements gossiped again after start')
  }

  async start (): Promise<void> {
    this.abort = new AbortController()
    this.timer = setTimeout(() => { background(this.log, this.regossip(), 're-gossip') }, this.init.delayMs ?? 3000)
    this.timer.unref()
  }

  /** Stops the pending round and one under way. */
  async stop (): Promise<void> {
    this.abort.abort()
    clearTimeout(this.timer)
  }

  /** Gossip our latest statements again (at most `max`): receivers that hold them ignore them. Stops early when `signal` aborts or the service stops. */
  async regossip (max = this.init.max ?? 200, options: { signal?: AbortSignal } = {}): Promise<number> {
    const signal = options.signal === undefined ? this.abort.signal : AbortSignal.any([options.signal, this.abort.signal])
    let n = 0
    for await (const { cid, bytes } of this.init.statements(max)) {
      if (signal.aborted) break
      await this.c.announcer.onLocal({ status: 'accepted', cid, kind: readRec(bytes).type, org: this.init.org }, bytes)
      this.sent.increment()
      n++
    }
    return n
  }
}

export function regossip (init: RegossipInit): (components: RegossipComponents) => Regossip {
  return (components) => new Regossip(components, init)
}
