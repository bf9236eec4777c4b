import { createInterface } from 'node:readline'
import { verdictOf, type CaseInput } from '../../app/files.ts'
import type { Command } from '../command.ts'
import { UsageError } from '../errors.ts'

/** `oos conformance`: the node as the external verifier of `npm run conformance -- --impl "oos conformance"`. */
export const conformance: Command = {
  name: 'conformance',
  summary: 'answer conformance cases: JSON lines in on stdin, one verdict line out per case',
  usage: 'conformance < cases.jsonl',
  help: 'The verifier side of the conformance protocol (protocol/README.md §4): each case runs against a fresh, empty store through this node\'s ingest door. For checking this implementation with npm run conformance -- --impl "npx oos conformance", as any other implementation is checked.',
  args: [0, 0],
  async run (ctx) {
    const lines = createInterface({ input: ctx.proc.stdin, crlfDelay: Infinity })
    for await (const line of lines) {
      if (line.trim() === '') continue
      let c: CaseInput
      try { c = JSON.parse(line) as CaseInput } catch { throw new UsageError('each input line must be one JSON case (protocol/README.md §4)') }
      ctx.proc.stdout.write(JSON.stringify(await verdictOf(c)) + '\n')
      ctx.signal.throwIfAborted()
    }
  }
}
