/**
 * Typed errors of the OOS document module (protocol/BODY.md §9). Callers switch on `code`.
 *
 * - `OosParseError` (`PARSE_ERROR`): a `.oos.md` / `.oos.json` text that cannot be read;
 *   `path` is `line N` for Markdown (1-based line of the file) and a JSON path for JSON.
 * - `SchemaInvalidError` (`SCHEMA_INVALID`, also exported as `BodySchemaError`): a body
 *   that breaks the body schema; `path` is a JSON path such as `claims[3].confidence`. The
 *   record layer raises the same class for records (records/errors.ts, `RecordSchemaError`).
 * - `BodyLimitError` (`LIMIT_EXCEEDED`): a body over one of the size limits of BODY.md §7.
 * - `InvalidUtf8Error` (`INVALID_UTF8`): a document file's bytes are not UTF-8; `path` is
 *   `line N` of the first ill-formed sequence.
 */
import { errorClass } from '../errors.ts'

export class OosParseError extends errorClass('OosParseError', 'PARSE_ERROR') {}
export class SchemaInvalidError extends errorClass('SchemaInvalidError', 'SCHEMA_INVALID') {}
export { SchemaInvalidError as BodySchemaError }
export class BodyLimitError extends errorClass('BodyLimitError', 'LIMIT_EXCEEDED') {}
/** A document file that is not UTF-8 (or a text with lone surrogates): BODY.md §5.1. */
export class InvalidUtf8Error extends errorClass('InvalidUtf8Error', 'INVALID_UTF8') {}
