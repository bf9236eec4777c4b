/**
 * What changed between two versions of an org's OOS (for `oos diff`): claims by lineage
 * (`claim_id`), with rewording and confidence / evidence changes called out, and the
 * authority of agents and humans. Pure.
 */
import type { Claim, OosBody } from './types.ts'

export interface ClaimChange {
  claim_id: string
  /** text fields whose wording changed */
  reworded: Array<'rule' | 'why' | 'failure_mode' | 'scope' | 'section'>
  confidence?: { from: string, to: string }
  evidence?: { from: string, to: string }
  /** every field whose value changed (text fields, confidence, evidence, derived_from, any other), in the claim's order */
  fields: string[]
  before: Claim
  after: Claim
}

export interface EntityChange {
  id: string
  kind: 'agent' | 'human'
  changes: Array<{ field: string, from?: unknown, to?: unknown, added?: string[], removed?: string[] }>
}

export interface BodyDiff {
  claims: { added: Claim[], removed: Claim[], changed: ClaimChange[], unchanged: number }
  entities: { added: Array<{ id: string, kind: string, name: string }>, removed: Array<{ id: string, kind: string, name: string }>, changed: EntityChange[] }
}

const TEXT = ['rule', 'why', 'failure_mode', 'scope', 'section'] as const

export function diffBodies (a: OosBody, b: OosBody): BodyDiff {
  const before = new Map(a.claims.map(c => [c.claim_id, c]))
  const after = new Map(b.claims.map(c => [c.claim_id, c]))
  const out: BodyDiff = { claims: { added: [], removed: [], changed: [], unchanged: 0 }, entities: { added: [], removed: [], changed: [] } }
  for (const c of b.claims) if (!before.has(c.claim_id)) out.claims.added.push(c)
  for (const c of a.claims) {
    const n = after.get(c.claim_id)
    if (n === undefined) { out.claims.removed.push(c); continue }
    const change: ClaimChange = { claim_id: c.claim_id, reworded: TEXT.filter(f => c[f] !== n[f]), fields: changedFields(c, n), before: c, after: n }
    if (c.confidence !== n.confidence) change.confidence = { from: c.confidence, to: n.confidence }
    if (c.evidence !== n.evidence) change.evidence = { from: c.evidence, to: n.evidence }
    // any other field (scope of entities, derived_from, display order…) also makes it a change
    if (change.fields.length > 0) out.claims.changed.push(change)
    else out.claims.unchanged++
  }
  diffEntities(a.entities?.agents ?? [], b.entities?.agents ?? [], 'agent', ['authority_level', 'role', 'escalates_to', 'status', 'owns', 'does_not_own', 'tools'], out)
  diffEntities(a.entities?.humans ?? [], b.entities?.humans ?? [], 'human', ['authority_level', 'role', 'approves', 'override_authority'], out)
  return out
}

/** The keys of either claim whose values differ (a CID's JSON is its string form, `{"/": …}`). */
function changedFields (a: Claim, b: Claim): string[] {
  const text = (v: unknown): string => JSON.stringify(v) ?? 'undefined'
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])]
  return keys.filter(k => text((a as unknown as Record<string, unknown>)[k]) !== text((b as unknown as Record<string, unknown>)[k]))
}

function diffEntities (a: Array<Record<string, unknown>>, b: Array<Record<string, unknown>>, kind: 'agent' | 'human', fields: string[], out: BodyDiff): void {
  const name = (e: Record<string, unknown>): string => String(e.name ?? e.role ?? e.id)
  const before = new Map(a.map(e => [String(e.id), e]))
  const after = new Map(b.map(e => [String(e.id), e]))
  for (const [id, e] of after) if (!before.has(id)) out.entities.added.push({ id, kind, name: name(e) })
  for (const [id, e] of before) {
    const n = after.get(id)
    if (n === undefined) { out.entities.removed.push({ id, kind, name: name(e) }); continue }
    const changes: EntityChange['changes'] = []
    for (const f of fields) {
      const x = e[f]
      const y = n[f]
      if (Array.isArray(x) || Array.isArray(y)) {
        const xs = new Set((x as string[] | undefined) ?? [])
        const ys = new Set((y as string[] | undefined) ?? [])
        const added = [...ys].filter(v => !xs.has(v))
        const removed = [...xs].filter(v => !ys.has(v))
        if (added.length + removed.length > 0) changes.push({ field: f, added, removed })
      } else if (x !== y) {
        changes.push({ field: f, from: x, to: y })
      }
    }
    if (changes.length > 0) out.entities.changed.push({ id, kind, changes })
  }
}
