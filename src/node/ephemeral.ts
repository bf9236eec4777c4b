/**
 * A throw-away node: a fresh home in its own temp directory (a new org key and node key, a
 * low key-derivation cost since the home dies with the process's use of it), listening on
 * 127.0.0.1. For `oos demo`, tests and benchmarks; never for an organization's real home.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { initHome, unlockNodeKey, unlockOrgKey } from './home.ts'
import { OosNode, type OosNodeInit } from './node.ts'

export type EphemeralNode = OosNode & {
  /** the temp directory holding the home */
  dir: string
  home: string
  /** the org's signing key, unlocked again (tests sign records by hand with it) */
  orgSecret: () => Promise<Uint8Array>
  /** stop the node and remove its directory; never throws */
  cleanup: () => Promise<void>
}

export async function ephemeralNode (name: string, options: Partial<OosNodeInit> = {}): Promise<EphemeralNode> {
  const dir = await mkdtemp(join(tmpdir(), `oosnet-${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-`))
  const pass = randomBytes(16).toString('base64')
  try {
    const home = join(dir, 'home')
    const config = await initHome(home, { name, passphrase: pass, scryptN: 1024 })
    const node = new OosNode({
      home,
      config,
      orgKey: await unlockOrgKey(home, pass),
      nodeKey: await unlockNodeKey(home, pass),
      listen: ['/ip4/127.0.0.1/tcp/0'],
      antiEntropyMs: 0,
      ...options
    })
    await node.start()
    return Object.assign(node, {
      dir,
      home,
      orgSecret: async () => await unlockOrgKey(home, pass),
      cleanup: async () => {
        await node.stop().catch(() => {})
        await rm(dir, { recursive: true, force: true })
      }
    })
  } catch (err) {
    await rm(dir, { recursive: true, force: true })
    throw err
  }
}
