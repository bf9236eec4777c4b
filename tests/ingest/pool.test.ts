/**
 * The verify pool survives its workers: a worker that dies (killed, out of memory) takes
 * none of its requests with it; they are retried on the other workers or a replacement, at
 * most `retries` times, then rejected with WORKER_FAILED; past the restart budget the pool
 * verifies on the main thread.
 */
import { describe, expect, it } from 'vitest'
import { VerifyPool } from '../../src/ingest/pool.ts'
import { verifyBytes, type Verified } from '../../src/records/verified.ts'
import type { OosError } from '../../src/errors.ts'
import { chain, T0 } from '../helpers.ts'
import { generateKeyPair, sign } from '../../src/identity/index.ts'

const NOW = T0 + 10_000_000

type Outcome = Verified | { code: string, message: string, path?: string }
const failure = (e: OosError): Outcome => ({ code: e.code, message: e.message, ...(e.path !== undefined ? { path: e.path } : {}) })
/** `claimList` is how a worker's answer carries the claim CIDs (the `claims` are views into it) */
const verified = ({ claimList: _, ...v }: Verified): Outcome => v

/** 400 versions, one with a broken signature, and bytes that are not CBOR. */
function records (): Uint8Array[] {
  const out = chain(400).map(v => v.bytes)
  out[7] = out[7].slice()
  out[7][out[7].length - 1] ^= 1
  out[300] = new Uint8Array([0xff, 0x00])
  return out
}

function inline (bytes: Uint8Array[]): Outcome[] {
  return bytes.map(b => { try { return verified(verifyBytes(b, NOW)) } catch (e) { return failure(e as OosError) } })
}

/** Ask for all, then (after the turn of the event loop that sends them) run `then`: the workers are busy with them. */
async function inFlight (pool: VerifyPool, bytes: Uint8Array[], then: () => void): Promise<Outcome[]> {
  const all = Promise.all(bytes.map(async b => await pool.verify(b, NOW).then(verified, failure)))
  await new Promise(resolve => setImmediate(resolve))
  then()
  return await all
}

describe('verify pool: crash safety', () => {
  it('a worker killed with requests in flight: every request gets the answer inline verification gives', async () => {
    const pool = new VerifyPool({ workers: 2, batch: 200 })
    await pool.start()
    await pool.warm()
    try {
      const bytes = records()
      const [victim] = pool.threads
      const got = await inFlight(pool, bytes, () => { void victim.terminate() })
      expect(got).toEqual(inline(bytes))
      // its whole batch went again, to the other worker or the replacement
      expect(pool.stats()).toMatchObject({ crashes: 1, restarts: 1, retried: 200, failed: 0, inline: false })
      await expect.poll(() => pool.stats().workers).toBe(2)
      expect(pool.threads).not.toContain(victim)
      // and the pool goes on working
      expect(verified(await pool.verify(bytes[0], NOW))).toEqual(inline([bytes[0]])[0])
    } finally { await pool.stop() }
  })

  it('a request whose workers keep dying is rejected with WORKER_FAILED after its retries', async () => {
    // lone 0: every request to the workers (a first one after a quiet spell would be checked here)
    const pool = new VerifyPool({ workers: 1, batch: 400, retries: 0, lone: 0 })
    await pool.start()
    await pool.warm()
    try {
      const bytes = records()
      const got = await inFlight(pool, bytes, () => { void pool.threads[0].terminate() })
      expect(new Set(got.map(o => 'code' in o ? o.code : 'verified'))).toEqual(new Set(['WORKER_FAILED']))
      expect(pool.stats()).toMatchObject({ crashes: 1, restarts: 1, retried: 0, failed: 400 })
      // the replacement takes new work
      await expect.poll(() => pool.stats().workers).toBe(1)
      expect(await inFlight(pool, bytes.slice(0, 20), () => {})).toEqual(inline(bytes.slice(0, 20)))
    } finally { await pool.stop() }
  })

  it('past the restart budget (every worker killed again and again) the pool verifies on the main thread', async () => {
    const pool = new VerifyPool({ workers: 1, batch: 400, restarts: 1 })
    await pool.start()
    await pool.warm()
    try {
      const bytes = records()
      const first = pool.threads[0]
      const got = inFlight(pool, bytes, () => { void first.terminate() })
      // the replacement dies too, with the same requests in flight
      await expect.poll(() => pool.threads.length === 1 && pool.threads[0] !== first).toBe(true)
      void pool.threads[0].terminate()
      expect(await got).toEqual(inline(bytes))
      expect(pool.stats()).toMatchObject({ crashes: 2, restarts: 1, workers: 0, inline: true })
      expect(verified(await pool.verify(bytes[1], NOW))).toEqual(inline([bytes[1]])[0])
    } finally { await pool.stop() }
  })

  it('workers that die as they start (out of memory) do not restart forever: warm() resolves and the pool verifies inline', async () => {
    // 10 MB of heap is too little for a worker to load its modules (~15 MB): each dies ~0.1 s
    // in, as Node ends a worker past its limits. Not less: at 6 MB a worker died in Node's own
    // bootstrap (~5.6 MB, 37 ms in), and once, in CI, V8 ended the whole process there (FATAL
    // "CALL_AND_RETRY_LAST"), taking the test file's other tests with it
    const pool = new VerifyPool({ workers: 2, restarts: 3, resourceLimits: { maxOldGenerationSizeMb: 10, maxYoungGenerationSizeMb: 1 } })
    await pool.start()
    await pool.warm()
    try {
      expect(pool.stats()).toMatchObject({ crashes: 5, restarts: 3, workers: 0, inline: true })
      const bytes = records().slice(0, 50)
      expect(await inFlight(pool, bytes, () => {})).toEqual(inline(bytes))
    } finally { await pool.stop() }
  })

  it('signature checks (head announcements) ride with records in the same batches, survive a killed worker, and are counted with them', async () => {
    const k = generateKeyPair()
    const sigs = Array.from({ length: 100 }, (_, i) => {
      const message = new TextEncoder().encode(`announcement ${i}`)
      return { message, sig: sign(k.secretKey, message), valid: i % 3 !== 0 }
    })
    const pool = new VerifyPool({ workers: 2, batch: 50, lone: 0 })
    await pool.start()
    await pool.warm()
    try {
      const bytes = records().slice(0, 100)
      const checks = Promise.all(sigs.map(async s => await pool.verifySignature(k.publicKey, s.valid ? s.message : s.message.slice(1), s.sig)))
      const got = await inFlight(pool, bytes, () => { void pool.threads[0].terminate() })
      expect(await checks).toEqual(sigs.map(s => s.valid))
      expect(got).toEqual(inline(bytes))
      expect(pool.stats()).toMatchObject({ crashes: 1, failed: 0, verifiedInline: 0 })
      expect(pool.stats().verified).toBeGreaterThanOrEqual(200)
      expect(await pool.verifySignature(k.publicKey, sigs[1].message, new Uint8Array(63))).toBe(false)
    } finally { await pool.stop() }
  })

  it('a record batched behind a signature check is checked at the record\'s clock, not the signature\'s (it was 0: every record "in the future")', async () => {
    const k = generateKeyPair()
    const message = new TextEncoder().encode('announcement')
    const pool = new VerifyPool({ workers: 1, batch: 50 })
    await pool.start()
    await pool.warm()
    try {
      const bytes = records().slice(0, 10)
      // one turn of the event loop: the signature first, then the records, in one batch
      const sig = pool.verifySignature(k.publicKey, message, sign(k.secretKey, message))
      const got = await Promise.all(bytes.map(async b => await pool.verify(b, NOW).then(verified, failure)))
      expect(await sig).toBe(true)
      expect(got).toEqual(inline(bytes))
    } finally { await pool.stop() }
  })
})

describe('verify pool: workers on demand (issue 15, a lean idle node)', () => {
  it('starts no worker until asked; a burst starts them; idle, they stop; the next burst starts them again and is verified', async () => {
    const pool = new VerifyPool({ workers: 2, batch: 16, idleMs: 50 })
    await pool.start()
    try {
      expect(pool.stats()).toMatchObject({ workers: 0, max: 2, spawned: 0 })
      const bytes = records()
      // a burst of 400 (25 batches): both workers start and verify it as the main thread would
      expect(await inFlight(pool, bytes, () => {})).toEqual(inline(bytes))
      expect(pool.stats()).toMatchObject({ spawned: 2, crashes: 0 })
      // idle for 50 ms: every worker stops, and that is not a crash
      await expect.poll(() => pool.stats().workers, { timeout: 10_000 }).toBe(0)
      expect(pool.stats()).toMatchObject({ idleStops: 1, crashes: 0, restarts: 0, inline: false })
      // the next burst starts them again and gets the same answers
      const again = bytes.slice(100, 300)
      expect(await inFlight(pool, again, () => {})).toEqual(inline(again))
      expect(pool.stats()).toMatchObject({ spawned: 4, crashes: 0, inline: false })
      await expect.poll(() => pool.stats().idleStops, { timeout: 10_000 }).toBe(2)
      expect(pool.stats().workers).toBe(0)
    } finally { await pool.stop() }
  })

  it('a lone record is checked on the calling thread while no worker runs, and starts none', async () => {
    const pool = new VerifyPool({ workers: 4, batch: 16, idleMs: 0 })
    await pool.start()
    try {
      const [one] = records()
      expect(verified(await pool.verify(one, NOW))).toEqual(inline([one])[0])
      expect(pool.stats()).toMatchObject({ workers: 0, spawned: 0, verifiedInline: 1, verified: 0 })
    } finally { await pool.stop() }
  })

  it('a lone record is checked on the calling thread while workers run too (no round trip to one); a burst behind it goes to them', async () => {
    const pool = new VerifyPool({ workers: 1, batch: 16, idleMs: 60_000 })
    await pool.start()
    await pool.warm()
    try {
      const bytes = records().slice(0, 10)
      const [one] = bytes
      expect(verified(await pool.verify(one, NOW))).toEqual(inline([one])[0])
      expect(pool.stats()).toMatchObject({ workers: 1, verifiedInline: 1, verified: 0 })
      // nothing quiet between these: the first of them is checked here (after a quiet spell
      // only if one passed; the clock decides), the rest, past `lone`, on the worker
      const got = await inFlight(pool, bytes, () => {})
      expect(got).toEqual(inline(bytes))
      expect(pool.stats().verified).toBeGreaterThanOrEqual(bytes.length - 4)
    } finally { await pool.stop() }
  })

  it('a record with others in flight behind it (bulk) goes to the running workers even after a quiet spell; with none running it is lone', async () => {
    const pool = new VerifyPool({ workers: 1, batch: 16, idleMs: 60_000 })
    await pool.start()
    try {
      const [one, two] = records()
      // no worker runs: a bulk record after a quiet spell is still checked here, starting none
      expect(verified(await pool.verify(one, NOW, true))).toEqual(inline([one])[0])
      expect(pool.stats()).toMatchObject({ workers: 0, verifiedInline: 1, verified: 0 })
      await pool.warm()
      // the first request ever is after a quiet spell: lone, unless it is part of a burst the workers run for
      expect(verified(await pool.verify(two, NOW, true))).toEqual(inline([two])[0])
      expect(pool.stats()).toMatchObject({ workers: 1, verifiedInline: 1, verified: 1 })
    } finally { await pool.stop() }
  })

  it('more than `lone` at once start the workers they need, not all of them; with lone 0, one record starts one', async () => {
    const six = new VerifyPool({ workers: 4, batch: 16, idleMs: 0 })
    await six.start()
    try {
      // the first, after a quiet spell, is checked at once; the other five are more than `lone` (4)
      const bytes = records().slice(0, 6)
      expect(await inFlight(six, bytes, () => {})).toEqual(inline(bytes))
      expect(six.stats()).toMatchObject({ workers: 1, spawned: 1, verifiedInline: 1, verified: 5 })
    } finally { await six.stop() }
    const pool = new VerifyPool({ workers: 4, batch: 16, idleMs: 0, lone: 0 })
    await pool.start()
    try {
      const [one] = records()
      expect(verified(await pool.verify(one, NOW))).toEqual(inline([one])[0])
      expect(pool.stats()).toMatchObject({ workers: 1, spawned: 1, verifiedInline: 0 })
    } finally { await pool.stop() }
  })
})
