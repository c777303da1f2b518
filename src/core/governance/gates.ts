import { DecisionKind, decisionId } from '../decision-id.js';
import { compileExpression, ExpressionError } from '../expressions.js';
import type { Json } from '../json.js';
import type { RunState } from '../state.js';
import { phaseReadiness, type GateVerdict, type PhaseState, type TransitionView } from './phases.js';

/**
 * A gate's verdict over the run's state. Fail-closed: a policy that errors or gives anything
 * but `true` is closed, with the reason.
 */
export function evaluateGate(state: RunState, phase: PhaseState): GateVerdict {
  const gate = phase.gate;
  if (gate === null) return { status: 'open', reason: `"${phase.id}" has no gate` };
  if ('approval' in gate) {
    const approval = state.approvals.get(decisionId(DecisionKind.gate, phase.id));
    return approval
      ? { status: 'open', reason: `approved by ${approval.by}${approval.comment ? `: ${approval.comment}` : ''}` }
      : { status: 'approval', reason: `"${phase.id}" needs a person's approval` };
  }
  if ('evidence' in gate) {
    const missing: string[] = [];
    for (const name of gate.evidence.artifacts ?? []) {
      const artifact = state.artifacts.get(name);
      if (!artifact) missing.push(`artifact "${name}" does not exist`);
      else if (!artifact.sealed) missing.push(`artifact "${name}" is not sealed`);
    }
    for (const id of gate.evidence.checks ?? []) {
      const status = state.steps[id]?.status ?? 'unknown';
      if (status !== 'succeeded') missing.push(`check step "${id}" has not succeeded (${status})`);
    }
    return missing.length === 0
      ? { status: 'open', reason: 'all evidence is present' }
      : { status: 'closed', reason: missing.join('; ') };
  }
  try {
    const expression = compileExpression(gate.policy, 'policy');
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
    if (value === true) return { status: 'open', reason: `policy \`${gate.policy}\` is true` };
    return { status: 'closed', reason: `policy \`${gate.policy}\` is ${JSON.stringify(value)}` };
  } catch (error) {
    if (!(error instanceof ExpressionError) && !(error instanceof RangeError)) throw error;
    return {
      status: 'closed',
      reason: `policy \`${gate.policy}\` cannot be evaluated (${error.message}), so the gate stays closed`,
    };
  }
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
