/**
 * The CLI's side of the local API: while a node runs it holds the store, so commands go
 * through its API. The node writes `<home>/api.json` (`{ url, token, pid }`, mode 0600)
 * when its API starts and removes it when it stops; `ApiClient.fromHome` finds a live node
 * from it. Error answers are rebuilt by their code (`errorFromCode`): the class of the code
 * when it is loaded here, else an `OosError` with that code, so the CLI (which prints and exits
 * by the code) prints the same one-line error as offline, without importing every module that
 * makes error classes.
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises'
import { isLoopbackHost } from '../app/address.ts'
import { homePaths } from '../app/home.ts'
import { AbortedError, errorFromCode } from '../errors.ts'
import { ApiUnavailableError } from './errors.ts'
import type { UiLink } from './routes.ts'
import type {
  AdoptApiResult, AdoptInput, ApiHandlers, ApiStatus, CallOptions, ClaimResult, ClaimsInput, EndorseInput, ExportInput, ExportResult, FollowInput, ImportResult,
  FollowResult, LogEntry, LogInput, ProvenanceReport, PublishInput, PublishResult, RetractInput, ShowInput, ShowResult, StatementResult, TrustRow, TrustSetInput, ValidateResult,
  StopResult, UnfollowResult, VerifyResult, OrgRow, FeedEvent, FeedInput, SearchHit, SearchInput, SimilarHit, SimilarInput, GuideInput, GuideResult
} from './types.ts'
import { sseEvents } from './sse-client.ts'

// node:http as the CommonJS module, not its ESM namespace (which loads undici: api/http.ts)
const { request } = process.getBuiltinModule('node:http')

/** What `<home>/api.json` holds. */
export interface ApiInfo {
  /** `http://127.0.0.1:PORT` */
  url: string
  /** the bearer token */
  token: string
  /** the node's process id */
  pid: number
}

/** The most a response body may be (a claims listing of many orgs can be large). */
const MAX_RESPONSE_BYTES = 256 * 1024 * 1024

/** Write `<home>/api.json` with mode 0600 (written aside, then renamed over: readers never see half a file). */
export async function writeApiFile (home: string, info: ApiInfo): Promise<void> {
  const path = homePaths(home).api
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`
  await writeFile(tmp, JSON.stringify({ url: info.url, token: info.token, pid: info.pid }, null, 2) + '\n', { mode: 0o600, flag: 'wx' })
  try {
    await rename(tmp, path)
  } catch (err) {
    await rm(tmp, { force: true })
    throw err
  }
}

/**
 * Remove `<home>/api.json` if it is ours: by default only when it names this process (a
 * second node that failed to start must not remove the running one's); `force` removes it
 * whatever it says. Returns whether a file was removed.
 */
export async function removeApiFile (home: string, options: { pid?: number, force?: boolean } = {}): Promise<boolean> {
  const path = homePaths(home).api
  if (options.force !== true) {
    const info = await readApiFile(home)
    if (info === undefined || info.pid !== (options.pid ?? process.pid)) return false
  }
  try {
    await rm(path)
    return true
  } catch {
    return false
  }
}

/** `<home>/api.json` if it exists and is well formed, else undefined. */
export async function readApiFile (home: string): Promise<ApiInfo | undefined> {
  let text: string
  try {
    text = await readFile(homePaths(home).api, 'utf8')
  } catch {
    return undefined
  }
  try {
    const v = JSON.parse(text)
    if (typeof v?.url !== 'string' || typeof v.token !== 'string' || !Number.isSafeInteger(v.pid) || v.pid <= 0) return undefined
    return { url: v.url, token: v.token, pid: v.pid }
  } catch {
    return undefined
  }
}

/** Whether a process with this id exists (`kill(pid, 0)`; EPERM: it exists, owned by someone else). */
export function processAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export interface ApiClientInit {
  url: string
  token: string
  /** per-request time limit in ms (default: none; following an org can take a while) */
  timeoutMs?: number
}

export class ApiClient implements ApiHandlers {
  readonly url: string
  private readonly token: string
  private readonly timeoutMs?: number

  constructor (init: ApiClientInit) {
    const u = new URL(init.url)
    // the token goes to loopback only, whatever api.json says
    if (u.protocol !== 'http:' || !isLoopbackHost(u.hostname)) throw new ApiUnavailableError(`the API address ${init.url} is not a loopback http:// address`)
    this.url = u.origin
    this.token = init.token
    this.timeoutMs = init.timeoutMs
  }

  /**
   * The client of the node running on `home`, or undefined when none is: no api.json, a
   * stale one (its process is gone), or a node that does not answer `GET /v1/status` in
   * time (default 1 s).
   */
  static async fromHome (home: string, options: { probeMs?: number, timeoutMs?: number } = {}): Promise<ApiClient | undefined> {
    const info = await readApiFile(home)
    if (info === undefined || !processAlive(info.pid)) return undefined
    let client: ApiClient
    try {
      client = new ApiClient({ url: info.url, token: info.token, ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}) })
      await client.call('GET', '/v1/status', undefined, { signal: AbortSignal.timeout(options.probeMs ?? 1000) })
    } catch {
      return undefined
    }
    return client
  }

  async status (options?: CallOptions): Promise<ApiStatus> {
    return await this.call('GET', '/v1/status', undefined, options)
  }

  async publish (input: PublishInput, options?: CallOptions): Promise<PublishResult> {
    return await this.call('POST', '/v1/publish', { document: input.document, format: input.format }, options)
  }

  async validate (input: PublishInput, options?: CallOptions): Promise<ValidateResult> {
    return await this.call('POST', '/v1/validate', { document: input.document, format: input.format }, options)
  }

  async follow (input: FollowInput, options?: CallOptions): Promise<FollowResult> {
    return await this.call('POST', '/v1/follow', { org: input.org, ...(input.via !== undefined ? { via: input.via } : {}), ...(input.alias !== undefined ? { alias: input.alias } : {}) }, options)
  }

  async unfollow (input: { org: string }, options?: CallOptions): Promise<UnfollowResult> {
    return await this.call('POST', '/v1/unfollow', { org: input.org }, options)
  }

  async show (input: ShowInput, options?: CallOptions): Promise<ShowResult> {
    const path = input.ref === undefined ? '/v1/versions' : `/v1/versions/${encodeURIComponent(input.ref)}`
    return await this.call('GET', `${path}${query({ seq: input.seq })}`, undefined, options)
  }

  async log (input: LogInput, options?: CallOptions): Promise<LogEntry[]> {
    const path = input.org === undefined ? '/v1/log' : `/v1/log/${encodeURIComponent(input.org)}`
    return await this.call('GET', `${path}${query({ limit: input.limit })}`, undefined, options)
  }

  async orgs (options?: CallOptions): Promise<OrgRow[]> {
    return await this.call('GET', '/v1/orgs', undefined, options)
  }

  async claims (input: ClaimsInput = {}, options?: CallOptions): Promise<ClaimResult[]> {
    const { trusted, ...rest } = input
    return await this.call('GET', `/v1/claims${query({ ...rest, ...(trusted === true ? { trusted: 'true' } : {}) })}`, undefined, options)
  }

  async verify (input: { cid: string }, options?: CallOptions): Promise<VerifyResult> {
    return await this.call('GET', `/v1/verify/${encodeURIComponent(input.cid)}`, undefined, options)
  }

  async endorse (input: EndorseInput, options?: CallOptions): Promise<StatementResult> {
    return await this.call('POST', '/v1/endorse', input, options)
  }

  async retract (input: RetractInput, options?: CallOptions): Promise<StatementResult> {
    return await this.call('POST', '/v1/retract', input, options)
  }

  async adopt (input: AdoptInput, options?: CallOptions): Promise<AdoptApiResult> {
    return await this.call('POST', '/v1/adopt', input, options)
  }

  async provenance (input: { cid: string }, options?: CallOptions): Promise<ProvenanceReport> {
    return await this.call('GET', `/v1/provenance/${encodeURIComponent(input.cid)}`, undefined, options)
  }

  async trust (options?: CallOptions): Promise<TrustRow[]> {
    return await this.call('GET', '/v1/trust', undefined, options)
  }

  async trustSet (input: TrustSetInput, options?: CallOptions): Promise<TrustSetInput> {
    return await this.call('POST', '/v1/trust', { org: input.org, level: input.level }, options)
  }

  async search (input: SearchInput, options?: CallOptions): Promise<SearchHit[]> {
    const { text, trusted, ...rest } = input
    return await this.call('GET', `/v1/search${query({ q: text, ...rest, ...(trusted === true ? { trusted: 'true' } : {}) })}`, undefined, options)
  }

  async similar (input: SimilarInput, options?: CallOptions): Promise<SimilarHit[]> {
    return await this.call('GET', `/v1/claims/${encodeURIComponent(input.cid)}/similar${query({ limit: input.limit })}`, undefined, options)
  }

  async exportCar (input: ExportInput, options?: CallOptions): Promise<ExportResult> {
    return await this.call('POST', '/v1/export', { org: input.org, path: input.path, ...(input.force === true ? { force: true } : {}) }, options)
  }

  async importCar (input: { path: string }, options?: CallOptions): Promise<ImportResult> {
    return await this.call('POST', '/v1/import', { path: input.path }, options)
  }

  async feed (input: FeedInput = {}, options?: CallOptions): Promise<FeedEvent[]> {
    return await this.call('GET', `/v1/feed${query({ since: input.since, limit: input.limit, kinds: input.kinds?.join(',') })}`, undefined, options)
  }

  /**
   * `GET /v1/events`: the node's feed, live, until `signal` aborts or the node stops
   * (sse-client.ts); `onOpen` once the node listens (events after it are all delivered).
   */
  events (options: CallOptions & { onOpen?: () => void } = {}): AsyncIterable<FeedEvent> {
    return sseEvents<FeedEvent>(this.url + '/v1/events', this.token, options.signal, options.onOpen)
  }

  async guide (input: GuideInput, options?: CallOptions): Promise<GuideResult> {
    return await this.call('POST', '/v1/guide', input, options)
  }

  async stop (options?: CallOptions): Promise<StopResult> {
    return await this.call('POST', '/v1/stop', {}, options)
  }

  /** A one-time login link for the web explorer (`oos ui`). */
  async uiLink (options?: CallOptions): Promise<UiLink> {
    return await this.call('POST', '/v1/ui/link', {}, options)
  }

  /** One request; a non-2xx answer throws the typed error it names. */
  async call<T> (method: 'GET' | 'POST', path: string, body?: unknown, options: CallOptions = {}): Promise<T> {
    const signals = [options.signal, this.timeoutMs !== undefined ? AbortSignal.timeout(this.timeoutMs) : undefined].filter(s => s !== undefined)
    const signal = signals.length === 0 ? undefined : AbortSignal.any(signals)
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body))
    const headers: Record<string, string | number> = { authorization: `Bearer ${this.token}`, accept: 'application/json' }
    if (payload !== undefined) {
      headers['content-type'] = 'application/json'
      headers['content-length'] = payload.length
    }
    let status: number
    let text: string
    try {
      ({ status, text } = await new Promise<{ status: number, text: string }>((resolve, reject) => {
        const req = request(this.url + path, { method, headers, ...(signal !== undefined ? { signal } : {}) }, (res) => {
          const chunks: Buffer[] = []
          let size = 0
          res.on('data', (c: Buffer) => {
            size += c.length
            if (size > MAX_RESPONSE_BYTES) { res.destroy(new ApiUnavailableError(`response over ${MAX_RESPONSE_BYTES} bytes`)); return }
            chunks.push(c)
          })
          res.on('end', () => { resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }) })
          res.on('error', reject)
        })
        req.on('error', reject)
        req.end(payload)
      }))
    } catch (err) {
      if (options.signal?.aborted === true) throw new AbortedError(`${method} ${path} aborted`)
      if (signal?.aborted === true) throw new ApiUnavailableError(`the node's API at ${this.url} did not answer ${method} ${path} in time`)
      throw new ApiUnavailableError(`the node's API at ${this.url} did not answer: ${(err as Error).message}`, { cause: err })
    }
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      throw new ApiUnavailableError(`the node's API at ${this.url} answered ${status} with a body that is not JSON`)
    }
    if (status >= 200 && status < 300) return value as T
    const e = (value as { error?: { code?: unknown, message?: unknown, path?: unknown, details?: unknown } } | null)?.error
    const details = typeof e?.details === 'object' && e.details !== null && !Array.isArray(e.details) ? e.details as Record<string, unknown> : undefined
    if (typeof e?.code === 'string' && typeof e.message === 'string') throw errorFromCode(e.code, e.message, typeof e.path === 'string' ? e.path : undefined, details)
    throw new ApiUnavailableError(`the node's API at ${this.url} answered ${status} without an error code`)
  }
}

function query (params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v))
  const s = q.toString()
  return s === '' ? '' : `?${s}`
}
