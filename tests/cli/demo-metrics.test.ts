/**
 * `oos demo --metrics --step --hold` (issue 17, Must show: "/metrics scraped during the demo
 * and parsed by a Prometheus text-format parser; the counters move as records arrive"): a real
 * `oos` process; Carepath's GET /metrics scraped with the printed token at every step of the
 * story (--step holds each step until a line on stdin) and during the hold after it, parsed by
 * parse-prometheus-text-format (tests/node/scrape.ts); SIGINT ends it with 0 and nothing left
 * in its temp directory.
 */
import { spawn } from 'node:child_process'
import { readdir } from 'node:fs/promises'
import { afterAll, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers.ts'
import { until } from '../net/nodes.ts'
import { observations, parseScrape, value, type Families } from '../node/scrape.ts'
import { BIN, ROOT, oosEnv, oosIn } from './run.ts'

const VERSION = { kind: 'oos/version' }
/** records of a kind accepted from other nodes (every source but our own publish) */
const fromNetwork = (s: Families, kind: string): number => value(s, 'oosnet_records_accepted_total', { kind }) - value(s, 'oosnet_records_accepted_total', { kind, source: 'local' })

/** `oos demo ARGS` as a process with its own TMPDIR (where the demo's homes go), read as it runs. */
async function demoProcess (args: string[], cleanup: Array<() => Promise<unknown>>) {
  const tmp = await tempDir()
  cleanup.push(tmp.cleanup)
  const child = spawn(process.execPath, [BIN, 'demo', ...args], { cwd: ROOT, env: oosEnv({ TMPDIR: tmp.path }), stdio: ['pipe', 'pipe', 'pipe'] })
  const exit = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>(resolve => { child.once('exit', (code, signal) => { resolve({ code, signal }) }) })
  cleanup.push(async () => { if (child.exitCode === null && child.signalCode === null) { child.kill('SIGKILL'); await exit } })
  const io = { out: '', err: '' }
  child.stdout.on('data', (d: Buffer) => { io.out += d.toString() })
  child.stderr.on('data', (d: Buffer) => { io.err += d.toString() })
  const stderrHas = async (text: string): Promise<void> => { await until(() => io.err.includes(text), 60_000, `"${text}" on stderr (${io.err})`) }
  return { child, exit, io, stderrHas, tmp: tmp.path }
}

describe('oos demo --metrics', () => {
  const cleanup: Array<() => Promise<unknown>> = []
  afterAll(async () => { for (const c of cleanup.reverse()) await c() })

  it('serves the following node\'s /metrics with a token during the story; the counters move step by step; SIGINT ends the hold', async () => {
    const { child, exit, io, stderrHas, tmp } = await demoProcess(['--metrics', '--step', '--hold', '--json'], cleanup)
    const lines = (): any[] => io.out.split('\n').filter(l => l !== '').map(l => JSON.parse(l))

    // the URL and token come first, as a JSON line
    await until(() => io.out.includes('\n'), 60_000, 'the metrics line')
    const { metrics } = lines()[0]
    expect(metrics).toMatchObject({ node: 'Carepath', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/), token: expect.any(String) })
    const get = async (token?: string): Promise<Response> => await fetch(metrics.url, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } })
    const scrape = async (): Promise<Families> => {
      const r = await get(metrics.token)
      expect(r.status).toBe(200)
      return parseScrape(await r.text())
    }
    const next = async (n: number): Promise<Families> => {
      await stderrHas(`[step ${n}: press Enter]`)
      const s = await scrape()
      child.stdin.write('\n')
      return s
    }
    expect((await get()).status).toBe(401)
    expect((await get('x'.repeat(43))).status).toBe(401)

    // nodes up, nothing published (a node's start signs its binding to the org)
    const s1 = await next(2)
    expect(value(s1, 'oosnet_records_accepted_total', VERSION)).toBe(0)
    expect(value(s1, 'oosnet_records_accepted_total', { kind: 'oos/node-binding', source: 'local' })).toBe(1)
    expect(value(s1, 'oosnet_head_seq', { self: 'true' })).toBe(0)
    expect(s1.types.get('libp2p_data_transfer_bytes_total')).toBe('COUNTER')
    // each published version 1: Carepath's own, by its ingest door
    const s2 = await next(3)
    expect(value(s2, 'oosnet_records_accepted_total', { ...VERSION, source: 'local' })).toBe(1)
    expect(fromNetwork(s2, 'oos/version')).toBe(0)
    expect(value(s2, 'oosnet_head_seq', { self: 'true' })).toBe(1)
    expect(observations(s2, 'oosnet_ingest_seconds')).toBeGreaterThan(observations(s1, 'oosnet_ingest_seconds'))
    // Carepath followed Ledgerline: its version 1 synced from the network
    const s3 = await next(4)
    const ledger = { name: 'Ledgerline' } // its org id is printed at the story's end
    expect(fromNetwork(s3, 'oos/version')).toBe(1)
    expect(value(s3, 'oosnet_head_seq', ledger)).toBe(1)
    expect(value(s3, 'oosnet_followed_orgs')).toBe(1)
    expect(observations(s3, 'oosnet_propagation_delay_seconds', VERSION)).toBe(1)
    expect(observations(s3, 'oosnet_verify_seconds')).toBeGreaterThan(observations(s2, 'oosnet_verify_seconds'))
    expect(observations(s3, 'oosnet_ingest_seconds')).toBeGreaterThan(observations(s2, 'oosnet_ingest_seconds'))
    expect(value(s3, 'libp2p_data_transfer_bytes_total')).toBeGreaterThan(value(s1, 'libp2p_data_transfer_bytes_total'))
    // Ledgerline's version 2 announced and arrived
    const s4 = await next(5)
    expect(fromNetwork(s4, 'oos/version')).toBe(2)
    expect(value(s4, 'oosnet_head_seq', ledger)).toBe(2)
    expect(observations(s4, 'oosnet_propagation_delay_seconds', VERSION)).toBe(2)
    expect(observations(s4, 'oosnet_ingest_seconds')).toBeGreaterThan(observations(s3, 'oosnet_ingest_seconds'))

    // the story's end (its JSON line), then the hold: still served
    await stderrHas('holding:')
    const story = lines()[1]
    expect(story.update).toMatchObject({ seq: 2, verified: true })
    const s5 = await scrape()
    expect(value(s5, 'oosnet_head_seq', { org: story.orgs[0].org })).toBe(2)
    expect(value(s5, 'oosnet_records_accepted_total', VERSION)).toBe(3)
    expect((await get()).status).toBe(401)

    child.kill('SIGINT')
    expect(await exit).toEqual({ code: 0, signal: null })
    expect(io.err).toMatch(/SIGINT: stopping/)
    expect(await readdir(tmp)).toEqual([])
    await expect(get(metrics.token)).rejects.toThrow()
  })

  it('--hold ends when stdin closes (exit 0); Ctrl-C at a --step prompt stops the demo (ABORTED); nothing is left either way', async () => {
    const held = await demoProcess(['--metrics', '--hold'], cleanup)
    await held.stderrHas('holding:')
    expect(held.io.out).toMatch(/^Carepath's metrics: curl -H 'Authorization: Bearer [\w-]{43}' http:\/\/127\.0\.0\.1:\d+\/metrics\n/)
    expect(held.io.out).toMatch(/Parcelworks re-verifies the whole chain offline: valid/)
    held.child.stdin.end()
    expect(await held.exit).toEqual({ code: 0, signal: null })
    expect(held.io.err).toMatch(/stdin closed: stopping/)
    expect(await readdir(held.tmp)).toEqual([])

    const stepped = await demoProcess(['--step'], cleanup)
    await stepped.stderrHas('[step 2: press Enter]')
    stepped.child.kill('SIGINT')
    expect(await stepped.exit).toEqual({ code: 1, signal: null })
    expect(stepped.io.err).toMatch(/SIGINT: the demo stopped \[ABORTED\]/)
    expect(stepped.io.out).not.toMatch(/^2\./m)
    expect(await readdir(stepped.tmp)).toEqual([])
  })

  it('--api must be a loopback address (a usage error, nothing started)', async () => {
    const r = await oosIn(['demo', '--metrics', '--api', '0.0.0.0:0'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--api .*loopback/)
  })
})
