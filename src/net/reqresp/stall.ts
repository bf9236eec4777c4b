/**
 * How long this process's event loop was stalled — could not run — within a window: the node's
 * own overload (a starved CPU, a long task), which makes its timers fire late and its reads
 * wait. A timeout of an exchange during which the node itself stalled is not the peer's fault
 * (protocol/NETWORK-reqresp.md §7, "Faults that cost little"). Sampled by a timer only while
 * exchanges run (`hold`), so an idle node pays nothing.
 */
export class StallMeter {
  private readonly tickMs: number
  private timer?: NodeJS.Timeout
  private holders = 0
  private last = 0
  /** [when a late tick ran, ms it was late] (performance.now()), the latest 256 */
  private readonly stalls: Array<[number, number]> = []

  /** `tickMs`: the sampling period; a tick later than half of it counts as a stall */
  constructor (tickMs = 100) { this.tickMs = tickMs }

  /** Sample while the returned release is not called (one per exchange). */
  hold (): () => void {
    if (this.holders++ === 0) {
      this.last = performance.now()
      this.timer = setInterval(() => { this.tick() }, this.tickMs)
      this.timer.unref()
    }
    let held = true
    return () => {
      if (!held) return
      held = false
      if (--this.holders === 0) { clearInterval(this.timer); this.timer = undefined }
    }
  }

  private tick (): void {
    const now = performance.now()
    const late = now - this.last - this.tickMs
    this.last = now
    if (late > this.tickMs / 2) {
      this.stalls.push([now, late])
      if (this.stalls.length > 256) this.stalls.shift()
    }
  }

  /** ms the loop stalled since `t` (performance.now()), the stall still in progress included */
  since (t: number): number {
    let ms = 0
    for (const [end, late] of this.stalls) if (end > t) ms += Math.min(late, end - t)
    if (this.timer !== undefined) ms += Math.max(0, performance.now() - Math.max(this.last, t) - this.tickMs)
    return ms
  }
}
