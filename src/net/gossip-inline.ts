/**
 * Versions inside gossip (protocol/NETWORK.md §2.5). A version up to `INLINE_LIMIT` bytes
 * travels whole on the org's *inline topic*, `/oos/1/inline/<did>`, as `{ version: <bytes> }`;
 * a larger one is announced there (`{ announce: <bytes> }`: "no inline copy is coming, sync").
 * The org topic (`/oos/1/org/<did>`) keeps carrying the announcement of every version, so a
 * node that only knows the org topic still follows by announcement and sync.
 *
 * Why a second topic rather than a new message on the org topic: a node of the first release
 * rejects what it does not know there (`BAD_GOSSIP`: an unknown key, a second key, a
 * `{record}` of a version, anything over 17 KiB) and charges the peer that forwarded it, so an
 * honest new node would be charged, and after five violations disconnected. gossipsub sends a
 * topic's messages only to peers subscribed to that topic, so an old node is never sent one.
 */
import type { Verified } from '../records/verified.ts'
import { BadGossipError } from './errors.ts'

export const INLINE_PREFIX = '/oos/1/inline/'
/** The largest version sent inline (NETWORK.md §2.5): 64 KiB of record bytes. */
export const INLINE_LIMIT = 64 * 1024
/** An inline topic's largest message: the record and its DAG-CBOR envelope. */
export const MAX_INLINE_MESSAGE_BYTES = INLINE_LIMIT + 1024

export const inlineTopicOf = (org: string): string => INLINE_PREFIX + org

/** A version gossiped inline, verified: of the topic's org, at most INLINE_LIMIT bytes; throws BAD_GOSSIP. */
export function checkVersion (org: string, verified: Verified): Verified {
  if (verified.kind !== 'oos/version') throw new BadGossipError(`${verified.kind} is not sent on an inline topic`)
  if (verified.rec.org !== org) throw new BadGossipError('version of another org on this topic')
  if (verified.bytes.length > INLINE_LIMIT) throw new BadGossipError(`a version of ${verified.bytes.length} bytes is over the inline limit`)
  return verified
}
