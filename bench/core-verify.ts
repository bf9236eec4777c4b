/**
 * Raw `crypto.verify` on several cores at once: one thread per core the ingest door uses, each
 * verifying the same signed bytes, and the rate of each. A one-thread baseline measures
 * whichever core the scheduler gave it, and on a machine whose cores differ that is a coin
 * toss: the development VM's two vCPUs verified at 11,800/s and 7,800/s (`taskset -c 0` and
 * `-c 1`), while the door, which keeps both busy, gets the two together.
 */
import { once } from 'node:events'
import { Worker } from 'node:worker_threads'

interface Signed { msg: Uint8Array, sig: Uint8Array }

export class CoreVerify {
  private readonly workers: Worker[]

  private constructor (workers: Worker[]) { this.workers = workers }

  /** `threads` verify threads, each holding `chains` (public key and signed messages). */
  static async start (threads: number, chains: Array<{ pub: Uint8Array, versions: Signed[] }>): Promise<CoreVerify> {
    const data = chains.map(c => ({ pub: c.pub, msgs: c.versions.map(v => v.msg), sigs: c.versions.map(v => v.sig) }))
    const workers = Array.from({ length: Math.max(1, threads) }, () => new Worker(new URL('./core-verify-worker.ts', import.meta.url), { workerData: data }))
    await Promise.all(workers.map(async w => await once(w, 'message'))) // 'ready'
    return new CoreVerify(workers)
  }

  /** Each thread verifies every message of chain `i` at the same time; their rates, per second. */
  async rates (i: number): Promise<number[]> {
    const replies = this.workers.map(async w => (await once(w, 'message'))[0] as number)
    for (const w of this.workers) w.postMessage(i)
    return await Promise.all(replies)
  }

  async stop (): Promise<void> {
    await Promise.all(this.workers.map(async w => await w.terminate()))
  }
}
