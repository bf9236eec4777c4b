import { describe, it, expect, afterAll } from 'vitest'
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { parseOosMarkdown } from '../../src/oos/index.ts'
import type { AuditEntry } from '../../src/node/audit.ts'
import { makeNode, until } from '../net/nodes.ts'
import { breakSignature, writeCar } from '../audit/files.ts'
import { tempDir } from '../helpers.ts'
import { oosIn, ROOT } from './run.ts'

const doc = async (v: number): Promise<ReturnType<typeof parseOosMarkdown>['body']> =>
  parseOosMarkdown(await readFile(new URL(`../../examples/orgs/ledgerline/v${v}.oos.md`, import.meta.url), 'utf8')).body

const lines = (stdout: string): AuditEntry[] => stdout.split('\n').filter(l => l !== '').map(l => JSON.parse(l) as AuditEntry)

describe('oos audit', () => {
  const cleanups: Array<() => Promise<void>> = []
  afterAll(async () => { for (const c of cleanups) await c() })

  it('shows what a command with no node running offered the door, as from the cli', async () => {
    const dir = await tempDir()
    cleanups.push(dir.cleanup)
    const home = join(dir.path, 'home')
    const org = (await oosIn(['init', '--name', 'Ledgerline', '--home', home, '--json'])).json().org
    expect(lines((await oosIn(['audit', '--json', '--home', home])).stdout)).toEqual([])
    const v1 = (await oosIn(['publish', join(ROOT, 'examples/orgs/ledgerline/v1.oos.md'), '--home', home, '--json'])).json()
    const r = await oosIn(['audit', '--json', '--home', home])
    expect(r.code, r.stderr).toBe(0)
    expect(lines(r.stdout)).toEqual([{ time: expect.any(String), event: 'accepted', kind: 'oos/version', org, seq: 1, cid: v1.cid, source: 'local', peer: 'cli' }])
    expect(((await stat(join(home, 'audit', 'audit.log'))).mode & 0o777)).toBe(0o600)
    expect(((await stat(join(home, 'audit'))).mode & 0o777)).toBe(0o700)
  }, 120_000)

  it('reads the log a node wrote and an offline import added, filtered by code, peer, org, event and time', async () => {
    // B follows A (real nodes): B's log gets A's records, synced from A's peer id
    const a = await makeNode('Ledgerline')
    cleanups.push(a.cleanup)
    const b = await makeNode('Carepath')
    cleanups.push(b.cleanup)
    const v1 = await a.publish(await doc(1))
    await a.publish(await doc(2))
    await b.follow(a.org, { via: [a.libp2p.getMultiaddrs()[0].toString()] })
    const home = b.home
    const aid = a.peerId.toString()
    // while B runs (its store locked), the CLI reads what B wrote within its flush interval
    await until(async () => {
      const r = await oosIn(['audit', '--peer', aid, '--event', 'accepted', '--json', '--home', home])
      return lines(r.stdout).filter(e => e.source === 'sync').map(e => e.seq).join() === '1,2'
    }, 20_000, 'oos audit to show the synced versions while the node runs')
    await b.stop()
    const t0 = Date.now()
    await until(() => Date.now() > t0 + 2, 1000, 'the clock to move on') // entries after t0 are strictly after it

    // then, with no node running, a CAR with a forged copy of v1 is imported through the CLI
    const forged = breakSignature((await a.store.get(v1.cid)) as Uint8Array)
    const car = join(b.dir, 'forged.car')
    await writeCar(car, [forged])
    expect((await oosIn(['import', car, '--home', home])).code).toBe(1)

    const bad = await oosIn(['audit', '--code', 'BAD_SIGNATURE', '--json', '--home', home])
    expect(bad.code, bad.stderr).toBe(0)
    expect(lines(bad.stdout)).toEqual([{
      time: expect.any(String), event: 'rejected', code: 'BAD_SIGNATURE', kind: 'oos/version', org: a.org, seq: 1, cid: forged.cid.toString(), source: 'car', peer: `car:${car}`
    }])
    expect(Date.parse(lines(bad.stdout)[0].time)).toBeGreaterThan(t0)

    const all = lines((await oosIn(['audit', '--since', '1h', '--json', '--home', home])).stdout)
    expect(all.length).toBeGreaterThanOrEqual(4) // B's binding, A's two versions, the forged copy (and A's binding by gossip)
    const times = all.map(e => Date.parse(e.time))
    expect(times).toEqual([...times].sort((x, y) => x - y)) // newest last

    const byPeer = lines((await oosIn(['audit', '--peer', aid.slice(0, 20), '--json', '--home', home])).stdout)
    expect(byPeer.length).toBeGreaterThanOrEqual(2)
    for (const e of byPeer) expect(e.peer).toBe(aid)
    expect(byPeer.filter(e => e.source === 'sync').map(e => `${e.event} ${e.seq ?? '-'}`)).toEqual(['accepted 1', 'accepted 2'])
    expect(byPeer).toEqual(all.filter(e => e.peer === aid))

    const byOrg = lines((await oosIn(['audit', '--org', a.org.slice(0, 24), '--json', '--home', home])).stdout)
    expect(byOrg).toEqual(all.filter(e => e.org === a.org))
    expect(byOrg.some(e => e.code === 'BAD_SIGNATURE')).toBe(true)
    expect(all.some(e => e.org === b.org)).toBe(true) // B's own binding: not A's
    const ownOrg = lines((await oosIn(['audit', '--org', b.org, '--json', '--home', home])).stdout)
    expect(ownOrg.map(e => `${e.event} ${e.kind ?? '-'} ${e.peer ?? '-'}`)).toEqual(['accepted oos/node-binding node'])

    const since = lines((await oosIn(['audit', '--since', new Date(t0).toISOString(), '--json', '--home', home])).stdout)
    expect(since.map(e => e.code)).toEqual(['BAD_SIGNATURE'])
    const none = await oosIn(['audit', '--since', '2999-01-01', '--home', home])
    expect(none).toMatchObject({ code: 0, stdout: '' })
    expect(none.stderr).toContain('no audit entries match')

    expect(lines((await oosIn(['audit', '--event', 'accepted', '--limit', '2', '--json', '--home', home])).stdout)).toEqual(all.filter(e => e.event === 'accepted').slice(-2))

    // one human line per entry, newest last
    const text = await oosIn(['audit', '--home', home])
    expect(text.code).toBe(0)
    const rows = text.stdout.trimEnd().split('\n')
    expect(rows).toHaveLength(all.length) // every entry is within the hour
    expect(rows[rows.length - 1]).toMatch(/^\S+Z {2}rejected {2}.*BAD_SIGNATURE .*oos\/version did:key:\S+ #1 bafy\S+ {2}car from car:\S+forged\.car$/)

    for (const args of [['--since', 'yesterday'], ['--limit', '0']]) {
      const r = await oosIn(['audit', ...args, '--home', home])
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr).toMatch(/\[USAGE\]/)
    }
  }, 120_000)
})
