import type { CID } from 'multiformats/cid'
import { errorClass, UnknownTargetError } from '../errors.ts'

export { AbortedError, NotAuthorError, NotStartedError, UnknownTargetError } from '../errors.ts'

/** Chain and reference rules (SPEC §6, §9). */
export class SeqGapError extends errorClass('SeqGapError', 'SEQ_GAP') {}
export class WrongPrevError extends errorClass('WrongPrevError', 'WRONG_PREV') {}
export class TimeRegressionError extends errorClass('TimeRegressionError', 'TIME_REGRESSION') {}
export class UnauthorizedKeyError extends errorClass('UnauthorizedKeyError', 'UNAUTHORIZED_KEY') {}
export class StaleRecordError extends errorClass('StaleRecordError', 'STALE_RECORD') {}
/** A verify worker died (SPEC §9) every time it was given this record: the record is not judged. */
export class WorkerFailedError extends errorClass('WorkerFailedError', 'WORKER_FAILED') {}

/**
 * A version whose claims are derived from claims not known here (code UNKNOWN_TARGET):
 * carries the missing source CIDs, so a syncing node can fetch their authors' chains first.
 */
export class UnknownSourceError extends UnknownTargetError {
  missing: CID[] = []
}
