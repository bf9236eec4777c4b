/**
 * The plain JSON form of a value that holds records' parts: CIDs as their string form, bytes as
 * base64. The HTTP API's responses and the CLI's `--json` output are this form (api/types.ts
 * `Json<T>`); it lives here, below both, so that api/ need not import cli/.
 */
import { CID } from 'multiformats/cid'

/** Plain JSON of a value that may hold CIDs (as their string form) and bytes (as base64). */
export function toJson (value: unknown): unknown {
  if (value === undefined || value === null) return null
  const cid = CID.asCID(value)
  if (cid !== null) return cid.toString()
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64')
  if (Array.isArray(value)) return value.map(toJson)
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), toJson(v)]))
  if (typeof value === 'object') {
    const o: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(value)) if (x !== undefined) o[k] = toJson(x)
    return o
  }
  return value
}
