/**
 * Authority and escalation of an org's agents and humans as an SVG graph, laid out in layers
 * (a small Sugiyama-style layout): humans by authority level on top, agents below; within a
 * layer, each node is placed by the mean position of the nodes it is linked to in the layers
 * above (one barycentre pass), which keeps most edges short and uncrossed.
 * Edges: an agent's `escalates_to` (escalation, solid) and a human's `override_authority`
 * (authority, dashed); the escalation hierarchy's levels chain their handlers.
 */
import type { Entities } from '../oos/types.ts'
import { html, type Html } from './html.ts'

type Entity = Record<string, unknown>
interface GraphNode { id: string, label: string, sub: string, kind: 'agent' | 'human', layer: number, x: number, y: number }
interface GraphEdge { from: string, to: string, kind: 'escalation' | 'authority' }

const W = 168
const H = 46
const GAP_X = 24
const GAP_Y = 70
const PAD = 12

/** authority levels of humans, highest first (others go with the lowest) */
const HUMAN_RANK: Record<string, number> = { executive: 0, director: 0, owner: 0, manager: 1, lead: 1, supervisor: 1 }

const str = (v: unknown): string => typeof v === 'string' ? v : ''
const list = (v: unknown): string[] => Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []

/** The nodes and edges of the graph (exported for tests). */
export function graphOf (entities: Entities | undefined): { nodes: GraphNode[], edges: GraphEdge[] } {
  const humans = (entities?.humans ?? []) as Entity[]
  const agents = (entities?.agents ?? []) as Entity[]
  const nodes: GraphNode[] = []
  for (const h of humans) {
    const level = str(h.authority_level)
    nodes.push({ id: str(h.id), label: str(h.role) || str(h.name) || str(h.id), sub: `${str(h.id)} · ${level}`, kind: 'human', layer: HUMAN_RANK[level] ?? 2, x: 0, y: 0 })
  }
  const agentLayer = Math.max(-1, ...nodes.map(n => n.layer)) + 1
  for (const a of agents) nodes.push({ id: str(a.id), label: str(a.name) || str(a.id), sub: `${str(a.id)} · ${str(a.authority_level)}`, kind: 'agent', layer: agentLayer, x: 0, y: 0 })
  const ids = new Set(nodes.map(n => n.id))
  const edges: GraphEdge[] = []
  const add = (from: string, to: string, kind: GraphEdge['kind']): void => {
    if (ids.has(from) && ids.has(to) && from !== to && !edges.some(e => e.from === from && e.to === to && e.kind === kind)) edges.push({ from, to, kind })
  }
  for (const a of agents) add(str(a.id), str(a.escalates_to), 'escalation')
  for (const h of humans) for (const t of list(h.override_authority)) add(str(h.id), t, 'authority')
  const levels = ((entities?.escalation_hierarchy?.levels ?? []) as Entity[])
    .filter(l => typeof l.level === 'number').sort((x, y) => (x.level as number) - (y.level as number))
  for (let i = 1; i < levels.length; i++) add(str(levels[i - 1].handler), str(levels[i].handler), 'escalation')
  place(nodes, edges)
  return { nodes, edges }
}

function place (nodes: GraphNode[], edges: GraphEdge[]): void {
  const layers = [...new Set(nodes.map(n => n.layer))].sort((a, b) => a - b)
  const width = Math.max(0, ...layers.map(l => nodes.filter(n => n.layer === l).length)) * (W + GAP_X) - GAP_X
  const byId = new Map(nodes.map(n => [n.id, n]))
  layers.forEach((l, row) => {
    const members = nodes.filter(n => n.layer === l)
    const centre = (n: GraphNode): number => {
      const xs = edges.flatMap(e => e.from === n.id ? [byId.get(e.to)] : e.to === n.id ? [byId.get(e.from)] : [])
        .filter((m): m is GraphNode => m !== undefined && m.layer < l).map(m => m.x)
      return xs.length === 0 ? Number.POSITIVE_INFINITY : xs.reduce((a, b) => a + b, 0) / xs.length
    }
    const order = members.map((n, i) => ({ n, i, c: centre(n) })).sort((a, b) => a.c - b.c || a.i - b.i)
    const rowWidth = members.length * (W + GAP_X) - GAP_X
    order.forEach(({ n }, i) => {
      n.x = PAD + (width - rowWidth) / 2 + i * (W + GAP_X)
      n.y = PAD + row * (H + GAP_Y)
    })
  })
}

const clip = (text: string, max: number): string => text.length > max ? text.slice(0, max - 1) + '…' : text

/** The graph as inline SVG (scales to its container), with a text alternative. */
export function graphSvg (entities: Entities | undefined): Html {
  const { nodes, edges } = graphOf(entities)
  if (nodes.length === 0) return html`<p class="muted">This document names no agents or humans.</p>`
  const width = Math.max(...nodes.map(n => n.x)) + W + PAD
  const height = Math.max(...nodes.map(n => n.y)) + H + PAD
  const byId = new Map(nodes.map(n => [n.id, n]))
  const line = (e: GraphEdge): Html => {
    const a = byId.get(e.from) as GraphNode
    const b = byId.get(e.to) as GraphNode
    // from the side of the box that faces the other node
    const down = a.y < b.y
    const same = a.y === b.y
    const x1 = a.x + W / 2
    const x2 = b.x + W / 2
    const y1 = same ? a.y + H : down ? a.y + H : a.y
    const y2 = same ? b.y + H : down ? b.y : b.y + H
    const d = same ? `M${x1},${y1} C${x1},${y1 + 40} ${x2},${y2 + 40} ${x2},${y2}` : `M${x1},${y1} L${x2},${y2}`
    return html`<path class="edge ${e.kind}" d="${d}" marker-end="url(#arrow-${e.kind})"><title>${e.from} → ${e.to}: ${e.kind}</title></path>`
  }
  return html`<figure class="graph">
<svg viewBox="0 0 ${Math.ceil(width)} ${Math.ceil(height)}" role="img" aria-labelledby="graph-title" preserveAspectRatio="xMidYMin meet">
<title id="graph-title">Authority and escalation: ${nodes.length} agents and humans, ${edges.length} links</title>
<defs>
<marker id="arrow-escalation" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrow escalation"/></marker>
<marker id="arrow-authority" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrow authority"/></marker>
</defs>
${edges.map(line)}
${nodes.map(n => html`<g class="node ${n.kind}"><rect x="${n.x}" y="${n.y}" width="${W}" height="${H}" rx="6"/><text x="${n.x + 8}" y="${n.y + 19}" class="label">${clip(n.label, 24)}</text><text x="${n.x + 8}" y="${n.y + 36}" class="sub">${clip(n.sub, 28)}</text><title>${n.label} (${n.sub})</title></g>`)}
</svg>
<figcaption><span class="key escalation">escalates to</span> <span class="key authority">can override</span></figcaption>
</figure>`
}
