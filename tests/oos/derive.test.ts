import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { checkDerived, deriveFields, deriveWordCount, parseOosMarkdown, wordCount, writeMarkdownPart, type Claim } from '../../src/oos/index.ts'

const TEXT = readFileSync(new URL('../fixtures/example.oos.md', import.meta.url), 'utf8')

describe('derived fields', () => {
  it('deriveFields counts claims by confidence and evidence, all six evidence keys present', () => {
    const claims = [
      { confidence: 'HIGH', evidence: 'INFERENCE' },
      { confidence: 'HIGH', evidence: 'INFERENCE' },
      { confidence: 'LOW', evidence: 'SPECULATION' },
      { confidence: 'bogus', evidence: 'bogus' }
    ] as unknown as Claim[]
    expect(deriveFields(claims)).toEqual({
      claim_count: 4,
      confidence_distribution: { high: 2, medium: 0, low: 1 },
      evidence_distribution: { human_defined_rule: 0, observed_once: 0, observed_repeatedly: 0, measured_result: 0, inference: 2, speculation: 1 }
    })
    expect(Object.keys(deriveFields([]).evidence_distribution)).toHaveLength(6)
  })

  it('wordCount splits on ASCII whitespace only', () => {
    expect(wordCount('')).toBe(0)
    expect(wordCount('  one\ttwo\nthree\r\nfour\fvi\vsix  ')).toBe(6)
    expect(wordCount('**[C001]** core - **Rule:** x')).toBe(5)
    expect(wordCount('a\u00a0b c')).toBe(2) // a no-break space is not a separator
  })

  it('word_count of a body is the words of its canonical Markdown part', () => {
    const { body } = parseOosMarkdown(TEXT)
    expect(deriveWordCount(body)).toBe(wordCount(writeMarkdownPart(body)))
    expect(deriveWordCount(body)).toBe(1446)
    // the canonical part of a file in canonical form is the file after the front matter
    expect(writeMarkdownPart(body)).toBe(TEXT.split('\n').slice(28).join('\n').trimEnd())
  })

  it('checkDerived reports each disagreeing field, and nothing for a consistent body', () => {
    const { body } = parseOosMarkdown(TEXT)
    expect(checkDerived(body)).toEqual([])
    const bad = structuredClone(body)
    bad.frontmatter.claim_count = 15
    bad.frontmatter.confidence_distribution = { high: 5, medium: 6, low: 3 }
    bad.frontmatter.evidence_distribution = { ...bad.frontmatter.evidence_distribution, extra: 0 }
    bad.frontmatter.word_count = 2 // not checked: ingest cannot see the text
    expect(checkDerived(bad)).toEqual([
      { field: 'frontmatter.claim_count', declared: 15, actual: 14 },
      { field: 'frontmatter.confidence_distribution', declared: { high: 5, medium: 6, low: 3 }, actual: { high: 9, medium: 4, low: 1 } },
      { field: 'frontmatter.evidence_distribution', declared: { ...body.frontmatter.evidence_distribution, extra: 0 }, actual: body.frontmatter.evidence_distribution }
    ])
  })
})
