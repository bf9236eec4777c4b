/**
 * The explorer's rendering, without a server: the escaping template (web/html.ts) and the
 * layered authority / escalation graph (web/graph.ts) of the Carepath example.
 */
import { describe, it, expect } from 'vitest'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseOosMarkdown } from '../../src/oos/index.ts'
import { html, esc } from '../../src/web/html.ts'
import { graphOf, graphSvg } from '../../src/web/graph.ts'
import { ORGS } from './fixture.ts'

describe('html``', () => {
  it('escapes every value, keeps markup made by html`` and arrays of it, drops undefined and false', () => {
    const peer = `<b onclick="x()">'&'</b>`
    expect(esc(peer)).toBe('&lt;b onclick=&quot;x()&quot;&gt;&#39;&amp;&#39;&lt;/b&gt;')
    const out = html`<p title="${peer}">${peer}${[html`<i>${peer}</i>`, peer]}${undefined}${false}${0}</p>`.text
    expect(out).toBe(`<p title="${esc(peer)}">${esc(peer)}<i>${esc(peer)}</i>${esc(peer)}0</p>`)
  })
})

describe('the authority and escalation graph', () => {
  it('lays out Carepath v2: humans by authority above the agents, each agent\'s escalation and each override an edge, no two boxes overlapping', async () => {
    const body = parseOosMarkdown(await readFile(join(ORGS, 'carepath', 'v2.oos.md'), 'utf8')).body
    const { nodes, edges } = graphOf(body.entities)
    const agents = body.entities?.agents ?? []
    const humans = body.entities?.humans ?? []
    expect(nodes).toHaveLength(agents.length + humans.length)
    const at = new Map(nodes.map(n => [n.id, n]))
    // the executive on top, the manager below, then the other humans, the agents last
    expect(at.get('HMN-001')!.y).toBeLessThan(at.get('HMN-002')!.y)
    expect(at.get('HMN-002')!.y).toBeLessThan(at.get('HMN-003')!.y)
    const lowestHuman = Math.max(...humans.map(h => at.get(String(h.id))!.y))
    for (const a of agents) expect(at.get(String(a.id))!.y).toBeGreaterThan(lowestHuman)
    for (const a of agents) expect(edges).toContainEqual({ from: a.id, to: a.escalates_to, kind: 'escalation' })
    for (const h of humans) for (const t of h.override_authority as string[]) expect(edges).toContainEqual({ from: h.id, to: t, kind: 'authority' })
    // the escalation hierarchy's levels chain their handlers: 1 → 2 → 3
    expect(edges).toContainEqual({ from: 'HMN-003', to: 'HMN-002', kind: 'escalation' })
    expect(edges).toContainEqual({ from: 'HMN-002', to: 'HMN-001', kind: 'escalation' })
    for (const n of nodes) {
      for (const m of nodes) if (n !== m && n.y === m.y) expect(Math.abs(n.x - m.x)).toBeGreaterThanOrEqual(168)
    }
    const svg = graphSvg(body.entities).text
    expect([...svg.matchAll(/<g class="node /g)]).toHaveLength(nodes.length)
    expect([...svg.matchAll(/<path class="edge /g)]).toHaveLength(edges.length)
  })

  it('names from a document are text in the SVG, and an escalation to no known id draws no edge', () => {
    const svg = graphSvg({ agents: [{ id: 'AGT-1', name: '</text><script>x()</script>', escalates_to: 'HMN-404' }], humans: [] })
    expect(svg.text).not.toContain('<script>')
    expect(svg.text).toContain('&lt;/text&gt;&lt;script&gt;')
    expect(graphOf({ agents: [{ id: 'AGT-1', escalates_to: 'HMN-404' }] }).edges).toEqual([])
  })
})
