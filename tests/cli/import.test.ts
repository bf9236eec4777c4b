/**
 * CAR import and verify read the file as a stream (node/car-file.ts): memory does not grow
 * with the file, blocks go in the order of SPEC §6.1 whatever the file's, and a malformed file is
 * `CAR_INVALID`. The memory figures come from real `oos` processes: each records its peak
 * RSS (getrusage ru_maxrss) at exit through a preloaded module (maxrss.mjs).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { cp, open, readFile, stat, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import * as dagCbor from '@ipld/dag-cbor'
import { varint } from 'multiformats'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { importCar } from '../../src/node/car.ts'
import type { OosError } from '../../src/errors.ts'
import { dump, openNode, tempDir } from '../helpers.ts'
import { writeVersionsCar } from '../carfile.ts'
import { capture, oos, oosIn } from './run.ts'

const MAXRSS = fileURLToPath(new URL('./maxrss.mjs', import.meta.url))
/** versions of ~480 KB in the smaller of the two large files (OOS_TEST_IMPORT_VERSIONS; 62 ≈ 30 MB) */
const VERSIONS = Number(process.env.OOS_TEST_IMPORT_VERSIONS ?? 62)

const cat = (...xs: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(xs))
const vi = (n: number): Uint8Array => varint.encodeTo(n, new Uint8Array(varint.encodingLength(n)))
const ROOT_CID = CID.parse('bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy')
const HEADER = ((h: Uint8Array) => cat(vi(h.length), h))(dagCbor.encode({ version: 1, roots: [ROOT_CID] }))

/**
 * `oos` with its peak RSS in MiB. The V8 heap is capped small (2 MiB semi-spaces, 64 MiB old
 * space) so that the figure is what the process holds, not how lazily garbage is collected
 * (an uncapped young generation alone varies by tens of MiB between runs); the blocks of a
 * CAR held in memory are ArrayBuffers outside that cap, and show in full.
 */
async function measured (args: string[], dir: string): Promise<{ code: number, stdout: string, stderr: string, peakMiB: number }> {
  const file = join(dir, `rss-${Math.random().toString(36).slice(2)}`)
  const r = await oos(args, { env: { NODE_OPTIONS: `--max-semi-space-size=2 --max-old-space-size=64 --import=${MAXRSS}`, OOS_TEST_MAXRSS_FILE: file } })
  const kib = Math.max(...(await readFile(file, 'utf8')).trim().split('\n').map(l => Number(l.split(' ')[1])))
  return { ...r, peakMiB: Math.round(kib / 1024) }
}

describe('CAR import streams', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  beforeAll(async () => { dir = await tempDir() })
  afterAll(async () => { await dir?.cleanup() })

  it('import of a file three times as large takes no more memory: the peak RSS grows far less than the file', async () => {
    const small = join(dir.path, 'small.car')
    const large = join(dir.path, 'large.car')
    await writeVersionsCar(small, { versions: VERSIONS })
    // three times, not two: the added input (≈ 57 MiB) stays well above the run-to-run noise of
    // the peak under a loaded machine (up to ≈ 21 MiB seen with two)
    await writeVersionsCar(large, { versions: 3 * VERSIONS })
    const S = (await stat(small)).size / 2 ** 20
    const L = (await stat(large)).size / 2 ** 20
    const home = join(dir.path, 'home')
    expect((await oosIn(['init', '--name', 'Importer', '--home', home])).code).toBe(0)
    await cp(home, join(dir.path, 'home2'), { recursive: true })
    const a = await measured(['import', small, '--home', home, '--json'], dir.path)
    expect(a.code, a.stderr).toBe(0)
    expect(JSON.parse(a.stdout)).toMatchObject({ accepted: VERSIONS, rejected: 0 })
    const b = await measured(['import', large, '--home', join(dir.path, 'home2'), '--json'], dir.path)
    expect(b.code, b.stderr).toBe(0)
    expect(JSON.parse(b.stdout)).toMatchObject({ accepted: 3 * VERSIONS, rejected: 0 })
    console.log(JSON.stringify({ importMiB: { small: Math.round(S), large: Math.round(L) }, peakRssMiB: { small: a.peakMiB, large: b.peakMiB } }))
    // the larger file adds L − S MiB of input; holding it would add at least that much
    expect(b.peakMiB - a.peakMiB).toBeLessThan((L - S) / 2)
  }, 120_000)

  it('verify of a malformed file stops at the bad section without reading the rest into memory', async () => {
    // a section that claims more bytes than the file has, followed by 60 MiB (sparse)
    const bad = join(dir.path, 'bad.car')
    const tiny = join(dir.path, 'tiny-bad.car')
    const head = cat(HEADER, vi(200 * 2 ** 20), ROOT_CID.bytes)
    await writeFile(bad, head)
    const fh = await open(bad, 'r+')
    await fh.truncate(head.length + 60 * 2 ** 20)
    await fh.close()
    await writeFile(tiny, cat(head, new Uint8Array(100)))
    const a = await measured(['verify', tiny], dir.path)
    const b = await measured(['verify', bad], dir.path)
    for (const r of [a, b]) {
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(/^oos: .* is not a valid CAR file: .* \[CAR_INVALID\]\n$/)
    }
    expect(b.peakMiB - a.peakMiB).toBeLessThan(30)
  }, 60_000)
})

describe('CAR reading (node/car-file.ts) through importCar', () => {
  let node: Awaited<ReturnType<typeof openNode>>
  let dir: Awaited<ReturnType<typeof tempDir>>
  beforeAll(async () => { node = await openNode(); dir = await tempDir() })
  afterAll(async () => { await node?.close(); await dir?.cleanup() })

  it('a chain written back to front is accepted whole', async () => {
    const file = join(dir.path, 'reverse.car')
    const made = await writeVersionsCar(file, { versions: 6, sections: 1, chars: 200, order: 'reverse' })
    let progress = 0
    const r = await importCar(node.ingest, file, { onProgress: (d) => { progress = d } })
    expect(r).toMatchObject({ roots: [made.head.toString()], accepted: 6, rejected: 0, errors: [] })
    expect(progress).toBe(6)
    expect((await node.store.head(made.org))?.seq).toBe(6)
  })

  it('reads a CARv2 file (its CARv1 payload; what follows it, e.g. an index, is not read)', async () => {
    const v1 = join(dir.path, 'v1.car')
    const made = await writeVersionsCar(v1, { versions: 3, sections: 1, chars: 200 })
    const payload = await readFile(v1)
    const pragma = new Uint8Array([0x0a, 0xa1, 0x67, 0x76, 0x65, 0x72, 0x73, 0x69, 0x6f, 0x6e, 0x02])
    const header = Buffer.alloc(40)
    header.writeBigUInt64LE(BigInt(pragma.length + 40), 16)
    header.writeBigUInt64LE(BigInt(payload.length), 24)
    const file = join(dir.path, 'v2.car')
    await writeFile(file, cat(pragma, header, payload, new TextEncoder().encode('an index that is not CAR sections')))
    const other = await openNode()
    try {
      expect(await importCar(other.ingest, file)).toMatchObject({ roots: [made.head.toString()], accepted: 3, rejected: 0 })
    } finally { await other.close() }
  })

  it('blocks that wait on one missing from the file are counted once, by code', async () => {
    const file = join(dir.path, 'gap.car')
    await writeVersionsCar(file, { versions: 4, sections: 1, chars: 200 })
    // drop version 1: versions 2..4 wait for it (SEQ_GAP) and never get it
    const whole = await readFile(file)
    const [headerLength, n] = varint.decode(whole)
    const start = n + headerLength
    const [sectionLength, m] = varint.decode(whole, start)
    const cut = cat(whole.subarray(0, start), whole.subarray(start + m + sectionLength))
    await writeFile(file, cut)
    const r = await importCar(node.ingest, file)
    expect(r).toMatchObject({ accepted: 0, rejected: 3, reasons: { SEQ_GAP: 3 } })
    expect(r.errors.map(e => e.code)).toEqual(['SEQ_GAP', 'SEQ_GAP', 'SEQ_GAP'])
  })

  it('a block longer than any record is RECORD_TOO_LARGE (named by its CID) and never read', async () => {
    const bytes = new Uint8Array(1024 * 1024 + 1)
    const cid = CID.createV1(0x71, await sha256.digest(bytes))
    const file = join(dir.path, 'huge-block.car')
    await writeFile(file, cat(HEADER, vi(cid.bytes.length + bytes.length), cid.bytes, bytes))
    const r = await importCar(node.ingest, file)
    expect(r).toMatchObject({ rejected: 1, reasons: { RECORD_TOO_LARGE: 1 }, errors: [{ cid: cid.toString(), code: 'RECORD_TOO_LARGE' }] })
  })

  it('a malformed file is CAR_INVALID (nothing stored); a missing one NOT_FOUND', async () => {
    const before = await dump(node.store)
    const cases: Record<string, Uint8Array> = {
      empty: new Uint8Array(0),
      text: new TextEncoder().encode('not a CAR file\n'),
      'header length past the end': cat(vi(2 ** 40), HEADER.subarray(1)),
      'header not a map': cat(vi(3), dagCbor.encode([1, 2])),
      'section shorter than its CID': cat(HEADER, vi(2), ROOT_CID.bytes, new Uint8Array(10)),
      'section past the end': cat(HEADER, vi(5000), ROOT_CID.bytes, new Uint8Array(10)),
      'zero-length section': cat(HEADER, vi(0)),
      'unknown CID version': cat(HEADER, vi(40), new Uint8Array([0x05, 0x71, 0x12, 0x20]), new Uint8Array(36))
    }
    for (const [name, bytes] of Object.entries(cases)) {
      const file = join(dir.path, 'bad.car')
      await writeFile(file, bytes)
      const err = await importCar(node.ingest, file).then(() => undefined, (e: OosError) => e)
      expect(err?.code, name).toBe('CAR_INVALID')
      expect(err?.message, name).toMatch(/is not a valid CAR file/)
    }
    expect((await importCar(node.ingest, dir.path).catch((e: OosError) => e) as OosError).code).toBe('CAR_INVALID')
    // a FIFO nobody writes to: refused at once, not waited on
    const fifo = join(dir.path, 'fifo.car')
    expect((await capture('mkfifo', [fifo])).code).toBe(0)
    expect((await importCar(node.ingest, fifo).catch((e: OosError) => e) as OosError).code).toBe('CAR_INVALID')
    expect((await importCar(node.ingest, join(dir.path, 'nope.car')).catch((e: OosError) => e) as OosError).code).toBe('NOT_FOUND')
    expect(await dump(node.store)).toEqual(before)
  })
})
