/**
 * The reference implementation as an external verifier of the conformance protocol
 * (protocol/README.md §4): JSON Lines in on stdin, one verdict line out per case, in order
 * (src/node/conformance.ts; the same as `oos conformance`).
 *
 *   node protocol/conformance/oosnet-verifier.ts < cases.jsonl
 */
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { verdictOf, type CaseInput } from '../../src/node/conformance.ts'

export { verdictOf, type CaseInput, type CaseVerdict } from '../../src/node/conformance.ts'

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity })
  for await (const line of lines) {
    if (line.trim() === '') continue
    process.stdout.write(JSON.stringify(await verdictOf(JSON.parse(line) as CaseInput)) + '\n')
  }
}
