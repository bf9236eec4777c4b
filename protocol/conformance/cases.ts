/**
 * Reading protocol/vectors/cases.json into the lines the conformance protocol sends
 * (protocol/README.md §4): each case self-contained, its records as hex.
 */
import { readFileSync } from 'node:fs'
import type { CaseInput } from './oosnet-verifier.ts'

export interface CaseFile {
  now: number
  records: Record<string, string>
  cases: Array<{ name: string, rule: string, note: string, after: string[], record: string, expectedCid?: string, padTo?: number, expect: string }>
}

export const CASES_PATH = new URL('../vectors/cases.json', import.meta.url)

export function loadCases (path: string | URL = CASES_PATH): CaseFile {
  return JSON.parse(readFileSync(path, 'utf8')) as CaseFile
}

/** The case `c` of `file` as one input line's object. */
export function inputOf (file: CaseFile, c: CaseFile['cases'][number]): CaseInput {
  const hex = (name: string): string => {
    const h = file.records[name]
    if (h === undefined) throw new Error(`case ${c.name}: no record ${name}`)
    return h
  }
  let record = hex(c.record)
  if (c.padTo !== undefined) record = record.padEnd(2 * c.padTo, '0')
  return { name: c.name, now: file.now, after: c.after.map(hex), record, ...(c.expectedCid !== undefined ? { expectedCid: c.expectedCid } : {}) }
}

/** The outcomes that are not rejections. */
export const NOT_REJECTED = new Set(['accepted', 'duplicate', 'equivocation'])
