/**
 * The node's typed events: the ingest door's `record:accepted` / `record:rejected`, re-emitted,
 * and the node's own `peer:violation`, `org:flagged`, `follow:synced` and `node:stopping`. A later feed, the
 * live API stream and the web explorer build on these. Like the door, the node builds an
 * event only while someone listens for it.
 */
import type { TypedEventEmitter } from 'main-event'
import type { Kind } from '../records/constants.ts'
import type { Ingest, IngestEvents, RecordAcceptedEvent, RecordRejectedEvent } from '../ingest/ingest.ts'
import type { Violations } from './violations.ts'

export type { RecordAcceptedEvent, RecordRejectedEvent, IngestEvents }

/** `peer:violation`: a peer broke the protocol and the violation was counted (violations.ts) */
export interface PeerViolationEvent { peer: string, code: string }

/** `org:flagged`: two signed versions of `org` at `seq` are held (an equivocation, SPEC §6) */
export interface OrgFlaggedEvent { org: string, seq: number }

/** `follow:synced`: a sync of a followed org, or its version gossiped inline (NETWORK.md §2.5), brought new records; `seq` is the head held now */
export interface FollowSyncedEvent { org: string, seq: number }

/** `node:stopping`: the node begins to stop (live readers of its events, like the feed's stream, end) */
export interface NodeStoppingEvent { org: string }

export interface OosNodeEvents extends IngestEvents {
  'peer:violation': CustomEvent<PeerViolationEvent>
  'org:flagged': CustomEvent<OrgFlaggedEvent>
  'follow:synced': CustomEvent<FollowSyncedEvent>
  'node:stopping': CustomEvent<NodeStoppingEvent>
}

/** Dispatch `type` on `target` only when it has listeners (a no-op otherwise). */
// `any`: main-event's own constraint on an event map (an interface of events has no index signature for `unknown`)
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function emit<E extends Record<string, any>, D> (target: TypedEventEmitter<E>, type: keyof E & string, detail: () => D): void {
  if (target.listenerCount(type) > 0) target.safeDispatchEvent<D>(type, { detail: detail() })
}

/**
 * Re-emit on `node` what the door decides (through its decision listeners, which the audit
 * log keeps busy anyway) and what the violation counter counts.
 */
export function relayEvents (node: TypedEventEmitter<OosNodeEvents>, parts: { ingest: Ingest, violations: Violations }): void {
  parts.ingest.onDecision((d) => {
    if (d.status === 'accepted') {
      emit<OosNodeEvents, RecordAcceptedEvent>(node, 'record:accepted', () => ({ kind: d.kind as Kind, org: d.org as string, seq: d.seq, cid: d.cid as RecordAcceptedEvent['cid'], from: d.from }))
    } else if (d.status === 'rejected') {
      emit<OosNodeEvents, RecordRejectedEvent>(node, 'record:rejected', () => ({ code: d.code ?? 'INTERNAL', from: d.from, ...(d.cid !== undefined ? { cid: d.cid } : {}) }))
    } else if (d.status === 'equivocation' && d.seq !== undefined) {
      const seq = d.seq
      emit<OosNodeEvents, OrgFlaggedEvent>(node, 'org:flagged', () => ({ org: d.org as string, seq }))
    }
  })
  parts.violations.onEvent((e) => {
    if (e.event === 'violation') emit<OosNodeEvents, PeerViolationEvent>(node, 'peer:violation', () => ({ peer: e.peer, code: e.code ?? 'INTERNAL' }))
  })
}
