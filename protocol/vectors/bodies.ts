/** The small, fixed OOS bodies used by the test vectors (TEST-ONLY content). */
import type { OosBody } from '../../src/oos/types.ts'

export function smallBody (org: string, version: number): OosBody {
  return {
    frontmatter: {
      oos_version: '1.1',
      org_pseudonym: org,
      industry: 'logistics',
      org_size: 'small',
      template: 'agent_army',
      agent_count: 2,
      platforms: ['claude'],
      generated_at: '2026-11-01T12:00:00Z',
      version,
      parent_version: version === 1 ? null : version - 1,
      word_count: 500,
      claim_count: 3,
      confidence_distribution: { high: 1, medium: 1, low: 1 },
      evidence_distribution: { human_defined_rule: 1, observed_once: 0, observed_repeatedly: 1, measured_result: 0, inference: 0, speculation: 1 }
    },
    claims: [
      { claim_id: 'C001', section: 'core_operating_rules', rule: 'Rule one: every agent writes only its own state file.', why: 'Single writer per file.', failure_mode: 'Lost updates.', confidence: 'HIGH', evidence: 'OBSERVED_REPEATEDLY', scope: 'All agents.' },
      { claim_id: 'C002', section: 'human_ai_boundary_conditions', rule: version === 1 ? 'Refunds need a human.' : 'Refunds above 50 EUR need a human.', why: 'Money leaves the company.', failure_mode: 'Unapproved refunds.', confidence: 'MEDIUM', evidence: 'HUMAN_DEFINED_RULE', scope: 'Refund agent.' },
      { claim_id: 'C003', section: 'operational_heuristics', rule: 'Retry a failed carrier call once.', why: 'Most failures are transient.', failure_mode: 'Duplicate bookings.', confidence: 'LOW', evidence: 'SPECULATION', scope: 'Carrier integrations.' }
    ],
    sections: [{ heading: 'Purpose', blocks: [{ text: `Test vector organization, version ${version}.` }, { claim: 'C001' }, { claim: 'C002' }, { claim: 'C003' }] }]
  }
}
