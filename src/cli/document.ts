/** Reading an OOS document a person gave us on the command line. */
import { readFile, stat } from 'node:fs/promises'
import { parseOosJson, parseOosMarkdown, validateBody } from '../oos/index.ts'
import type { Correction } from '../oos/derive.ts'
import type { OosBody } from '../oos/types.ts'
import { NotFoundError, InvalidArgumentError } from '../node/errors.ts'

/** Documents larger than this are refused before reading (the record limit is 1 MiB). */
export const MAX_DOCUMENT_BYTES = 4 * 1024 * 1024

export async function readDocument (path: string): Promise<{ body: OosBody, corrections: Correction[] }> {
  const st = await stat(path).catch(() => undefined)
  if (st === undefined || !st.isFile()) throw new NotFoundError(`${path}: no such file`)
  if (st.size > MAX_DOCUMENT_BYTES) throw new InvalidArgumentError(`${path} is ${st.size} bytes; documents are limited to ${MAX_DOCUMENT_BYTES}`)
  const text = await readFile(path, 'utf8')
  const parsed = /\.json$/i.test(path) ? parseOosJson(text) : parseOosMarkdown(text)
  return { body: validateBody(parsed.body), corrections: parsed.corrections }
}
