/**
 * Git-grade views (issue 16): `diff` shows every changed field before and after, `log -p` and
 * `log --stat`, `show` and `verify` take a claim CID, the provenance of a reworded claim
 * points to its new wording, times to the second; on a terminal colour (off with NO_COLOR,
 * --no-color, --json) and wrapping to its width. In-process (`oosIn`, and `main` with streams
 * that say they are a terminal); the real terminal is tests/cli/tty.test.ts.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tempDir } from '../helpers.ts'
import { oosIn, ROOT } from './run.ts'
import { startNode, type NodeProcess } from './start.ts'
import { ESC, onTerminal, visibleLength, rewordedHome, SCOPE_AFTER, SCOPE_BEFORE } from './views.ts'

/** C001's CID in version `seq` (one command at a time: offline, a home's store has one user). */
async function claimCidIn (home: string, seq: number): Promise<string> {
  return (await oosIn(['show', '--seq', String(seq), '--home', home])).stdout.match(/\[C001\].*\n\s+(bafy\S+)/)?.[1] as string
}

const dirP = tempDir()
afterAll(async () => { await (await dirP).cleanup() })

describe('views', () => {
  let home: string
  let oldCid: string
  let newCid: string

  beforeAll(async () => {
    home = await rewordedHome((await dirP).path, 'a')
    ;[oldCid, newCid] = [await claimCidIn(home, 1), await claimCidIn(home, 2)]
    expect(oldCid).not.toBe(newCid)
  })

  it('diff shows a changed scope before and after (was "reworded (scope)" with no text)', async () => {
    const r = await oosIn(['diff', '--home', home])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('  ~ C001  reworded (scope)\n      scope\n')
    expect(r.stdout).toContain(`      - All case records. ${SCOPE_BEFORE} and returns`)
    expect(r.stdout).toContain(`      + All case records. ${SCOPE_AFTER} and returns`)
  })

  it('diff --json holds the changed fields before and after, not the unchanged rule', async () => {
    const d = (await oosIn(['diff', 'Ledger', '1', '2', '--json', '--home', home])).json()
    const c = d.claims.changed.find((x: any) => x.claim_id === 'C001')
    expect(c.fields).toEqual(['scope'])
    expect(Object.keys(c.before)).toEqual(['scope'])
    expect(c.before.scope).toContain(SCOPE_BEFORE)
    expect(c.after.scope).toContain(SCOPE_AFTER)
  })

  it('log --stat counts each version\'s changes; log -p shows them', async () => {
    const stat = await oosIn(['log', '--stat', '--home', home])
    expect(stat.code, stat.stderr).toBe(0)
    expect(stat.stdout).toMatch(/^ +2 {2}bafy\S+ {2}\S+ {2}16 claims\n {8}0 added, 1 changed, 0 removed, 15 unchanged claims\n +1 /m)
    const patch = await oosIn(['log', '-p', '--home', home])
    expect(patch.code, patch.stderr).toBe(0)
    expect(patch.stdout).toContain('    changes from version 1 to 2:\n      ~ C001  reworded (scope)')
    const json = (await oosIn(['log', '--patch', '--stat', '--json', '--home', home])).json()
    expect(json[0].stat).toEqual({ added: 0, changed: 1, removed: 0, unchanged: 15 })
    expect(json[0].diff.claims.changed[0].after.scope).toContain(SCOPE_AFTER)
    expect(json[1].diff).toBeUndefined() // version 1 has nothing before it
  })

  it('show CLAIM_CID shows the claim and where it stands (was NOT_FOUND)', async () => {
    const cur = await oosIn(['show', newCid, '--home', home])
    expect(cur.code, cur.stderr).toBe(0)
    expect(cur.stdout).toMatch(/^Ledgerline \[us\] — claim C001 \(current\)\n/)
    expect(cur.stdout).toContain(SCOPE_AFTER)
    const old = await oosIn(['show', oldCid, '--json', '--home', home])
    expect(old.code, old.stderr).toBe(0)
    expect(old.json().rec.seq).toBe(1)
    expect(old.json().claim).toMatchObject({ cid: oldCid, claim_id: 'C001', seq: 1, current: false, hashes: true, supersededBy: { cid: newCid, seq: 2, current: true } })
    const text = await oosIn(['show', oldCid, '--home', home])
    expect(text.stdout).toContain(`  REWORDED now: ${newCid}\n`)
  })

  it('verify CLAIM_CID verifies the version holding it and the claim\'s hash (was NOT_FOUND)', async () => {
    const r = await oosIn(['verify', oldCid, '--home', home])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(new RegExp(`^valid: claim C001 ${oldCid} \\(its hash checked\\) in version 1 bafy\\S+, since reworded: ${newCid}; 1 accepted`))
    const j = (await oosIn(['verify', newCid, '--json', '--home', home])).json()
    expect(j).toMatchObject({ valid: true, kind: 'oos/version', seq: 2, claim: { cid: newCid, current: true, hashes: true } })
  })

  it('provenance of a reworded claim points to its new wording (was STALE with no pointer)', async () => {
    const p = (await oosIn(['provenance', oldCid, '--json', '--home', home])).json()
    expect(p.verdict).toBe('stale')
    expect(p.versions.supersededBy).toMatchObject({ cid: newCid, claim_id: 'C001', seq: 2, current: true })
    expect(p.reasons[0]).toBe(`reworded in version 2: its current wording is ${newCid} (version 2)`)
    const text = (await oosIn(['provenance', oldCid, '--home', home])).stdout
    expect(text).toContain(`  reworded: its current wording is ${newCid} (version 2)\n`)
  })

  it('human output gives times to the second; JSON keeps the milliseconds', async () => {
    for (const args of [['log'], ['show'], ['provenance', oldCid], ['audit']]) {
      const out = (await oosIn([...args, '--home', home])).stdout
      expect(out).toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/)
      expect(out, args[0]).not.toMatch(/T\d\d:\d\d:\d\d\.\d{3}Z/)
    }
    expect((await oosIn(['log', '--json', '--home', home])).json()[0].createdAt).toMatch(/\.\d{3}Z$/)
  })

  it('colour and wrapping on a terminal only; NO_COLOR, --no-color and --json turn colour off', async () => {
    const piped = await oosIn(['diff', '--home', home])
    expect(piped.stdout).not.toMatch(ESC)
    expect(Math.max(...piped.stdout.split('\n').map(l => l.length))).toBeGreaterThan(100)
    const tty = await onTerminal(['diff', '--home', home], {}, 60)
    expect(tty).toContain('\u001b[31m      - All case records. A lease expires after \u001b[7m30\u001b[27m')
    expect(tty).toContain('        without \u001b[7ma\u001b[27m heartbeat') // wrapped under the text, the colour kept
    expect(tty).toContain('\u001b[7many\u001b[27m')
    for (const line of tty.split('\n')) expect(visibleLength(line), line).toBeLessThanOrEqual(60)
    expect(await onTerminal(['diff', '--home', home], { NO_COLOR: '1' })).not.toMatch(ESC)
    expect(await onTerminal(['diff', '--no-color', '--home', home])).not.toMatch(ESC)
    expect(await onTerminal(['diff', '--json', '--home', home])).not.toMatch(ESC)
    const asJson = await onTerminal(['show', '--format', 'json', '--home', home], {}, 40)
    expect(asJson).not.toMatch(ESC)
    expect(JSON.parse(asJson).rec.seq).toBe(2) // not wrapped to the 40 columns
    expect(await onTerminal(['provenance', oldCid, '--home', home])).toMatch(/^\u001b\[33mSTALE {2}bafy/)
    expect(await onTerminal(['provenance', newCid, '--home', home])).toMatch(/^\u001b\[32mTRUSTED {2}bafy/)
    // NO_COLOR set but empty does not count (no-color.org)
    expect(await onTerminal(['claims', '--home', home], { NO_COLOR: '' })).toMatch(ESC)
  })

  it('peer text is escaped before our colour is added: a bidi override is spelled out on a terminal', async () => {
    const dir = (await dirP).path
    const evil = join(dir, 'evil.oos.md')
    const text = await readFile(join(ROOT, 'examples', 'orgs', 'ledgerline', 'v1.oos.md'), 'utf8')
    await writeFile(evil, text.replace(SCOPE_BEFORE, 'A lease \u202Eexpires after 30 minutes'))
    const h = join(dir, 'evil')
    for (const args of [['init', '--name', 'Evil'], ['publish', join(ROOT, 'examples', 'orgs', 'ledgerline', 'v1.oos.md')], ['publish', evil]]) {
      expect((await oosIn([...args, '--home', h])).code).toBe(0)
    }
    const out = await onTerminal(['diff', '--home', h], {}, 200)
    expect(out).toContain('\u001b[7m\\u{202E}expires\u001b[27m')
    expect(out).not.toContain('\u202E')
  })
})

describe('views through a running node (the API answers against protocol/openapi.yaml)', () => {
  let home: string
  let oldCid: string
  let newCid: string
  let node: NodeProcess | undefined

  beforeAll(async () => {
    home = await rewordedHome((await dirP).path, 'online')
    ;[oldCid, newCid] = [await claimCidIn(home, 1), await claimCidIn(home, 2)]
    node = await startNode(home)
  })
  afterAll(async () => { await node?.stop() })

  it('show, verify and provenance of a claim CID, and diff, answer the same as offline', async () => {
    const shown = await oosIn(['show', oldCid, '--json', '--home', home])
    expect(shown.code, shown.stderr).toBe(0)
    expect(shown.json().claim).toMatchObject({ cid: oldCid, current: false, supersededBy: { cid: newCid, current: true } })
    const verified = await oosIn(['verify', oldCid, '--json', '--home', home])
    expect(verified.code, verified.stderr).toBe(0)
    expect(verified.json()).toMatchObject({ valid: true, seq: 1, claim: { cid: oldCid, hashes: true } })
    const p = await oosIn(['provenance', oldCid, '--json', '--home', home])
    expect(p.json().versions.supersededBy).toMatchObject({ cid: newCid, seq: 2 })
    const d = await oosIn(['diff', '--json', '--home', home])
    expect(d.json().claims.changed[0].before.scope).toContain(SCOPE_BEFORE)
  })
})
