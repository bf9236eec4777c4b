/**
 * The store's one writer (issue 13, atproto's reader / transactor split): an atomic group of
 * typed writes — a record block and the index entries it adds — built, then committed as one
 * batch. Only the ingest door obtains one (tests/layering.test.ts: only ingest/ and store/
 * import this module); everything else holds the reader (`Store`).
 */
import * as dagCbor from '@ipld/dag-cbor'
import type { CID } from 'multiformats/cid'
import { cidBytesText, cidText, K } from './keys.ts'
import { internalsOf, type Internals } from './level.ts'
import type { Head, Store, VerifiedMarker } from './store.ts'
import { encodeHead, encodeRun } from './values.ts'

interface Op { type: 'put', key: string, value: Uint8Array }

/** `parts` in one new array of its own (not a slice of Node's shared Buffer pool: values here may be kept long). */
export function concatBytes (parts: Uint8Array[]): Uint8Array {
  let n = 0
  for (const p of parts) n += p.length
  const out = new Uint8Array(n)
  let at = 0
  for (const p of parts) { out.set(p, at); at += p.length }
  return out
}

export class Transactor {
  private readonly ops: Op[] = []
  /** heads set in this batch: only the last per org is written (a bulk sync sets many) */
  private readonly heads = new Map<string, Head>()
  /** verified markers set in this batch: the last per org is written */
  private readonly verified = new Map<string, VerifiedMarker>()
  private readonly store: Internals

  constructor (store: Internals) { this.store = store }

  /** writes planned and not yet committed */
  get size (): number { return this.ops.length + this.heads.size + this.verified.size }

  private put (key: string, value: Uint8Array): this { this.ops.push({ type: 'put', key, value }); return this }

  /** a record's bytes by its CID */
  putBlock (cid: CID, bytes: Uint8Array): this { return this.put(K.block(cidText(cid)), bytes) }
  /** the org's head (the last set per org in a batch is written) */
  setHead (org: string, head: Head): this { this.heads.set(org, head); return this }
  /** what the door verified of the org's chain (TRUST.md §2.1.1; the last set per org in a batch is written) */
  setVerified (org: string, marker: VerifiedMarker): this { this.verified.set(org, marker); return this }
  /** a run of the claim (binary CID) of the lineage `(org, claimId)` opened at version `seq` */
  putLineage (org: string, claimId: string, seq: number, claim: Uint8Array): this { return this.put(K.lineage(org, claimId, seq), claim) }
  /** version `seq` of the org's chain: its CID and its claim CIDs, concatenated in body order */
  putChainEntry (org: string, seq: number, version: CID, claimList: Uint8Array): this {
    return this.put(K.chain(org, seq), concatBytes([version.bytes, claimList]))
  }

  /** a run of consecutive versions of `org` containing a claim (binary CID): from ≤ seq < until */
  putClaimRun (claim: Uint8Array, org: string, from: number, until?: number): this {
    return this.put(K.claim(cidBytesText(claim), org, from), encodeRun(from, until))
  }

  /** one of the conflicting versions of an org at `seq` (an equivocation proof) */
  putEquivocation (org: string, seq: number, version: CID): this { return this.put(K.equivocation(org, seq, version.toString()), version.bytes) }
  /** a statement (endorsement, retraction) by `org` about `target` */
  putStatement (target: CID, org: string, cid: CID): this {
    return this.put(K.statement(target.toString(), cid.toString()), cid.bytes).put(K.authored(org, cid.toString()), cid.bytes)
  }

  /** a statement about `subject`'s claims, for reconciliation by (createdAt, CID) */
  putAbout (subject: string, createdAt: number, cid: CID): this {
    return this.put(K.about(subject, createdAt, Buffer.from(cid.bytes).toString('hex')), cid.bytes)
  }

  /** the org's key rotation `seq` */
  putRotation (org: string, seq: number, cid: CID): this { return this.put(K.rotation(org, seq), cid.bytes) }
  /** the org's latest node binding */
  putBinding (org: string, cid: CID): this { return this.put(K.binding(org), cid.bytes) }
  /** a local setting or metadata value */
  putMeta (name: string, value: unknown): this { return this.put(K.meta(name), dagCbor.encode(value)) }

  async commit (): Promise<void> {
    for (const [org, head] of this.heads) this.put(K.head(org), encodeHead(head))
    this.heads.clear()
    for (const [org, m] of this.verified) {
      this.put(K.verified(org), dagCbor.encode({ seq: m.seq, rotations: m.rotations, rules: m.rules, ...(m.cid !== undefined ? { cid: m.cid } : {}), ...(m.rotation !== undefined ? { rotation: m.rotation } : {}) }))
    }
    this.verified.clear()
    const ops = this.ops.splice(0)
    if (ops.length === 0) return
    let bytes = 0
    for (const op of ops) bytes += op.key.length + op.value.length
    this.store.charge(bytes)
    await this.store.db().batch(ops)
  }
}

/** A new writer over a started store. */
export function transactor (store: Store): Transactor {
  return new Transactor(internalsOf(store))
}
