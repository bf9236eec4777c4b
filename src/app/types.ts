/**
 * The application layer's surface (`App`): what a program, the CLI offline, and the HTTP API
 * of a running node (api/server.ts) call, and what the CLI calls online through `ApiClient`
 * (api/client.ts): one interface, so the client mirrors the app.
 * Every result is plain JSON (CIDs as their string form, bytes as base64), see `Jsonified`.
 */
import type { CID } from 'multiformats/cid'
import type { ImportReport } from '../node/car.ts'
import type { NodeStatus } from '../node/node.ts'
import type { ClaimRow, LogEntry } from '../node/queries.ts'
import type { VerifyReport } from '../node/verify.ts'
import type { Confidence, Evidence } from '../oos/types.ts'
import type { VersionRecord } from '../records/types.ts'
import type { AdoptConflict } from '../trust/adopt.ts'
import type { ProvenanceReport } from '../trust/provenance.ts'
import type { TrustLevel, TrustRow } from '../trust/settings.ts'
import type { FollowResult as NodeFollowResult } from '../node/node.ts'
import type { OrgLabel, OrgRow, TrustMark } from './names.ts'
import type { ClaimRef } from './claimref.ts'
import type { FeedEvent, FeedInput, FeedKind } from './feed.ts'
import type { SearchHit, SearchInput } from './search.ts'
import type { SimilarHit, SimilarInput } from './similar.ts'

/** The domain types the app's results are made of (for the callers that render them). */
export type { ClaimRef }
export type { SearchHit, SearchInput, SimilarHit, SimilarInput }
export type { ImportReport, NodeStatus, ClaimRow, LogEntry, VerifyReport, AdoptConflict, ProvenanceReport, TrustLevel, TrustRow, OrgLabel, OrgRow, TrustMark }
export type { DerivationNode, EndorsementEntry, Verdict } from '../trust/provenance.ts'
export type { FeedEvent, FeedInput, FeedKind }

/** The JSON form of a value as `toJson` (src/records/json.ts) makes it: CIDs and bytes become strings. */
export type Jsonified<T> =
  T extends CID ? string
    : T extends Uint8Array ? string
      : T extends Array<infer U> ? Array<Jsonified<U>>
        : T extends object ? { [K in keyof T]: Jsonified<T[K]> }
          : T

export interface CallOptions {
  /** aborted when the HTTP client goes away (server side) or by the caller (client side) */
  signal?: AbortSignal
  /** progress of a long call (CAR export and import), when the handler runs in this process; not sent over HTTP */
  onProgress?: (done: number, total?: number) => void
}

/** Request and response counters of the API server. */
export interface ApiStats {
  requests: number
  /** responses with a status ≥ 400 */
  errors: number
  /** responses by HTTP status */
  byStatus: Record<string, number>
  /** error responses by code */
  byCode: Record<string, number>
}

/**
 * What `GET /v1/status` answers: the node's own status (node.ts `NodeStatus`) as JSON, its
 * counters optional (a node may leave some out), and `api` added by the server.
 */
export type ApiStatus = Pick<NodeStatus, 'org' | 'name' | 'peerId' | 'multiaddrs' | 'peers' | 'head'>
  & { following: Array<NodeStatus['following'][number] & { /** its alias, else its pseudonym */ name?: string }> }
  & Partial<Jsonified<Pick<NodeStatus, 'ingest' | 'gossip' | 'reqresp' | 'sync' | 'violations' | 'connections' | 'memory' | 'workers'>>>
  & { api?: ApiStats }

export type DocumentFormat = 'md' | 'json'

export interface PublishInput {
  /** the text of a `.oos.md` (format `md`) or `.oos.json` (format `json`) document */
  document: string
  format: DocumentFormat
}

export interface PublishResult {
  org: string
  seq: number
  cid: string
  /** number of claims in the version */
  claims: number
  /** front matter fields the parser corrected (declared: null when the document had none) */
  corrections: Array<{ field: string, declared: unknown, actual: unknown }>
}

/** A problem of a document (`oos validate`, `POST /v1/validate`): its code, where, and one line for people. */
export interface DocumentProblem {
  /** PARSE_ERROR, INVALID_UTF8, SCHEMA_INVALID, LIMIT_EXCEEDED; a warning: PROSE_COUNTS */
  code: string
  /** JSON path (`claims[3].confidence`) or `line N` */
  path: string
  /** the file line (`.oos.md`) */
  line?: number
  message: string
}

/** A document checked in full (app/validate.ts): every error, every correction, the warnings. */
export interface ValidateResult {
  /** no errors: publish would accept it */
  valid: boolean
  errors: DocumentProblem[]
  /** what the reader corrected (derived fields; a null in an optional field: actual null, removed) */
  corrections: Array<{ field: string, declared: unknown, actual: unknown }>
  warnings: DocumentProblem[]
}

export interface FollowInput {
  /** the org: a did, a did prefix, a pseudonym or an alias (SPEC §9.2) */
  org: string
  /** multiaddrs of peers to fetch it from (else the DHT) */
  via?: string[]
  /** our local name for it, an ORG argument from then on */
  alias?: string
}

/** A follow's result; `pending` when no node runs: recorded, synced when the node starts. */
export type FollowResult = NodeFollowResult & { pending?: true }
export interface UnfollowResult { org: string, removed: boolean }
/** `POST /v1/stop`: the node stops once this answer is sent; `pid` is the process that exits. */
export interface StopResult { stopping: true, pid: number }

export interface ShowInput {
  /** a version CID, or an org (SPEC §9.2); default: our org */
  ref?: string
  /** the version number (default: the head); ignored when ref is a CID */
  seq?: number
}

export interface ShowResult {
  cid: string
  rec: Jsonified<VersionRecord>
  /** the signature(s), base64 */
  sig: string
  /** how we stand towards the version's org */
  label: OrgLabel
  /** when `ref` was a claim CID: the claim (the version is the latest holding it) */
  claim?: ClaimRef
}

/** `org`: default ours */
export interface LogInput { org?: string, limit?: number }

export interface ClaimsInput {
  org?: string
  search?: string
  section?: string
  confidence?: Confidence
  evidence?: Evidence
  /** only claims of orgs we trust (ours included) */
  trusted?: boolean
}

/** A claim with how we stand towards its org. */
export type ClaimResult = Jsonified<ClaimRow> & { label: OrgLabel }

/** A verification report (no per-record results); `code` is the first rejection's. */
export type VerifyResult = Omit<VerifyReport, 'results'> & { code?: string, claim?: ClaimRef }

export interface EndorseInput {
  /** the claim CID endorsed or disputed */
  target: string
  /** default `endorse` */
  stance?: 'endorse' | 'dispute'
  note?: string
  evidence?: { type: Evidence, text: string }
  /** ms since the epoch; must be in the future */
  expiresAt?: number
}

export interface RetractInput {
  /** one of our own statements, claims or versions */
  target: string
  /** default "retracted by its author" */
  reason?: string
}

/** A statement we signed and ingested (then gossiped on the target author's topic). */
export interface StatementResult {
  cid: string
  /** what the ingest door said: `accepted`, or `duplicate` */
  status: string
  target: string
  stance?: 'endorse' | 'dispute'
}

export interface AdoptInput {
  /** the source claim's CID */
  cid: string
  /** our draft, `.oos.md` text; default: our latest published version */
  draft?: string
}

export interface AdoptApiResult {
  /** the draft with the claim added (`.oos.md`), absent when a conflict left it unchanged */
  document?: string
  added: { claim_id: string, derived_from: string[], evidence_reference?: string, rule: string } | null
  conflicts: AdoptConflict[]
}

export interface TrustSetInput { org: string, level: TrustLevel }

export interface ExportInput {
  /** an org (SPEC §9.2); default: ours */
  org?: string
  /** absolute path of the CAR file the node writes (the node and the CLI share a filesystem) */
  path: string
  /** replace an existing file (never a symlink or a directory); without it an existing file is PATH_EXISTS */
  force?: boolean
}

export interface ExportResult { org: string, file: string, root: string, blocks: number, bytes: number }

/** A CAR import's report (node/car.ts `ImportReport`). */
export type ImportResult = ImportReport

/** `oos guide` (app/guide.ts): an AGENTS.md / CLAUDE.md from the claims of `orgs` (default: ours). */
export interface GuideInput {
  /** orgs (SPEC §9.2), in the order the guide lists them; default: ours */
  orgs?: string[]
  /** only the claims adopted from other orgs (those with `derived_from`) */
  adopted?: boolean
  /** leave out claims below this confidence */
  minConfidence?: Confidence
  /** default `agents.md` */
  format?: 'agents.md' | 'claude.md'
}

export interface GuideResult {
  /** the file's text (UTF-8 Markdown) */
  text: string
  /** the versions it was built from, in its order */
  sources: Array<{ org: string, label: OrgLabel, seq: number, cid: string }>
}

/**
 * The application: every operation of oosnet. Over a running node (app/node.ts `nodeApp`) it is
 * complete and is what the HTTP API serves; offline over a home (app/offline.ts) it is the
 * `LocalApp` part.
 */
export interface App {
  status: (options?: CallOptions) => Promise<ApiStatus>
  publish: (input: PublishInput, options?: CallOptions) => Promise<PublishResult>
  /** check a document as publish would, reporting every problem at once; nothing signed or stored */
  validate: (input: PublishInput, options?: CallOptions) => Promise<ValidateResult>
  follow: (input: FollowInput, options?: CallOptions) => Promise<FollowResult>
  unfollow: (input: { org: string }, options?: CallOptions) => Promise<UnfollowResult>
  /** every org known here: held, followed or ours, with its alias, trust and head */
  orgs: (options?: CallOptions) => Promise<OrgRow[]>
  show: (input: ShowInput, options?: CallOptions) => Promise<ShowResult>
  log: (input: LogInput, options?: CallOptions) => Promise<LogEntry[]>
  claims: (input: ClaimsInput, options?: CallOptions) => Promise<ClaimResult[]>
  verify: (input: { cid: string }, options?: CallOptions) => Promise<VerifyResult>
  endorse: (input: EndorseInput, options?: CallOptions) => Promise<StatementResult>
  retract: (input: RetractInput, options?: CallOptions) => Promise<StatementResult>
  adopt: (input: AdoptInput, options?: CallOptions) => Promise<AdoptApiResult>
  provenance: (input: { cid: string }, options?: CallOptions) => Promise<ProvenanceReport>
  trust: (options?: CallOptions) => Promise<TrustRow[]>
  trustSet: (input: TrustSetInput, options?: CallOptions) => Promise<TrustSetInput>
  /** full-text search over the claims of every org held, best first (app/search.ts) */
  search: (input: SearchInput, options?: CallOptions) => Promise<SearchHit[]>
  /** the claims of other orgs that say the same as a claim or the opposite (app/similar.ts) */
  similar: (input: SimilarInput, options?: CallOptions) => Promise<SimilarHit[]>
  exportCar: (input: ExportInput, options?: CallOptions) => Promise<ExportResult>
  importCar: (input: { path: string }, options?: CallOptions) => Promise<ImportResult>
  /** an agent-ready guidance file from claims, with provenance (app/guide.ts) */
  guide: (input: GuideInput, options?: CallOptions) => Promise<GuideResult>
  /** the node's metrics in the Prometheus text format (GET /metrics; a node run with metrics) */
  metrics?: (options?: CallOptions) => Promise<string>
  /** what happened that concerns us, from the store: the newest `limit` events at or after `since`, oldest first (app/feed.ts) */
  feed: (input: FeedInput, options?: CallOptions) => Promise<FeedEvent[]>
  /** the feed live, from a running node (app/feedstream.ts): ends when `signal` aborts or the node stops; offline there is none */
  events?: (options?: CallOptions) => AsyncIterable<FeedEvent>
  /** stop the node gracefully (a node run by `oos start`; a server without it answers NOT_FOUND) */
  stop?: (options?: CallOptions) => Promise<StopResult>
}

/** What a store, an ingest door, the home and the org key can provide without a network (app/local.ts, app/trust.ts). */
export type LocalApp = Omit<App, 'status' | 'stop' | 'metrics'>

/** What the HTTP API serves: the app (the name the transport uses). */
export type ApiHandlers = App
/** @deprecated the name before app/: `LocalApp` */
export type LocalHandlers = LocalApp
