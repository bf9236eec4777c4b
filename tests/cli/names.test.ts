/**
 * Names of organizations (SPEC §9.2, issue 16): every ORG argument resolves aliases,
 * pseudonyms and did prefixes the same way (app/names.ts), ORG defaults to our own org, the
 * home's name is our alias, `follow --alias`, `oos orgs`, and trust visible in claims and show
 * (an impostor with the same pseudonym is told apart). In-process (`oosIn`), offline, then
 * through a running node's API.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { tempDir } from '../helpers.ts'
import { oosIn, ROOT } from './run.ts'
import { startNode, type NodeProcess } from './start.ts'

const doc = (org: string, v: number): string => join(ROOT, 'examples', 'orgs', org, `v${v}.oos.md`)
const dirP = tempDir()
afterAll(async () => { await (await dirP).cleanup() })

/** The dids followed by a home, as follows.json holds them. */
async function followed (home: string): Promise<Array<{ org: string, alias?: string }>> {
  return JSON.parse(await readFile(join(home, 'follows.json'), 'utf8').catch(() => '[]'))
}

async function ok (args: string[]): Promise<any> {
  const r = await oosIn([...args, '--json'])
  expect(r.stderr, `oos ${args.join(' ')}`).toBe('')
  expect(r.code).toBe(0)
  return r.json()
}

describe('names: one resolver for every ORG argument', () => {
  let dir: string
  let us: string, parcel: string, fake: string
  let usDid: string, parcelDid: string, fakeDid: string

  beforeAll(async () => {
    dir = (await dirP).path
    ;[us, parcel, fake] = ['us', 'parcel', 'fake'].map(h => join(dir, h))
    usDid = (await ok(['init', '--name', 'Ours', '--home', us])).org
    parcelDid = (await ok(['init', '--name', 'Parcel', '--home', parcel])).org
    fakeDid = (await ok(['init', '--name', 'Fake', '--home', fake])).org
    await ok(['publish', doc('ledgerline', 1), '--home', us])
    await ok(['publish', doc('ledgerline', 2), '--home', us])
    // the impostor publishes the very same document: same pseudonym, Parcelworks, another did
    for (const h of [parcel, fake]) await ok(['publish', doc('parcelworks', 1), '--home', h])
    await ok(['export', parcelDid, '--out', join(dir, 'parcel.car'), '--home', parcel])
    await ok(['export', fakeDid, '--out', join(dir, 'fake.car'), '--home', fake])
    await ok(['import', join(dir, 'parcel.car'), '--home', us])
  })

  it('unfollow by pseudonym removes the follow (was "was not followed", exit 0, follow kept)', async () => {
    await ok(['follow', parcelDid, '--home', us])
    const r = await oosIn(['unfollow', 'Parcelworks', '--home', us])
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(`no longer following Parcelworks (${parcelDid})\n`)
    expect(await followed(us)).toEqual([])
    // and unfollowing it: a did prefix that names our own org is not "was not followed", exit 0
    const un = await oosIn(['unfollow', usDid.slice(0, 16), '--home', us])
    expect(un.code).toBe(1)
    expect(un.stderr).toMatch(/\[FOLLOW_SELF\]/)
  })

  it('unfollow by did prefix removes the follow, with or without did:key:', async () => {
    for (const prefix of [parcelDid.slice(0, 20), parcelDid.slice('did:key:'.length, 24)]) {
      await ok(['follow', parcelDid, '--home', us])
      expect(await ok(['unfollow', prefix, '--home', us])).toEqual({ org: parcelDid, removed: true })
      expect(await followed(us)).toEqual([])
    }
    // a name no org known here has: NOT_FOUND, exit 1 (not a silent "was not followed")
    const none = await oosIn(['unfollow', 'Nobody', '--home', us])
    expect(none.code).toBe(1)
    expect(none.stderr).toMatch(/\[NOT_FOUND\]/)
  })

  it('following our own org is refused with FOLLOW_SELF, by did, by our name, by default nowhere', async () => {
    for (const ref of [usDid, 'Ours', 'ledgerline']) {
      const r = await oosIn(['follow', ref, '--home', us])
      expect(r.code, ref).toBe(1)
      expect(r.stderr).toMatch(/our own organization.*\[FOLLOW_SELF\]/)
    }
    expect(await followed(us)).toEqual([])
  })

  it('ORG defaults to our own org (show, log, diff, export), and init --name is its alias', async () => {
    expect((await ok(['show', '--home', us])).rec.org).toBe(usDid)
    expect((await ok(['show', 'ours', '--home', us])).rec).toMatchObject({ org: usDid, seq: 2 })
    expect((await ok(['log', '--home', us])).map((e: any) => e.seq)).toEqual([2, 1])
    const d = await ok(['diff', '--home', us])
    expect(d).toMatchObject({ org: usDid, from: { seq: 1 }, to: { seq: 2 } })
    expect(await ok(['diff', '1', '2', '--home', us])).toEqual(d)
    expect(await ok(['diff', 'Ours', '1', '2', '--home', us])).toEqual(d)
    expect((await ok(['export', '--out', join(dir, 'us.car'), '--home', us])).org).toBe(usDid)
    const text = await oosIn(['show', '--home', us])
    expect(text.stdout).toMatch(/^Ledgerline \[us\] — version 2/)
    expect(text.stdout).toContain(`org      ${usDid}  (alias Ours)`)
  })

  it('follow --alias: the alias is an ORG everywhere; oos orgs lists alias, did, pseudonym, followed, trusted, head', async () => {
    expect(await ok(['follow', 'Parcelworks', '--alias', 'pw', '--home', us])).toMatchObject({ org: parcelDid, pending: true, alias: 'pw' })
    expect(await followed(us)).toMatchObject([{ org: parcelDid, alias: 'pw' }])
    expect((await stat(join(us, 'follows.json'))).mode & 0o777).toBe(0o600) // local settings, like the others
    expect((await ok(['show', 'PW', '--home', us])).rec.org).toBe(parcelDid)
    const rows = await ok(['orgs', '--home', us])
    expect(rows).toEqual([
      { org: usDid, alias: 'Ours', pseudonym: 'Ledgerline', self: true, followed: false, trusted: true, trust: 'us', head: { seq: 2, cid: expect.any(String) }, nameShared: false },
      { org: parcelDid, alias: 'pw', pseudonym: 'Parcelworks', self: false, followed: true, trusted: true, trust: 'trusted', head: { seq: 1, cid: expect.any(String) }, nameShared: false }
    ])
    // an alias taken by another org, or one that reads as a did, is refused
    for (const alias of ['ours', 'did:key:zPretend']) {
      const r = await oosIn(['follow', parcelDid, '--alias', alias, '--home', us])
      expect(r.code, alias).toBe(1)
      expect(r.stderr).toMatch(/\[INVALID_ARGUMENT\]/)
    }
  })

  it('an impostor with the same pseudonym: claims and show mark trust and a short did; the pseudonym is ambiguous; the alias still names ours; --trusted filters', async () => {
    await ok(['import', join(dir, 'fake.car'), '--home', us])
    const amb = await oosIn(['show', 'Parcelworks', '--home', us])
    expect(amb.code).toBe(1)
    expect(amb.stderr).toMatch(/names 2 organizations.*\[AMBIGUOUS_ORG\]/)
    expect(amb.stderr).toContain(parcelDid)
    expect(amb.stderr).toContain(fakeDid)
    const ambJson = await oosIn(['show', 'Parcelworks', '--json', '--home', us]) // offline: the same data as through the API
    expect(JSON.parse(ambJson.stderr).error.details.candidates.map((c: any) => c.org).sort()).toEqual([parcelDid, fakeDid].sort())
    expect((await ok(['show', 'pw', '--home', us])).rec.org).toBe(parcelDid)

    const text = await oosIn(['claims', '--search', 'A value chain breaks at its handoffs', '--home', us])
    expect(text.code).toBe(0)
    const lines = text.stdout.split('\n').filter(l => l.includes('Parcelworks'))
    expect(lines).toHaveLength(2)
    expect(lines).toContainEqual(expect.stringContaining(`Parcelworks (${parcelDid.slice(0, 20)}…) [trusted] C001`))
    expect(lines).toContainEqual(expect.stringContaining(`Parcelworks (${fakeDid.slice(0, 20)}…) [not trusted] C001`))
    expect((await oosIn(['show', fakeDid, '--home', us])).stdout).toMatch(/^Parcelworks \(did:key:z6Mk.{8}…\) \[not trusted\] — version 1/)

    const all = await ok(['claims', '--search', 'A value chain breaks at its handoffs', '--home', us])
    expect(all.map((r: any) => [r.org, r.label.trust, r.label.nameShared]).sort()).toEqual([[parcelDid, 'trusted', true], [fakeDid, 'neutral', true]].sort())
    const trusted = await ok(['claims', '--trusted', '--home', us])
    expect(new Set(trusted.map((r: any) => r.org))).toEqual(new Set([usDid, parcelDid]))
    await ok(['trust', 'set', fakeDid.slice(0, 24), 'untrusted', '--home', us])
    expect((await oosIn(['claims', fakeDid.slice(0, 24), '--home', us])).stdout).toContain(`Parcelworks (${fakeDid.slice(0, 20)}…) [UNTRUSTED] C001`)
  })

  describe('through a running node (the API resolves the same way)', () => {
    let node: NodeProcess
    beforeAll(async () => { node = await startNode(us) })
    afterAll(async () => { await node?.stop() })

    it('orgs, show with no ORG, ambiguity, FOLLOW_SELF, --trusted and unfollow by alias go through the API', async () => {
      const rows = (await ok(['orgs', '--home', us])).map((r: any) => [r.org, r.alias, r.trust, r.nameShared])
      expect(rows[0]).toEqual([usDid, 'Ours', 'us', false])
      expect(rows.slice(1).sort()).toEqual([[parcelDid, 'pw', 'trusted', true], [fakeDid, undefined, 'untrusted', true]].sort())
      expect((await ok(['show', '--home', us])).rec.org).toBe(usDid)
      expect((await ok(['log', '--home', us])).map((e: any) => e.seq)).toEqual([2, 1])
      const amb = await oosIn(['claims', 'parcelworks', '--home', us])
      expect(amb.code).toBe(1)
      expect(amb.stderr).toMatch(/\[AMBIGUOUS_ORG\]/)
      // the candidates as data, through the API and under --json (not only in the message)
      const ambJson = await oosIn(['claims', 'parcelworks', '--json', '--home', us])
      expect(ambJson.code).toBe(1)
      const error = JSON.parse(ambJson.stderr).error
      expect(error).toMatchObject({ code: 'AMBIGUOUS_ORG', path: 'org' })
      expect(error.details.candidates.map((c: any) => [c.org, c.pseudonym, c.alias, c.trust]).sort()).toEqual([
        [parcelDid, 'Parcelworks', 'pw', 'trusted'], [fakeDid, 'Parcelworks', undefined, 'untrusted']
      ].sort())
      const self = await oosIn(['follow', 'Ours', '--home', us])
      expect(self.code).toBe(1)
      expect(self.stderr).toMatch(/\[FOLLOW_SELF\]/)
      const taken = await oosIn(['follow', fakeDid, '--alias', 'PW', '--home', us]) // pw names Parcelworks already
      expect(taken.code).toBe(1)
      expect(taken.stderr).toMatch(/alias "PW" already names .*\[INVALID_ARGUMENT\]/)
      expect(new Set((await ok(['claims', '--trusted', '--home', us])).map((r: any) => r.org))).toEqual(new Set([usDid, parcelDid]))
      expect(await ok(['unfollow', 'pw', '--home', us])).toEqual({ org: parcelDid, removed: true })
      expect(await followed(us)).toEqual([])
      expect(node.child.exitCode).toBe(null)
    })
  })
})
