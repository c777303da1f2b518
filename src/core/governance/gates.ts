import { DecisionKind, decisionId } from '../decision-id.js';
import { compileExpression, ExpressionError } from '../expressions.js';
import type { Json } from '../json.js';
import type { PrerequisiteRequirement } from '../plan/schema.js';
import type { RunState } from '../state.js';
import { approvalNeeds, gateOverrideRule, gateRequirements, prerequisiteKey } from './gate-requirements.js';
import { gateApprovalsOf, isRoleMember } from './gate-state.js';
import { phaseReadiness, type GateVerdict, type PhaseState, type TransitionView } from './phases.js';

/**
 * A gate's verdict over the run's state: every requirement must hold. Fail-closed: a policy
 * that errors or gives anything but `true` is closed, with the reason; so is a prerequisite
 * the engine has not checked, or found missing, unverified or unsealed. A gate that lacks only
 * approvals waits for them (`approval`, with how many it has and whose); one that lacks
 * anything else is `closed`. `overridable: false` when nobody may let it through closed.
 */
export function evaluateGate(state: RunState, phase: PhaseState): GateVerdict {
  const gate = phase.gate;
  if (gate === null) return { status: 'open', reason: `"${phase.id}" has no gate` };
  // Only said when false, so that verdicts of gates that can be overridden read as they always did.
  // An old-form evidence gate is `never` for the operator, who refuses a new approval of it while it
  // is closed; an approval recorded before that rule still lets it through, so old ledgers replay.
  const overridable = 'all' in gate && gateOverrideRule(gate).kind === 'never' ? { overridable: false as const } : {};
  if ('approval' in gate) {
    const approval = state.approvals.get(decisionId(DecisionKind.gate, phase.id));
    return approval
      ? { status: 'open', reason: `approved by ${approval.by}${approval.comment ? `: ${approval.comment}` : ''}` }
      : { status: 'approval', reason: `"${phase.id}" needs a person's approval` };
  }
  const unmet: string[] = [];
  const met: string[] = [];
  for (const requirement of gateRequirements(gate)) {
    if ('approval' in requirement) continue; // counted once below, over the whole gate
    const verdict =
      'evidence' in requirement
        ? evidenceVerdict(state, requirement.evidence)
        : 'policy' in requirement
          ? policyVerdict(state, requirement.policy)
          : prerequisiteVerdict(state, phase.id, requirement.requires);
    (verdict.holds ? met : unmet).push(verdict.reason);
  }
  let approvalsShort = 0;
  const approvers = gateApprovalsOf(state, phase.id).map((approval) => approval.by);
  for (const need of approvalNeeds(gate)) {
    const counted = need.role === null ? approvers : approvers.filter((by) => isRoleMember(state, need.role ?? '', by));
    const of = need.role === null ? '' : ` by role ${need.role}`;
    const reason = `${counted.length} of ${need.count} approval${need.count === 1 ? '' : 's'}${of}${counted.length > 0 ? ` (${counted.join(', ')})` : ''}`;
    const short = counted.length < need.count;
    if (short) approvalsShort += 1;
    (short ? unmet : met).push(reason);
  }
  if (unmet.length === 0) return { status: 'open', reason: met.join('; ') || 'all requirements hold', ...overridable };
  const status = approvalsShort > 0 && unmet.length === approvalsShort ? 'approval' : 'closed';
  return { status, reason: unmet.join('; '), ...overridable };
}

type RequirementVerdict = { holds: boolean; reason: string };

function evidenceVerdict(state: RunState, evidence: { artifacts?: string[]; checks?: string[] }): RequirementVerdict {
  const missing: string[] = [];
  for (const name of evidence.artifacts ?? []) {
    const artifact = state.artifacts.get(name);
    if (!artifact) missing.push(`artifact "${name}" does not exist`);
    else if (!artifact.sealed) missing.push(`artifact "${name}" is not sealed`);
  }
  for (const id of evidence.checks ?? []) {
    const status = state.steps[id]?.status ?? 'unknown';
    if (status !== 'succeeded') missing.push(`check step "${id}" has not succeeded (${status})`);
  }
  return missing.length === 0
    ? { holds: true, reason: 'all evidence is present' }
    : { holds: false, reason: missing.join('; ') };
}

function policyVerdict(state: RunState, policy: string): RequirementVerdict {
  try {
    const expression = compileExpression(policy, 'policy');
    const steps: Record<string, { status: string; output: Json }> = {};
    for (const ref of expression.stepRefs) {
      const step = state.steps[ref];
      if (step) steps[ref] = { status: step.status, output: step.output };
    }
    const value = expression.evaluate({
      inputs: state.inputs,
      context: state.context as unknown as Json,
      steps,
      budget: budgetView(state),
      phases: Object.fromEntries(state.phases.map((p) => [p.id, phaseReadiness(p)])),
    });
    if (value === true) return { holds: true, reason: `policy \`${policy}\` is true` };
    return { holds: false, reason: `policy \`${policy}\` is ${JSON.stringify(value)}` };
  } catch (error) {
    if (!(error instanceof ExpressionError) && !(error instanceof RangeError)) throw error;
    return {
      holds: false,
      reason: `policy \`${policy}\` cannot be evaluated (${error.message}), so the gate stays closed`,
    };
  }
}

/** A prerequisite holds only on the engine's latest recorded check of it finding it sealed in a verified run. */
function prerequisiteVerdict(state: RunState, phase: string, requires: PrerequisiteRequirement): RequirementVerdict {
  const check = state.prerequisites.get(prerequisiteKey(phase, requires));
  const what = `prerequisite ${requires.artifact} of run ${requires.run}`;
  if (!check) return { holds: false, reason: `${what} has not been checked` };
  return { holds: check.ok, reason: `${what}: ${check.reason}` };
}

/** The budget as expressions see it: `budget.limit` is -1.0 when the run has none. */
export function budgetView(state: RunState): Record<string, number> {
  const { limitUsd, spentUsd, reservedUsd } = state.budget;
  return {
    limit: limitUsd ?? -1,
    spent: spentUsd,
    reserved: reservedUsd,
    remaining: limitUsd === null ? -1 : limitUsd - spentUsd - reservedUsd,
  };
}

export function transitionView(state: RunState): TransitionView {
  return {
    phases: state.phases.map((phase) => ({
      id: phase.id,
      readiness: phaseReadiness(phase),
      onPartial: phase.onPartial,
      gate: evaluateGate(state, phase),
    })),
  };
}
