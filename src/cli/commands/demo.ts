import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { TimeoutError } from '../../errors.ts'
import type { EphemeralNode } from '../../app/runtime.ts'
import { diffBodies } from '../../oos/diff.ts'
import { decodeDocument, parseOosMarkdown } from '../../oos/index.ts'
import type { Command } from '../command.ts'
import { renderDiff } from '../diffview.ts'
import { hydrate } from '../backend.ts'
import { jsonLine, toJson } from '../io.ts'
import { apiOption } from '../values.ts'

// the checkout's examples/, from src/cli/commands/ or, emitted ahead of time, dist/src/cli/commands/
export const EXAMPLES = fileURLToPath(new URL(`${import.meta.url.endsWith('.js') ? '../' : ''}../../../examples/orgs/`, import.meta.url))
const ORGS = [['Ledgerline', 'ledgerline'], ['Carepath', 'carepath'], ['Parcelworks', 'parcelworks']] as const

export const demo: Command = {
  name: 'demo',
  summary: 'three organizations on this machine: publish, follow, an update arriving and being verified',
  usage: 'demo [--metrics [--api HOST:PORT]] [--step] [--hold]',
  help: 'Starts three nodes on 127.0.0.1 in temporary homes (examples/orgs), tells what happens, and stops and removes everything. Nothing is left behind. --metrics serves the metrics of Carepath (the node that follows Ledgerline: its own and libp2p\'s) at GET /metrics on a loopback API with a bearer token, printed first (--json: a JSON line); --step waits for a line on stdin (Enter) before each step; --hold keeps the nodes running after the story until Ctrl-C, SIGTERM or stdin closes.',
  options: {
    metrics: { type: 'boolean', description: 'serve Carepath\'s metrics at GET /metrics on a loopback API (bearer token); the URL and token are printed first' },
    api: { type: 'string', value: 'HOST:PORT', description: 'with --metrics: the API\'s address, loopback only', default: '127.0.0.1, a free port' },
    step: { type: 'boolean', description: 'wait for Enter (a line on stdin) before each step' },
    hold: { type: 'boolean', description: 'keep the nodes running after the story, until Ctrl-C, SIGTERM or stdin closes' }
  },
  async run (ctx) {
    const say = (s: string): void => { if (!ctx.io.json) ctx.io.out(s) }
    const nodes: EphemeralNode[] = []
    const doc = async (slug: string, v: number) => parseOosMarkdown(decodeDocument(await readFile(join(EXAMPLES, slug, `v${v}.oos.md`)))).body
    const story: Record<string, unknown> = {}
    const address = ctx.values.metrics === true ? apiOption(ctx) : undefined
    const { ephemeralNode, nodeApp, metricsRegistry } = await import('../../app/runtime.ts') // libp2p: loaded by the commands that run nodes only
    // the API server (fastify) and stdin: loaded and read by a demo with these flags only
    const serve = address !== undefined || ctx.values.step === true || ctx.values.hold === true ? await import('../demo-serve.ts') : undefined
    const stdin = ctx.values.step === true || ctx.values.hold === true ? serve?.pace(ctx) : undefined
    // before each step with --step: the prompt on stderr (stdout stays the story, or JSON lines)
    const step = async (n: number): Promise<void> => {
      if (ctx.values.step !== true || stdin === undefined) return
      ctx.io.err(`[step ${n}: press Enter]`)
      await stdin.step()
    }
    let server: import('../../api/server.ts').ApiServer | undefined
    try {
      for (const [name] of ORGS) {
        // one registry per process (@libp2p/prometheus-metrics keeps its metrics module-wide): Carepath's
        const registry = address !== undefined && name === 'Carepath' ? { registry: await metricsRegistry() } : {}
        nodes.push(await ephemeralNode(name, { antiEntropyMs: 5000, ...registry }))
      }
      const [ledger, care, parcel] = nodes
      if (address !== undefined && serve !== undefined) {
        server = await serve.demoApi(nodeApp(care), address)
        const metrics = { url: `${server.url}/metrics`, token: server.token, node: care.config.name, org: care.org }
        if (ctx.io.json) ctx.io.document(jsonLine(toJson({ metrics })) + '\n') // JSON lines: this, then the story's
        else say(`Carepath's metrics: curl -H 'Authorization: Bearer ${metrics.token}' ${metrics.url}\n`)
      }
      say('1. Three organizations each create a signing key (encrypted at rest) and start a node on 127.0.0.1.')
      for (const [i, node] of nodes.entries()) say(`   ${ORGS[i][0].padEnd(12)} ${node.org}  peer ${node.peerId.toString().slice(0, 16)}…`)
      await step(2)
      say('\n2. Each publishes version 1 of its Organizational Operating System: signed, hash-chained, content-addressed.')
      for (let i = 0; i < nodes.length; i++) {
        const r = await nodes[i].publish(await doc(ORGS[i][1], 1))
        say(`   ${ORGS[i][0].padEnd(12)} seq ${r.seq}  ${r.cid.toString()}  (${r.claims?.length ?? 0} claims)`)
      }
      await step(3)
      say('\n3. Carepath and Parcelworks follow Ledgerline; each fetches its chain from a peer and checks every byte.')
      const addr = ledger.libp2p.getMultiaddrs()[0].toString()
      await care.follow(ledger.org, { via: [addr] })
      await parcel.libp2p.dial(care.libp2p.getMultiaddrs()[0])
      await parcel.follow(ledger.org, { via: [care.libp2p.getMultiaddrs()[0].toString()] })
      say(`   Carepath holds Ledgerline at seq ${(await care.store.head(ledger.org))?.seq}; Parcelworks (connected only to Carepath) too: seq ${(await parcel.store.head(ledger.org))?.seq}`)
      await waitFor(() => ledger.libp2p.services.pubsub.getSubscribers(`/oos/1/org/${ledger.org}`).length > 0, 10_000)
      await step(4)
      say('\n4. Ledgerline publishes version 2. Its node gossips a signed announcement; followers fetch, verify, store.')
      const t0 = performance.now()
      const r2 = await ledger.publish(await doc('ledgerline', 2))
      const arrived: Record<string, number> = {}
      await waitFor(async () => {
        for (const [n, name] of [[care, 'Carepath'], [parcel, 'Parcelworks']] as const) {
          if (arrived[name] === undefined && (await n.store.head(ledger.org))?.seq === 2) arrived[name] = Math.round(performance.now() - t0)
        }
        return Object.keys(arrived).length === 2
      }, 20_000)
      for (const [name, ms] of Object.entries(arrived)) say(`   ${name.padEnd(12)} has seq 2 after ${ms} ms`)
      const report = await nodeApp(parcel).verify({ cid: r2.cid.toString() })
      say(`   Parcelworks re-verifies the whole chain offline: ${report.valid ? 'valid' : 'INVALID'} (${report.accepted} records: signatures, hashes, prev links)`)
      await step(5)
      say('\n5. What changed, as Carepath sees it:')
      const [v1, v2] = [hydrate(await nodeApp(care).show({ ref: ledger.org, seq: 1 })), hydrate(await nodeApp(care).show({ ref: ledger.org, seq: 2 }))]
      say(renderDiff(diffBodies(v1.body, v2.body), 1, 2).split('\n').map(l => '   ' + l).join('\n'))
      say('\nNo central host was involved: three processes\' worth of nodes, one laptop, signed records only.')
      Object.assign(story, { orgs: nodes.map(n => ({ name: n.config.name, org: n.org, peerId: n.peerId.toString() })), update: { cid: r2.cid.toString(), seq: 2, arrivedMs: arrived, verified: report.valid } })
      if (ctx.io.json && address !== undefined) ctx.io.document(jsonLine(toJson(story)) + '\n')
      else if (ctx.io.json) ctx.io.result(story, () => '')
      if (ctx.values.hold === true && stdin !== undefined) {
        ctx.io.err(`holding: the nodes keep running${server !== undefined ? ` (metrics at ${server.url}/metrics)` : ''}; Ctrl-C or the end of stdin stops them`)
        ctx.io.err(`${await stdin.hold()}: stopping`)
      }
      return report.valid ? 0 : 1
    } finally {
      stdin?.close()
      await server?.stop()
      await Promise.allSettled(nodes.map(async n => await n.cleanup()))
    }
  }
}

async function waitFor (fn: () => Promise<boolean> | boolean, ms: number): Promise<void> {
  const end = Date.now() + ms
  while (!(await fn())) {
    if (Date.now() > end) throw new TimeoutError('the demo timed out waiting for the network')
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}
