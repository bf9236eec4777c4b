/**
 * A document checked as `oos validate` checks it, for every door (the CLI offline, the API's
 * `POST /v1/validate`, and publish, which refuses what this finds): every problem at once with
 * its line or JSON path (oos/check.ts), every correction, the prose warnings, and what is left
 * of the starter `oos new` wrote (a `<placeholder>`: SCHEMA_INVALID, the document is not the
 * organization's yet). Pure: no key, no store.
 */
import { OosError } from '../errors.ts'
import { BodyLimitError, BodySchemaError, InvalidUtf8Error, OosParseError, byLine, checkDocument, lineOf, type DocumentReport, type Problem } from '../oos/index.ts'
import { toJson } from '../records/json.ts'
import { placeholderProblems } from './starter.ts'
import type { DocumentFormat, ValidateResult } from './types.ts'

/** Every problem of a document text, the starter's placeholders among them. */
export function validateDocument (text: string, format: DocumentFormat): DocumentReport {
  const report = checkDocument(text, format)
  if (report.body !== undefined) {
    for (const p of placeholderProblems(report.body)) {
      const line = lineOf(report.lines, p.path)
      const message = `${p.path} still holds the starter's placeholder ${JSON.stringify(p.text.length > 60 ? `${p.text.slice(0, 60)}…` : p.text)}: replace it before publishing`
      report.errors.push(line === undefined ? { code: 'SCHEMA_INVALID', path: p.path, message } : { code: 'SCHEMA_INVALID', path: p.path, line, message: `line ${line}: ${message}` })
    }
    report.errors.sort(byLine)
  }
  return report
}

/** The report as the API and `oos validate --json` give it (no body). */
export function validateResult (r: DocumentReport): ValidateResult {
  return toJson({
    valid: r.errors.length === 0,
    errors: r.errors,
    corrections: r.corrections.map(c => ({ field: c.field, declared: c.declared ?? null, actual: c.actual ?? null })),
    warnings: r.warnings
  }) as ValidateResult
}

const CLASSES: Record<string, new (m: string, o?: { path?: string }) => OosError> = {
  PARSE_ERROR: OosParseError, INVALID_UTF8: InvalidUtf8Error, LIMIT_EXCEEDED: BodyLimitError
}

/** The error that stands for a document's problems (the first one's code; the message counts the others). */
export function documentError (errors: Problem[]): OosError {
  const first = errors[0]
  const C = CLASSES[first.code] ?? BodySchemaError
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more problem${errors.length > 2 ? 's' : ''})` : ''
  return new C(`${first.message}${more}`, { path: first.path })
}
