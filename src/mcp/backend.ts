/**
 * Where the MCP server's questions go, chosen on every call as the CLI chooses (cli/backend.ts):
 * the running node's API when a node runs on the home, else the app offline over the home's
 * store. The store is opened for one call at a time and closed after it (LevelDB allows one
 * process: a long-lived MCP server must not keep `oos start` or other commands out), so offline
 * calls wait their turn; and while another process holds the store (an `oos publish` offline,
 * a node starting), a call waits for it a little (MCP.md R-M1.4) instead of failing at once.
 */
import { ApiClient } from '../api/client.ts'
import { loadHome, unlockOrgKey } from '../app/home.ts'
import { withOfflineApp } from '../app/offline.ts'
import type { LocalApp } from '../app/types.ts'
import { OosError } from '../errors.ts'

/** Run `fn` with the app of the home; `sign`: offline, unlock the org key first (a node signs itself). */
export type AppSource = <T>(fn: (app: LocalApp, online: boolean) => Promise<T>, options?: { sign?: boolean }) => Promise<T>

/** how long a call waits for a store held by another process, and how often it looks again */
export const LOCK_WAIT = { ms: 5000, everyMs: 100 }

export interface HomeSourceInit {
  home: string
  /** the passphrase of the org key, for the write tools offline (never read from stdin: that is the protocol's) */
  passphrase: () => Promise<string>
  /** told once per call that waits for the store */
  onWait?: (message: string) => void
}

const locked = (err: unknown): boolean => err instanceof OosError && err.code === 'STORE_LOCKED'

export function homeSource ({ home, passphrase, onWait }: HomeSourceInit): AppSource {
  let turn: Promise<unknown> = Promise.resolve()
  return async (fn, options = {}) => {
    await loadHome(home)
    const api = await ApiClient.fromHome(home)
    if (api !== undefined) return await fn(api, true)
    const mine = turn.then(async () => {
      const end = Date.now() + LOCK_WAIT.ms
      let orgKey: Uint8Array | undefined
      try {
        for (let told = false; ; told = true) {
          // a node may have started meanwhile (it took the store): then its API answers
          const api = await ApiClient.fromHome(home)
          if (api !== undefined) return await fn(api, true)
          if (options.sign === true) orgKey ??= await unlockOrgKey(home, await passphrase())
          let opened = false
          try {
            return await withOfflineApp(home, async (app) => { opened = true; return await fn(app, false) }, { orgKey, from: 'mcp' })
          } catch (err) {
            // only a store that could not be opened is waited for: nothing of the call has run
            if (opened || !locked(err) || Date.now() >= end) throw err
            if (!told) onWait?.(`the store of ${home} is in use by another process; waiting up to ${LOCK_WAIT.ms / 1000} s`)
          }
          await new Promise(resolve => setTimeout(resolve, LOCK_WAIT.everyMs))
        }
      } finally {
        orgKey?.fill(0)
      }
    })
    turn = mine.catch(() => {})
    return await mine
  }
}
