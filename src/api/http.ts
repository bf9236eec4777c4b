/**
 * The fastify app of the local API; server.ts holds its state (token, allowed Host names,
 * counters) and listens. One route per operation of protocol/openapi.yaml, with that
 * operation's schemas (spec.ts); the route table (routes.ts) and the spec must agree both
 * ways or the server does not start.
 *
 * What runs for a request, in order (each step is the check server.ts made by hand before):
 * 1. `onRequest`: counted, given its abort signal, then 403 (Origin, Host), 401 (token), and
 *    404/405 for a path no route takes;
 * 2. `preParsing`: 415 unless a POST says `application/json` (UTF-8); a GET's body is read and
 *    dropped, within the 64 KiB limit all the same;
 * 3. the body, read within the route's `bodyLimit` (413) and parsed as a JSON object (400);
 * 4. `preValidation`: a query parameter given twice is a 400; an empty one is left out;
 * 5. the schemas of the operation (400 `BAD_REQUEST`, or `INVALID_ARGUMENT` for a query value);
 * 6. the handler, then the answer checked against its schema (a 500 if it does not match).
 */
import type { IncomingMessage } from 'node:http'
import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify'
import { BadRequestError, InternalError, OosError } from '../errors.ts'
import { PayloadTooLargeError, UnsupportedMediaTypeError } from './errors.ts'
import { BODY_LIMIT, KiB, requestError, ROUTES, unrouted, type Route } from './routes.ts'
import { jsonText, type ApiServer } from './server.ts'
import { compilers, loadSpec, type ApiSpec, type Operation } from './spec.ts'
import { registerUi } from './ui.ts'


// not `import … from 'node:http'`: Node's ESM namespace of a builtin reads every export, and
// node:http's lazy WebSocket/CloseEvent/MessageEvent getters load undici (2.3 MB of an idle node's RSS;
// bench/README.md, "A lean idle node")
const { createServer } = process.getBuiltinModule('node:http')

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>

const JSON_BODY = /^application\/json\s*(;\s*charset=("?)utf-8\2\s*)?$/i

const pathname = (url: string): string => url.split('?')[0]

/** Each operation of the spec with the route that serves it; throws unless they match one to one. */
export function routeTable (spec: ApiSpec): Array<[Operation, Route]> {
  const byId = new Map(ROUTES.map(r => [r.operationId, r]))
  const pairs = spec.operations.map((op): [Operation, Route] => {
    const route = byId.get(op.operationId)
    if (route === undefined || route.method !== op.method || route.path !== op.path) throw new InternalError(`openapi.yaml documents ${op.method} ${op.path} (${op.operationId}), which no route serves`)
    return [op, route]
  })
  const documented = new Set(spec.operations.map(op => op.operationId))
  const missing = ROUTES.find(r => !documented.has(r.operationId))
  if (missing !== undefined) throw new InternalError(`the route ${missing.method} ${missing.path} (${missing.operationId}) is not in openapi.yaml`)
  return pairs
}

export function buildApp (api: ApiServer): FastifyInstance {
  const spec = loadSpec()
  const table = routeTable(spec)
  const { validatorCompiler, serializerCompiler } = compilers(spec, jsonText, requestError)
  const app = Fastify({
    // our compilers from the start: fastify then never loads its defaults (@fastify/ajv-compiler
    // and fast-json-stringify, with their Ajv: ~2 MB of an idle node's heap; bench/README.md)
    // (fastify types the factories over any route definition; ours compile spec.ts's schemas)
    schemaController: { compilersFactory: { buildValidator: () => validatorCompiler, buildSerializer: () => serializerCompiler } as unknown as CompilersFactory },
    // the node:http server as it was, with its timeouts
    serverFactory: (handler) => createServer({ requestTimeout: 60_000, headersTimeout: 10_000, keepAliveTimeout: 5_000 }, handler),
    logger: false,
    exposeHeadRoutes: false,
    forceCloseConnections: false,
    bodyLimit: BODY_LIMIT,
    routerOptions: { maxParamLength: 16 * KiB, querystringParser: parseQuery },
    // a path that does not decode: refused as any request is first, else a 400
    frameworkErrors: (err, req, reply) => {
      try {
        api.admit(req, reply)
        throw new BadRequestError(err.code === 'FST_ERR_BAD_URL' ? `bad percent-encoding in the path: ${JSON.stringify(pathname(req.raw.url ?? ''))}` : 'the request path is not acceptable')
      } catch (e) {
        api.fail(req, reply, e)
      }
    }
  })
  app.removeAllContentTypeParsers()
  // every media type reaches this parser: preParsing has refused all but JSON already
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => {
    try { done(null, parseJson(body as Buffer)) } catch (e) { done(e as Error) }
  })

  app.addHook('onRequest', async (req, reply) => {
    api.admit(req, reply)
    if (req.routeOptions.url === undefined) throw unrouted(req.method, pathname(req.url))
  })
  app.addHook('preParsing', async (req, _reply, payload) => {
    if (req.method === 'POST') {
      if (!JSON_BODY.test(req.headers['content-type'] ?? '')) throw new UnsupportedMediaTypeError('the request body must be application/json')
    } else {
      await drain(req.raw, BODY_LIMIT) // ignored, but limited like any other
    }
    return payload
  })
  app.addHook('onSend', async (_req, reply, payload) => {
    api.sent(reply.statusCode)
    return payload
  })
  app.setErrorHandler((err, req, reply) => { api.fail(req, reply, asOosError(err, req) ?? err) })
  app.setNotFoundHandler(async (req) => { throw unrouted(req.method, pathname(req.url)) })

  for (const [op, route] of table) {
    app.route({
      method: op.method,
      url: op.path.replace(/\{(\w+)\}/g, ':$1'),
      schema: op.schema,
      bodyLimit: route.limit ?? BODY_LIMIT,
      preValidation: async (req) => { cleanQuery(req.query as Record<string, unknown>, route.query ?? []) },
      handler: async (req, reply) => await api.answer(route, req, reply)
    })
  }
  // the web explorer's pages (its own checks: server.ts `browserRefusal`)
  registerUi(app, api)
  return app
}

/** The oosnet error of what fastify threw itself (body limits, media types); undefined if none. */
export function asOosError (err: unknown, req?: FastifyRequest): OosError | undefined {
  if (err instanceof OosError) return err
  const e = err as { code?: unknown, statusCode?: unknown, message?: unknown } | undefined
  if (e?.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new PayloadTooLargeError(`the request body is over the limit of ${req?.routeOptions.bodyLimit ?? BODY_LIMIT} bytes here`)
  if (e?.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new UnsupportedMediaTypeError('the request body must be application/json')
  if (typeof e?.code === 'string' && e.code.startsWith('FST_ERR_') && typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) return new BadRequestError(String(e.message))
  return undefined
}

/** The query string: a value per name, or every value of a name given twice (refused in cleanQuery). */
function parseQuery (text: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null)
  for (const [k, v] of new URLSearchParams(text)) {
    const seen = out[k]
    out[k] = seen === undefined ? v : [...(Array.isArray(seen) ? seen : [seen]), v]
  }
  return out
}

function cleanQuery (query: Record<string, unknown>, known: readonly string[]): void {
  for (const [k, v] of Object.entries(query)) {
    if (Array.isArray(v)) throw new BadRequestError(`query parameter ${k} is given ${v.length} times`, { path: k })
    // `?seq=` is no seq (an unknown name is refused by the schema all the same)
    if (v === '' && known.includes(k)) Reflect.deleteProperty(query, k)
  }
}

/** Reads and drops a body the route does not take, within `limit` (413 past it). */
async function drain (req: IncomingMessage, limit: number): Promise<void> {
  const declared = req.headers['content-length']
  if (declared !== undefined && Number(declared) > limit) throw new PayloadTooLargeError(`the request body is ${declared} bytes; the limit here is ${limit}`)
  let size = 0
  // not destroyed on an early exit: the rest is drained so that the client reads our 413
  for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > limit) throw new PayloadTooLargeError(`the request body is over the limit of ${limit} bytes here`)
  }
}

function parseJson (bytes: Buffer): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    throw new BadRequestError('the request body is not valid JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new BadRequestError('the request body must be a JSON object')
  return value as Record<string, unknown>
}
