import { describe, expect, it } from 'vitest'
import { inputOf, loadCases, NOT_REJECTED } from '../protocol/conformance/cases.ts'
import { verdictOf } from '../protocol/conformance/oosnet-verifier.ts'

const file = loadCases()

describe('protocol/vectors/cases.json (conformance cases, each naming its rule)', () => {
  it.each(file.cases.map(c => [`${c.rule} ${c.name}`, c] as const))('%s', async (_n, c) => {
    const v = await verdictOf(inputOf(file, c))
    for (const a of v.after) expect(NOT_REJECTED.has(a), `prerequisite of ${c.name} rejected: ${a}`).toBe(true)
    expect(v.verdict).toBe(c.expect)
  })
})
