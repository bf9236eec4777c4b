/**
 * SIGKILL at random moments (issue 12, chaos suite): `oos start` processes are killed —
 * the whole process group, no chance to close anything — while they publish (through the
 * API), import a CAR, sync an org (the follower killed) or serve a sync (the publisher
 * killed). After every kill each store involved must open and be consistent (`checkStore`:
 * chains without gaps ending at their heads, an export that verifies offline, heads that
 * verify), and every version whose publish call returned success must be on disk.
 */
import { join } from 'node:path'
import { importCar } from '../src/node/car.ts'
import { checkStore, ms, publishMany, randInt, revision, scoped, storeIn, type NodeProcess, type Scope } from './lib.ts'

export type KillMode = 'publish' | 'import' | 'sync' | 'serving'
const MODES: KillMode[] = ['publish', 'import', 'sync', 'serving']

export interface KillOptions {
  /** kills in all (default 100), spread evenly over the four modes */
  kills?: number
  /** versions the publisher holds before the kills begin (default 40) */
  versions?: number
  log?: (line: string) => void
}

export interface KillFigures {
  ok: boolean
  kills: number
  byMode: Record<KillMode, number>
  /** kills that landed before the operation under way had finished */
  midOperation: number
  storesChecked: number
  corruptedStores: number
  acknowledgedVersions: number
  lostAcknowledged: number
  /** the first problems found (empty when ok) */
  problems: string[]
  ms: number
}

export async function killScenario (options: KillOptions = {}): Promise<KillFigures> {
  const kills = options.kills ?? 100
  const log = options.log ?? (() => {})
  const t0 = performance.now()
  return await scoped(async (scope) => {
    const a = await scope.home('Ledgerline')
    const org = a.config.org
    // the publisher's chain, and how long the operations take (the kill windows)
    let na = await scope.start(a.home, ['--sync-interval', '0'])
    const acked = (await publishMany(na.api, options.versions ?? 40)).map(v => ({ org, ...v }))
    const car = join(await scope.dir('car'), 'a.car')
    await na.api.exportCar({ org, path: car })
    await na.stop()
    // how long an import of the CAR takes (the same door the node's import uses, in this process)
    const { ingest } = await storeIn(scope)
    const ti = performance.now()
    await importCar(ingest, car)
    const importMs = ms(ti)
    // kill windows: first guesses (a node's API, process and network add to the in-process
    // import), then the time an operation was seen to take when it finished before its kill
    const windows: Record<KillMode, number> = { publish: 3000, import: importMs * 4 + 300, sync: importMs * 6 + 800, serving: importMs * 6 + 800 }
    log(`kill: setup ${acked.length} versions, in-process import ${importMs} ms`)

    const byMode: Record<KillMode, number> = { publish: 0, import: 0, sync: 0, serving: 0 }
    const problems: string[] = []
    let midOperation = 0
    let storesChecked = 0
    let corruptedStores = 0
    let lost = 0
    const check = async (home: string, withAcked: boolean): Promise<void> => {
      const r = await checkStore(home, withAcked ? acked : [])
      storesChecked++
      const lostHere = r.problems.filter(p => p.startsWith('acknowledged')).length
      lost += lostHere
      if (!r.opened || r.problems.length > lostHere) corruptedStores++
      problems.push(...r.problems.slice(0, 3))
    }
    /** run `op` and SIGKILL `victim` after a random delay within the mode's window; whether the op was still running */
    const killDuring = async (victim: NodeProcess, mode: KillMode, op: () => Promise<unknown>): Promise<boolean> => {
      let done = false
      const started = performance.now()
      const running = op().then(() => { done = true; if (mode !== 'publish') windows[mode] = Math.max(50, ms(started) * 1.2) }, () => {})
      await new Promise(resolve => setTimeout(resolve, randInt(0, windows[mode])))
      const mid = !done
      await victim.kill()
      await running
      return mid
    }
    const fresh = async (scope: Scope, name: string): Promise<string> => (await scope.home(name)).home

    for (let i = 0; i < kills; i++) {
      const mode = MODES[i % MODES.length]
      byMode[mode]++
      let mid: boolean
      if (mode === 'publish') {
        na = await scope.start(a.home, ['--sync-interval', '0'])
        mid = await killDuring(na, 'publish', async () => {
          for (let n = 0; ; n++) {
            const r = await na.api.publish({ document: revision(acked.length + 1 + n), format: 'md' })
            acked.push({ org, seq: r.seq, cid: r.cid }) // acknowledged: must survive the kill
          }
        })
        await check(a.home, true)
      } else if (mode === 'import') {
        const home = await fresh(scope, 'importer')
        const ni = await scope.start(home, ['--sync-interval', '0'])
        mid = await killDuring(ni, 'import', async () => await ni.api.importCar({ path: car }))
        await check(home, false)
      } else {
        // a follower with an empty store syncs the whole chain from the publisher; one of them dies
        na = await scope.start(a.home, ['--sync-interval', '0'])
        const home = await fresh(scope, 'follower')
        const nf = await scope.start(home, ['--sync-interval', '0'])
        const victim = mode === 'sync' ? nf : na
        mid = await killDuring(victim, mode, async () => await nf.api.follow({ org, via: [na.addr] }))
        await (mode === 'sync' ? na : nf).stop()
        await check(a.home, true)
        await check(home, false)
      }
      if (mid) midOperation++
      log(`kill ${i + 1}/${kills} (${mode}${mid ? ', mid-operation' : ''}, window ${Math.round(windows[mode])} ms): ${corruptedStores} corrupted, ${lost} lost so far`)
    }
    return {
      ok: corruptedStores === 0 && lost === 0,
      kills,
      byMode,
      midOperation,
      storesChecked,
      corruptedStores,
      acknowledgedVersions: acked.length,
      lostAcknowledged: lost,
      problems: problems.slice(0, 10),
      ms: ms(t0)
    }
  })
}
