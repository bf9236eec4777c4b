/** Real oosnet nodes for tests: temp homes, real keys, libp2p on 127.0.0.1, real LevelDB. */
import { ephemeralNode, type EphemeralNode } from '../../src/node/ephemeral.ts'
import type { OosNodeInit } from '../../src/node/node.ts'

export async function makeNode (name: string, options: Partial<OosNodeInit> = {}): Promise<EphemeralNode> {
  return await ephemeralNode(name, options)
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
