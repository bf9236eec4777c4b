/**
 * The client's side of an event stream (`GET /v1/events`, sse.ts): each event's `data:` as
 * JSON, in order, until the node ends the stream (it stops) or `signal` aborts (then the
 * iteration just ends). A refusal is the typed error of its code, as for every call
 * (client.ts); a node that cannot be reached is `API_UNAVAILABLE`.
 */
import type { IncomingMessage } from 'node:http'
import { errorFromCode } from '../errors.ts'
import { ApiUnavailableError } from './errors.ts'

// node:http as the CommonJS module, not its ESM namespace (which loads undici: api/http.ts)
const { request } = process.getBuiltinModule('node:http')

/** the most one event may be (a feed event is a few hundred bytes) */
const MAX_EVENT_BYTES = 1024 * 1024

async function open (url: string, token: string, signal?: AbortSignal): Promise<IncomingMessage> {
  return await new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, ...(signal !== undefined ? { signal } : {}) }, resolve)
    req.on('error', reject)
    req.end()
  })
}

async function refusal (res: IncomingMessage, url: string): Promise<Error> {
  let text = ''
  for await (const c of res) text += String(c)
  try {
    const e = JSON.parse(text)?.error
    if (typeof e?.code === 'string' && typeof e.message === 'string') return errorFromCode(e.code, e.message, typeof e.path === 'string' ? e.path : undefined)
  } catch {}
  return new ApiUnavailableError(`the node's API at ${url} answered ${res.statusCode ?? 0} without an error code`)
}

/** The `data` of one event block (comments and other fields skipped), or undefined for a comment-only block. */
function dataOf (block: string): string | undefined {
  const data = block.split('\n').filter(l => l.startsWith('data:')).map(l => l.slice(5).replace(/^ /, ''))
  return data.length === 0 ? undefined : data.join('\n')
}

/** `onOpen`: called once the node listens (its answer's headers come after its listeners are on, sse.ts) */
export async function * sseEvents<T> (url: string, token: string, signal?: AbortSignal, onOpen?: () => void): AsyncGenerator<T> {
  let res: IncomingMessage
  try {
    res = await open(url, token, signal)
  } catch (err) {
    if (signal?.aborted === true) return
    throw new ApiUnavailableError(`the node's API at ${new URL(url).origin} did not answer: ${(err as Error).message}`, { cause: err })
  }
  res.setEncoding('utf8')
  if (res.statusCode !== 200) throw await refusal(res, url)
  onOpen?.()
  let buffer = ''
  try {
    for await (const chunk of res) {
      buffer += String(chunk).replace(/\r\n?/g, '\n')
      if (buffer.length > MAX_EVENT_BYTES) throw new ApiUnavailableError(`an event over ${MAX_EVENT_BYTES} bytes from ${url}`)
      let end: number
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const data = dataOf(buffer.slice(0, end))
        buffer = buffer.slice(end + 2)
        if (data !== undefined) yield JSON.parse(data) as T
      }
    }
  } catch (err) {
    if (signal?.aborted === true) return
    throw err instanceof ApiUnavailableError || err instanceof SyntaxError ? err : new ApiUnavailableError(`the event stream of ${url} broke: ${(err as Error).message}`, { cause: err })
  } finally {
    res.destroy()
  }
}
