import { errorClass } from '../errors.ts'

export class HomeNotFoundError extends errorClass('HomeNotFoundError', 'HOME_NOT_FOUND') {}
export class HomeExistsError extends errorClass('HomeExistsError', 'HOME_EXISTS') {}
export class HomeCorruptError extends errorClass('HomeCorruptError', 'HOME_CORRUPT') {}
export class UnchangedBodyError extends errorClass('UnchangedBodyError', 'UNCHANGED_BODY') {}
export class NotFoundError extends errorClass('NotFoundError', 'NOT_FOUND') {}
export class InvalidArgumentError extends errorClass('InvalidArgumentError', 'INVALID_ARGUMENT') {}
/** A follow's --via addresses all failed and no other peer was found (the follow stays recorded and is retried). */
export class UnreachableError extends errorClass('UnreachableError', 'UNREACHABLE') {}
