/**
 * oosnet as a library, imported by its package name only (package.json `exports`, resolved
 * as a self-reference): two ephemeral nodes run a publish → follow → endorse → provenance
 * round through what `import 'oosnet'` gives a program.
 */
import { describe, it, expect, afterAll } from 'vitest'
import { readFile } from 'node:fs/promises'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import * as oosnet from 'oosnet'

const root = new URL('..', import.meta.url)
const example = async (org: string, v: number): Promise<string> => await readFile(new URL(`examples/orgs/${org}/v${v}.oos.md`, root), 'utf8')

/** The next `type` event of a node, typed by the node's event map. */
async function next<K extends keyof oosnet.OosNodeEvents> (node: oosnet.OosNode, type: K, signal = AbortSignal.timeout(20_000)): Promise<oosnet.OosNodeEvents[K]['detail']> {
  return await new Promise((resolve, reject) => {
    const on = (evt: oosnet.OosNodeEvents[K]): void => { signal.removeEventListener('abort', stop); resolve(evt.detail) }
    const stop = (): void => { node.removeEventListener(type, on); reject(new Error(`no ${type} event`)) }
    node.addEventListener(type, on, { once: true })
    signal.addEventListener('abort', stop, { once: true })
  })
}

describe('the library API (import by package name)', () => {
  const nodes: oosnet.EphemeralNode[] = []
  afterAll(async () => { await Promise.all(nodes.map(async n => await n.cleanup())) })

  it('Node itself resolves `oosnet` to src/index.ts, and importing it starts nothing (the process exits at once, silent)', async () => {
    const script = "const m = await import('oosnet'); process.stdout.write(String(typeof m.OosNode === 'function' && typeof m.ephemeralNode === 'function'))"
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: root, timeout: 30_000 })
    expect(stdout).toBe('true')
    expect(stderr).toBe('')
  })

  it('publish on A, follow from B, B endorses a claim of A, provenance on B names A, the chain and the endorsement', async () => {
    const [a, b] = await Promise.all([oosnet.ephemeralNode('Ledgerline'), oosnet.ephemeralNode('Carepath')])
    nodes.push(a, b)

    const { body } = oosnet.parseOosMarkdown(await example('ledgerline', 1))
    const published = await a.publish(body)
    expect(published).toMatchObject({ status: 'accepted', org: a.org, seq: 1, kind: 'oos/version' })

    const synced = next(b, 'follow:synced')
    expect(await b.follow(a.org, { via: [a.libp2p.getMultiaddrs()[0].toString()] })).toEqual({ org: a.org, seq: 1 })
    expect(await synced).toEqual({ org: a.org, seq: 1 })
    expect((await b.status()).following).toEqual([expect.objectContaining({ org: a.org, seq: 1, state: 'synced' })])

    const claim = oosnet.CID.decode(published.claims![0])
    const endorsement = await oosnet.makeEndorsement({ org: b.org, secretKey: await b.orgSecret(), target: claim, stance: 'endorse', note: 'we run the same control' }, b.store)
    const accepted = next(b, 'record:accepted')
    expect((await b.ingest.ingest(endorsement, { source: 'local', from: 'test' })).status).toBe('accepted')
    expect(await accepted).toMatchObject({ kind: 'oos/endorsement', org: b.org, from: 'test' })

    const report: oosnet.ProvenanceReport = await oosnet.provenance(b.store, claim, { trusted: new Set([b.org]) })
    expect(report.claim.cid).toBe(claim.toString())
    expect(report.author).toMatchObject({ org: a.org, self: false })
    expect(report.author.chain.valid).toBe(true)
    expect(report.versions.current).toBe(true)
    expect(report.endorsements).toEqual([expect.objectContaining({ org: b.org, stance: 'endorse' })])
    expect(report.confirmations).toEqual([b.org])
    expect(report.equivocation.flagged).toBe(false)

    // the errors a program sees are the library's classes, and the catalogue knows their codes
    const err = await b.ingest.ingest(new Uint8Array([1, 2, 3]), { from: 'test' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(oosnet.OosError)
    expect(err).toBeInstanceOf(oosnet.DecodeFailedError)
    expect(oosnet.errorClasses().get((err as oosnet.OosError).code)?.some(C => err instanceof C)).toBe(true)
    expect(oosnet.errorClasses().has('UNREACHABLE')).toBe(true)
  })
})
