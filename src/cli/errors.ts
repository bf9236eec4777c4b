import { errorClass } from '../errors.ts'

/** A command line that does not parse: exit code 2 (in src/errors.ts: the app raises it too, for an argument a call needs). */
export { UsageError } from '../errors.ts'
/** No passphrase available (no TTY and no OOS_PASSPHRASE). */
export class NoPassphraseError extends errorClass('NoPassphraseError', 'NO_PASSPHRASE') {}
/** Something checked was found invalid: exit code 1 with the reason's code. */
export class VerificationFailedError extends errorClass('VerificationFailedError', 'VERIFICATION_FAILED') {}
/** `oos stop` with no node running for the home (exit 1). */
export class NodeNotRunningError extends errorClass('NodeNotRunningError', 'NODE_NOT_RUNNING') {}
/** `oos stop`: the node answered, but its process did not exit in time (exit 1). */
export class StopTimeoutError extends errorClass('StopTimeoutError', 'STOP_TIMEOUT') {}
