import { parseDecisionId, type DecisionEvidence, type LedgerEvent } from '../core/index.js';

/**
 * An approval's evidence as lines of text, hashes in full: the approver binds exactly these, so
 * the CLI shows them whole (a prefix could match a different artifact).
 * @example formatEvidence(evidence) // ['plan revision 1 sha256 9f2c…', 'artifact build/report.txt sha256 5e1a… sealed', ...]
 */
export function formatEvidence(evidence: DecisionEvidence): string[] {
  const lines = [`plan revision ${evidence.revision} sha256 ${evidence.planHash}`];
  if (evidence.requires !== undefined) {
    const { artifacts, checks } = evidence.requires;
    lines.push(`requires artifacts [${artifacts.join(', ')}], checks [${checks.join(', ')}]`);
  }
  for (const artifact of evidence.artifacts)
    lines.push(
      artifact.sha256 === null
        ? `artifact ${artifact.name} missing`
        : `artifact ${artifact.name} sha256 ${artifact.sha256} ${artifact.sealed ? 'sealed' : 'not sealed (recorded, not enforced by verify)'}`,
    );
  for (const check of evidence.checks)
    lines.push(
      check.passed
        ? `check ${check.step} passed, output sha256 ${check.outputHash ?? '-'}`
        : `check ${check.step} not passed (${check.status})`,
    );
  for (const vote of evidence.votes ?? []) lines.push(`vote ${vote.capability} output sha256 ${vote.outputHash}`);
  return lines;
}

/** A gate's approval with its evidence, as `baton log` lists it (gates belong to no step's route). */
export interface GateApproval {
  seq: number;
  id: string;
  by: string;
  comment: string | null;
  verdict: 'approved' | 'overridden';
  evidence: DecisionEvidence;
}

/** The approvals and overrides of gates that recorded evidence, in ledger order. */
export function gateApprovals(events: Iterable<LedgerEvent>): GateApproval[] {
  const approvals: GateApproval[] = [];
  for (const event of events) {
    if (event.type !== 'decision.made') continue;
    const { id, verdict, by, comment, evidence } = event.data;
    if (verdict !== 'approved' && verdict !== 'overridden') continue;
    if (evidence !== undefined && parseDecisionId(id)?.kind === 'gate')
      approvals.push({ seq: event.seq, id, by, comment, verdict, evidence });
  }
  return approvals;
}
