/**
 * What the audit log costs the ingest door (node/audit.ts): the bulk path (a catch-up sync:
 * a window of calls in flight, verify workers, group commit) with and without the audit
 * log attached, in alternating rounds through one warm door, each round a new org's chain
 * of versions of the published example document; and the main thread's time per audit line.
 *
 *   npx node bench/audit.ts [--json]      (BENCH_RECORDS=2000 per round, BENCH_ROUNDS_AUDIT=6, BENCH_WORKERS)
 *
 * Not part of `npm run bench`: the door's figures there are without the audit log.
 */
import { readFileSync } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseOosMarkdown } from '../src/oos/index.ts'
import { Store } from '../src/store/store.ts'
import { Ingest, type DecisionListener } from '../src/ingest/ingest.ts'
import { cidOf } from '../src/records/cid.ts'
import { auditLog, auditFile } from '../src/node/audit.ts'
import { Pipeline } from '../src/net/reqresp/results.ts'
import { chain } from './ingest.ts'
import { perItem, threadCpu } from './threads.ts'

const N = Number(process.env.BENCH_RECORDS ?? 2000)
const R = Number(process.env.BENCH_ROUNDS_AUDIT ?? 6)
const workers = Number(process.env.BENCH_WORKERS ?? Math.min(4, availableParallelism()))
const example = parseOosMarkdown(readFileSync(new URL('../tests/fixtures/example.oos.md', import.meta.url), 'utf8')).body
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]

const dir = await mkdtemp(join(tmpdir(), 'oosnet-bench-audit-'))
const store = new Store({ path: join(dir, 'db') })
await store.start()
const ingest = new Ingest({ store }, { workers })
await ingest.start()
/** One round: its rate, and the CPU µs per record of the main thread and of libuv's pool (the disk writes) */
const feed = async (records: Uint8Array[], done: () => Promise<void> = async () => {}): Promise<{ perSec: number, main: number, pool: number }> => {
  const cpu0 = threadCpu()
  const t = performance.now()
  const pipeline = new Pipeline()
  for (const r of records) await pipeline.add(ingest.ingest(r, { source: 'sync', from: '12D3KooWBenchPeer' }).then(() => {}))
  await pipeline.drain()
  await done()
  const cpu = perItem(cpu0, threadCpu(), records.length)
  return { perSec: Math.round(records.length / ((performance.now() - t) / 1000)), main: cpu.MainThread ?? 0, pool: cpu['libuv-worker'] ?? 0 }
}
await feed(chain(example, N).versions.map(v => v.bytes)) // warm: JIT, workers
const rounds: Record<'off' | 'on', Array<{ perSec: number, main: number, pool: number }>> = { off: [], on: [] }
const auditDir = join(dir, 'audit')
for (let i = 0; i < R; i++) {
  const records = chain(example, N).versions.map(v => v.bytes)
  const on = i % 4 === 1 || i % 4 === 2 // off, on, on, off, …: each setting sees early and late spells alike
  const audit = auditLog({ dir: auditDir })({ ingest })
  if (on) await audit.start()
  // the round ends when the audit lines are on disk too
  rounds[on ? 'on' : 'off'].push(await feed(records, async () => { await audit.stop() }))
}
const lines = (await stat(auditFile(auditDir, 0))).size
// the main thread's time per decision: what the door's listener does (the CID's string
// form, the time, format, buffer), in batches of 1,000 decisions on fresh CID objects, each
// batch flushed to disk (untimed) before the next; the median batch (a shared machine's
// other work lands in some batches)
let listener: DecisionListener = () => {}
const audit = auditLog({ dir: auditDir })({ ingest: { onDecision: (l) => { listener = l; return () => {} } } })
await audit.start()
const batches: number[] = []
let cpuUs = 0
for (let b = 0; b < 200; b++) {
  const cids = Array.from({ length: 1000 }, (_, i) => cidOf(new TextEncoder().encode(`${b}:${i}`)))
  const c = process.threadCpuUsage()
  const t = performance.now()
  for (const [i, cid] of cids.entries()) listener({ status: 'accepted', kind: 'oos/version', org: 'did:key:z6MkiR77pmiqtPr5Q37MmfZyzbgXmbjk4ifrFx49vsnc5VE9', seq: b * 1000 + i, cid, source: 'sync', from: '12D3KooWRmvV3Bv8bJdTRZcb9RuFvctGRrfBN26KEuBpJJkE4VmG' })
  batches.push(performance.now() - t)
  const d = process.threadCpuUsage(c)
  cpuUs += d.user + d.system
  await audit.flush()
}
const usPerLine = Math.round(median(batches) * 1000 / 1000 * 100) / 100
/** the same, as CPU time of the main thread (what other processes of a busy machine do not inflate) */
const cpuUsPerLine = Math.round(cpuUs / 200_000 * 100) / 100
await audit.stop()
await ingest.stop()
await store.stop()
await rm(dir, { recursive: true, force: true })
const m = (k: 'off' | 'on', f: 'perSec' | 'main' | 'pool'): number => median(rounds[k].map(r => r[f]))
const out = {
  records: N,
  workers,
  rounds,
  offPerSec: m('off', 'perSec'),
  onPerSec: m('on', 'perSec'),
  ratio: Math.round(m('on', 'perSec') / m('off', 'perSec') * 1000) / 1000,
  mainUsPerRecord: { off: m('off', 'main'), on: m('on', 'main') },
  poolUsPerRecord: { off: m('off', 'pool'), on: m('on', 'pool') },
  usPerLine,
  cpuUsPerLine,
  auditBytesPerRecord: Math.round(lines / (N * rounds.on.length))
}
if (process.argv.includes('--json')) console.log(JSON.stringify(out))
else {
  const list = (k: 'off' | 'on'): string => rounds[k].map(r => r.perSec).join(', ')
  console.log(`bulk ingest, ${N} versions per round, ${workers} verify workers: without the audit log ${out.offPerSec}/s, with it ${out.onPerSec}/s (ratio ${out.ratio}; medians of alternating rounds: off ${list('off')}; on ${list('on')})`)
  console.log(`main thread CPU per record: off ${out.mainUsPerRecord.off} µs, on ${out.mainUsPerRecord.on} µs; libuv pool (disk writes): off ${out.poolUsPerRecord.off} µs, on ${out.poolUsPerRecord.on} µs (10 ms ticks)`)
  console.log(`one decision to the audit log: ${usPerLine} µs of the main thread (CID string, time, format, buffer; median of 200 batches of 1,000), ${cpuUsPerLine} µs of its CPU time; ${out.auditBytesPerRecord} bytes on disk per record`)
}
