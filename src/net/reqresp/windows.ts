/**
 * Catch-up in pipelined windows, from one provider or several (protocol/NETWORK-reqresp.md
 * §4.2). A chain is asked for in windows of consecutive seqs (`/oos/sync/1.1.0`, each bounded
 * by `limit` versions and `bytes`); up to `inFlight` windows are requested at once, so the next
 * windows transfer while the first is verified and committed by the ingest door, which takes
 * the frames in seq order as they arrive (one Pipeline across windows: the door's bulk path).
 *
 * With several providers their heads (`/oos/heads`) say who holds what; windows are split
 * among them (the least busy provider that holds the window's range). A head window that
 * makes no progress for `hedgeMs` is taken from its provider (our own abort: not charged) and
 * asked of another; a provider whose window the door rejects for its bytes (a forged record:
 * nothing an honest node, which verified it, would send) is charged `UNEXPECTED_BLOCK`, dropped,
 * and its ranges are asked of the others. Everything is verified once, by the door.
 */
import type { PeerId } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import { isDid } from '../../identity/did.ts'
import { cidBytesOf } from '../../records/cid.ts'
import { glance } from '../../records/peek.ts'
import { BadRequestError, RequestAbortedError, UnexpectedBlockError } from './errors.ts'
import { isTimeout, PROTOCOLS, request, type Context } from './exchange.ts'
import { headsOf } from './heads.ts'
import { emptyTransfer, Pipeline, tally } from './results.ts'
import { encodeSyncRequest, MAX_SYNC_LIMIT, MAX_SYNC_ROTATIONS, SYNC_1_1, type SyncResult } from './sync.ts'

export const WINDOW_DEFAULTS = {
  /** windows requested at once (each its own stream; a peer's default inbound cap is 8, our own outbound 4) */
  inFlight: 3,
  /** versions per window */
  window: 500,
  /** version bytes per window (1.1 `bytes`): what the windows in flight hold is at most inFlight × (this + one record) */
  windowBytes: 8 * 1024 * 1024,
  /** a head window without a byte for this long is asked of another provider, if there is one */
  hedgeMs: 2_000
}

/** Rejections only forged bytes earn: a provider verified what it serves, so it sent a record that is not the chain's. */
const FORGED = new Set(['RECORD_TOO_LARGE', 'DECODE_FAILED', 'NON_CANONICAL', 'BAD_SIGNATURE', 'VERSION_MISMATCH', 'DERIVED_MISMATCH', 'CID_MISMATCH'])

export interface WindowedSyncOptions {
  /** first seq wanted (default: the local head's seq + 1) */
  from?: number
  signal?: AbortSignal
  inFlight?: number
  window?: number
  windowBytes?: number
  hedgeMs?: number
  /**
   * ask every provider its head first, even a single one (default false: a single provider is
   * asked without more ado). For peers not known to hold the org, e.g. any connected peer
   * tried when the given ones failed: one that holds nothing from `from` on is not asked.
   */
  probe?: boolean
}

export interface ProviderTally {
  peer: string
  /** windows asked of it, versions it delivered */
  windows: number
  versions: number
  /** its windows taken from it as slow (hedged), failed (refused, reset, timed out), charged (forged) */
  hedged: number
  failed: number
  charged: number
}

export interface WindowedSyncResult extends SyncResult {
  /** windows asked (requests), of them hedged to another provider and asked again after a failure or a lie */
  hedged: number
  refetched: number
  /**
   * the most windows in flight at once (asked and not yet wholly given to the door: a window
   * whose response is in but whose frames the door has not all taken counts), and the most
   * bytes received and not yet given to the door
   */
  maxInFlight: number
  peakBufferedBytes: number
  providers: ProviderTally[]
}

interface Provider { peer: PeerId, head: number, busy: number, live: boolean, tally: ProviderTally }

interface Window {
  from: number
  /** the seqs this window stands for: [from, from + want) */
  want: number
  /** versions asked (≤ want: a provider's head, the bytes bound by the sizes seen) */
  limit: number
  provider: Provider
  frames: Uint8Array[]
  /** the first `rotations` frames are rotations (they come before the versions) */
  rotations: number
  /** frames given to the door */
  taken: number
  versions: number
  bytes: number
  /** the response was 1.1 (bounded by `bytes`) */
  v11: boolean
  /** cut by the response timer after progress (the rest is asked again) */
  cut: boolean
  done: boolean
  error?: Error
  progressAt: number
  controller: AbortController
}

const EMPTY = new Uint8Array(0)

export async function syncWindows (ctx: Context, peers: PeerId[], org: string, options: WindowedSyncOptions = {}): Promise<WindowedSyncResult> {
  if (!isDid(org)) throw new BadRequestError(`${org} is not a did:key`)
  if (peers.length === 0) throw new BadRequestError('a sync needs at least one provider')
  const o = { ...WINDOW_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) }
  const limit = Math.max(1, Math.min(MAX_SYNC_LIMIT, o.window))
  const signal = options.signal
  const from = options.from ?? ((await ctx.store.head(org))?.seq ?? 0) + 1
  const result: WindowedSyncResult = { ...emptyTransfer(), requests: 0, cut: 0, missingSources: [], hedged: 0, refetched: 0, maxInFlight: 0, peakBufferedBytes: 0, providers: [] }
  const probe = options.probe === true || peers.length > 1
  const providers = await providersOf(ctx, peers, org, from, probe, signal)
  result.providers = providers.map(p => p.tally)
  // one provider not probed: its chain's end is found by a short window; probed: their heads say
  const end = !probe ? Infinity : Math.max(...providers.map(p => p.head))
  const queue: Window[] = []
  let next = from
  let ended = from > end
  let buffered = 0
  const seen = { versions: 0, bytes: 0 }
  const pipeline = new Pipeline()
  const fedRotations = new Set<string>()
  let stop = false
  let liar: Provider | undefined
  /** wakes the consumer: a window brought a frame, ended or failed */
  let poke = (): void => {}
  // one provider, end unknown: one window until one comes back full (a caught-up sync costs one request)
  let more = end !== Infinity

  /** the least busy live provider holding `seq`, other than `not` if there is another */
  const pick = (seq: number, not?: Provider): Provider | undefined => {
    const holding = providers.filter(p => p.live && p.head >= seq)
    const others = holding.filter(p => p !== not)
    return (others.length > 0 ? others : holding).sort((a, b) => a.busy - b.busy)[0]
  }

  const open = (first: number, count: number, provider: Provider): Window => {
    // windows sized to fit their bytes bound by the versions seen so far (a bounded window leaves a rest to ask again)
    const fit = seen.versions > 0 ? Math.max(1, Math.floor(o.windowBytes / (seen.bytes / seen.versions))) : limit
    const w: Window = { from: first, want: count, limit: Math.min(count, provider.head - first + 1, limit, fit), provider, frames: [], rotations: 0, taken: 0, versions: 0, bytes: 0, v11: false, cut: false, done: false, progressAt: Date.now(), controller: new AbortController() }
    provider.busy++
    provider.tally.windows++
    result.requests++
    const who = provider.peer.toString()
    const body = (protocol: string): Uint8Array => {
      w.v11 = protocol === SYNC_1_1
      return encodeSyncRequest(w.v11 ? { org, from: w.from, limit: w.limit, bytes: o.windowBytes } : { org, from: w.from, limit: w.limit })
    }
    void request(ctx, provider.peer, { name: 'sync', protocols: [SYNC_1_1, PROTOCOLS.sync], body }, async (frames) => {
      try {
        for await (const frame of frames) {
          const g = glance(frame)
          if (g === undefined) throw new UnexpectedBlockError(`${who} sent a sync frame that is not a record`)
          if (g.org !== org) throw new UnexpectedBlockError(`${who} sent a record of ${g.org} in a sync of ${org}`)
          if (g.type === 'oos/version') {
            if (g.seq !== w.from + w.versions || w.versions >= w.limit) throw new UnexpectedBlockError(`${who} sent version ${String(g.seq)} where ${w.from + w.versions} was due`)
            // the bytes-in-flight bound (1.1): nothing after the version that reached it
            if (w.v11 && w.bytes >= o.windowBytes) throw new UnexpectedBlockError(`${who} sent a version past the ${o.windowBytes} bytes asked for`)
            w.versions++
            w.bytes += frame.length
            seen.versions++
            seen.bytes += frame.length
            if (w.versions === w.limit || (w.v11 && w.bytes >= o.windowBytes)) more = true
          } else if (g.type !== 'oos/key-rotation' || w.versions > 0 || ++w.rotations > MAX_SYNC_ROTATIONS) {
            throw new UnexpectedBlockError(`${who} sent ${g.type} out of place in a sync`)
          }
          w.frames.push(frame)
          buffered += frame.length
          if (buffered > result.peakBufferedBytes) result.peakBufferedBytes = buffered
          w.progressAt = Date.now()
          poke()
        }
      } catch (err) {
        if (!(w.versions > 0 && isTimeout(err))) throw err
        w.cut = true
      }
    }, { signal: signal === undefined ? w.controller.signal : AbortSignal.any([signal, w.controller.signal]) }).then(() => {
      w.done = true
      // one provider: a short window is its chain's end; nothing past it is asked
      if (end === Infinity && !w.cut && w.versions < w.limit && !(w.v11 && w.bytes >= o.windowBytes)) ended = true
    }, (err: Error) => { w.error = err }).finally(() => {
      provider.busy--
      poke()
    })
    return w
  }

  /** drop a window: its request aborted (our own: not charged), its unread frames freed */
  const close = (w: Window, why: string): void => {
    w.controller.abort(new RequestAbortedError(why))
    for (let i = w.taken; i < w.frames.length; i++) buffered -= w.frames[i].length
    w.frames = []
  }

  /** ask the rest of `w` (from its first version not received) of a provider, at the head of the queue */
  const reopen = (w: Window, not?: Provider): void => {
    const first = w.from + w.versions
    const provider = pick(first, not)
    if (provider === undefined) throw w.error ?? new UnexpectedBlockError(`no provider left for ${org} from ${first}`)
    result.refetched++
    queue.unshift(open(first, w.want - w.versions, provider))
  }

  const feed = async (w: Window, frame: Uint8Array, isVersion: boolean): Promise<void> => {
    if (!isVersion) {
      // every window brings the org's rotations first: the door sees each once
      const k = Buffer.from(cidBytesOf(frame)).toString('base64')
      if (fedRotations.has(k)) return
      fedRotations.add(k)
    }
    result.received++
    await pipeline.add(ctx.ingest.ingest(frame, { source: 'sync', from: w.provider.peer.toString(), signal }).then(r => { tally(result, r) }, e => {
      const code = tally(result, e)
      // what follows a dropped provider's forged or failed frame (SEQ_GAP…) is moot: its range is asked again
      if (!w.provider.live) return
      if (Array.isArray(e?.missing)) result.missingSources.push(...(e.missing as CID[]))
      if (!isVersion) return
      if (code !== undefined && FORGED.has(code)) {
        liar = w.provider
        liar.live = false
      } else {
        stop = true // the versions after it cannot follow
      }
    }))
  }

  /**
   * Open windows up to `inFlight`. End unknown (one provider): one window until one comes back
   * full, then never more than one window that has not brought a version yet (what is asked past
   * the chain's end is one empty response).
   */
  const fill = (): void => {
    const speculative = (): boolean => end === Infinity && queue.some(w => w.versions === 0 && !w.done && w.error === undefined)
    while (!ended && next <= end && (queue.length === 0 || (more && queue.length < o.inFlight && !speculative()))) {
      const provider = pick(next)
      if (provider === undefined) break
      const w = open(next, Math.min(limit, end - next + 1), provider)
      w.want = w.limit
      queue.push(w)
      next = w.from + w.limit
    }
    const flying = queue.filter(w => w.error === undefined && (!w.done || w.taken < w.frames.length)).length
    if (flying > result.maxInFlight) result.maxInFlight = flying
  }

  try {
    while (!stop) {
      fill()
      const w = queue[0]
      if (w === undefined) break
      // give the head window's frames to the door as they arrive; hedge it if it stalls
      let hedge = false
      while (!stop && liar === undefined) {
        fill()
        while (w.taken < w.frames.length && !stop && liar === undefined) {
          const frame = w.frames[w.taken]
          const isVersion = w.taken >= w.rotations
          w.frames[w.taken++] = EMPTY
          buffered -= frame.length
          await feed(w, frame, isVersion)
          if (more && queue.length < o.inFlight) fill()
        }
        if (w.done || w.error !== undefined || stop || liar !== undefined) break
        const left = w.progressAt + o.hedgeMs - Date.now()
        if (left <= 0 && providers.some(p => p.live && p !== w.provider && p.head >= w.from + w.versions)) { hedge = true; break }
        await new Promise<void>(resolve => {
          const t = setTimeout(resolve, Math.max(left, 10))
          poke = () => { clearTimeout(t); resolve() }
        })
        poke = () => {}
        signal?.throwIfAborted()
      }
      queue.shift()
      if (liar !== undefined) {
        // the door rejected a forged record of this provider: charge it, and ask its ranges elsewhere
        await pipeline.drain()
        const bad = liar
        liar = undefined
        bad.tally.charged++
        ctx.violation(bad.peer, 'UNEXPECTED_BLOCK')
        close(w, 'its provider sent a forged record')
        const have = ((await ctx.store.head(org))?.seq ?? 0)
        const rest = queue.splice(0)
        for (const r of rest) close(r, 'its provider lied')
        next = have + 1
        continue
      }
      if (stop) break
      if (hedge) {
        w.provider.live = false // slow: the others take its ranges
        w.provider.tally.hedged++
        result.hedged++
        close(w, 'hedged to another provider')
        reopen(w, w.provider)
        continue
      }
      if (w.error !== undefined) {
        // refused, reset, timed out: the rest from another provider; with none left, the caller retries later
        w.provider.tally.failed++
        signal?.throwIfAborted()
        w.provider.live = false
        if (pick(w.from + w.versions) === undefined) throw w.error
        reopen(w)
        continue
      }
      w.provider.tally.versions += w.versions
      if (w.versions >= w.want) continue
      if (w.versions >= w.limit || w.cut || (w.v11 && w.bytes >= o.windowBytes)) {
        // asked for less than it stands for, cut by the response timer, or bounded by `bytes`: the rest, next
        if (w.cut) result.cut++
        reopen(w)
        continue
      }
      if (end !== Infinity && w.from + w.versions <= Math.min(end, w.provider.head)) {
        // short of the head it told us: not charged (a head is a hint), but not asked again
        w.provider.live = false
        reopen(w, w.provider)
        continue
      }
      // the provider's chain ends here: the windows after it have nothing
      ended = true
      for (const r of queue.splice(0)) close(r, 'past the end of the chain')
    }
  } finally {
    for (const r of queue) close(r, 'sync over')
    await pipeline.drain()
  }
  result.head = await ctx.store.head(org)
  return result
}

/**
 * The providers of a sync: one peer not probed is asked without more ado (its chain's end is
 * where its windows come back short); probed (several, or `probe`), each is asked its head
 * first (in parallel), and only those holding something from `from` on take part.
 */
async function providersOf (ctx: Context, peers: PeerId[], org: string, from: number, probe: boolean, signal?: AbortSignal): Promise<Provider[]> {
  const make = (peer: PeerId, head: number): Provider => ({ peer, head, busy: 0, live: true, tally: { peer: peer.toString(), windows: 0, versions: 0, hedged: 0, failed: 0, charged: 0 } })
  if (!probe) return [make(peers[0], Infinity)]
  const heads = await Promise.all(peers.map(async (peer) => {
    const s = AbortSignal.any([AbortSignal.timeout(ctx.timeouts.response), ...(signal !== undefined ? [signal] : [])])
    const h = await headsOf(ctx, peer, [org], { signal: s }).catch(() => [])
    return make(peer, h[0]?.seq ?? 0)
  }))
  return heads.filter(p => p.head >= from)
}
