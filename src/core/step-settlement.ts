import { DecisionKind, decisionId } from './decision-id.js';
import { instanceOf, stepOf, type RunState, type StepState } from './state.js';

// The step transitions that evolve and a plan revision both make: one place, imported by both,
// so that revising a run (governance/revise.ts) does not import the fold that imports it.

/** A step left `waiting`/`ready` for the first time: its phase is under way. */
export function markStarted(state: RunState, step: StepState): void {
  if (step.started) return;
  step.started = true;
  const phase = state.phases[step.phase];
  if (phase) phase.started += 1;
}

/** A step reached a final status: retire its instances from the indexes and tell its dependents and its phase. */
export function settleStep(
  state: RunState,
  step: StepState,
  status: 'succeeded' | 'failed' | 'skipped' | 'cancelled',
): RunState {
  step.status = status;
  state.terminalSteps += 1;
  state.ready.delete(step.id);
  state.deferred.delete(step.id);
  for (const id of [DecisionKind.confirm, DecisionKind.escalation, DecisionKind.signal].map((kind) =>
    decisionId(kind, step.id),
  )) {
    state.pending.delete(id);
    state.submissions.delete(id);
  }
  // A halted handoff to the step is moot once the step has ended: its question is withdrawn.
  if (state.haltedHandoffs > 0)
    for (const [id, pending] of state.pending)
      if (pending.kind === 'handoff' && pending.step === step.id) state.pending.delete(id);
  state.denials = state.denials.filter(
    (denial) =>
      denial.id !== decisionId(DecisionKind.confirm, step.id) &&
      denial.id !== decisionId(DecisionKind.escalation, step.id),
  );
  const phase = state.phases[step.phase];
  if (phase) {
    phase.terminal += 1;
    if (status === 'failed') phase.failed += 1;
  }
  for (const key of step.instances) {
    state.queued.delete(key);
    state.reported.delete(key);
    state.backoff.delete(key);
    const instance = instanceOf(state, key);
    if (instance.status !== 'succeeded' && instance.status !== 'failed' && instance.status !== 'running')
      instance.status = status === 'succeeded' ? 'succeeded' : 'failed';
  }
  // A cancelled step is withdrawn: for its dependents it counts as skipped (dead-path elimination).
  const skipped = status === 'skipped' || status === 'cancelled';
  for (const dependentId of state.dependents.get(step.id) ?? []) {
    const dependent = stepOf(state, dependentId);
    dependent.depsTerminal += 1;
    if (skipped) dependent.depsSkipped += 1;
    else dependent.depsCompleted += 1;
    if (dependent.status === 'waiting') markIfResolvable(state, dependent);
  }
  return state;
}

/**
 * Join semantics with dead-path elimination: `all` waits for every dependency and is skipped
 * when all were skipped; `any` starts on the first completion; `count` on the Nth. Either of
 * the last two is skipped once too many dependencies were skipped to ever reach its number.
 */
function markIfResolvable(state: RunState, step: StepState): void {
  const { join } = step;
  const total = join.of.length;
  let deadPath: string | null = null;
  let resolvable = false;
  if (join.mode === 'all') {
    resolvable = step.depsTerminal === total;
    if (resolvable && step.depsSkipped === total)
      deadPath = `all of its upstream steps (${join.of.join(', ')}) were skipped`;
  } else {
    const needed = join.mode === 'any' ? 1 : join.count;
    if (step.depsCompleted >= needed) resolvable = true;
    else if (total - step.depsSkipped < needed) {
      resolvable = true;
      deadPath = `it needs ${needed} of ${join.of.join(', ')} to complete, and ${step.depsSkipped} of ${total} were skipped`;
    }
  }
  if (!resolvable) return;
  step.status = 'ready';
  step.deadPath = deadPath;
  state.ready.add(step.id);
}
