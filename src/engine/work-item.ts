import {
  awaitsPerson,
  instanceKey,
  instanceSkill,
  isDynamicSkill,
  runsOnlyWhereRegistered,
  type LedgerEvent,
  type RunState,
} from '../core/index.js';
import type { WorkItem } from '../store/index.js';

type Dispatched = Extract<LedgerEvent, { type: 'attempt.dispatched' }>;

/**
 * The work item of a dispatch, or none for a person's task (answered with `baton submit`, never
 * claimed). `claimedBy` names the dispatching engine when it runs the attempt itself (the item
 * is started, not queued); otherwise the item waits in the queue, unclaimed, for any worker.
 */
export function workItemOf(event: Dispatched, state: RunState, claimedBy: string | null): WorkItem | undefined {
  const descriptor = state.registry[event.data.capability];
  if (awaitsPerson(descriptor)) return undefined;
  return {
    runId: event.runId,
    attemptId: event.data.attemptId,
    step: event.data.step,
    capability: event.data.capability,
    kind: runsOnlyWhereRegistered(descriptor) ? 'function' : 'command',
    skill: skillOf(event, state),
    revision: state.revision,
    idempotencyKey: event.data.idempotencyKey,
    input: event.data.input,
    timeoutMs: event.data.timeoutMs,
    enqueuedSeq: event.seq,
    claimedBy,
    leaseUntil: null,
    abandoned: false,
    outcome: null,
  };
}

/** The skill the work was routed by: for an item of a dynamic-skill step, the one its route recorded. */
function skillOf(event: Dispatched, state: RunState): string | null {
  const skill = state.plan.steps[event.data.step]?.skill;
  if (!isDynamicSkill(skill) || event.data.index === null) return skill ?? null;
  const instance = state.instances.get(instanceKey(event.data.step, event.data.index));
  // It rendered when the item was routed, in the same decision round: the same state renders it the same.
  return instance ? instanceSkill(state, instance) : null;
}
