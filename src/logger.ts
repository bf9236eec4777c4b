/**
 * One logger per component (`oosnet:ingest`, `oosnet:net:sync`, …), enabled with
 * `DEBUG=oosnet:*`. Never log secrets or whole records: log CIDs, orgs and codes.
 *
 * A node's services log through a `ComponentLogger` named for the node (`nodeLogger`):
 * `oosnet:<node>:<component>`, e.g. `oosnet:ledgerline:replicator`, so several nodes in one
 * process (the demo, tests, benchmarks) log apart: `DEBUG=oosnet:ledgerline:*` shows one
 * node, `DEBUG=oosnet:*:replicator` one component of every node.
 */
import { logger as libp2pLogger, type ComponentLogger, type Logger } from '@libp2p/logger'

export type { Logger, ComponentLogger }

export function logger (name: string): Logger {
  return libp2pLogger(name)
}

/** A node's name as a namespace segment: lower case, runs of anything but [a-z0-9] as one '-'. */
export function logName (name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'node'
}

/** The loggers of one node's components: `forComponent('replicator')` logs as `oosnet:<node>:replicator`. */
export function nodeLogger (node: string): ComponentLogger {
  const prefix = `oosnet:${logName(node)}`
  return { forComponent: (component: string) => libp2pLogger(`${prefix}:${component}`) }
}
