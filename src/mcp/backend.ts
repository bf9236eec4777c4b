/**
 * Where the MCP server's questions go, chosen on every call as the CLI chooses (cli/backend.ts):
 * the running node's API when a node runs on the home, else the app offline over the home's
 * store. The store is opened for one call at a time and closed after it (LevelDB allows one
 * process: a long-lived MCP server must not keep `oos start` or other commands out), so offline
 * calls wait their turn.
 */
import { ApiClient } from '../api/client.ts'
import { loadHome, unlockOrgKey } from '../app/home.ts'
import { withOfflineApp } from '../app/offline.ts'
import type { LocalApp } from '../app/types.ts'

/** Run `fn` with the app of the home; `sign`: offline, unlock the org key first (a node signs itself). */
export type AppSource = <T>(fn: (app: LocalApp, online: boolean) => Promise<T>, options?: { sign?: boolean }) => Promise<T>

export interface HomeSourceInit {
  home: string
  /** the passphrase of the org key, for the write tools offline (never read from stdin: that is the protocol's) */
  passphrase: () => Promise<string>
}

export function homeSource ({ home, passphrase }: HomeSourceInit): AppSource {
  let turn: Promise<unknown> = Promise.resolve()
  return async (fn, options = {}) => {
    await loadHome(home)
    const api = await ApiClient.fromHome(home)
    if (api !== undefined) return await fn(api, true)
    const mine = turn.then(async () => {
      const orgKey = options.sign === true ? await unlockOrgKey(home, await passphrase()) : undefined
      try {
        return await withOfflineApp(home, async (app) => await fn(app, false), { orgKey, from: 'mcp' })
      } finally {
        orgKey?.fill(0)
      }
    })
    turn = mine.catch(() => {})
    return await mine
  }
}
