import { errorClass } from '../errors.ts'

/** moved to src/errors.ts (used by more than one layer); re-exported for the callers not yet changed */
export { HomeCorruptError, NotFoundError, InvalidArgumentError, AddressInUseError, ListenFailedError, NoOrgKeyError } from '../errors.ts'

export class HomeNotFoundError extends errorClass('HomeNotFoundError', 'HOME_NOT_FOUND') {}
export class HomeExistsError extends errorClass('HomeExistsError', 'HOME_EXISTS') {}
export class UnchangedBodyError extends errorClass('UnchangedBodyError', 'UNCHANGED_BODY') {}
/** A follow's --via addresses all failed and no other peer was found (the follow stays recorded and is retried). */
export class UnreachableError extends errorClass('UnreachableError', 'UNREACHABLE') {}
/** A file would be overwritten and `force` was not given (node/files.ts). */
export class PathExistsError extends errorClass('PathExistsError', 'PATH_EXISTS') {}
/** A path we will not write: a directory, a missing directory, a symlink, inside the node's home, not writable (node/files.ts). */
export class PathInvalidError extends errorClass('PathInvalidError', 'PATH_INVALID') {}
/** The filesystem is full, or the user's quota is (ENOSPC, EDQUOT). */
export class NoSpaceError extends errorClass('NoSpaceError', 'NO_SPACE') {}
