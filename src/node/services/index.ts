/**
 * The services a node is made of, each built the js-libp2p way (`service(init) =>
 * (components) => instance`, a `Startable`), listed in start order (create.ts builds them,
 * node.ts starts and stops them).
 */
import type { Replicator } from '../replicator.ts'
import type { Hints } from '../hints.ts'
import type { FollowReacher } from '../reach.ts'
import type { GossipRouter } from './gossip-router.ts'
import type { Announcer } from './announcer.ts'
import type { EquivocationReporter } from './equivocation.ts'
import type { Binder } from './binder.ts'
import type { Advertiser } from './advertiser.ts'
import type { Regossip } from './regossip.ts'

export interface NodeServices {
  /** keeps the orgs we keep up to date (sync on announcements, new connections, anti-entropy) */
  replicator: Replicator
  /** acts on gossip the door did not trust: announcements ahead, unknown keys, equivocation hints */
  hints: Hints
  /** owns the gossip and routes what it lets through */
  router: GossipRouter
  /** reaches the peers of followed orgs, retries with backoff */
  reacher: FollowReacher
  /** announces our versions and gossips our statements */
  announcer: Announcer
  /** gossips the proof of an equivocation */
  equivocation: EquivocationReporter
  /** signs the node binding, privileges bound peers */
  binder: Binder
  /** provides our orgs and our head in the DHT */
  advertiser: Advertiser
  /** gossips our statements again after start */
  regossip: Regossip
}

export { replicator } from '../replicator.ts'
export { hints } from '../hints.ts'
export { followReacher } from '../reach.ts'
export { gossipRouter } from './gossip-router.ts'
export { announcer } from './announcer.ts'
export { equivocationReporter } from './equivocation.ts'
export { binder } from './binder.ts'
export { advertiser } from './advertiser.ts'
export { regossip } from './regossip.ts'
