/**
 * oosnet as a library: what a program needs to run a node and work with signed OOS
 * documents — the node and its events, homes and keys, the OOS document formats, records,
 * trust (statements, provenance), CAR files, and the typed errors (SPEC §9).
 *
 * Importing this module has no side effects: nothing starts, listens, opens a file or reads
 * the environment until a function is called (error classes register their codes with the
 * catalogue, errors.ts, as their modules load; that is all).
 *
 * ```ts
 * import { ephemeralNode, parseOosMarkdown } from 'oosnet'
 * const node = await ephemeralNode('Ledgerline')
 * await node.publish(parseOosMarkdown(text).body)
 * ```
 */

// the node
export { OosNode } from './node/node.ts'
export type { OosNodeInit, NodeStatus, FollowResult } from './node/node.ts'
export { createNode } from './node/create.ts'
export type { NodeConfig } from './node/create.ts'
export type { NodeServices } from './node/services/index.ts'
export { ephemeralNode } from './node/ephemeral.ts'
export type { EphemeralNode } from './node/ephemeral.ts'
export type { FollowRetryInit } from './node/reach.ts'
export type { AuditInit } from './node/audit.ts'
export type { ConnectionPolicyInit } from './net/policy.ts'
export type { ReqRespInit } from './net/reqresp/index.ts'
export type { Ingest, IngestResult, IngestStatus, IngestOptions, IngestStats, IngestDecision } from './ingest/ingest.ts'
export type { Store, Head } from './store/store.ts'

// its events
export type {
  OosNodeEvents, IngestEvents, RecordAcceptedEvent, RecordRejectedEvent, PeerViolationEvent, OrgFlaggedEvent, FollowSyncedEvent
} from './node/events.ts'

// homes and keys
export { initHome, loadHome, unlockOrgKey, unlockNodeKey, resolveHome, homePaths, peerKeyFromSeed } from './node/home.ts'
export type { HomeConfig, InitOptions } from './node/home.ts'
export * from './identity/index.ts'
export { readKeystore, readKeystoreInfo, writeKeystore } from './node/keyfile.ts'

// OOS documents: .oos.md and .oos.json, the body schema
export * from './oos/index.ts'

// records: kinds, encoding, signing, verification
export * from './records/index.ts'
export { verifyBytes } from './records/verified.ts'
export type { Verified } from './records/verified.ts'

// reading what a node holds
export { getRecord, getVersion, log, claims } from './node/queries.ts'
export type { StoredRecord, LogEntry, ClaimFilter, ClaimRow } from './node/queries.ts'

// trust: statements, provenance, adoption, key rotation, settings, chain replay
export * from './trust/index.ts'

// CAR files: export, import, verification
export { exportCar, importCar, verifyCar, withCarStore } from './node/car.ts'
export type { ImportReport, Progress } from './node/car.ts'
export { CarInvalidError, CAR_READ_LIMITS } from './node/car-file.ts'
export { verifyStored } from './node/verify.ts'
export { provenance, verifyChains } from './app/replay.ts'
export type { VerifyReport } from './node/verify.ts'

// the application layer: every operation, over a running node or offline over a home
export { nodeApp } from './app/node.ts'
export type { NodeAppInit, RunningNode } from './app/node.ts'
export { withOfflineApp, withHome } from './app/offline.ts'
export type { OfflineAppOptions, OpenHome } from './app/offline.ts'
export { localApp } from './app/local.ts'
export type { OrgSigner } from './app/local.ts'
export { orgSigner, rotateKey } from './app/keys.ts'
export type { RotateKeyInput, RotateKeyResult } from './app/keys.ts'
export { trustedSetOf } from './app/settings.ts'
// names (aliases, pseudonyms, did prefixes) → an org did, one resolver for the CLI, the API and programs (SPEC §9.2)
export { orgNames } from './app/names.ts'
export type { OrgNames, OrgNamesInit, OrgRow } from './app/names.ts'
export { provenanceOfCar } from './app/files.ts'
export { checkAddress, isLoopbackHost } from './app/address.ts'
export type {
  App, LocalApp, CallOptions, PublishInput, PublishResult, ShowInput, ShowResult, LogInput, ClaimsInput, ClaimResult, VerifyResult,
  EndorseInput, RetractInput, StatementResult, AdoptInput, AdoptApiResult, TrustSetInput, ExportInput, ExportResult, ImportResult,
  FollowInput, UnfollowResult, ApiStatus
} from './app/types.ts'
export * from './app/errors.ts'

// errors: the base class, the catalogue (every code), one class per code
export * from './errors.ts'
export * from './node/errors.ts'
export * from './ingest/errors.ts'
export * from './store/errors.ts'
export * from './net/errors.ts'
export * from './net/reqresp/errors.ts'
export * from './api/errors.ts'
