/**
 * The OOS document module: the body model, the `.oos.md` and `.oos.json` forms, derived
 * fields and validation. See protocol/BODY.md.
 */
export * from './types.ts'
export { OosParseError, BodySchemaError, BodyLimitError, InvalidUtf8Error } from './errors.ts'
export { decodeDocument, checkDocumentText, escapeUnsafe, escapeJsonText } from './text.ts'
export { parseOosMarkdown } from './markdown.ts'
export type { ParseResult, Presentation } from './markdown.ts'
export { writeOosMarkdown, writeMarkdownPart, writeClaimBlock, checkWritable } from './write.ts'
export { parseOosJson, toOosJson, toOosJsonValue } from './json.ts'
export { deriveFields, deriveWordCount, wordCount, checkDerived, applyDerived } from './derive.ts'
export type { DerivedFields, Mismatch, Correction } from './derive.ts'
export { validateBody, BODY_LIMITS } from './validate.ts'
export { byLine, checkDocument, lineOf, reportBody } from './check.ts'
export type { DocumentReport, Problem } from './check.ts'
export { fixDerived } from './fix.ts'
export { proseCountWarnings } from './prose.ts'
