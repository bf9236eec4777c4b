/**
 * CAR files on disk with bounded memory (https://ipld.io/specs/transport/car/carv1/, and a
 * CARv2 wrapping a CARv1). Reading: one pass over the section heads checks the file's
 * structure and keeps only each block's offset (8 bytes a block); a block's bytes are read
 * when asked for, through a window of at most `CAR_READ_LIMITS.window` bytes (or one record
 * at most `MAX_RECORD_BYTES` long), so a file of any size is read in the same memory. A block
 * longer than any record is never read: asking for it throws `RECORD_TOO_LARGE`, the ingest
 * door's code for it. Anything malformed (header, section length, CID, a truncated file) is
 * `CAR_INVALID`. Writing: the header and `varint | CID | bytes` sections, to a sink.
 */
import { constants } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import { readBlockHead, readHeader } from '@ipld/car/decoder'
import * as dagCbor from '@ipld/dag-cbor'
import { varint } from 'multiformats'
import { CID } from 'multiformats/cid'
import { OosError, errorClass } from '../errors.ts'
import { MAX_RECORD_BYTES } from '../records/constants.ts'
import { RecordTooLargeError } from '../records/errors.ts'
import { NotFoundError } from './errors.ts'
import type { Sink } from './files.ts'

export class CarInvalidError extends errorClass('CarInvalidError', 'CAR_INVALID') {}

export const CAR_READ_LIMITS = {
  /** blocks in one file (their offsets are kept: 8 bytes each) */
  maxBlocks: 1_000_000,
  /** bytes read from the file at a time */
  window: 1024 * 1024,
  /** the longest single read: a record, its CID and section length (or a header) */
  maxRead: MAX_RECORD_BYTES + 4096
} as const

export interface CarBlock { cid: CID, bytes: Uint8Array }

/** An open CAR file: its roots, how many blocks, block `i` on demand. */
export interface CarFile {
  roots: CID[]
  count: number
  /** block `i` (file order), read from the file again; `RECORD_TOO_LARGE` (with its `cid`) for an over-long block */
  read: (i: number) => Promise<CarBlock>
  close: () => Promise<void>
}

type Reader = Parameters<typeof readBlockHead>[0] & {
  /** move to `pos`; a read there that misses the window reads `ahead` bytes (default a window) */
  at: (pos: number, ahead?: number) => void
}

/** The decoder's byte reader over a file by positioned reads, holding one window at a time. */
function fileReader (fh: FileHandle, size: number): Reader {
  let pos = 0
  let start = 0
  let ahead: number = CAR_READ_LIMITS.window
  let buf = new Uint8Array(0)
  const fill = async (n: number): Promise<void> => {
    if (pos >= start && pos + n <= start + buf.length) return
    if (n > CAR_READ_LIMITS.maxRead) throw new CarInvalidError(`a read of ${n} bytes at byte ${pos} is over the limit of ${CAR_READ_LIMITS.maxRead}`)
    const len = Math.max(0, Math.min(Math.max(n, ahead), size - pos))
    const next = new Uint8Array(len) // a new buffer: blocks handed out earlier keep theirs
    let got = 0
    while (got < len) {
      const { bytesRead } = await fh.read(next, got, len - got, pos + got)
      if (bytesRead === 0) break
      got += bytesRead
    }
    buf = next.subarray(0, got)
    start = pos
  }
  return {
    async upTo (n: number) {
      const want = Math.max(0, Math.min(n, size - pos))
      await fill(want)
      return buf.subarray(pos - start, pos - start + want)
    },
    async exactly (n: number, seek = false) {
      if (pos + n > size) throw new CarInvalidError('unexpected end of data')
      await fill(n)
      const out = buf.subarray(pos - start, pos - start + n)
      if (seek) pos += n
      return out
    },
    seek (n: number) { pos += n },
    get pos () { return pos },
    at (p: number, a: number = CAR_READ_LIMITS.window) { pos = p; ahead = a }
  }
}

/** Open and check a CAR file; the caller closes it. */
export interface OpenCarOptions {
  maxBlocks?: number
  signal?: AbortSignal
  /**
   * Shown each block's bytes during the first pass (undefined for a block longer than any
   * record); the bytes are the reader's, valid only during the call.
   */
  onBlock?: (i: number, bytes: Uint8Array | undefined, cid: CID) => void
}

export async function openCar (path: string, options: OpenCarOptions = {}): Promise<CarFile> {
  const max = options.maxBlocks ?? CAR_READ_LIMITS.maxBlocks
  let fh: FileHandle
  try {
    // O_NONBLOCK: a FIFO or a device opens at once (and is refused below) instead of waiting for a writer
    fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`${path}: no such file`)
    if ((err as NodeJS.ErrnoException).code === 'EISDIR') throw new CarInvalidError(`${path} is a directory, not a CAR file`)
    throw err
  }
  try {
    const st = await fh.stat()
    if (!st.isFile()) throw new CarInvalidError(`${path} is not a regular file`)
    const reader = fileReader(fh, st.size)
    let end = st.size
    let offsets = new Float64Array(1024)
    let count = 0
    let roots: CID[]
    try {
      const header = await readHeader(reader)
      roots = header.roots.map(r => CID.asCID(r) as CID)
      // CARv2: the CARv1 payload is [dataOffset, dataOffset + dataSize); readHeader read its header
      if (header.version === 2) end = header.dataOffset + header.dataSize
      if (end > st.size) throw new CarInvalidError(`the CARv2 header says the data runs to byte ${end}, the file has ${st.size}`)
      while (reader.pos < end) {
        options.signal?.throwIfAborted()
        const offset = reader.pos
        const { cid, length, blockLength } = await readBlockHead(reader)
        if (blockLength < 0) throw new CarInvalidError(`the section at byte ${offset} is shorter than its CID`)
        if (offset + length > end) throw new CarInvalidError(`the block at byte ${offset} runs past the end of the data (${length} bytes, ${end - offset} left)`)
        if (count >= max) throw new CarInvalidError(`it holds more than ${max} blocks`)
        if (count === offsets.length) { const more = new Float64Array(Math.min(offsets.length * 2, max)); more.set(offsets); offsets = more }
        if (options.onBlock !== undefined) options.onBlock(count, blockLength > MAX_RECORD_BYTES ? undefined : await reader.exactly(blockLength), cid)
        offsets[count++] = offset
        reader.at(offset + length)
      }
    } catch (err) {
      if ((err instanceof OosError && !(err instanceof CarInvalidError)) || (err as Error).name === 'AbortError') throw err
      throw new CarInvalidError(`${path} is not a valid CAR file: ${(err as Error).message}`)
    }
    const kept = offsets.subarray(0, count)
    let last = -1
    return {
      roots,
      count,
      async read (i) {
        if (!(i >= 0 && i < count)) throw new RangeError(`no block ${i} in ${path}`)
        // in file order the window reads ahead; out of order, only the section is read
        reader.at(kept[i], i === last + 1 ? CAR_READ_LIMITS.window : Math.min((i + 1 < count ? kept[i + 1] : end) - kept[i], CAR_READ_LIMITS.window))
        last = i
        try {
          const { cid, blockLength } = await readBlockHead(reader)
          if (blockLength > MAX_RECORD_BYTES) throw Object.assign(new RecordTooLargeError(`block ${cid.toString()} is ${blockLength} bytes, the limit for any record is ${MAX_RECORD_BYTES}`), { cid: CID.asCID(cid) as CID })
          return { cid: CID.asCID(cid) as CID, bytes: await reader.exactly(blockLength, true) }
        } catch (err) {
          if (err instanceof OosError) throw err
          throw new CarInvalidError(`${path} changed while it was read: ${(err as Error).message}`)
        }
      },
      close: async () => { await fh.close() }
    }
  } catch (err) {
    await fh.close()
    throw err
  }
}

/** Run `fn` on an open CAR file, closing it after. */
export async function withCar<T> (path: string, fn: (car: CarFile) => Promise<T>, options: OpenCarOptions = {}): Promise<T> {
  const car = await openCar(path, options)
  try {
    return await fn(car)
  } finally {
    await car.close()
  }
}

/** A CARv1 file, written to a sink: the header naming `roots`, then `put` each block. */
export async function carWriter (sink: Sink, roots: CID[]): Promise<{ put: (block: CarBlock) => Promise<void> }> {
  await sink.write(withLength(dagCbor.encode({ version: 1, roots })))
  return {
    async put ({ cid, bytes }) {
      await sink.write(varint.encodeTo(cid.bytes.length + bytes.length, new Uint8Array(varint.encodingLength(cid.bytes.length + bytes.length))))
      await sink.write(cid.bytes)
      await sink.write(bytes)
    }
  }
}

function withLength (bytes: Uint8Array): Uint8Array {
  const n = varint.encodingLength(bytes.length)
  const out = new Uint8Array(n + bytes.length)
  varint.encodeTo(bytes.length, out)
  out.set(bytes, n)
  return out
}
