import { errorClass } from '../errors.ts'

export class HomeNotFoundError extends errorClass('HomeNotFoundError', 'HOME_NOT_FOUND') {}
export class HomeExistsError extends errorClass('HomeExistsError', 'HOME_EXISTS') {}
export class HomeCorruptError extends errorClass('HomeCorruptError', 'HOME_CORRUPT') {}
export class UnchangedBodyError extends errorClass('UnchangedBodyError', 'UNCHANGED_BODY') {}
export class NotFoundError extends errorClass('NotFoundError', 'NOT_FOUND') {}
export class InvalidArgumentError extends errorClass('InvalidArgumentError', 'INVALID_ARGUMENT') {}
/** A follow's --via addresses all failed and no other peer was found (the follow stays recorded and is retried). */
export class UnreachableError extends errorClass('UnreachableError', 'UNREACHABLE') {}
/** A file would be overwritten and `force` was not given (node/files.ts). */
export class PathExistsError extends errorClass('PathExistsError', 'PATH_EXISTS') {}
/** A path we will not write: a directory, a missing directory, a symlink, inside the node's home, not writable (node/files.ts). */
export class PathInvalidError extends errorClass('PathInvalidError', 'PATH_INVALID') {}
/** The filesystem is full, or the user's quota is (ENOSPC, EDQUOT). */
export class NoSpaceError extends errorClass('NoSpaceError', 'NO_SPACE') {}
/** A port another process holds: the API's (`--api`) or a libp2p listen address (`--listen`). */
export class AddressInUseError extends errorClass('AddressInUseError', 'ADDRESS_IN_USE') {}
/** libp2p could not listen on an address for another reason (not an address of this host, no permission). */
export class ListenFailedError extends errorClass('ListenFailedError', 'LISTEN_FAILED') {}
/** The node (or the API) was started without the org key, so it cannot sign (publish, statements). */
export class NoOrgKeyError extends errorClass('NoOrgKeyError', 'NO_ORG_KEY') {}
