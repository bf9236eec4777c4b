/** Real oosnet nodes for tests: temp homes, real keys, libp2p on 127.0.0.1, real LevelDB. */
import { join } from 'node:path'
import { initHome, unlockNodeKey, unlockOrgKey } from '../../src/node/home.ts'
import { OosNode, type OosNodeInit } from '../../src/node/node.ts'
import { tempDir } from '../helpers.ts'

const PASS = 'test passphrase'

export async function makeNode (name: string, options: Partial<OosNodeInit> = {}): Promise<OosNode & { cleanup: () => Promise<void>, orgSecret: () => Promise<Uint8Array> }> {
  const dir = await tempDir(`oosnet-${name.toLowerCase()}-`)
  const home = join(dir.path, 'home')
  const config = await initHome(home, { name, passphrase: PASS, scryptN: 1024 })
  const node = new OosNode({
    home,
    config,
    orgKey: await unlockOrgKey(home, PASS),
    nodeKey: await unlockNodeKey(home, PASS),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    antiEntropyMs: 0,
    ...options
  })
  await node.start()
  return Object.assign(node, { cleanup: async () => { await node.stop(); await dir.cleanup() }, orgSecret: async () => await unlockOrgKey(home, PASS) })
}

/** Poll until `fn` is true (or fail after `ms`). */
export async function until (fn: () => Promise<boolean> | boolean, ms = 15_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (await fn()) return
    await new Promise(resolve => setTimeout(resolve, 25))
  }
  throw new Error(`timed out waiting for ${what}`)
}
