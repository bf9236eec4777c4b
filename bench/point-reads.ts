/**
 * Point reads (src/store/level.ts `getRaw`): a LevelDB get through libuv's thread pool
 * (`get`, the baseline) against the same read on the calling thread (`getSync`), and
 * `getMany` in batches of 64 beside them. A real classic-level on disk in a temp dir, values
 * of a version's size, keys in the store's form; CPU (`process.cpuUsage`, every thread of the
 * process) and wall time per run, each kind timed in turn in every round.
 *
 *   node bench/point-reads.ts [--reads=10000] [--bytes=10818] [--rounds=3] [--json]
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'

const arg = (name: string, d: number): number => Number(process.argv.find(a => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? d)
const READS = arg('reads', 10_000)
const BYTES = arg('bytes', 10_818)
const ROUNDS = arg('rounds', 3)

type Kind = 'get' | 'getSync' | 'getMany'
interface Timing { wallMs: number, cpuMs: number }

async function timed (fn: () => Promise<void> | void): Promise<Timing> {
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  await fn()
  const c = process.cpuUsage(c0)
  return { wallMs: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 }
}

const dir = await mkdtemp(join(tmpdir(), 'oosnet-reads-'))
const db = new ClassicLevel<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view', writeBufferSize: 4 * 1024 * 1024, blockSize: 16 * 1024 })
try {
  await db.open()
  const value = new Uint8Array(BYTES)
  const keys = Array.from({ length: READS }, (_, i) => `b!bafyrei${i.toString(36).padStart(51, 'a')}`)
  for (let i = 0; i < keys.length; i += 500) await db.batch(keys.slice(i, i + 500).map(key => ({ type: 'put' as const, key, value })))
  const runs: Record<Kind, Timing[]> = { get: [], getSync: [], getMany: [] }
  for (let r = 0; r < ROUNDS; r++) {
    runs.get.push(await timed(async () => { for (const k of keys) await db.get(k) }))
    runs.getSync.push(await timed(() => { for (const k of keys) db.getSync(k) }))
    runs.getMany.push(await timed(async () => { for (let i = 0; i < keys.length; i += 64) await db.getMany(keys.slice(i, i + 64)) }))
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  const fig = (k: Kind): { cpuUsPerRead: number, wallUsPerRead: number } => ({
    cpuUsPerRead: Math.round(median(runs[k].map(t => t.cpuMs)) * 1000 / READS * 10) / 10,
    wallUsPerRead: Math.round(median(runs[k].map(t => t.wallMs)) * 1000 / READS * 10) / 10
  })
  const out = { reads: READS, bytes: BYTES, rounds: ROUNDS, get: fig('get'), getSync: fig('getSync'), getMany: fig('getMany') }
  const ratio = (k: Kind): number => Math.round(out[k].cpuUsPerRead / out.get.cpuUsPerRead * 100) / 100
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify({ ...out, cpuRatioToGet: { getSync: ratio('getSync'), getMany: ratio('getMany') } }, null, 2))
  } else {
    console.log(`point reads: ${READS} values of ${BYTES} bytes, classic-level on disk; median of ${ROUNDS} rounds, per read`)
    for (const k of ['get', 'getSync', 'getMany'] as const) {
      console.log(`  ${k.padEnd(8)} CPU ${String(out[k].cpuUsPerRead).padStart(6)} µs  wall ${String(out[k].wallUsPerRead).padStart(6)} µs  CPU / get ${ratio(k)}`)
    }
  }
} finally {
  await db.close()
  await rm(dir, { recursive: true, force: true })
}
