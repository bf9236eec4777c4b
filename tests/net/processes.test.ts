import { describe, it, expect, afterAll } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tempDir } from '../helpers.ts'
import { BIN, ROOT, oosIn } from '../cli/run.ts'
import { until } from './nodes.ts'

const ENV = { ...process.env, OOS_PASSPHRASE: 'correct horse battery staple', OOS_SCRYPT_N: '1024' }

/** `oos start` as a separate process; resolves with what it printed (--json) once it runs. */
async function startNode (home: string, extra: string[] = []): Promise<{ child: ChildProcess, info: any, stop: () => Promise<number> }> {
  const child = spawn(process.execPath, [BIN, 'start', '--home', home, '--listen', '/ip4/127.0.0.1/tcp/0', '--sync-interval', '1', '--json', ...extra], { cwd: ROOT, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stderr?.on('data', (d: Buffer) => { err += d.toString() })
  const info = await new Promise<any>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      try { resolve(JSON.parse(out)) } catch {}
    })
    child.on('exit', (code) => { reject(new Error(`oos start exited ${code}: ${err}`)) })
  })
  const stop = async (): Promise<number> => await new Promise(resolve => {
    if (child.exitCode !== null) { resolve(child.exitCode); return }
    child.once('exit', (code) => { resolve(code ?? -1) })
    child.kill('SIGTERM')
  })
  return { child, info, stop }
}

describe('separate oos start processes', () => {
  const running: Array<{ stop: () => Promise<number> }> = []
  let dir: Awaited<ReturnType<typeof tempDir>>
  afterAll(async () => {
    await Promise.all(running.map(async r => await r.stop()))
    await dir?.cleanup()
  })

  it('B follows A, A publishes, B has it; B stops, A publishes 20 more, B restarts and catches up without a new announcement', async () => {
    dir = await tempDir()
    const a = join(dir.path, 'a')
    const b = join(dir.path, 'b')
    expect((await oosIn(['init', '--name', 'Ledgerline', '--home', a])).code).toBe(0)
    expect((await oosIn(['init', '--name', 'Carepath', '--home', b])).code).toBe(0)
    const na = await startNode(a)
    running.push(na)
    let nb = await startNode(b)
    running.push(nb)
    const org = na.info.org
    const addr = na.info.multiaddrs[0]
    expect(addr).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/12D3Koo/)
    // the CLI talks to the running nodes through their APIs (the stores are locked)
    const f = await oosIn(['follow', org, '--via', addr, '--home', b, '--json'])
    expect(f.code, f.stderr).toBe(0)
    const p1 = await oosIn(['publish', join(ROOT, 'examples/orgs/ledgerline/v1.oos.md'), '--home', a, '--json'], { env: { OOS_PASSPHRASE: undefined } })
    expect(p1.code, p1.stderr).toBe(0)
    const seqAt = async (home: string): Promise<number> => {
      const r = await oosIn(['log', org, '--home', home, '--json'])
      return r.code === 0 ? (r.json()[0]?.seq ?? 0) : 0
    }
    await until(async () => await seqAt(b) === 1, 20_000, 'B has version 1')
    const st = await oosIn(['status', '--home', b, '--json'])
    expect(st.json()).toMatchObject({ peerId: nb.info.peerId, following: [{ org, seq: 1 }] })
    expect(st.json().multiaddrs.length).toBeGreaterThan(0)
    expect(st.json().peers).toContain(na.info.peerId)

    expect(await nb.stop()).toBe(0)
    // B's API file is gone: commands open its store directly again
    expect(await seqAt(b)).toBe(1)
    const base = await readFile(join(ROOT, 'examples/orgs/ledgerline/v1.oos.md'), 'utf8')
    for (let i = 2; i <= 21; i++) {
      const file = join(dir.path, `v${i}.oos.md`)
      await writeFile(file, base.replace('## Purpose\n', `## Purpose\n\nRevision ${i} of this document.\n`))
      const r = await oosIn(['publish', file, '--home', a], { env: { OOS_PASSPHRASE: undefined } })
      expect(r.code, r.stderr).toBe(0)
    }
    expect(await seqAt(a)).toBe(21)
    nb = await startNode(b)
    running.push(nb)
    await until(async () => await seqAt(b) === 21, 30_000, 'B caught up to 21')
    const v = await oosIn(['verify', (await oosIn(['log', org, '--home', b, '--json'])).json()[0].cid, '--home', b, '--json'])
    expect(v.json()).toMatchObject({ valid: true })
    expect(await nb.stop()).toBe(0)
    expect(await na.stop()).toBe(0)
  }, 150_000) // two `oos start` processes and some 30 commands (in-process) against them, on a slow 2-core machine
})

describe('trust commands through running oos start processes', () => {
  const running: Array<{ stop: () => Promise<number> }> = []
  let dir: Awaited<ReturnType<typeof tempDir>>
  afterAll(async () => {
    await Promise.all(running.map(async r => await r.stop()))
    await dir?.cleanup()
  })

  it('C endorses A\'s claim through its node; B sees it in provenance, trusts C, sees the retraction; adopt via the API; rotate-key refused; B\'s node exports a CAR; provenance offline from it', async () => {
    dir = await tempDir()
    const [a, b, c] = ['a', 'b', 'c'].map(n => join(dir.path, n))
    for (const [home, name] of [[a, 'Ledgerline'], [b, 'Carepath'], [c, 'Parcelworks']]) expect((await oosIn(['init', '--name', name, '--home', home])).code).toBe(0)
    const [na, nb, nc] = [await startNode(a), await startNode(b), await startNode(c)]
    running.push(na, nb, nc)
    const org = na.info.org
    const cOrg = nc.info.org
    const addr = na.info.multiaddrs[0]
    for (const home of [b, c]) expect((await oosIn(['follow', org, '--via', addr, '--home', home])).code).toBe(0)
    // no passphrase anywhere below: the running nodes hold the keys
    const noPass = { env: { OOS_PASSPHRASE: undefined } }
    expect((await oosIn(['publish', join(ROOT, 'examples/orgs/ledgerline/v1.oos.md'), '--home', a], noPass)).code).toBe(0)
    const claimsAt = async (home: string): Promise<any[]> => {
      const r = await oosIn(['claims', org, '--home', home, '--json'])
      return r.code === 0 ? r.json() : []
    }
    await until(async () => (await claimsAt(b)).length > 0 && (await claimsAt(c)).length > 0, 20_000, 'B and C hold version 1')
    const claim = (await claimsAt(c))[0].cid

    const e = await oosIn(['endorse', claim, '--note', 'Held in our depots.', '--expires', '30d', '--home', c, '--json'], noPass)
    expect(e.code, e.stderr).toBe(0)
    expect(e.json()).toMatchObject({ status: 'accepted', stance: 'endorse', target: claim })
    const mineOn = async (home: string): Promise<any> => {
      const r = await oosIn(['provenance', claim, '--home', home, '--json'])
      return r.code === 0 ? r.json().endorsements.find((x: any) => x.org === cOrg) : undefined
    }
    await until(async () => await mineOn(b) !== undefined, 20_000, 'B received C\'s endorsement')
    expect(await mineOn(b)).toMatchObject({ stance: 'endorse', status: 'valid', trusted: false, counted: false, note: 'Held in our depots.' })

    const t = await oosIn(['trust', 'set', cOrg, 'trusted', '--home', b, '--json'])
    expect(t.json()).toEqual({ org: cOrg, level: 'trusted' })
    expect(await mineOn(b)).toMatchObject({ status: 'valid', trusted: true, counted: true })
    const rows = (await oosIn(['trust', '--home', b, '--json'])).json()
    expect(rows.find((r: any) => r.org === cOrg)).toMatchObject({ trusted: true, explicit: 'trusted', given: { endorse: 1, dispute: 0 } })
    expect(rows.find((r: any) => r.org === org)).toMatchObject({ followed: true, received: { endorse: 1 } })

    const r = await oosIn(['retract', e.json().cid, '--reason', 'wrong depot', '--home', c, '--json'], noPass)
    expect(r.code, r.stderr).toBe(0)
    await until(async () => (await mineOn(b))?.status === 'retracted', 20_000, 'B shows the retraction')

    const draft = join(dir.path, 'draft.oos.md')
    await writeFile(draft, await readFile(join(ROOT, 'examples/orgs/parcelworks/v1.oos.md'), 'utf8'))
    const ad = await oosIn(['adopt', claim, '--into', draft, '--home', c, '--json'])
    expect(ad.code, ad.stderr).toBe(0)
    expect(ad.json().added).toMatchObject({ derived_from: [claim] })
    expect(await readFile(draft, 'utf8')).toContain(claim)

    const rk = await oosIn(['rotate-key', '--home', c])
    expect(rk.code).not.toBe(0)
    expect(rk.stderr).toMatch(/STORE_LOCKED/)

    // offline, from a CAR that B's running node exports: the claim, its version and the statements about it
    const car = join(dir.path, 'a.car')
    const ex = await oosIn(['export', org, '--out', car, '--home', b, '--json'], noPass)
    expect(ex.code, ex.stderr).toBe(0)
    expect(ex.json()).toMatchObject({ org, file: car })
    expect(await nb.stop()).toBe(0)
    const off = await oosIn(['provenance', claim, '--car', car, '--home', join(dir.path, 'nobody'), '--json'])
    expect(off.code, off.stderr).toBe(0)
    expect(off.json()).toMatchObject({ claim: { cid: claim }, author: { org, chain: { valid: true } } })
    expect(off.json().endorsements.find((x: any) => x.org === cOrg)).toMatchObject({ status: 'retracted', trusted: false })
    expect(await nc.stop()).toBe(0)
    expect(await na.stop()).toBe(0)
  }, 150_000) // three nodes and some 25 `oos` processes: 51 s in one CI run on 2 cores
})
