/**
 * Hooks (app/hooks.ts): real programs run for the events of the kinds they name, with the event
 * on stdin and without the node's passphrase; within their budget (at most 4 at once, killed
 * after their timeout), failures counted, never thrown. And config.json's `hooks`, checked
 * (app/nodeconfig.ts): a bad one is one HOME_CORRUPT line naming it.
 */
import { describe, it, expect, afterAll } from 'vitest'
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { runHooks, HOOK_MAX_QUEUED, HOOK_MAX_RUNNING, type Hook } from '../../src/app/hooks.ts'
import { nodeSettings } from '../../src/app/nodeconfig.ts'
import type { FeedEvent } from '../../src/app/feed.ts'
import { tempDir } from '../helpers.ts'
import { until } from '../net/nodes.ts'

const dirP = tempDir()
afterAll(async () => { await (await dirP).cleanup() })

const ORG = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK'
const event = (k: number, kind: FeedEvent['kind']): FeedEvent => ({ id: `bafy${k}`, kind, at: k, org: ORG, label: { trust: 'trusted', nameShared: false }, summary: `event ${k}` })

/** the events given, then an open stream until the runner stops it */
async function * source (events: FeedEvent[], signal: AbortSignal): AsyncGenerator<FeedEvent> {
  yield * events
  await new Promise(resolve => { signal.addEventListener('abort', resolve) })
}

describe('hooks', () => {
  it('run for their kinds with the event on stdin and no passphrase; at most 4 at once; killed past their timeout; failures counted', async () => {
    const dir = (await dirP).path
    // writes stdin and whether it saw the passphrase to <dir>/<id>.json, then blocks until killed (Atomics.wait: no timer)
    const script = 'const fs=require("fs");const e=JSON.parse(fs.readFileSync(0));fs.writeFileSync(process.argv[1]+"/"+e.id+".json",JSON.stringify({e,pass:process.env.OOS_PASSPHRASE??null}));Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0)'
    const slow: Hook = { on: ['dispute'], run: [process.execPath, '-e', script, dir], timeoutSeconds: 1 }
    const missing: Hook = { on: ['endorsement'], run: [join(dir, 'nothing-here')] }
    const lines: string[] = []
    const events = [1, 2, 3, 4, 5, 6].map(k => event(k, 'dispute'))
    const runner = runHooks([slow, missing], signal => source([...events, event(7, 'version'), event(8, 'endorsement')], signal), l => { lines.push(l) }, { ...process.env, OOS_PASSPHRASE: 'secret' })
    await until(() => runner.stats().running === HOOK_MAX_RUNNING, 10_000, '4 hooks running')
    expect(runner.stats()).toMatchObject({ running: 4, queued: 3 }) // two disputes and the endorsement wait
    await until(() => runner.stats().ran === 7, 20_000, 'every run to end')
    expect(runner.stats()).toEqual({ ran: 7, failed: 7, dropped: 0, running: 0, queued: 0 })
    expect(lines.filter(l => /failed on dispute bafy\d: killed after 1 s/.test(l))).toHaveLength(6)
    expect(lines.some(l => /nothing-here failed on endorsement bafy8: .*ENOENT/.test(l))).toBe(true)
    const written = (await readdir(dir)).filter(f => f.endsWith('.json')).sort()
    expect(written).toEqual(events.map(e => `${e.id}.json`))
    expect(JSON.parse(await readFile(join(dir, 'bafy1.json'), 'utf8'))).toEqual({ e: events[0], pass: null })
    await runner.stop()
  })

  it('past 1000 runs waiting, an event is dropped, logged and counted; stop clears the queue and ends the runs', async () => {
    const sleeper: Hook = { on: ['dispute'], run: [process.execPath, '-e', 'Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0)'], timeoutSeconds: 3600 }
    const lines: string[] = []
    const events = Array.from({ length: HOOK_MAX_RUNNING + HOOK_MAX_QUEUED + 5 }, (_, k) => event(k, 'dispute'))
    const runner = runHooks([sleeper], signal => source(events, signal), l => { lines.push(l) })
    await until(() => runner.stats().dropped === 5, 10_000, '5 dropped')
    expect(runner.stats()).toMatchObject({ running: HOOK_MAX_RUNNING, queued: HOOK_MAX_QUEUED, dropped: 5 })
    expect(lines.filter(l => /dropped, 1000 runs wait already/.test(l))).toHaveLength(5)
    await runner.stop() // the runs are ended, not waited for the hour of their timeout
    expect(runner.stats()).toMatchObject({ running: 0, queued: 0, ran: HOOK_MAX_RUNNING, failed: 0 })
  })

  it('config.json: hooks are checked, a bad one named', () => {
    const ok = nodeSettings({ hooks: [{ on: ['dispute', 'equivocation'], run: ['/bin/true'], timeoutSeconds: 5 }] }, 'config.json')
    expect(ok.hooks).toEqual([{ on: ['dispute', 'equivocation'], run: ['/bin/true'], timeoutSeconds: 5 }])
    const cases: Array<[unknown, RegExp]> = [
      [{ on: ['dispute'] }, /"hooks\[0\]\.run" must be a list of strings/],
      [{ on: ['dispute'], run: 'notify --all' }, /"hooks\[0\]\.run" must be a list of strings/],
      [{ on: [], run: ['/bin/true'] }, /"hooks\[0\]\.on" must be a list of feed kinds/],
      [{ on: ['disputed'], run: ['/bin/true'] }, /"hooks\[0\]\.on" must be a list of feed kinds: version, endorsement/],
      [{ on: ['dispute'], run: ['/bin/true'], shell: true }, /"hooks\[0\]" has an unknown key "shell"/],
      [{ on: ['dispute'], run: ['/bin/true'], timeoutSeconds: 0 }, /"hooks\[0\]\.timeoutSeconds" must be a whole number/]
    ]
    for (const [hook, message] of cases) {
      expect(() => nodeSettings({ hooks: [hook] }, 'config.json'), JSON.stringify(hook)).toThrow(expect.objectContaining({ code: 'HOME_CORRUPT', message: expect.stringMatching(message) }))
    }
    expect(() => nodeSettings({ hooks: {} }, 'config.json')).toThrow(expect.objectContaining({ code: 'HOME_CORRUPT' }))
  })
})
