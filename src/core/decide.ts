import type { BatonEvent, EventPayloads, StepError } from './events.js';
import { evolve } from './evolve.js';
import { ExpressionError, compileExpression, type ExpressionContext } from './expressions.js';
import type { Json } from './json.js';
import { numberInputs } from './inputs.js';
import { durationToMs } from './plan/duration.js';
import { inputScope } from './plan/validate.js';
import { routeStep } from './routing.js';
import { attemptIdOf, idempotencyKeyOf, instanceOf, newInstance, planStepOf, stepOf, type InstanceState, type RunState, type StepState } from './state.js';
import { compileTemplates, renderTemplates } from './templates.js';

/** What the conductor is told besides the state: the time. It never reads a clock. */
export interface DecideContext {
  now: number;
}

type Emit = (decision: BatonEvent) => void;

/** A cascade longer than this is a conductor bug, not a plan: every pass must settle something. */
const MAX_PASSES = 1_000_000;

/**
 * The conductor: from the run's state and the time, what happens next. Pure: the input state
 * is not touched, and the same state and time always give the same decisions.
 * @example
 * const state = events.reduce(evolve, undefined);
 * decide(state, { now: Date.parse('2026-01-01T00:00:00Z') }); // [{ type: 'step.routed', ... }, ...]
 */
export function decide(state: RunState, context: DecideContext): BatonEvent[] {
  return conduct(structuredClone(state), context);
}

/**
 * `decide` for the engine's hot path: applies each decision to `state` as it is made (the
 * engine would fold them next anyway) and returns them. Runs to a fixpoint, so deciding
 * again at the same time yields nothing; replay relies on that.
 */
export function conduct(state: RunState, context: DecideContext): BatonEvent[] {
  const at = new Date(context.now).toISOString();
  const decisions: BatonEvent[] = [];
  const emit: Emit = (decision) => {
    evolve(state, { ...decision, at });
    decisions.push(decision);
  };
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const before = decisions.length;
    decideOnce(state, context.now, emit);
    if (decisions.length === before) return decisions;
  }
  throw new Error('conductor invariant: decisions did not reach a fixpoint');
}

/**
 * The earliest time at which `decide` would have something new to say without a new signal.
 * A retry whose step is at its `concurrency` limit waits for a slot, which only an outcome
 * (a signal) frees, so it sets no timer.
 */
export function nextWakeAt(state: RunState): number | null {
  if (state.status !== 'running') return null;
  let earliest: number | null = null;
  for (const [key, at] of state.backoff) {
    if ((earliest === null || at < earliest) && hasCapacity(state, instanceOf(state, key).step)) earliest = at;
  }
  return earliest;
}

/** Whether a step may start another attempt under its `for_each` concurrency. */
function hasCapacity(state: RunState, stepId: string): boolean {
  return stepOf(state, stepId).running < (planStepOf(state, stepId).concurrency ?? Infinity);
}

function decideOnce(state: RunState, now: number, emit: Emit): void {
  for (const { attemptId, reason } of [...state.stale]) emit({ type: 'attempt.rejected', data: { attemptId, reason } });
  if (state.status !== 'running') return;
  for (const key of [...state.reported]) {
    if (!state.reported.has(key)) continue; // settled along with its step earlier in this pass
    settleReport(state, instanceOf(state, key), now, emit);
    if (state.status !== 'running') return;
  }
  for (const [key, retryAt] of [...state.backoff]) {
    if (retryAt > now || state.status !== 'running' || !state.backoff.has(key)) continue;
    const instance = instanceOf(state, key);
    if (hasCapacity(state, instance.step)) dispatchInstance(state, instance, emit);
  }
  for (const key of [...state.queued]) {
    const instance = state.instances.get(key);
    if (!instance || instance.status !== 'queued' || state.status !== 'running') continue;
    if (hasCapacity(state, instance.step)) dispatchInstance(state, instance, emit);
  }
  for (const id of [...state.ready]) {
    if (state.status !== 'running') return;
    if (state.ready.has(id)) startStep(state, stepOf(state, id), emit);
  }
  if (state.status === 'running' && state.terminalSteps === state.stepCount && state.inflight.size === 0) {
    const counts = { succeeded: 0, skipped: 0, failed: 0 };
    for (const step of Object.values(state.steps)) if (step.status in counts) counts[step.status as keyof typeof counts] += 1;
    emit({ type: 'run.succeeded', data: counts });
  }
}

/** The run's inputs for an expression, with `number` inputs marked to stay doubles. */
function runInputs(state: RunState): Pick<ExpressionContext, 'inputs' | 'doubleInputs'> {
  return { inputs: state.inputs, doubleInputs: numberInputs(state.plan.inputs) };
}

function expressionError(error: unknown, what: string): StepError {
  if (error instanceof ExpressionError || error instanceof RangeError) {
    return { type: 'expression', message: `${what}: ${error.message}`, retryable: false };
  }
  throw error;
}

/**
 * The `steps` an expression sees: only the steps it reads, each with its status and output. A
 * repeat step reading itself sees `self.output`, its own latest result.
 */
function stepsContext(state: RunState, refs: Iterable<string>, self?: { id: string; output: Json }): ExpressionContext['steps'] {
  const steps: NonNullable<ExpressionContext['steps']> = {};
  for (const ref of refs) {
    const step = stepOf(state, ref);
    steps[ref] = { status: step.status, output: self && ref === self.id ? self.output : step.output };
  }
  return steps;
}

function evaluateCondition(state: RunState, source: string, scope: 'step' | 'repeatIteration', extra: ExpressionContext & { self?: { id: string; output: Json } }): boolean {
  const expression = compileExpression(source, scope);
  const value = expression.evaluate({ ...extra, ...runInputs(state), steps: stepsContext(state, expression.stepRefs, extra.self) });
  if (typeof value !== 'boolean') throw new ExpressionError(`must be true or false, got ${JSON.stringify(value)}`, source);
  return value;
}

function startStep(state: RunState, step: StepState, emit: Emit): void {
  const planStep = planStepOf(state, step.id);
  if (step.deadPath !== null) {
    emit({ type: 'step.skipped', data: { step: step.id, reason: step.deadPath } });
    return;
  }
  if (planStep.when !== undefined) {
    let proceed: boolean;
    try {
      proceed = evaluateCondition(state, planStep.when, 'step', {});
    } catch (error) {
      failStep(state, step, expressionError(error, `when \`${planStep.when}\``), emit);
      return;
    }
    if (!proceed) {
      emit({ type: 'step.skipped', data: { step: step.id, reason: `when \`${planStep.when}\` is false` } });
      return;
    }
  }
  const route = routeStep(step.id, planStep, state.registry);
  if (!route) {
    const what = planStep.skill !== undefined ? `skill "${planStep.skill}"` : `capability "${planStep.capability}"`;
    failStep(state, step, { type: 'no_route', message: `no capability in the run's registry for ${what}`, retryable: false }, emit);
    return;
  }
  emit({ type: 'step.routed', data: route });
  if (planStep.for_each === undefined) {
    dispatchInstance(state, newInstance(step.id, null, null), emit);
    return;
  }
  let items: Json;
  try {
    const expression = compileExpression(planStep.for_each, 'step');
    items = expression.evaluate({ ...runInputs(state), steps: stepsContext(state, expression.stepRefs) });
  } catch (error) {
    failStep(state, step, expressionError(error, `for_each \`${planStep.for_each}\``), emit);
    return;
  }
  if (!Array.isArray(items)) {
    failStep(state, step, { type: 'expression', message: `for_each \`${planStep.for_each}\` must give a list, got ${JSON.stringify(items)}`, retryable: false }, emit);
    return;
  }
  emit({ type: 'step.expanded', data: { step: step.id, items } });
  if (items.length === 0) emit({ type: 'step.succeeded', data: { step: step.id, output: [] } });
  // Instances are now queued; the next pass dispatches them within the step's concurrency.
}

function dispatchInstance(state: RunState, instance: InstanceState, emit: Emit, iteration = instance.iteration): void {
  const planStep = planStepOf(state, instance.step);
  const step = stepOf(state, instance.step);
  const attempt = iteration === instance.iteration ? instance.attempts + 1 : 1;
  const scope = inputScope(planStep);
  let input: Json;
  try {
    const context: ExpressionContext = { ...runInputs(state), item: instance.item, index: instance.index ?? 0, iteration };
    input = renderTemplates(planStep.input, scope, { ...context, steps: stepsContext(state, referencedSteps(state, instance.step), { id: instance.step, output: instance.output }) });
  } catch (error) {
    failStep(state, step, expressionError(error, 'input'), emit);
    return;
  }
  const timeout = planStep.timeout !== undefined ? durationToMs(planStep.timeout) : (state.registry[step.capability ?? '']?.timeoutMs ?? null);
  const data: EventPayloads['attempt.dispatched'] = {
    attemptId: attemptIdOf({ ...instance, iteration }, attempt),
    step: instance.step,
    index: instance.index,
    iteration,
    attempt,
    idempotencyKey: idempotencyKeyOf(state.runId, { ...instance, iteration }),
    capability: step.capability as string,
    input,
    timeoutMs: timeout,
  };
  emit({ type: 'attempt.dispatched', data });
}


const referencedCache = new WeakMap<object, string[]>();

function referencedSteps(state: RunState, stepId: string): string[] {
  const planStep = planStepOf(state, stepId);
  let refs = referencedCache.get(planStep);
  if (!refs) {
    refs = [...new Set(compileTemplates(planStep.input, inputScope(planStep)).flatMap((expression) => expression.stepRefs))];
    referencedCache.set(planStep, refs);
  }
  return refs;
}

function settleReport(state: RunState, instance: InstanceState, now: number, emit: Emit): void {
  const report = instance.report;
  const step = stepOf(state, instance.step);
  const planStep = planStepOf(state, instance.step);
  if (!report) return;
  if (!report.ok) {
    const retry = planStep.retry;
    if (report.error.retryable && retry && instance.failures <= retry.max) {
      const base = retry.backoff !== undefined ? durationToMs(retry.backoff) : 0;
      const delayMs = base * 2 ** (instance.failures - 1);
      emit({
        type: 'attempt.retry_scheduled',
        data: { attemptId: instance.attemptId as string, retryAt: new Date(now + delayMs).toISOString(), delayMs, retry: instance.failures, of: retry.max },
      });
      return;
    }
    const where = instance.index !== null ? `item ${instance.index}: ` : '';
    const tries = instance.failures > 1 ? ` (after ${instance.failures} attempts)` : '';
    failStep(state, step, { ...report.error, message: `${where}${report.error.message}${tries}` }, emit);
    return;
  }
  if (planStep.repeat) {
    let done: boolean;
    try {
      done = evaluateCondition(state, planStep.repeat.until, 'repeatIteration', { iteration: instance.iteration, self: { id: step.id, output: report.output } });
    } catch (error) {
      failStep(state, step, expressionError(error, `repeat.until \`${planStep.repeat.until}\``), emit);
      return;
    }
    if (!done && instance.iteration < planStep.repeat.max) {
      dispatchInstance(state, instance, emit, instance.iteration + 1);
      return;
    }
    if (!done) {
      const message = `repeat.until \`${planStep.repeat.until}\` was still false after ${planStep.repeat.max} iterations`;
      failStep(state, step, { type: 'repeat_exhausted', message, retryable: false }, emit);
      return;
    }
  }
  if (instance.index === null) {
    emit({ type: 'step.succeeded', data: { step: step.id, output: report.output } });
    return;
  }
  emit({ type: 'attempt.accepted', data: { attemptId: instance.attemptId as string, step: step.id, index: instance.index } });
  if (step.succeededInstances === step.instances.length) {
    emit({ type: 'step.succeeded', data: { step: step.id, output: step.instances.map((key) => instanceOf(state, key).output) } });
  }
}

/** A step failed for good: stop its other attempts, and unless it may fail, the whole run. */
function failStep(state: RunState, step: StepState, error: StepError, emit: Emit): void {
  for (const [attemptId, key] of [...state.inflight]) {
    if (instanceOf(state, key).step === step.id) emit({ type: 'attempt.cancelled', data: { attemptId, reason: `step "${step.id}" failed` } });
  }
  emit({ type: 'step.failed', data: { step: step.id, error } });
  if (planStepOf(state, step.id).on_failure === 'continue') return;
  for (const attemptId of [...state.inflight.keys()]) {
    emit({ type: 'attempt.cancelled', data: { attemptId, reason: `the run failed at step "${step.id}"` } });
  }
  emit({ type: 'run.failed', data: { reason: `step "${step.id}" failed: ${error.message}`, step: step.id } });
}
