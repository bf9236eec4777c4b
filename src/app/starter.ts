/**
 * Starter documents for `oos new`: valid OOS documents whose text tells a person what to
 * replace. Every `<…>` is a placeholder.
 */
import { deriveFields, deriveWordCount } from '../oos/derive.ts'
import type { Claim, Entities, OosBody, Template } from '../oos/types.ts'

const GUIDE = {
  purpose: 'Replace this paragraph with two or three sentences: what your organization does, how many AI agents and humans work together, and what this document captures. Keep it pseudonymous: describe roles and systems by kind (a CRM, a billing system), never by product or person name. The network identifies your organization by its key, not by its name, so share scars and protect secrets.',
  directives: '1. <The one rule every agent follows above all others, for example: client data integrity above speed.>\n2. <Which actions always need a human, for example: no external communication without approval.>\n3. <How agents share state, for example: every agent writes only its own state file.>',
  identity: 'Describe the system as a whole in a few sentences: the kind of work it does, the hours it runs, what the humans around it decide, and which failures hurt most. Then list your claims below. A claim is one rule learned the hard way. Give each a rule (what to do), a why (the reasoning), a failure mode (what happened or will happen without it), a confidence (HIGH, MEDIUM or LOW), an evidence type (HUMAN_DEFINED_RULE, OBSERVED_ONCE, OBSERVED_REPEATEDLY, MEASURED_RESULT, INFERENCE or SPECULATION) and a scope (where it applies and where it does not). Number claims C001, C002 and so on; keep a number for the life of the claim, even when you reword it, so that others can follow its lineage. Remove a claim rather than reuse its number.',
  merge: 'When merging intelligence from another organization (oos adopt):\n- Incoming claims start at LOW confidence until validated locally.\n- Contradictions are never merged automatically: they are reported for a person to decide.\n- Provenance is preserved: source organization, date and original evidence type.\n- Endorse what you confirmed in your own operation, dispute what failed for you.',
  update: '- A claim neither re-published with an update nor endorsed within 90 days is reported as stale.\n- Raise confidence only after at least three confirmations; lower it when failures recur.\n- Every publish is a new signed version; earlier versions stay verifiable for everyone.\n- Before publishing, run oos publish on a copy and read the corrections it reports.'
}

function claim (id: string, section: string, what: string, evidence: Claim['evidence'], confidence: Claim['confidence']): Claim {
  return {
    claim_id: id,
    section,
    rule: `<${what}: state the rule in one sentence an agent can follow.>`,
    why: '<The reasoning: what makes the rule necessary in your operation.>',
    failure_mode: '<What went wrong, or will, without the rule: the concrete incident, with numbers if you have them.>',
    confidence,
    evidence,
    scope: '<Where the rule applies, and where it does not.>'
  }
}

const ENTITIES: Record<Template, Entities> = {
  agent_army: {
    agents: [
      { id: 'AGT-001', name: '<Coordinator agent>', role: '<Routes work to the specialist agents>', authority_level: 'semi_autonomous', inputs: ['<queue of incoming requests>'], outputs: ['<assignments>'], owns: ['<routing decisions>'], does_not_own: ['<external communication>'], escalates_to: 'HMN-001', status: 'active' },
      { id: 'AGT-002', name: '<Specialist agent>', role: '<Does one kind of work end to end>', authority_level: 'supervised', inputs: ['<assignments>'], outputs: ['<drafts for review>'], owns: ['<its own state file>'], does_not_own: ['<other agents\' state>'], escalates_to: 'AGT-001', status: 'active' }
    ],
    humans: [{ id: 'HMN-001', role: '<Operations lead>', authority_level: 'manager', approves: ['<external messages>'], receives_escalations_from: ['AGT-001'] }],
    escalation_hierarchy: { levels: [{ level: 1, handler: 'AGT-001', trigger: '<a specialist cannot resolve a case>' }, { level: 2, handler: 'HMN-001', trigger: '<the coordinator cannot resolve it within the time limit>' }] }
  },
  value_chain: {
    agents: [
      { id: 'AGT-001', name: '<Intake agent>', role: '<First step of the chain>', authority_level: 'autonomous', inputs: ['<orders>'], outputs: ['<validated orders>'], owns: ['<validation>'], does_not_own: ['<pricing>'], escalates_to: 'HMN-001', status: 'active' },
      { id: 'AGT-002', name: '<Fulfilment agent>', role: '<Next step of the chain>', authority_level: 'semi_autonomous', inputs: ['<validated orders>'], outputs: ['<shipments>'], owns: ['<carrier choice>'], does_not_own: ['<refunds>'], escalates_to: 'HMN-001', status: 'active' }
    ],
    humans: [{ id: 'HMN-001', role: '<Chain owner>', authority_level: 'manager', approves: ['<exceptions>'] }],
    workflows: [{ id: 'WFL-001', name: '<Order to delivery>', trigger: '<a new order>', steps: [{ order: 1, actor: 'AGT-001', action: '<validate>', handoff_to: 'AGT-002' }, { order: 2, actor: 'AGT-002', action: '<ship>', failure_action: '<escalate to HMN-001>' }] }],
    escalation_hierarchy: { levels: [{ level: 1, handler: 'AGT-002', trigger: '<a step fails>' }, { level: 2, handler: 'HMN-001', trigger: '<a step fails twice>' }] }
  },
  org_chart: {
    agents: [
      { id: 'AGT-001', name: '<Team assistant agent>', role: '<Supports one human team>', authority_level: 'supervised', inputs: ['<team requests>'], outputs: ['<drafts>'], owns: ['<scheduling drafts>'], does_not_own: ['<final decisions>'], escalates_to: 'HMN-002', status: 'active' }
    ],
    humans: [
      { id: 'HMN-001', role: '<Head of the organization>', authority_level: 'executive', approves: ['<policy changes>'] },
      { id: 'HMN-002', role: '<Team manager>', authority_level: 'manager', approves: ['<agent outputs that leave the team>'], receives_escalations_from: ['AGT-001'] }
    ],
    escalation_hierarchy: { levels: [{ level: 1, handler: 'HMN-002', trigger: '<the agent is unsure>' }, { level: 2, handler: 'HMN-001', trigger: '<the manager cannot decide>' }] }
  }
}

export function starterBody (template: Template): OosBody {
  const claims = [
    claim('C001', 'core_operating_rules', 'A rule every agent follows', 'HUMAN_DEFINED_RULE', 'HIGH'),
    claim('C002', 'coordination_patterns', 'How agents hand work to each other', 'OBSERVED_REPEATEDLY', 'MEDIUM'),
    claim('C003', 'human_ai_boundary_conditions', 'What stays with a human', 'INFERENCE', 'LOW')
  ]
  const body: OosBody = {
    frontmatter: {
      oos_version: '1.1',
      org_pseudonym: '<Your organization pseudonym>',
      industry: '<industry_in_snake_case>',
      org_size: 'small',
      template,
      agent_count: ENTITIES[template].agents?.length ?? 1,
      platforms: ['<claude|gpt|gemini|custom>'],
      generated_at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      version: 1,
      parent_version: null,
      word_count: 0,
      ...deriveFields(claims)
    },
    entities: ENTITIES[template],
    claims,
    sections: [
      { heading: 'Purpose', blocks: [{ text: GUIDE.purpose }] },
      { heading: 'Prime Directives', blocks: [{ text: GUIDE.directives }] },
      { heading: 'System Identity', blocks: [{ text: GUIDE.identity }, ...claims.map(c => ({ claim: c.claim_id }))] },
      { heading: 'Merge Protocol', blocks: [{ text: GUIDE.merge }] },
      { heading: 'Update Protocol', blocks: [{ text: GUIDE.update }] }
    ]
  }
  body.frontmatter.word_count = Math.max(500, deriveWordCount(body))
  return body
}

/** Every `<placeholder>` of every starter, and the starter's guide paragraphs that have none. */
let PLACEHOLDERS: Set<string> | undefined
function placeholders (): Set<string> {
  if (PLACEHOLDERS !== undefined) return PLACEHOLDERS
  const found = new Set<string>([GUIDE.purpose, GUIDE.identity])
  const walk = (v: unknown): void => {
    if (typeof v === 'string') { for (const m of v.matchAll(/<[^<>\n]+>/g)) found.add(m[0]) } else if (Array.isArray(v)) v.forEach(walk)
    else if (typeof v === 'object' && v !== null) Object.values(v).forEach(walk)
  }
  for (const t of ['agent_army', 'value_chain', 'org_chart'] as const) walk(starterBody(t))
  PLACEHOLDERS = found
  return found
}

/**
 * The values of a document that still hold text of the starter `oos new` wrote (a
 * `<placeholder>` or a guide paragraph): such a document is not ready to publish.
 */
export function placeholderProblems (body: unknown): Array<{ path: string, text: string }> {
  const marks = placeholders()
  const out: Array<{ path: string, text: string }> = []
  const walk = (v: unknown, path: string): void => {
    if (typeof v === 'string') {
      if (marks.has(v)) { out.push({ path, text: v }); return }
      for (const m of v.matchAll(/<[^<>\n]+>/g)) if (marks.has(m[0])) { out.push({ path, text: m[0] }); return }
    } else if (Array.isArray(v)) v.forEach((x, i) => { walk(x, `${path}[${i}]`) })
    else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) walk(x, path === '' ? k : `${path}.${k}`)
  }
  walk(body, '')
  return out
}
