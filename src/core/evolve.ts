import { DecisionKind, decisionId } from './decision-id.js';
import type { ArtifactRef, AttemptHold, BatonEvent, EventOf, TokenUsage } from './events.js';
import { recordOutcome, setCircuit } from './circuits.js';
import { evolveGovernance } from './governance/evolve-governance.js';
import {
  createRunState,
  instanceKey,
  instanceOf,
  newInstance,
  stepOf,
  type InstanceState,
  type RunState,
} from './state.js';
import { markStarted, settleStep } from './step-settlement.js';
import { addTokens } from './token-usage.js';

/** An event with the time it was recorded: what `evolve` folds. */
export type TimedEvent = BatonEvent & { at: string; runId?: string };

/**
 * `event` with the time `at`, for `evolve`. Written `{ at, ...event }` (then `at` set again, so
 * an older time on the event never wins), not `{ ...event, at }`: V8 gives a spread copy a hidden
 * class of its own, and a key added after the spread makes a new one on every call, in old space.
 * Events come here several times a step, and those hidden classes were most of what a 10,000-step
 * run's heap grew by between collections; keys added to a literal follow cached transitions.
 * @example evolve(state, timed(decision, '2026-01-01T00:00:00.000Z'))
 */
export function timed(event: BatonEvent, at: string): TimedEvent {
  const stamped = { at, ...event };
  stamped.at = at;
  return stamped;
}

/**
 * Folds one event into the run state. Deterministic and free of I/O; it updates `state` in
 * place and returns it, because copying a 10,000-step table on every event would make a
 * run quadratic. Callers that need the old state keep a copy (`structuredClone`).
 * The first event of a run must be `run.created` (pass `undefined` as the state).
 */
export function evolve(state: RunState | undefined, event: TimedEvent): RunState {
  if (event.type === 'run.created') {
    if (state) throw new Error('conductor invariant: run.created on an existing run');
    return createRunState({ runId: event.runId ?? '', at: event.at, ...event.data });
  }
  if (!state) throw new Error(`conductor invariant: ${event.type} before run.created`);
  switch (event.type) {
    // `context.recorded` is written to the workspace store with the event; the run's own state does not change.
    case 'run.resumed':
    case 'run.divergence_accepted':
    case 'attempt.tool_called':
    case 'context.recorded':
      return state;
    case 'attempt.held':
      return recordHold(state, event.data);
    case 'step.skipped':
      return settleStep(state, stepOf(state, event.data.step), 'skipped');
    case 'step.routed':
      return route(state, event);
    case 'step.rerouted':
      instanceOf(state, event.data.instance).capability = event.data.capability;
      state.rerouted.add(event.data.instance);
      return state;
    case 'capability.unavailable':
      setCircuit(state, event.data.capability, 'open', Date.parse(event.data.until));
      return state;
    case 'capability.available':
      setCircuit(state, event.data.capability, 'half_open', null);
      return state;
    case 'step.expanded':
      return expand(state, event);
    case 'attempt.dispatched':
      return dispatch(state, event);
    case 'attempt.succeeded':
      return report(
        state,
        event.data.attemptId,
        { ok: true, output: event.data.output },
        event.data.costUsd,
        event.data.artifacts,
        event.data.usage,
      );
    case 'attempt.failed':
      return report(
        state,
        event.data.attemptId,
        { ok: false, error: event.data.error },
        event.data.costUsd,
        undefined,
        event.data.usage,
      );
    case 'attempt.abandoned':
      return abandon(state, event.data.attemptId);
    case 'attempt.retry_scheduled':
      return scheduleRetry(state, event);
    case 'attempt.accepted': {
      const instance = instanceOf(state, `${event.data.step}[${event.data.index}]`);
      instance.status = 'succeeded';
      instance.report = null;
      state.reported.delete(instance.key);
      stepOf(state, instance.step).succeededInstances += 1;
      return state;
    }
    case 'attempt.cancelled':
      return cancel(state, event.data.attemptId);
    case 'attempt.rejected':
      state.stale = state.stale.filter((entry) => entry.attemptId !== event.data.attemptId);
      return state;
    case 'step.succeeded': {
      const step = stepOf(state, event.data.step);
      step.output = event.data.output;
      state.completed.push(step.id);
      return settleStep(state, step, 'succeeded');
    }
    case 'step.failed': {
      const step = stepOf(state, event.data.step);
      step.error = event.data.error;
      return settleStep(state, step, 'failed');
    }
    case 'step.cancelled': {
      const step = stepOf(state, event.data.step);
      state.cancelRequests = state.cancelRequests.filter((request) => request.step !== step.id);
      return settleStep(state, step, 'cancelled');
    }
    case 'run.succeeded':
      return endRun(state, 'succeeded', null, event.at);
    case 'run.failed':
      return endRun(state, 'failed', event.data.reason, event.at);
    case 'run.denied':
      return endRun(state, 'denied', event.data.reason, event.at);
    case 'run.aborted':
      return endRun(state, 'aborted', event.data.reason, event.at);
    case 'run.timed_out':
      return endRun(state, 'timed_out', event.data.reason, event.at);
    default:
      return evolveGovernance(state, event);
  }
}

/** The run ended: steps still running are cancelled and nothing is pending any more. */
function endRun(state: RunState, status: RunState['status'], reason: string | null, at: string): RunState {
  for (const step of Object.values(state.steps))
    if (step.status === 'running' || step.status === 'escalated' || step.status === 'awaiting')
      step.status = 'cancelled';
  state.status = status;
  state.failure = reason;
  state.endedAt = at;
  state.pending.clear();
  state.denials = [];
  return state;
}

function route(state: RunState, event: EventOf<'step.routed'>): RunState {
  if (event.data.role === 'judge') return routeJudge(state, event);
  if (event.data.instance !== undefined) {
    // One item of a dynamic-skill step: the step is running already (step.expanded), the item goes where its skill routed.
    instanceOf(state, event.data.instance).capability = event.data.capability;
    return state;
  }
  const step = stepOf(state, event.data.step);
  step.capability = event.data.capability;
  markStarted(state, step);
  step.status = 'running';
  state.ready.delete(step.id);
  if (state.plan.steps[step.id]?.for_each !== undefined) return state; // step.expanded makes its instances
  const instances = event.data.voters
    ? event.data.voters.map((voter, i) => newInstance(step.id, i + 1, null, 'vote', voter, state.revision))
    : [newInstance(step.id, null, null, null, null, state.revision)];
  for (const instance of instances) {
    state.instances.set(instance.key, instance);
    step.instances.push(instance.key);
    state.queued.add(instance.key);
  }
  return state;
}

/**
 * A consensus step's judge is queued on the capability routed to it. A judge voided by a new
 * round of votes is queued again as the same instance: its attempt numbers go on.
 */
function routeJudge(state: RunState, event: EventOf<'step.routed'>): RunState {
  const step = stepOf(state, event.data.step);
  const key = instanceKey(step.id, null, 'judge');
  let instance = state.instances.get(key);
  if (!instance) {
    instance = newInstance(step.id, null, null, 'judge', event.data.capability, state.revision);
    state.instances.set(key, instance);
    step.instances.push(key);
  }
  instance.capability = event.data.capability;
  instance.status = 'queued';
  instance.failures = 0;
  instance.report = null;
  state.queued.add(key);
  return state;
}

function expand(state: RunState, event: EventOf<'step.expanded'>): RunState {
  const step = stepOf(state, event.data.step);
  event.data.items.forEach((item, index) => {
    const instance = newInstance(step.id, index, item, null, null, state.revision);
    state.instances.set(instance.key, instance);
    step.instances.push(instance.key);
    state.queued.add(instance.key);
  });
  markStarted(state, step);
  step.status = 'running';
  state.ready.delete(step.id);
  return state;
}

function dispatch(state: RunState, event: EventOf<'attempt.dispatched'>): RunState {
  const { step: stepId, index, attemptId, attempt, iteration } = event.data;
  const role = event.data.role ?? null;
  const step = stepOf(state, stepId);
  const key = instanceKey(stepId, index, role);
  let instance = state.instances.get(key);
  if (!instance) {
    instance = newInstance(stepId, index, null, role, role === null ? null : event.data.capability, state.revision);
    state.instances.set(instance.key, instance);
    if (role !== 'compensate') step.instances.push(instance.key);
  }
  if (iteration !== instance.iteration) {
    instance.iteration = iteration;
    instance.failures = 0;
  }
  instance.attempts = attempt;
  instance.status = 'running';
  instance.attemptId = attemptId;
  instance.report = null;
  if (role !== 'compensate') {
    markStarted(state, step);
    step.status = 'running';
    step.running += 1;
    step.attempts += 1;
    state.ready.delete(stepId);
  }
  state.queued.delete(instance.key);
  state.backoff.delete(instance.key);
  state.rerouted.delete(instance.key);
  state.inflight.set(attemptId, instance.key);
  const reserved = event.data.reservedUsd ?? 0;
  if (reserved > 0) {
    state.reservations.set(attemptId, { usd: reserved, step: stepId });
    state.budget.reservedUsd += reserved;
    state.stepSpend.set(stepId, (state.stepSpend.get(stepId) ?? 0) + reserved);
  }
  return state;
}

/** Turns an attempt's reservation into spending: what it reported, else the worst case reserved. */
function settleCost(state: RunState, attemptId: string, reported: number | undefined): void {
  const reservation = state.reservations.get(attemptId);
  const reserved = reservation?.usd ?? 0;
  state.reservations.delete(attemptId);
  const actual = reported ?? reserved;
  state.budget.reservedUsd -= reserved;
  state.budget.spentUsd += actual;
  if (reservation && actual !== reserved)
    state.stepSpend.set(reservation.step, (state.stepSpend.get(reservation.step) ?? 0) - reserved + actual);
}

type Report = NonNullable<InstanceState['report']>;

/** An attempt's outcome. Only the current attempt of a live instance is taken; any other is stale. */
function report(
  state: RunState,
  attemptId: string,
  outcome: Report,
  costUsd?: number,
  artifacts?: ArtifactRef[],
  usage?: TokenUsage,
): RunState {
  const key = state.inflight.get(attemptId);
  if (key === undefined) {
    if (!state.cancelled.has(attemptId)) {
      const reason =
        state.status === 'running'
          ? 'the attempt is no longer current (its lease was lost or it was replaced)'
          : `the run has already ${state.status}`;
      state.stale.push({ attemptId, reason });
    }
    return state;
  }
  state.inflight.delete(attemptId);
  const instance = instanceOf(state, key);
  settleCost(state, attemptId, costUsd);
  if (usage !== undefined) state.stepTokens.set(instance.step, addTokens(state.stepTokens.get(instance.step), usage));
  if (instance.role !== 'compensate') stepOf(state, instance.step).running -= 1;
  state.pending.delete(decisionId(DecisionKind.human, key));
  instance.status = 'reported';
  instance.report = outcome;
  if (outcome.ok) instance.output = outcome.output;
  else instance.failures += 1;
  const capability = instance.capability ?? stepOf(state, instance.step).capability;
  if (capability !== null) recordOutcome(state, capability, outcome.ok ? null : outcome.error);
  for (const artifact of artifacts ?? []) {
    // A sealed artifact stays what was sealed: a later attempt writing the same name cannot unseal it.
    if (state.artifacts.get(artifact.name)?.sealed) continue;
    state.artifacts.set(artifact.name, { ...artifact, step: instance.step, sealed: false });
  }
  state.reported.add(key);
  return state;
}

function abandon(state: RunState, attemptId: string): RunState {
  const key = state.inflight.get(attemptId);
  if (key === undefined) return state;
  state.inflight.delete(attemptId);
  const instance = instanceOf(state, key);
  settleCost(state, attemptId, undefined);
  if (instance.role !== 'compensate') stepOf(state, instance.step).running -= 1;
  instance.status = 'queued';
  instance.attemptId = null;
  state.queued.add(key);
  return state;
}

function scheduleRetry(state: RunState, event: EventOf<'attempt.retry_scheduled'>): RunState {
  const instance = [...state.reported]
    .map((key) => instanceOf(state, key))
    .find((candidate) => candidate.attemptId === event.data.attemptId);
  if (!instance) throw new Error(`conductor invariant: retry of unreported attempt ${event.data.attemptId}`);
  instance.status = 'backoff';
  instance.report = null;
  state.reported.delete(instance.key);
  state.backoff.set(instance.key, Date.parse(event.data.retryAt));
  return state;
}

function cancel(state: RunState, attemptId: string): RunState {
  state.cancelled.add(attemptId);
  state.revoked = state.revoked.filter((entry) => entry.attemptId !== attemptId);
  // What a cancelled attempt may have spent is unknown: it is charged its worst case.
  settleCost(state, attemptId, undefined);
  const key = state.inflight.get(attemptId);
  if (key === undefined) return state;
  state.inflight.delete(attemptId);
  const instance = instanceOf(state, key);
  if (instance.role !== 'compensate') stepOf(state, instance.step).running -= 1;
  state.pending.delete(decisionId(DecisionKind.human, key));
  instance.status = 'cancelled';
  return state;
}

/**
 * Keeps a provider-limit wait on its step, for status: a record only, the conductor decides
 * nothing on it. The hold is written before its attempt's outcome, so the attempt is in flight;
 * one that is not (a stale attempt's late report) is not the step's any more.
 */
function recordHold(state: RunState, data: { attemptId: string } & AttemptHold): RunState {
  const key = state.inflight.get(data.attemptId);
  if (key === undefined) return state;
  const { attemptId: _attempt, ...hold } = data;
  const step = instanceOf(state, key).step;
  state.stepHolds.set(step, { times: (state.stepHolds.get(step)?.times ?? 0) + 1, last: hold });
  return state;
}
