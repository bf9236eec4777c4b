import { describe, it, expect, beforeAll } from 'vitest'
import { parseOosMarkdown } from '../../src/oos/index.ts'
import { lexicalScorer, type ClaimText } from '../../src/app/similar.ts'
import { relate } from '../../src/app/relation.ts'
import { clauses, normalize, stem, terms } from '../../src/app/tokens.ts'
import type { TfIdf } from '../../src/app/lexical.ts'
import { exampleText, ORGS } from './examples.ts'

describe('words (tokens.ts)', () => {
  it('stems the forms of a word to one, and keeps numbers', () => {
    expect(new Set(['templated', 'templates', 'template'].map(stem)).size).toBe(1)
    expect(new Set(['retries', 'retry', 'retried'].map(stem)).size).toBe(1)
    expect(new Set(['writes', 'writer', 'writers'].map(stem)).size).toBe(1)
    expect(stem('0.80')).toBe('0.80')
  })

  it('reads "timed out", "looks up" and "don\'t" as one word each, and drops function words', () => {
    expect(normalize('It timed out; the agent looks up the key and doesn\'t retry')).toBe('it timeout; the agent lookup the key and does not retry')
    expect(terms('The agent never retries without a lookup')).toEqual(['agent', 'retry', 'lookup'])
  })

  it('cuts a rule into clauses: sentences, ; and :, before "and no"; parentheses left out', () => {
    expect(clauses('Send templates (confirmations, reminders) on their own; a free-text message needs approval. Route on features: amount and product, and no agent continues it.'))
      .toEqual(['Send templates on their own', 'a free-text message needs approval.', 'Route on features', 'amount and product,', 'no agent continues it.'])
  })
})

describe('the relation of two rules (relation.ts)', () => {
  let model: TfIdf
  const corpus: ClaimText[] = []
  const rel = (a: string, b: string, similarity = 0.2): string => relate(a, b, model, similarity).relation

  beforeAll(async () => {
    // the example orgs' claims give the words their weights, as a store would
    for (const org of ORGS) for (const c of parseOosMarkdown(await exampleText(org, 3)).body.claims) corpus.push({ cid: `${org}/${c.claim_id}`, rule: c.rule, why: c.why, failure_mode: c.failure_mode })
    model = lexicalScorer().model?.(corpus) as TfIdf
  })

  it('reads "no … without" as a requirement and "without" as its opposite', () => {
    expect(rel('No customer message is sent without a human approving its rendered template.', 'Templated customer messages are sent without per-message human approval.')).toBe('contradicts')
    expect(rel('No customer message is sent without a human approving its rendered template.', 'Every templated customer message is sent after a human approves it.')).toBe('agrees')
  })

  it('does not read a negation inside a condition, or after the shared words, as turning the rule around', () => {
    expect(rel('Before a retry the agent looks up the idempotency key and retries only if no posting exists.', 'Each retry waits for an idempotency key lookup showing which posting exists.')).toBe('agrees')
    expect(rel('Agents hand work to each other as typed events on the case, never as free text.', 'Stages hand work on as typed events on the event bus.')).toBe('agrees')
  })

  it('says related when the rules share too little, or when they agree but are not similar enough overall', () => {
    expect(rel('Do not route work on self-reported confidence.', 'Reminders go out only between 08:00 and 20:00.')).toBe('related')
    expect(rel('No customer message is sent without a human approving its rendered template.', 'Every templated customer message is sent after a human approves it.', 0.01)).toBe('related')
  })

  it('needs more shared topic to say contradicts than to say agrees', () => {
    // they share "free text" only, with opposite polarities
    expect(rel('Free-text messages need approval from customer care.', 'Agents hand work on as typed events, never as free text in comments.')).toBe('related')
  })

  it('reads an exception stated in a scope: a contradiction the scope carves out is only related', () => {
    const ours = 'No customer-facing message is sent without a human specialist approving its final text.'
    const theirs = 'Templated customer notifications are sent by agents without per-message human approval.'
    const r = (scope: string): ReturnType<typeof relate> => relate(ours, theirs, model, 0.2, [scope, 'The four templates listed, in all markets.'])
    expect(r('Email and in-app chat.').relation).toBe('contradicts')
    expect(r('Email and in-app chat. Automated status notifications sent by the case system are not covered.')).toMatchObject({ relation: 'related', exception: 'Automated status notifications sent by the case system are not covered.' })
    // either side's scope: theirs carving out what ours is about
    expect(relate(theirs, ours, model, 0.2, ['The four templates listed, in all markets.', 'Customer-facing messages sent by a human specialist are not covered.']).relation).toBe('related')
    // an exception about something else does not count
    expect(r('Email and in-app chat. Internal notes and agent-to-agent events are not covered.').relation).toBe('contradicts')
  })
})
