/**
 * Runs inside a network namespace of the netns partition scenario (chaos/netns.ts): the
 * nodes' APIs listen on that namespace's loopback, which the harness cannot reach. Reads one
 * JSON request per line on stdin — `{ id, home, method, input }` — calls the node of `home`
 * through its API, and answers one line on stdout: `{ id, value }` or `{ id, error }`.
 */
import { createInterface } from 'node:readline'
import { ApiClient } from '../src/api/client.ts'

const clients = new Map<string, ApiClient>()
for await (const line of createInterface({ input: process.stdin })) {
  const { id, home, method, input } = JSON.parse(line) as { id: number, home: string, method: 'status' | 'publish' | 'follow', input?: any }
  void (async () => {
    try {
      let api = clients.get(home)
      if (api === undefined) {
        api = await ApiClient.fromHome(home, { probeMs: 5000 })
        if (api === undefined) throw new Error(`no node running for ${home}`)
        clients.set(home, api)
      }
      const value = method === 'status' ? await api.status() : method === 'publish' ? await api.publish(input) : await api.follow(input)
      process.stdout.write(JSON.stringify({ id, value }) + '\n')
    } catch (err) {
      process.stdout.write(JSON.stringify({ id, error: `${(err as { code?: string }).code ?? ''} ${(err as Error).message}` }) + '\n')
    }
  })()
}
