/**
 * A throw-away node: a fresh home in its own temp directory (a new org key and node key, a
 * low key-derivation cost since the home dies with the process's use of it), listening on
 * 127.0.0.1. For `oos demo`, tests and benchmarks; never for an organization's real home.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { initHome, unlockOrgKey } from './home.ts'
import { logName } from '../logger.ts'
import { createNode, type NodeConfig } from './create.ts'
import type { OosNode } from './node.ts'

export type EphemeralNode = OosNode & {
  /** the temp directory holding the home */
  dir: string
  /** the org's signing key, unlocked again (tests sign records by hand with it) */
  orgSecret: () => Promise<Uint8Array>
  /** stop the node and remove its directory; never throws */
  cleanup: () => Promise<void>
}

export async function ephemeralNode (name: string, options: Partial<NodeConfig> = {}): Promise<EphemeralNode> {
  const dir = await mkdtemp(join(tmpdir(), `oosnet-${logName(name)}-`))
  const pass = randomBytes(16).toString('base64')
  try {
    const home = join(dir, 'home')
    await initHome(home, { name, passphrase: pass, scryptN: 1024 })
    const node = await createNode({ home, passphrase: pass, listen: ['/ip4/127.0.0.1/tcp/0'], antiEntropyMs: 0, ...options })
    return Object.assign(node, {
      dir,
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
