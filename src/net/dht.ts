/**
 * DHT records (protocol/NETWORK.md §4).
 *
 * - Head record: key `/oos-head/<org did>`, value: the org's latest signed announcement
 *   (announce.ts). The validator rejects anything that is not a well-signed announcement of
 *   that org; the selector picks the highest seq. So a node that knows only an org's did
 *   finds its latest version.
 * - Provider records: the CID `bafkrei…` (raw, sha2-256) of `oosnet/v1/org/<did>` names "the
 *   records of this org"; nodes that serve the org provide it.
 */
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'
import { sha256 } from '../records/cid.ts'
import { decodeAnnouncement, newer, type Announcement } from './announce.ts'

export const HEAD_NAMESPACE = 'oos-head'

export function headKey (org: string): Uint8Array {
  return new TextEncoder().encode(`/${HEAD_NAMESPACE}/${org}`)
}

function orgOfKey (key: Uint8Array): string {
  const s = new TextDecoder().decode(key)
  const prefix = `/${HEAD_NAMESPACE}/`
  if (!s.startsWith(prefix)) throw new Error('not a head key')
  return s.slice(prefix.length)
}

/** kad-dht validator: throws if the value is not a valid announcement of the key's org. */
export async function headValidator (key: Uint8Array, value: Uint8Array): Promise<void> {
  const a = decodeAnnouncement(value)
  if (a.org !== orgOfKey(key)) throw new Error('head record of another org')
}

/** kad-dht selector: the index of the newest valid announcement. */
export function headSelector (key: Uint8Array, values: Uint8Array[]): number {
  let best = 0
  let bestA: Announcement | undefined
  values.forEach((v, i) => {
    try {
      const a = decodeAnnouncement(v)
      if (a.org !== orgOfKey(key)) return
      if (bestA === undefined || newer(a, bestA)) { best = i; bestA = a }
    } catch {}
  })
  return best
}

/** The provider key of an org. */
export function orgProviderCid (org: string): CID {
  return CID.createV1(raw.code, Digest.create(0x12, sha256(new TextEncoder().encode(`oosnet/v1/org/${org}`))))
}
