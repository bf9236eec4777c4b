import { errorClass } from '../errors.ts'

/** Rejection reasons of the record layer; codes are listed in protocol/SPEC.md §9. */
export class RecordTooLargeError extends errorClass('RecordTooLargeError', 'RECORD_TOO_LARGE') {}
export class DecodeFailedError extends errorClass('DecodeFailedError', 'DECODE_FAILED') {}
export class NonCanonicalError extends errorClass('NonCanonicalError', 'NON_CANONICAL') {}
export class UnknownKindError extends errorClass('UnknownKindError', 'UNKNOWN_KIND') {}
/** SCHEMA_INVALID has one class, shared with the body schema (oos/errors.ts). */
export { SchemaInvalidError as RecordSchemaError } from '../oos/errors.ts'
export class BadSignatureError extends errorClass('BadSignatureError', 'BAD_SIGNATURE') {}
export class CidMismatchError extends errorClass('CidMismatchError', 'CID_MISMATCH') {}
