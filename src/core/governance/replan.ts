import { DecisionKind, decisionId } from '../decision-id.js';
import type { BatonEvent, EventOf } from '../events.js';
import type { RunState, StepState } from '../state.js';

type Emit = (decision: BatonEvent) => void;
type ReplanEvent = EventOf<'replan.requested'> | EventOf<'plan.proposed'> | EventOf<'replan.failed'>;

/**
 * Asks the planner for a revision when a step escalates in a run that opted in
 * (`replan: { on: escalation, max }`), unless a request is already open or a proposal waits,
 * or the run has had its `max`. The escalation itself is asked too: a person may still answer it.
 */
export function requestReplan(state: RunState, step: StepState, reason: string, emit: Emit): void {
  const policy = state.plan.replan;
  const { replan } = state;
  if (policy === undefined || replan.open !== null || replan.proposal !== null) return;
  if (replan.requested >= policy.max) return;
  emit({ type: 'replan.requested', data: { request: replan.requested + 1, step: step.id, reason } });
}

/**
 * A proposal waits for a person (`plan:REVISION`), with its outline; under `approve: auto` it
 * needs no one, and the engine records the revision as soon as it records the proposal.
 */
export function askProposalApproval(state: RunState, emit: Emit): void {
  const proposal = state.replan.proposal;
  if (proposal === null || state.plan.replan?.approve === 'auto' || state.pending.has(proposal.id)) return;
  if (state.approvals.has(proposal.id)) return; // approved: its revision is on its way in the same command
  emit({
    type: 'decision.requested',
    data: {
      id: proposal.id,
      kind: 'plan',
      step: null,
      phase: null,
      reason: `the planner (${proposal.by}) proposes a revision after an escalation; it becomes the run's plan once approved`,
      detail: {
        planHash: proposal.planHash,
        revision: state.revisions.length + 1,
        request: proposal.request,
        ...(proposal.outline !== undefined && { outline: proposal.outline }),
        ...(proposal.record !== undefined && { record: proposal.record }),
      },
    },
  });
}

/** Folds the replanning events (see `RunState.replan`). */
export function evolveReplan(state: RunState, event: ReplanEvent): RunState {
  const { replan } = state;
  switch (event.type) {
    case 'replan.requested':
      replan.requested = event.data.request;
      replan.open = { ...event.data };
      return state;
    case 'plan.proposed':
      replan.open = null;
      replan.proposal = { ...event.data, id: decisionId(DecisionKind.plan, String(state.revisions.length + 1)) };
      return state;
    case 'replan.failed':
      replan.open = null;
      return state;
  }
}

/** Whether a decision id is the approval of the proposal now waiting (not of the run's own plan). */
export function isProposal(state: RunState, id: string): boolean {
  return state.replan.proposal?.id === id;
}
