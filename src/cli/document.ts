/**
 * A document file as `validate` and `publish` read it: size-checked, strictly decoded, its
 * form from the name; checked in full (every problem with its line, every correction,
 * warnings, the starter's placeholders left in); `--fix` writing the corrected derived fields
 * back. Pure checks (oos/check.ts) plus the file; no key and no node involved.
 */
import { readFile, stat, writeFile } from 'node:fs/promises'
import { InvalidArgumentError, NotFoundError, OosError } from '../errors.ts'
import { decodeDocument, fixDerived, type DocumentReport } from '../oos/index.ts'
import { validateDocument, validateResult } from '../app/validate.ts'
import { fileError } from './values.ts'

/** Documents larger than this are refused before reading (the record limit is 1 MiB). */
export const MAX_DOCUMENT_BYTES = 4 * 1024 * 1024

export interface DocumentFile { path: string, text: string, format: 'md' | 'json' }

export async function readDocumentFile (path: string): Promise<DocumentFile> {
  const st = await stat(path).catch(() => undefined)
  if (st === undefined || !st.isFile()) throw new NotFoundError(`${path}: no such file`)
  if (st.size > MAX_DOCUMENT_BYTES) throw new InvalidArgumentError(`${path} is ${st.size} bytes; documents are limited to ${MAX_DOCUMENT_BYTES}`)
  const text = decodeDocument(await readFile(path))
  return { path, text, format: /\.json$/i.test(path) ? 'json' : 'md' }
}

export interface FileReport extends DocumentReport {
  /** derived fields written back by --fix */
  fixed: Array<{ field: string, declared: unknown, actual: unknown }>
}

/** Check a document file in full; with `fix`, first write its corrected derived fields back. */
export async function checkDocumentFile (doc: DocumentFile, options: { fix?: boolean } = {}): Promise<FileReport & { text: string }> {
  let text = doc.text
  let fixed: FileReport['fixed'] = []
  if (options.fix === true) {
    try {
      const r = fixDerived(text, doc.format)
      if (r.text !== text) {
        await writeFile(doc.path, r.text).catch((err) => { throw fileError(err, 'FILE', doc.path) })
        text = r.text
        fixed = r.fixed
      }
    } catch (err) {
      if (!(err instanceof OosError)) throw err // a text that cannot be read: reported below
    }
  }
  const report = validateDocument(text, doc.format)
  return { ...report, fixed, text }
}

const show = (v: unknown): string => v === undefined ? 'nothing' : JSON.stringify(v)

/** The report as lines: errors, corrections, fixes, warnings. */
export function reportLines (r: FileReport): string[] {
  return [
    ...r.errors.map(e => `error: ${e.message} [${e.code}]`),
    ...r.fixed.map(c => `fixed ${c.field} in the file: ${show(c.declared)} → ${show(c.actual)}`),
    ...r.corrections.filter(c => !r.fixed.some(f => f.field === c.field)).map(c => c.actual === undefined
      ? `corrected ${c.field}: null in an optional field is treated as absent`
      : `corrected ${c.field}: the document said ${show(c.declared)}, the document gives ${show(c.actual)}${c.field === 'frontmatter.word_count' || c.field.endsWith('_count') || c.field.endsWith('_distribution') ? ' (oos validate --fix writes it back)' : ''}`),
    ...r.warnings.map(w => `warning: ${w.message}`)
  ]
}

/** The report as JSON (no body): the API's validate result, with the file and what --fix wrote. */
export function reportJson (file: string, r: FileReport): Record<string, unknown> {
  return { file, ...validateResult(r), fixed: r.fixed }
}
