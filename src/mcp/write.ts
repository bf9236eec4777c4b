/**
 * The write tools, offered only under `oos mcp --allow-write` (MCP.md §2.2): endorse or dispute
 * another organization's claim (a signed statement, gossiped like one made with `oos endorse`),
 * and adopt a claim into our draft. Never publish: a person reviews the draft and publishes it.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { InvalidArgumentError } from '../errors.ts'
import { decodeDocument } from '../oos/index.ts'
import { EVIDENCE } from '../oos/types.ts'
import { CLAIM_CID } from './read.ts'
import { tool, type Answer, type ToolContext } from './tool.ts'

const DAY = 86_400_000
/** the draft adopt_into_draft writes: in the home, where `oos adopt` writes by default; no other path */
export const DRAFT = 'draft.oos.md'

const statementInput = {
  cid: CLAIM_CID,
  note: z.string().min(1).max(4000).optional().describe('why, in a sentence or two; kept in the signed statement and shown to everyone'),
  evidence_type: z.enum(EVIDENCE).optional().describe('what the statement rests on (with evidence)'),
  evidence: z.string().min(1).max(4000).optional().describe('the evidence itself, e.g. "observed at two depots over 6 weeks" (with evidence_type)'),
  expires_in_days: z.number().int().min(1).max(36500).optional().describe('after this many days the statement shows as expired (default: never)')
}

async function statement (stance: 'endorse' | 'dispute', args: z.infer<z.ZodObject<typeof statementInput>>, { source }: ToolContext, signal: AbortSignal): Promise<Answer> {
  if ((args.evidence_type === undefined) !== (args.evidence === undefined)) throw new InvalidArgumentError('evidence_type and evidence go together', { path: 'evidence' })
  const r = await source(async (app) => await app.endorse({
    target: args.cid,
    stance,
    ...(args.note !== undefined ? { note: args.note } : {}),
    ...(args.evidence_type !== undefined && args.evidence !== undefined ? { evidence: { type: args.evidence_type, text: args.evidence } } : {}),
    ...(args.expires_in_days !== undefined ? { expiresAt: Date.now() + args.expires_in_days * DAY } : {})
  }, { signal }), { sign: true })
  return { value: { ...r } }
}

/** endorse and dispute: one signed statement each, of its stance */
const statementTool = (stance: 'endorse' | 'dispute', title: string, description: string): ReturnType<typeof tool<typeof statementInput>> => tool({
  name: stance,
  title,
  description: `${description} Everyone who holds the claim sees it in the claim's provenance.`,
  input: statementInput,
  readOnly: false,
  run: async (args, ctx, signal) => await statement(stance, args, ctx, signal)
})

const endorse = statementTool('endorse', 'Endorse a claim (signs)', 'Sign and publish our organization\'s endorsement of another organization\'s claim: we confirm that the rule holds for us too. Only endorse what our organization has actually seen hold; the note and evidence say why.')
const dispute = statementTool('dispute', 'Dispute a claim (signs)', 'Sign and publish our organization\'s dispute of another organization\'s claim: we have seen it fail or not hold. Give the reason in note and, when there is some, the evidence.')

const adopt = tool({
  name: 'adopt_into_draft',
  title: 'Adopt a claim into our draft',
  description: `Copy another organization's claim into our draft document (${DRAFT} in the oosnet home; started from our latest published version when it does not exist), with confidence LOW, derived_from the source claim and an evidence reference naming its source. Nothing is published: a person reviews the draft and publishes it. Conflicts (already adopted, another wording adopted, disputed by us, the same rule) are reported and leave the draft unchanged.`,
  input: { cid: CLAIM_CID },
  readOnly: false,
  async run ({ cid }, { source, home }, signal) {
    const file = join(home, DRAFT)
    const bytes = await readFile(file).catch((err: NodeJS.ErrnoException) => { if (err.code === 'ENOENT') return undefined; throw err })
    const draft = bytes === undefined ? undefined : decodeDocument(bytes)
    const { author, r } = await source(async (app) => {
      const shown = await app.show({ ref: cid }, { signal })
      return { author: shown.claim?.org ?? shown.rec.org, r: await app.adopt({ cid, ...(draft !== undefined ? { draft } : {}) }, { signal }) }
    })
    if (r.document !== undefined) await writeFile(file, r.document, { mode: 0o644 })
    // the adopted rule is the source org's text; the conflicts' messages may quote it
    return { value: { file, source: { cid, org: author }, added: r.added, conflicts: r.conflicts }, author }
  }
})

export const WRITE_TOOLS = [endorse, dispute, adopt]
