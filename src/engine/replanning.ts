import {
  unpinnedRoles,
  type BatonEvent,
  type CapabilityDescriptor,
  type EventPayloads,
  type Json,
  type Plan,
  type RunState,
} from '../core/index.js';

/** What the planner is asked when a step escalates in a run with `replan:` (see `Replanner`). */
export interface ReplanRequest {
  runId: string;
  /** 1 for the run's first request, and so on up to the plan's `replan.max`. */
  request: number;
  /** The step that escalated, and why. */
  step: string;
  reason: string;
  /** The plan in force. A revision keeps the steps that did not change, with their results. */
  plan: Plan;
  /** Every step's status, and the output of those that succeeded: what the revision builds on. */
  steps: { step: string; status: string; output?: Json }[];
}

/**
 * The planner's answer: a revised plan (text or data; Baton validates it as a revision of the
 * run, exactly as `baton revise` does), or why there is none. `by` names the planner (the
 * capability); `outline` is what a person is shown before approving; `record` the planning
 * record it wrote.
 */
export type ReplanAnswer =
  { plan: Plan | string; by: string; outline?: string; record?: string } | { failed: string; record?: string };

/**
 * Drafts a revision of a run's plan after an escalation: `baton` uses the workspace registry's
 * `plan` capability (see the planner); the library accepts any function. The abort signal
 * fires when the engine stops.
 */
export type Replanner = (request: ReplanRequest, signal: AbortSignal) => Promise<ReplanAnswer>;

/** A revision checked against the run (its registry, the workspace's policy, pre-flight), not yet recorded. */
export interface CheckedRevision {
  plan: Plan;
  planHash: string;
  registry: Record<string, CapabilityDescriptor>;
}

/** What a replanning asks of the run's state. */
export function replanRequest(state: RunState, open: NonNullable<RunState['replan']['open']>): ReplanRequest {
  return {
    runId: state.runId,
    request: open.request,
    step: open.step,
    reason: open.reason,
    plan: state.plan,
    steps: Object.values(state.steps).map((step) => ({
      step: step.id,
      status: step.status,
      ...(step.status === 'succeeded' && { output: step.output }),
    })),
  };
}

/**
 * The events that record the planner's answer: `plan.proposed` (and, under `approve: auto`,
 * the `plan.revised` it makes at once, by the planner), or `replan.failed` with why. A plan
 * that does not check as a revision, or that declares `command` capabilities (a drafted plan
 * runs no programs of its own), is a failed replanning, never an exception: the escalation
 * still waits for a person. `current` gives the run's state as it is when asked (the planner takes time).
 */
export async function replanEvents(
  current: () => RunState,
  open: NonNullable<RunState['replan']['open']>,
  replanner: Replanner | undefined,
  check: (plan: Plan | string) => Promise<CheckedRevision & { declared: Plan }>,
  signal: AbortSignal,
): Promise<BatonEvent[]> {
  const failed = (reason: string, record?: string): BatonEvent[] => [
    { type: 'replan.failed', data: { request: open.request, reason, ...(record !== undefined && { record }) } },
  ];
  if (replanner === undefined)
    return failed(
      'no planner is configured: add a capability with skill `plan` to the workspace registry (baton.yaml)',
    );
  let answer: ReplanAnswer;
  try {
    answer = await replanner(replanRequest(current(), open), signal);
  } catch (error) {
    return failed(`the planner failed: ${(error as Error).message}`);
  }
  if ('failed' in answer) return failed(answer.failed, answer.record);
  let checked: CheckedRevision;
  let declared: Plan;
  try {
    ({ declared, ...checked } = await check(answer.plan));
  } catch (error) {
    return failed(`the planner's revision was refused: ${(error as Error).message}`, answer.record);
  }
  // What the planner declared itself: the operator's registry may well hold commands, which the plan may route to.
  const commands = Object.entries(declared.capabilities ?? {}).filter(([, c]) => c.kind === 'command');
  if (commands.length > 0)
    return failed(
      `the planner's revision declares command capabilities (${commands.map(([id]) => id).join(', ')}); a drafted plan runs no programs of its own`,
      answer.record,
    );
  const unpinned = unpinnedRoles(checked.plan, current());
  if (unpinned !== undefined) return failed(`the planner's revision was refused: ${unpinned}`, answer.record);
  const proposed: EventPayloads['plan.proposed'] = {
    request: open.request,
    ...checked,
    by: answer.by,
    ...(answer.outline !== undefined && { outline: answer.outline }),
    ...(answer.record !== undefined && { record: answer.record }),
  };
  const events: BatonEvent[] = [{ type: 'plan.proposed', data: proposed }];
  // The run as it is now, after the planner's wait: its revision count may have moved meanwhile.
  const state = current();
  if (state.plan.replan?.approve === 'auto')
    events.push({
      type: 'plan.revised',
      data: { revision: state.revisions.length + 1, ...checked, by: answer.by, revertOf: null },
    });
  return events;
}
