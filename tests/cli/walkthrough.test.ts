/**
 * The README's walkthrough as a new user runs it: `examples/walkthrough.sh` (the offline part,
 * narrated), and both shell blocks of README "Walkthrough: three organizations" as they are
 * written there — three homes, three `oos start` processes, the commands through each node —
 * with only the ports and `/tmp` changed and the placeholders (`<Ledgerline did>`, …) filled
 * in from what the commands printed. `start` and `init` get the passphrase; every other command
 * of the network block runs without one, as the README says it may.
 */
import { describe, it, expect, afterAll } from 'vitest'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { tempDir } from '../helpers.ts'
import { until } from '../net/nodes.ts'
import { BIN, capture, oosEnv, ROOT } from './run.ts'

describe('examples/walkthrough.sh', () => {
  it('runs init → publish → diff → export → verify → import → tamper end to end', () => {
    const r = spawnSync('bash', ['examples/walkthrough.sh'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, OOS_SCRYPT_N: '1024' }, timeout: 120_000 })
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toContain('published version 2')
    expect(r.stdout).toMatch(/~ C002 .*confidence MEDIUM → HIGH/)
    expect(r.stdout).toContain('valid: 2 accepted')
    expect(r.stdout).toContain('(invalid, exit 1)')
    expect(r.stderr).toContain('[CID_MISMATCH]')
  })
})

/** The `sh` blocks of the README's walkthrough section, each as its command lines. */
async function walkthroughBlocks (): Promise<string[][]> {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('## Walkthrough: three organizations'), readme.indexOf('## Running a node'))
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map(m => m[1].split('\n').filter(l => l.trim() !== '' && !l.trim().startsWith('#')))
}

/** A command line's words as sh reads them here: plain words and '…' quoted ones, up to a # comment. */
function words (line: string): string[] {
  const out: string[] = []
  for (const m of line.matchAll(/'([^']*)'|(\S+)/g)) {
    if (m[2]?.startsWith('#') === true) break
    out.push(m[1] ?? m[2])
  }
  return out
}

async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise(resolve => server.close(resolve))
  return port
}

describe('the README walkthrough, as written', () => {
  const nodes: Array<{ child: ChildProcess, exit: Promise<number | null> }> = []
  const dirP = tempDir()
  afterAll(async () => {
    for (const n of nodes) if (n.child.exitCode === null) n.child.kill('SIGTERM')
    await Promise.all(nodes.map(async n => await n.exit))
    await (await dirP).cleanup()
  })

  it('offline, then three organizations on the network: every command exits 0; the follow, the alias, the DHT, the endorsement and status do what the README says', async () => {
    const dir = (await dirP).path
    const blocks = await walkthroughBlocks()
    expect(blocks).toHaveLength(2)
    const ports = new Map<string, number>()
    for (const p of ['4710', '4720', '4730']) ports.set(p, await freePort())
    const values = new Map<string, string>()
    const outputs: string[] = []
    const byCommand = new Map<string, string>()
    const homeOf = (args: string[]): string => args[args.indexOf('--home') + 1]
    const fill = async (line: string): Promise<string> => {
      let l = line.replaceAll('/tmp/', `${dir}/`).replace(/tcp\/(47[0-9]0)/g, (_, p: string) => `tcp/${ports.get(p) ?? p}`)
      if (/<Ledgerline (did|peer id)>/.test(l) && !values.has('did')) {
        const id = await capture(process.execPath, [BIN, 'id', '--json', '--home', join(dir, 'ledgerline')], { env: oosEnv({ OOS_PASSPHRASE: undefined }) })
        values.set('did', id.json().org)
        values.set('peer id', id.json().peerId)
      }
      if (l.includes('<claim CID>') && !values.has('claim CID')) values.set('claim CID', /^(bafy[a-z2-7]+)$/m.exec(outputs.at(-1) ?? '')?.[1] ?? '(no CID printed)')
      for (const [k, v] of values) l = l.replaceAll(`<Ledgerline ${k}>`, v).replaceAll(`<${k}>`, v)
      return l
    }

    for (const [b, block] of blocks.entries()) {
      for (const raw of block) {
        const line = await fill(raw)
        const argv = words(line)
        if (argv[0] === 'export') continue // the passphrase, which the environment below stands for
        expect(argv.slice(0, 2), raw).toEqual(['npx', 'oos'])
        const args = argv.slice(2)
        // the network block: only init and start are given the passphrase
        const pass = b === 0 || args[0] === 'init' || args[0] === 'start'
        const env = oosEnv(pass ? {} : { OOS_PASSPHRASE: undefined })
        if (args[0] === 'start') {
          const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
          let out = ''
          child.stdout?.on('data', (d: Buffer) => { out += d.toString() })
          child.stderr?.on('data', (d: Buffer) => { out += d.toString() })
          const exit = new Promise<number | null>(resolve => child.on('exit', (code) => { resolve(code) }))
          nodes.push({ child, exit })
          await new Promise<void>((resolve, reject) => {
            const t = setInterval(() => { if (out.includes('node running')) { clearInterval(t); resolve() } }, 50)
            void exit.then(code => { clearInterval(t); reject(new Error(`${raw}: exited ${code}: ${out}`)) })
          })
          continue
        }
        let r = await capture(process.execPath, [BIN, ...args], { env, timeoutMs: 90_000 })
        // the endorsement reaches Carepath by gossip: a moment after `endorse` returned, as for a person
        if (args[0] === 'provenance') await until(async () => (r = await capture(process.execPath, [BIN, ...args], { env, timeoutMs: 90_000 })).stdout.includes('note:'), 30_000, 'the endorsement at Carepath')
        expect(r.code, `${raw}\n${r.stdout}${r.stderr}`).toBe(0)
        expect(r.stderr, raw).toBe('')
        outputs.push(r.stdout)
        byCommand.set(args[0], r.stdout)
        if (args[0] === 'stop') await nodes.find(n => (n.child.spawnargs.includes(homeOf(args))))?.exit
      }
    }
    const last = (cmd: string): string => byCommand.get(cmd) ?? ''
    expect(last('log')).toMatch(/^Ledgerline\n\s+3 /)
    expect(last('claims')).toMatch(/Ledgerline \[trusted\] C003 v3/)
    expect(last('provenance')).toMatch(/endorse\s+valid\s+untrusted\s+did:key:\S+ .*\(not counted: the endorser is not trusted here\)\n\s+note: we approve every rendered message too/)
    expect(last('status')).toMatch(/following {2}ledger {2}did:key:\S+ {2}seq 3/)
    // the nodes the README leaves running stop as it says
    for (const home of ['carepath', 'ledgerline']) expect((await capture(process.execPath, [BIN, 'stop', '--home', join(dir, home)], { env: oosEnv({ OOS_PASSPHRASE: undefined }) })).code).toBe(0)
    expect(await Promise.all(nodes.map(async n => await n.exit))).toEqual([0, 0, 0])
  }, 240_000)
})
