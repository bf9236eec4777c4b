/** What a fetch or sync brought in: records received and what the ingest door made of them. */
import { OosError } from '../../errors.ts'
import type { IngestResult } from '../../ingest/ingest.ts'

export interface TransferResult {
  /** frames received and handed to ingest */
  received: number
  accepted: number
  duplicate: number
  /** kept as equivocation proof (SPEC §6) */
  equivocation: number
  rejected: number
  /** rejections by code (SPEC §9) */
  rejections: Record<string, number>
}

export const emptyTransfer = (): TransferResult => ({ received: 0, accepted: 0, duplicate: 0, equivocation: 0, rejected: 0, rejections: {} })

/** Count one ingest outcome; returns the error code if it was a rejection. */
export function tally (t: TransferResult, outcome: IngestResult | unknown): string | undefined {
  if (outcome instanceof Error || !(typeof outcome === 'object' && outcome !== null && 'status' in outcome)) {
    const code = outcome instanceof OosError ? outcome.code : 'INTERNAL'
    t.rejected++
    t.rejections[code] = (t.rejections[code] ?? 0) + 1
    return code
  }
  t[(outcome as IngestResult).status]++
  return undefined
}

/**
 * Ingest calls in flight, at most `window`, settled in call order (the ingest door is FIFO).
 * A full window drains to half before more are added: records then reach the verify workers
 * in batches, not one per settled call (one worker message per record cost more than the
 * checks).
 */
export class Pipeline {
  private pending: Array<Promise<void>> = []
  private next = 0
  private readonly window: number

  constructor (window = 256) { this.window = window }

  async add (work: Promise<void>): Promise<void> {
    this.pending.push(work)
    if (this.pending.length - this.next >= this.window) {
      while (this.pending.length - this.next > this.window >> 1) await this.pending[this.next++]
    }
    // drop what has been awaited, so a long transfer holds only its window
    if (this.next >= this.window) {
      this.pending = this.pending.slice(this.next)
      this.next = 0
    }
  }

  async drain (): Promise<void> {
    while (this.next < this.pending.length) await this.pending[this.next++]
    this.pending = []
    this.next = 0
  }
}
