/**
 * Server-sent events (`GET /v1/events`, protocol/openapi.yaml "Feed and events"): the route's
 * events written as they come, `id:` / `event:` / `data:` (one JSON line), after a `: ok`
 * comment that says the node listens, and a `: ping` comment every `pingMs` so proxies and
 * clients see a live connection. The reply is hijacked from fastify (it is not one JSON
 * answer); the stream ends, and the response with it, when the events end (the node stops),
 * the client goes away or the server stops (`signal`).
 */
import { once } from 'node:events'
import type { ServerResponse } from 'node:http'
import type { FastifyReply } from 'fastify'

export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  // the socket closes with the stream: a server that stops waits for no idle keep-alive
  connection: 'close'
}

/** An event as the wire carries it: `json` is one line (JSON.stringify escapes newlines in strings). */
export const sseFrame = (id: string, event: string, json: string): string => `id: ${id.replace(/[\r\n]/g, '')}\nevent: ${event.replace(/[\r\n]/g, '')}\ndata: ${json}\n\n`

export async function sendEvents<E extends { id: string, kind: string }> (reply: FastifyReply, events: AsyncIterable<E>, options: { signal?: AbortSignal, pingMs: number, text: (e: E) => string }): Promise<void> {
  const { signal } = options
  const it = events[Symbol.asyncIterator]()
  // the first pull starts the stream: its listeners are on the node before `: ok` is sent
  let pending = it.next()
  reply.hijack()
  const res: ServerResponse = reply.raw
  res.writeHead(200, SSE_HEADERS)
  const write = async (chunk: string): Promise<void> => {
    if (res.destroyed || res.writableEnded) return
    if (!res.write(chunk)) await once(res, 'drain', { signal }).catch(() => {})
  }
  await write(': ok\n\n')
  const ping = setInterval(() => { void write(': ping\n\n') }, options.pingMs)
  ping.unref()
  try {
    while (signal?.aborted !== true && !res.destroyed) {
      const r = await pending
      if (r.done === true) break
      await write(sseFrame(r.value.id, r.value.kind, options.text(r.value)))
      pending = it.next()
    }
  } finally {
    clearInterval(ping)
    await it.return?.(undefined)
    if (!res.writableEnded) res.end()
  }
}
