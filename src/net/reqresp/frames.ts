/**
 * Frames on a libp2p stream: unsigned-varint length prefix + bytes (it-length-prefixed), read
 * with a cap on each frame's length (checked from the prefix, before the body is buffered),
 * written with backpressure. DAG-CBOR messages are decoded strictly: the bytes must be the
 * canonical encoding of what they decode to.
 */
import * as dagCbor from '@ipld/dag-cbor'
import type { Stream } from '@libp2p/interface'
import * as lp from 'it-length-prefixed'
import type { Uint8ArrayList } from 'uint8arraylist'
import { InternalError, OosError } from '../../errors.ts'
import { BadRequestError, FrameTooLargeError, MalformedFrameError, StreamResetError, TruncatedFrameError } from './errors.ts'

/** Read the frames of `stream` until the remote closes its write side. */
export async function * readFrames (stream: Stream, options: { maxLength: number, onFirstByte?: () => void }): AsyncGenerator<Uint8Array> {
  const onFirst = options.onFirstByte
  const source = onFirst === undefined ? stream : tap(stream, onFirst)
  try {
    for await (const frame of lp.decode(source, { maxDataLength: options.maxLength })) yield frame.subarray()
  } catch (err) {
    throw frameError(err, options.maxLength)
  }
}

async function * tap (stream: Stream, onFirst: () => void): AsyncGenerator<Uint8Array | Uint8ArrayList> {
  let first = true
  for await (const chunk of stream) {
    if (first) { first = false; onFirst() }
    yield chunk
  }
}

/** Read exactly one frame (the request); undefined if the stream ended before any byte. */
export async function readOneFrame (stream: Stream, maxLength: number): Promise<Uint8Array | undefined> {
  for await (const frame of readFrames(stream, { maxLength })) return frame
  return undefined
}

/** Map what reading a stream can throw to our typed errors (typed errors pass through). */
export function frameError (err: unknown, maxLength: number): Error {
  if (err instanceof OosError) return err
  const name = (err as Error)?.name
  switch (name) {
    case 'InvalidDataLengthError':
    case 'InvalidDataLengthLengthError':
      return new FrameTooLargeError(`a frame is longer than ${maxLength} bytes`, { cause: err })
    case 'InvalidMessageLengthError': return new MalformedFrameError('invalid length prefix', { cause: err })
    case 'UnexpectedEOFError': return new TruncatedFrameError('the stream ended inside a frame', { cause: err })
    case 'StreamResetError': return new StreamResetError('the remote reset the stream', { cause: err })
    // writing to a stream that the remote reset (our own aborts surface as their reason instead)
    case 'StreamStateError':
    case 'StreamClosedError': return new StreamResetError(`the stream is closed: ${(err as Error).message}`, { cause: err })
    default: return err instanceof Error ? err : new InternalError(String(err))
  }
}

/** Write one frame; waits for the stream to drain when its buffer is full. */
export async function writeFrame (stream: Stream, bytes: Uint8Array, signal: AbortSignal): Promise<void> {
  if (!stream.send(lp.encode.single(bytes))) await stream.onDrain({ signal })
}

/** Decode DAG-CBOR that must be canonical; throws on anything else. */
export function decodeCanonical (bytes: Uint8Array): unknown {
  const value = dagCbor.decode<unknown>(bytes)
  const again = dagCbor.encode(value)
  if (again.length !== bytes.length || !again.every((b, i) => b === bytes[i])) throw new BadRequestError('not canonical DAG-CBOR')
  return value
}

/** A plain map (not an array, CID, bytes or null) with exactly the allowed keys, `required` among them. */
export function isMap (v: unknown, required: string[], optional: string[] = []): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array || Object.getPrototypeOf(v) !== Object.prototype) return false
  const keys = Object.keys(v)
  return required.every(k => keys.includes(k)) && keys.every(k => required.includes(k) || optional.includes(k))
}

export const isSafeInt = (v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): v is number => Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max
