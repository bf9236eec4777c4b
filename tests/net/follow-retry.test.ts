/**
 * A follow that reaches no one is not forgotten until a restart (NETWORK.md §8): it is
 * retried with backoff and syncs when its peer comes up; `oos follow --via` says UNREACHABLE.
 */
import { describe, it, expect, afterAll } from 'vitest'
import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { generateKeyPair as generatePeerKey } from '@libp2p/crypto/keys'
import { parseOosMarkdown } from '../../src/oos/index.ts'
import { createNode } from '../../src/node/create.ts'
import { initHome, unlockNodeKey, unlockOrgKey } from '../../src/node/home.ts'
import { generateKeyPair, publicKeyToDid } from '../../src/identity/index.ts'
import { tempDir } from '../helpers.ts'
import { BIN, ROOT, oosIn } from '../cli/run.ts'
import { makeNode, until } from './nodes.ts'

/** A port nothing listens on: listen on a free one, close it. */
async function deadPort (): Promise<number> {
  const { createServer } = await import('node:net')
  const srv = createServer()
  await new Promise<void>(resolve => srv.listen(0, '127.0.0.1', resolve))
  const port = (srv.address() as { port: number }).port
  await new Promise(resolve => srv.close(resolve))
  return port
}

describe('a follow that reached no one', () => {
  const cleanups: Array<() => Promise<void>> = []
  afterAll(async () => { for (const c of cleanups.reverse()) await c().catch(() => {}) })

  it('reports "not yet synced", retries with backoff, and syncs once the peer is up, without a restart', async () => {
    const dir = await tempDir()
    cleanups.push(dir.cleanup)
    // A's home exists, but its node is not running yet: we know its address and peer id
    const pass = randomBytes(12).toString('hex')
    const home = join(dir.path, 'a')
    const config = await initHome(home, { name: 'Ledgerline', passphrase: pass, scryptN: 1024 })
    const nodeKey = await unlockNodeKey(home, pass)
    const port = await deadPort()
    const addr = `/ip4/127.0.0.1/tcp/${port}/p2p/${peerIdFromPrivateKey(nodeKey).toString()}`

    const d = await makeNode('Carepath', { followRetry: { baseMs: 100, maxMs: 1_000, dialTimeoutMs: 2_000 } })
    cleanups.push(d.cleanup)
    const err = await d.follow(config.org, { via: [addr] }).catch((e: unknown) => e)
    const pending = (await d.status()).following.find(f => f.org === config.org)
    const before = Date.now()
    await until(async () => (d.reacher?.state(config.org)?.attempts ?? 3) >= 3, 10_000, 'three attempts, backing off')

    // A comes up at that address and publishes; D's next retry finds it
    const a = await createNode({ home, config, orgKey: await unlockOrgKey(home, pass), nodeKey, listen: [`/ip4/127.0.0.1/tcp/${port}`], antiEntropyMs: 0 })
    cleanups.push(async () => { await a.stop() })
    await a.publish(parseOosMarkdown(await readFile(new URL('../../examples/orgs/ledgerline/v1.oos.md', import.meta.url), 'utf8')).body)
    await until(async () => (await d.store.head(config.org))?.seq === 1, 20_000, 'D synced through a retry')
    // (checked after the sync, so that on a node without retries the test fails at the sync)
    expect(err).toMatchObject({ code: 'UNREACHABLE', name: 'UnreachableError' })
    expect((err as Error).message).toMatch(/recorded and retried/)
    expect(pending).toMatchObject({ seq: 0, state: 'following, not yet synced', lastError: expect.stringContaining(String(port)) })
    expect(Date.parse(pending?.nextRetry ?? '')).toBeGreaterThan(before - 1_000)
    await until(async () => (await d.status()).following.find(f => f.org === config.org)?.state === 'synced', 5_000, 'status synced')
    // D may have synced from A's announcement between two tries: the next try sees it and stops
    await until(() => d.reacher.state(config.org) === undefined, 5_000, 'retries stopped')
  })

  it('stops retrying when unfollowed', async () => {
    const d = await makeNode('Parcelpoint', { followRetry: { baseMs: 100, maxMs: 500, dialTimeoutMs: 1_000 } })
    cleanups.push(d.cleanup)
    const org = publicKeyToDid(generateKeyPair().publicKey)
    const id = peerIdFromPrivateKey(await generatePeerKey('Ed25519')).toString()
    await expect(d.follow(org, { via: [`/ip4/127.0.0.1/tcp/${await deadPort()}/p2p/${id}`] })).rejects.toMatchObject({ code: 'UNREACHABLE' })
    expect(d.reacher.state(org)?.nextRetry).toBeDefined()
    await d.unfollow(org)
    expect(d.reacher.state(org)).toBeUndefined()
    await expect(d.follow(org, { via: ['not a multiaddr'] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', path: 'via[0]' })
  })

  it('oos follow ORG --via <dead address> exits 1 with one line naming UNREACHABLE; status shows it not yet synced', async () => {
    const dir = await tempDir()
    cleanups.push(dir.cleanup)
    const home = join(dir.path, 'b')
    expect((await oosIn(['init', '--name', 'Carepath', '--home', home])).code).toBe(0)
    const child = spawn(process.execPath, [BIN, 'start', '--home', home, '--listen', '/ip4/127.0.0.1/tcp/0', '--json'], { cwd: ROOT, env: { ...process.env, OOS_PASSPHRASE: 'correct horse battery staple', OOS_SCRYPT_N: '1024' }, stdio: ['ignore', 'pipe', 'pipe'] })
    const exited = new Promise(resolve => child.once('exit', resolve))
    cleanups.push(async () => { child.kill('SIGTERM'); await exited })
    let out = ''
    child.stdout.on('data', (b: Buffer) => { out += b.toString() })
    await until(() => out.includes('"api"'), 20_000, 'oos start running')

    const org = publicKeyToDid(generateKeyPair().publicKey)
    const id = peerIdFromPrivateKey(await generatePeerKey('Ed25519')).toString()
    const r = await oosIn(['follow', org, '--via', `/ip4/127.0.0.1/tcp/${await deadPort()}/p2p/${id}`, '--home', home])
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(/^oos: no peer of did:key:\S+ reached: .*ECONNREFUSED.*recorded and retried in the background.*\[UNREACHABLE\]$/m)
    const st = await oosIn(['status', '--home', home, '--json'])
    expect(st.json().following).toMatchObject([{ org, seq: 0, state: 'following, not yet synced' }])
    expect((await oosIn(['status', '--home', home])).stdout).toMatch(/not yet synced \(.*ECONNREFUSED.*\), next try/)
  })
})
