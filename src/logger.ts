/**
 * One logger per component (`oosnet:ingest`, `oosnet:net:sync`, …), enabled with
 * `DEBUG=oosnet:*`. Never log secrets or whole records: log CIDs, orgs and codes.
 */
import { logger as libp2pLogger, type Logger } from '@libp2p/logger'

export type { Logger }

export function logger (name: string): Logger {
  return libp2pLogger(name)
}
