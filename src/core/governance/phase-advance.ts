import { DecisionKind, decisionId } from '../decision-id.js';
import type { BatonEvent } from '../events.js';
import type { RunState } from '../state.js';
import { gateOverrideOf, prerequisitesDue } from './gate-state.js';
import { evaluateGate, transitionView } from './gates.js';
import { validatePhaseTransition } from './phases.js';

type Emit = (decision: BatonEvent) => void;

/**
 * Opens phases as far as the transition table allows. The first phase opens when its gate
 * passes; each next one when the one before is complete and its gate passes. A transition
 * that is refused is recorded once per reason, and a person is asked: to approve a gate that
 * needs approval, or to override a closed gate or a partial phase. (A plan without phases has
 * one implicit phase, open from the start: nothing to record.)
 */
export function advancePhases(state: RunState, emit: Emit): void {
  for (;;) {
    const nextIndex = state.openPhase + 1;
    const next = state.phases[nextIndex];
    if (!next || state.status !== 'running') return;
    const current = state.phases[state.openPhase];
    // The engine checks the gate's prerequisites (other runs) first; it records them before the next round.
    if (prerequisitesDue(state).length > 0) return;
    const escalation = gateOverrideOf(state, next);
    const verdict = current
      ? validatePhaseTransition(transitionView(state), current.id, next.id, escalation)
      : firstPhase(state, escalation !== undefined);
    if (verdict.allowed) {
      emit({ type: 'phase.opened', data: { phase: next.id, from: current?.id ?? null, reason: verdict.reason } });
      continue;
    }
    const complete = !current || current.terminal === current.steps.length;
    if (!complete) return; // not a refusal: the phase is still at work
    if (state.transitionDenied !== verdict.reason)
      emit({
        type: 'phase.transition_denied',
        data: { from: current?.id ?? '(start)', to: next.id, reason: verdict.reason },
      });
    if (!state.pending.has(decisionId(DecisionKind.gate, next.id))) {
      emit({
        type: 'decision.requested',
        data: {
          id: decisionId(DecisionKind.gate, next.id),
          kind: 'gate',
          step: null,
          phase: next.id,
          reason: verdict.reason,
        },
      });
    }
    return;
  }
}

/** The first phase opens when its gate passes, or when a person overrode a gate that did not. */
export function firstPhase(state: RunState, overridden: boolean): { allowed: boolean; reason: string } {
  const phase = state.phases[0];
  if (!phase) return { allowed: false, reason: 'the plan has no phases' };
  const gate = evaluateGate(state, phase);
  if (gate.status === 'open') return { allowed: true, reason: gate.reason };
  if (overridden && gate.overridable !== false)
    return { allowed: true, reason: `the gate of "${phase.id}" is ${gate.status} (overridden by an operator)` };
  return {
    allowed: false,
    reason: `the gate of "${phase.id}" is ${gate.status === 'approval' ? 'waiting for approval' : 'closed'}: ${gate.reason}`,
  };
}
