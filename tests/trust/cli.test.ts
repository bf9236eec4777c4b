import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { testKey } from '../../protocol/vectors/generate.ts'
import { smallBody } from '../../protocol/vectors/bodies.ts'
import { signVersion } from '../../src/records/version.ts'
import { claimCid } from '../../src/records/claims.ts'
import { Store } from '../../src/store/store.ts'
import { Ingest } from '../../src/ingest/ingest.ts'
import { homePaths, initHome } from '../../src/node/home.ts'
import { readKeystoreInfo } from '../../src/node/keyfile.ts'
import { writeOosMarkdown, parseOosMarkdown } from '../../src/oos/index.ts'
import { toJson, type Io } from '../../src/cli/io.ts'
import type { Command, Context } from '../../src/cli/command.ts'
import { adopt, endorse, parseExpiry, provenance, retract, rotateKey, trust, TRUST_COMMANDS } from '../../src/cli/commands/trust.ts'
import { makeEndorsement } from '../../src/trust/statements.ts'
import { tempDir } from '../helpers.ts'

const PASS = 'correct horse battery staple'
const T0 = Date.UTC(2026, 0, 1)
const alice = testKey('alice')
const carol = testKey('carol')

async function run (cmd: Command, home: string, positionals: string[], values: Context['values'] = {}): Promise<{ code: number, out: string, json: () => any }> {
  const lines: string[] = []
  const json = values.json === true
  const io: Io = {
    json,
    out: (t) => { lines.push(t) },
    document: (t) => { lines.push(t) },
    err: (t) => { lines.push(t) },
    result (v, text) { lines.push(json ? JSON.stringify(toJson(v)) : text()) },
    progress: () => {},
    passphrase: async () => PASS
  }
  const code = (await cmd.run({ io, proc: process, home, values, positionals, signal: new AbortController().signal })) ?? 0
  const out = lines.join('\n')
  return { code, out, json: () => JSON.parse(out) }
}

async function withStore<T> (home: string, fn: (s: Store, i: Ingest) => Promise<T>): Promise<T> {
  const store = new Store({ path: homePaths(home).db })
  await store.start()
  const ingest = new Ingest({ store })
  try { return await fn(store, ingest) } finally { await ingest.stop(); await store.stop() }
}

describe('trust commands (offline)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let home: string
  let org: string
  const saved = process.env.OOS_SCRYPT_N
  const v1 = signVersion(smallBody('Alice Logistics', 1), { org: alice.did, seq: 1, prev: null, createdAt: T0 }, alice.secretKey)
  const c1 = claimCid(alice.did, v1.signed.rec.body.claims[0]).toString()

  beforeAll(async () => {
    process.env.OOS_SCRYPT_N = '1024'
    dir = await tempDir()
    home = join(dir.path, 'bob')
    org = (await initHome(home, { name: 'Bob Freight', passphrase: PASS, scryptN: 1024 })).org
    await withStore(home, async (store, ingest) => {
      await ingest.ingest(v1.bytes)
      // a statement of another org with terminal escapes in its note
      await ingest.ingest(await makeEndorsement({ org: carol.did, secretKey: carol.secretKey, target: claimCid(alice.did, v1.signed.rec.body.claims[0]), stance: 'endorse', note: 'red \u001b[31malert\u001b[0m', now: T0 + 1000 }, store))
    })
  })
  afterAll(async () => {
    if (saved === undefined) delete process.env.OOS_SCRYPT_N
    else process.env.OOS_SCRYPT_N = saved
    await dir.cleanup()
  })

  it('exports each command with a name, usage and options', () => {
    expect(TRUST_COMMANDS.map(c => c.name)).toEqual(['endorse', 'retract', 'adopt', 'provenance', 'trust', 'rotate-key'])
    expect(parseExpiry('30d', T0)).toBe(T0 + 30 * 86_400_000)
    expect(() => parseExpiry('soon', T0)).toThrow(/--expires/)
  })

  it('endorses, reports provenance (text cleaned, and JSON), and retracts', async () => {
    const e = await run(endorse, home, [c1], { json: true, note: 'Held for us.', 'evidence-type': 'observed_once', evidence: 'one depot, 4 weeks', expires: '30d' })
    expect(e.json()).toMatchObject({ status: 'accepted', stance: 'endorse', target: c1 })
    const p = await run(provenance, home, [c1], { json: true })
    const report = p.json()
    expect(report).toMatchObject({ claim: { cid: c1 }, author: { org: alice.did }, verdict: 'trusted' })
    const mine = report.endorsements.find((x: any) => x.org === org)
    expect(mine).toMatchObject({ stance: 'endorse', status: 'valid', trusted: true, counted: true, evidence: { type: 'OBSERVED_ONCE', text: 'one depot, 4 weeks' } })
    expect(report.endorsements.find((x: any) => x.org === carol.did)).toMatchObject({ trusted: false, counted: false })
    const text = await run(provenance, home, [c1])
    expect(text.out).toMatch(/^TRUSTED {2}bafy/)
    expect(text.out).toContain('red \\u{1B}[31malert\\u{1B}[0m')
    expect(text.out).not.toContain('\u001b')
    const r = await run(retract, home, [e.json().cid], { json: true, reason: 'wrong depot' })
    expect(r.json().status).toBe('accepted')
    const after = (await run(provenance, home, [c1], { json: true })).json()
    expect(after.endorsements.find((x: any) => x.org === org)).toMatchObject({ status: 'retracted', retraction: { reason: 'wrong depot' } })
    const unknown = await run(endorse, home, ['bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy']).catch(err => err)
    expect(unknown.code).toBe('UNKNOWN_TARGET')
  })

  it('sets trust in trust.json (0600) and lists known orgs', async () => {
    const s = await run(trust, home, ['set', alice.did, 'trusted'], { json: true })
    expect(s.json()).toEqual({ org: alice.did, level: 'trusted' })
    expect((await stat(join(home, 'trust.json'))).mode & 0o777).toBe(0o600)
    expect(JSON.parse(await readFile(join(home, 'trust.json'), 'utf8'))).toEqual({ version: 1, trusted: [alice.did], untrusted: [] })
    await run(trust, home, ['set', 'Alice Logistics', 'untrusted'])
    const rows = (await run(trust, home, [], { json: true })).json()
    expect(rows.find((r: any) => r.org === alice.did)).toMatchObject({ name: 'Alice Logistics', trusted: false, explicit: 'untrusted', received: { endorse: 1 } })
    expect(rows.find((r: any) => r.org === org)).toMatchObject({ self: true, trusted: true })
    expect(rows.find((r: any) => r.org === carol.did)).toMatchObject({ trusted: false, given: { endorse: 1, dispute: 0 } })
    await expect(run(trust, home, ['set', alice.did, 'maybe'])).rejects.toMatchObject({ code: 'USAGE' })
  })

  it('adopts a claim into a draft file, and reports a conflict instead of adopting twice', async () => {
    const file = join(dir.path, 'draft.oos.md')
    await expect(run(adopt, home, [c1], { into: file })).rejects.toMatchObject({ code: 'NOT_FOUND' })
    const draft = smallBody('Bob Freight', 1)
    draft.claims = draft.claims.map(c => ({ ...c, rule: `Ours: ${c.rule}` }))
    await writeFile(file, writeOosMarkdown(draft))
    const a = await run(adopt, home, [c1], { into: file, json: true })
    expect(a.code).toBe(0)
    expect(a.json()).toMatchObject({ added: { claim_id: 'C004', derived_from: [c1] }, conflicts: [] })
    const body = parseOosMarkdown(await readFile(file, 'utf8')).body
    expect(body.claims[3]).toMatchObject({ claim_id: 'C004', confidence: 'LOW' })
    const again = await run(adopt, home, [c1], { into: file })
    expect(again.code).toBe(1)
    expect(again.out).toMatch(/already-adopted \(C004\)/)
  })

  it('rotates the key with a pre-committed next key, then requires that key for the next rotation', async () => {
    const before = (await readKeystoreInfo(homePaths(home).orgKey)).did
    const r = await run(rotateKey, home, [], { json: true, reason: 'yearly' })
    const out = r.json()
    expect(out).toMatchObject({ org, seq: 1, oldKey: before, effectiveSeq: 1, reason: 'yearly', committed: true, nextKeyFile: join(home, 'next.key') })
    const now = (await readKeystoreInfo(homePaths(home).orgKey)).did
    expect(now).toBe(out.newKey)
    expect(now).not.toBe(before)
    const nextDid = (await readKeystoreInfo(join(home, 'next.key'))).did
    // statements are signed with the rotated-in key
    const d = await run(endorse, home, [c1], { json: true, dispute: true })
    expect(d.json().status).toBe('accepted')
    // next rotation: the committed key is required
    await expect(run(rotateKey, home, [])).rejects.toMatchObject({ code: 'USAGE' })
    const r2 = await run(rotateKey, home, [], { json: true, 'next-key': join(home, 'next.key') })
    expect(r2.json()).toMatchObject({ seq: 2, oldKey: now, newKey: nextDid, committed: true })
    expect((await readKeystoreInfo(homePaths(home).orgKey)).did).toBe(nextDid)
    expect((await readKeystoreInfo(join(home, 'next.key'))).did).not.toBe(nextDid)
    expect((await stat(join(home, 'next.key'))).mode & 0o777).toBe(0o600)
  })
})
