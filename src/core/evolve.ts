import type { BatonEvent, EventOf } from './events.js';
import { createRunState, instanceOf, newInstance, stepOf, type RunState, type StepState } from './state.js';

/** An event with the time it was recorded: what `evolve` folds. */
export type TimedEvent = BatonEvent & { at: string; runId?: string };

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
    case 'run.resumed':
      return state;
    case 'step.skipped':
      return settleStep(state, stepOf(state, event.data.step), 'skipped');
    case 'step.routed':
      stepOf(state, event.data.step).capability = event.data.capability;
      return state;
    case 'step.expanded':
      return expand(state, event);
    case 'attempt.dispatched':
      return dispatch(state, event);
    case 'attempt.succeeded':
      return report(state, event.data.attemptId, { ok: true, output: event.data.output });
    case 'attempt.failed':
      return report(state, event.data.attemptId, { ok: false, error: event.data.error });
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
      return settleStep(state, step, 'succeeded');
    }
    case 'step.failed': {
      const step = stepOf(state, event.data.step);
      step.error = event.data.error;
      return settleStep(state, step, 'failed');
    }
    case 'run.succeeded':
      state.status = 'succeeded';
      state.endedAt = event.at;
      return state;
    case 'run.failed':
      for (const step of Object.values(state.steps)) if (step.status === 'running') step.status = 'cancelled';
      state.status = 'failed';
      state.failure = event.data.reason;
      state.endedAt = event.at;
      return state;
  }
}

function expand(state: RunState, event: EventOf<'step.expanded'>): RunState {
  const step = stepOf(state, event.data.step);
  event.data.items.forEach((item, index) => {
    const instance = newInstance(step.id, index, item);
    state.instances.set(instance.key, instance);
    step.instances.push(instance.key);
    state.queued.add(instance.key);
  });
  step.status = 'running';
  state.ready.delete(step.id);
  return state;
}

function dispatch(state: RunState, event: EventOf<'attempt.dispatched'>): RunState {
  const { step: stepId, index, attemptId, attempt, iteration } = event.data;
  const step = stepOf(state, stepId);
  let instance = state.instances.get(index === null ? stepId : `${stepId}[${index}]`);
  if (!instance) {
    instance = newInstance(stepId, index, null);
    state.instances.set(instance.key, instance);
    step.instances.push(instance.key);
  }
  if (iteration !== instance.iteration) {
    instance.iteration = iteration;
    instance.failures = 0;
  }
  instance.attempts = attempt;
  instance.status = 'running';
  instance.attemptId = attemptId;
  instance.report = null;
  step.status = 'running';
  step.running += 1;
  step.attempts += 1;
  state.ready.delete(stepId);
  state.queued.delete(instance.key);
  state.backoff.delete(instance.key);
  state.inflight.set(attemptId, instance.key);
  return state;
}

/** An attempt's outcome. Only the current attempt of a live instance is taken; any other is stale. */
function report(state: RunState, attemptId: string, outcome: NonNullable<ReturnType<typeof instanceOf>['report']>): RunState {
  const key = state.inflight.get(attemptId);
  if (key === undefined) {
    if (!state.cancelled.has(attemptId)) {
      const reason = state.status === 'running' ? 'the attempt is no longer current (its lease was lost or it was replaced)' : `the run has already ${state.status}`;
      state.stale.push({ attemptId, reason });
    }
    return state;
  }
  state.inflight.delete(attemptId);
  const instance = instanceOf(state, key);
  stepOf(state, instance.step).running -= 1;
  instance.status = 'reported';
  instance.report = outcome;
  if (outcome.ok) instance.output = outcome.output;
  else instance.failures += 1;
  state.reported.add(key);
  return state;
}

function abandon(state: RunState, attemptId: string): RunState {
  const key = state.inflight.get(attemptId);
  if (key === undefined) return state;
  state.inflight.delete(attemptId);
  const instance = instanceOf(state, key);
  stepOf(state, instance.step).running -= 1;
  instance.status = 'queued';
  instance.attemptId = null;
  state.queued.add(key);
  return state;
}

function scheduleRetry(state: RunState, event: EventOf<'attempt.retry_scheduled'>): RunState {
  const instance = [...state.reported].map((key) => instanceOf(state, key)).find((candidate) => candidate.attemptId === event.data.attemptId);
  if (!instance) throw new Error(`conductor invariant: retry of unreported attempt ${event.data.attemptId}`);
  instance.status = 'backoff';
  instance.report = null;
  state.reported.delete(instance.key);
  state.backoff.set(instance.key, Date.parse(event.data.retryAt));
  return state;
}

function cancel(state: RunState, attemptId: string): RunState {
  state.cancelled.add(attemptId);
  const key = state.inflight.get(attemptId);
  if (key === undefined) return state;
  state.inflight.delete(attemptId);
  const instance = instanceOf(state, key);
  stepOf(state, instance.step).running -= 1;
  instance.status = 'cancelled';
  return state;
}

/** A step reached a terminal status: retire its instances from the indexes and tell its dependents. */
function settleStep(state: RunState, step: StepState, status: 'succeeded' | 'failed' | 'skipped'): RunState {
  step.status = status;
  state.terminalSteps += 1;
  state.ready.delete(step.id);
  for (const key of step.instances) {
    state.queued.delete(key);
    state.reported.delete(key);
    state.backoff.delete(key);
    const instance = instanceOf(state, key);
    if (instance.status !== 'succeeded' && instance.status !== 'failed' && instance.status !== 'running') instance.status = status === 'succeeded' ? 'succeeded' : 'failed';
  }
  for (const dependentId of state.dependents.get(step.id) ?? []) {
    const dependent = stepOf(state, dependentId);
    dependent.depsTerminal += 1;
    if (status === 'skipped') dependent.depsSkipped += 1;
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
    if (resolvable && step.depsSkipped === total) deadPath = `all of its upstream steps (${join.of.join(', ')}) were skipped`;
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
