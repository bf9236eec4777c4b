/**
 * The index of statements by the org whose claims they are about (`t!<org>!…`, the set
 * `/oos/reconcile` reconciles: protocol/NETWORK-reqresp.md §5.2). The door writes it with every
 * endorsement and retraction it accepts; a store written before the index existed gets it
 * once, here, from the statements it holds (then a meta flag says it is complete).
 */
import type { CID } from 'multiformats/cid'
import type { Store } from '../store/store.ts'
import { transactor } from '../store/transactor.ts'

const DONE = 'about-index'

/** The org a statement is about: an endorsement's `targetOrg`; a retraction of an endorsement, the endorsed org; of a claim or version, its author's own. */
export async function subjectOf (store: Store, rec: { type: string, org: string, targetOrg?: string, target?: CID }): Promise<string | undefined> {
  if (rec.type === 'oos/endorsement') return rec.targetOrg
  if (rec.type !== 'oos/retraction' || rec.target === undefined) return undefined
  const held = (await store.record(rec.target))?.rec as { type: string, targetOrg?: string } | undefined
  return held?.type === 'oos/endorsement' ? held.targetOrg : rec.org
}

/** Index the statements of a store written before the index (once; a no-op after). Returns how many it indexed. */
export async function backfillAbout (store: Store): Promise<number> {
  if (await store.meta<number>(DONE) !== undefined) return 0
  const batch = transactor(store)
  let n = 0
  for await (const { cid } of store.statements()) {
    const rec = (await store.record(cid))?.rec as { type: string, org: string, createdAt: number, targetOrg?: string, target?: CID } | undefined
    const subject = rec === undefined ? undefined : await subjectOf(store, rec)
    if (rec === undefined || subject === undefined) continue
    batch.putAbout(subject, rec.createdAt, cid)
    n++
  }
  batch.putMeta(DONE, 1)
  await batch.commit()
  return n
}
