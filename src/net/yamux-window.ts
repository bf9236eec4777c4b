/**
 * Yamux window updates once half a stream's receive window is used, not after every frame.
 *
 * @chainsafe/libp2p-yamux 8 sends a WindowUpdate frame after every data frame a stream
 * receives (`YamuxStream.handleData` → `sendWindowUpdate`, which sends whenever any credit was
 * used). Each one is a Noise message and a socket write of its own on the receiver, and a
 * decryption on the sender: every gossip message costs its receiver a second write, and a
 * catch-up of 10,000 versions (1,700 coalesced frames) cost 0.2–0.3 s of CPU on the two nodes
 * for 1,700 updates (bench/README.md, "Seventh session").
 *
 * The yamux spec leaves when to send an update to the receiver (hashicorp/yamux spec.md,
 * "Flow Control"). hashicorp/yamux and go-yamux send one only once the credit to return is at
 * least half the window (stream.go `sendWindowUpdate`: `if delta < (max/2) && flags == 0`),
 * rust-yamux likewise ("once half or more of the window has been received", PR #109). That is
 * the rule here: the sender always holds at least half a window of credit, so it never waits
 * for an update it would have had before; an update that carries flags (SYN, ACK) is sent as
 * before; the library's window auto-tuning (doubling while updates come within four round
 * trips) runs when an update is sent, so at most once per half window, as go-yamux's (the
 * library doubled at nearly every frame); a paused stream sends none, as before. A stream
 * whose starting window is not the spec's 256 KiB keeps the library's rule (`SPEC_WINDOW`).
 *
 * The library offers no option for this, so its stream class is changed once, at import, and
 * only if it has the methods relied on (`applied` says whether it was; a stream lacking the
 * fields relied on is left to the library's own rule);
 * tests/net/yamux-window.test.ts counts the updates of a real transfer, so a version of the
 * library that no longer fits fails there rather than silently.
 */
import { defaultConfig } from '@chainsafe/libp2p-yamux/config'
import { StreamState, YamuxStream } from '@chainsafe/libp2p-yamux/stream'

/** the frame type of a window update (yamux spec.md, "Type field": 0x1) */
const WINDOW_UPDATE = 0x1
/**
 * The window both ends assume a new stream starts with (yamux spec.md, "Flow Control": 256 KiB).
 * A stream configured with another starting window gets the library's own rule: its remote
 * does not know of it, and would wait for an update this rule might not send (a 1 MiB window
 * half used only after the remote's 256 KiB ran out).
 */
const SPEC_WINDOW = 256 * 1024
/** streams seen, and whether each started with the spec's window (decided at the first call, before any update) */
const specStart = new WeakMap<object, boolean>()

interface StreamInternals {
  state: StreamState
  streamId: number
  recvWindow: number
  recvWindowCapacity: number
  maxStreamWindowSize: number
  epochStart: number
  getRTT: () => number
  getSendFlags: () => number
  sendFrame: (header: { type: number, flag: number, streamID: number, length: number }) => void
}

const original = YamuxStream.prototype.sendWindowUpdate

function sendWindowUpdate (this: StreamInternals): void {
  let spec = specStart.get(this)
  if (spec === undefined) {
    // a stream without the members relied on (another version of the library), or started with
    // a window the remote does not assume: the library's own rule
    spec = typeof this.sendFrame === 'function' && typeof this.getRTT === 'function' && typeof this.getSendFlags === 'function' &&
      [this.recvWindow, this.recvWindowCapacity, this.maxStreamWindowSize, this.epochStart, this.streamId].every(n => typeof n === 'number') &&
      this.recvWindow === SPEC_WINDOW
    specStart.set(this, spec)
  }
  if (!spec) { original.call(this as unknown as YamuxStream); return }
  if (this.state === StreamState.Paused) {
    // as the library: the reader wants no more now; the epoch starts when it resumes
    this.epochStart = Date.now()
    return
  }
  const flags = this.getSendFlags()
  // less than half the window to return, and nothing to say: the sender has credit enough
  if (flags === 0 && this.recvWindow - this.recvWindowCapacity < this.recvWindow / 2) return
  const now = Date.now()
  const rtt = this.getRTT()
  // the library's auto-tuning: a window used up within four round trips doubles (up to the max)
  if (flags === 0 && rtt > -1 && now - this.epochStart <= rtt * 4) this.recvWindow = Math.min(this.recvWindow * 2, this.maxStreamWindowSize)
  const delta = this.recvWindow - this.recvWindowCapacity
  if (delta <= 0 && flags === 0) return
  this.recvWindowCapacity = this.recvWindow
  this.epochStart = now
  this.sendFrame({ type: WINDOW_UPDATE, flag: flags, streamID: this.streamId, length: delta })
}

function apply (): boolean {
  const proto = YamuxStream.prototype as unknown as Record<string, unknown>
  const fits = ['sendWindowUpdate', 'getSendFlags', 'handleData'].every(k => typeof proto[k] === 'function') && typeof StreamState.Paused === 'number' &&
    defaultConfig.streamOptions?.initialStreamWindowSize === SPEC_WINDOW
  if (fits) proto.sendWindowUpdate = sendWindowUpdate
  return fits
}

/** whether the library's stream class was changed (it had the members relied on) */
export const applied = apply()
