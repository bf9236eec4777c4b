/**
 * What the published schemas say about the shape of a document, used by the readers and the
 * writer rather than by validation (protocol/BODY.md §3.5, §5.4, §6.1):
 *
 * - which fields are optional, so that a reader treats `null` in an optional field whose type
 *   does not include null as absent and reports it as a correction ("liberal in");
 * - the order of the properties, so that the writer emits entity keys in the order of the
 *   entities schema, whatever order the decoded body holds them in (DAG-CBOR sorts map keys),
 *   and a document written in that order reads back and writes out unchanged ("faithful out").
 *
 * Both walk the format's schemas (copied verbatim in protocol/schema/) so that nothing here
 * restates them.
 */
import formatSchema from '../../protocol/schema/oos-schema.v1.1.json' with { type: 'json' }
import entitiesSchema from '../../protocol/schema/oos-entities-schema.v1.0.json' with { type: 'json' }
import { FIELDS, byUnits, isPlainObject, joinPath } from './grammar.ts'
import type { Correction } from './derive.ts'

interface Node {
  $ref?: string
  type?: string | string[]
  properties?: Record<string, Node>
  required?: string[]
  items?: Node
}

const ENTITY_DEFS = (entitiesSchema as unknown as { $defs: Record<string, Node> }).$defs

function deref (n: Node | undefined): Node | undefined {
  if (n?.$ref === undefined) return n
  const name = /^#\/\$defs\/(.+)$/.exec(n.$ref)?.[1]
  return name === undefined ? undefined : ENTITY_DEFS[name]
}

const allowsNull = (n: Node | undefined): boolean => {
  const t = deref(n)?.type
  return t === 'null' || (Array.isArray(t) && t.includes('null'))
}

/**
 * Remove, in place, every `null` given for an optional property the schema node describes
 * (and whose type does not include null), recursively; one correction per removal. Keys the
 * schema does not list are left alone: they are open data, where null is a value.
 */
function dropNullsBy (schema: Node | undefined, value: unknown, path: string, out: Correction[]): void {
  const s = deref(schema)
  if (s === undefined) return
  if (Array.isArray(value)) {
    if (s.items !== undefined) value.forEach((v, i) => { dropNullsBy(s.items, v, `${path}[${i}]`, out) })
    return
  }
  if (!isPlainObject(value) || s.properties === undefined) return
  const required = new Set(s.required ?? [])
  for (const [k, sub] of Object.entries(s.properties)) {
    if (!Object.hasOwn(value, k)) continue
    const p = joinPath(path, k)
    if (value[k] === null && !required.has(k) && !allowsNull(sub)) {
      delete value[k]
      out.push({ field: p, declared: null, actual: undefined })
    } else {
      dropNullsBy(sub, value[k], p, out)
    }
  }
}

const FRONTMATTER_NODE = (formatSchema as unknown as { properties: { frontmatter: Node } }).properties.frontmatter
const OPTIONAL_CLAIM_KEYS = FIELDS.filter(f => !f.required).map(f => f.key as string)

/**
 * A reader's null rule (BODY.md §6.1): `null` in an optional field is absent. Covers the
 * front matter (`org_id`), the optional claim fields, `entities` and `sections` themselves,
 * and every optional property of the entities schema (`approval_required_from`, …). Returns
 * the corrections `{ field, declared: null, actual: undefined }`.
 */
export function dropOptionalNulls (body: Record<string, unknown>): Correction[] {
  const out: Correction[] = []
  for (const k of ['entities', 'sections']) {
    if (Object.hasOwn(body, k) && body[k] === null) { delete body[k]; out.push({ field: k, declared: null, actual: undefined }) }
  }
  dropNullsBy(FRONTMATTER_NODE, body.frontmatter, 'frontmatter', out)
  if (Array.isArray(body.claims)) {
    body.claims.forEach((c: unknown, i: number) => {
      if (!isPlainObject(c)) return
      for (const k of OPTIONAL_CLAIM_KEYS) {
        if (Object.hasOwn(c, k) && c[k] === null) { delete c[k]; out.push({ field: `claims[${i}].${k}`, declared: null, actual: undefined }) }
      }
    })
  }
  dropNullsBy(entitiesSchema as unknown as Node, body.entities, 'entities', out)
  return out
}

/**
 * A copy of a value with map keys in canonical order: the properties the schema node lists, in
 * its order, then the other keys in code-unit order; recursively. Plain data only (entities).
 */
function orderBy (schema: Node | undefined, value: unknown): unknown {
  if (Array.isArray(value)) return value.map(v => orderBy(deref(schema)?.items, v))
  if (!isPlainObject(value)) return value
  const s = deref(schema)
  const listed = Object.keys(s?.properties ?? {})
  const keys = [...listed.filter(k => Object.hasOwn(value, k)), ...Object.keys(value).filter(k => !listed.includes(k)).sort(byUnits)]
  const out: Record<string, unknown> = {}
  for (const k of keys) {
    if (value[k] === undefined) continue
    Object.defineProperty(out, k, { value: orderBy(s?.properties?.[k], value[k]), enumerable: true, writable: true, configurable: true })
  }
  return out
}

/** `entities` with keys in the entities schema's property order (groups, then each item's fields). */
export function orderedEntities (entities: unknown): unknown {
  return orderBy(entitiesSchema as unknown as Node, entities)
}

/** The keys of `o` not in `known`, in code-unit order (extension keys, BODY.md §3.5). */
export function extensionKeys (o: Record<string, unknown>, known: readonly string[]): string[] {
  return Object.keys(o).filter(k => !known.includes(k) && o[k] !== undefined).sort(byUnits)
}
