import { errorClass } from '../errors.ts'

/** A command line that does not parse: exit code 2. */
export class UsageError extends errorClass('UsageError', 'USAGE') {}
/** No passphrase available (no TTY and no OOS_PASSPHRASE). */
export class NoPassphraseError extends errorClass('NoPassphraseError', 'NO_PASSPHRASE') {}
/** Something checked was found invalid: exit code 1 with the reason's code. */
export class VerificationFailedError extends errorClass('VerificationFailedError', 'VERIFICATION_FAILED') {}
/** `oos stop` with no node running for the home (exit 1). */
export class NodeNotRunningError extends errorClass('NodeNotRunningError', 'NODE_NOT_RUNNING') {}
/** `oos stop`: the node answered, but its process did not exit in time (exit 1). */
export class StopTimeoutError extends errorClass('StopTimeoutError', 'STOP_TIMEOUT') {}
