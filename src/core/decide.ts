import { awaitsPerson } from './capability-kinds.js';
import { nextCircuitChange, unavailableReason, updateCircuits } from './circuits.js';
import { DecisionKind, decisionId, parseDecisionId } from './decision-id.js';
import { instanceSkill, isDynamicSkill, withSkill } from './dynamic-skill.js';
import type { BatonEvent, EventPayloads, StepError } from './events.js';
import { evolve, timed } from './evolve.js';
import { ExpressionError, compileExpression, type ExpressionContext } from './expressions.js';
import type { Json } from './json.js';
import { numberInputs } from './inputs.js';
import { durationToMs } from './plan/duration.js';
import { inputScope } from './plan/validate.js';
import { admit } from './governance/admission.js';
import { judgeConsensus, type Vote } from './governance/consensus.js';
import { judgeInput, judgeSkillOf, readJudgement } from './governance/consensus-judge.js';
import { advancePhases } from './governance/phase-advance.js';
import { askProposalApproval, requestReplan } from './governance/replan.js';
import { retryRoute } from './retry-route.js';
import { routeStep, stepGrant, type RoutePolicy } from './routing.js';
import {
  attemptIdOf,
  idempotencyKeyOf,
  instanceKey,
  instanceOf,
  isTerminal,
  newInstance,
  planStepOf,
  stepOf,
  type InstanceState,
  type RunState,
  type StepState,
} from './state.js';
import { compileTemplates, renderTemplates } from './templates.js';
import { contextRecordOf } from './context-records.js';

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
    evolve(state, timed(decision, at));
    decisions.push(decision);
    // Every way a step succeeds passes here; what it records goes in the same round (and append) as its success.
    if (decision.type === 'step.succeeded') {
      const recorded = contextRecordOf(state, decision.data.step);
      if (recorded) emit(recorded);
    }
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
 * A retry whose step is at its `concurrency` limit, or that the run's `max_parallel` or
 * budget holds back, waits for room, which only an outcome (a signal) makes, so it sets no
 * timer; nor does a retry of a step held for a person. (A timer for either would be due at
 * once and stay due: the engine would spin until the signal came.)
 */
export function nextWakeAt(state: RunState): number | null {
  if (state.status !== 'running') return null;
  let earliest: number | null = state.deadlineAt;
  const consider = (at: number): void => {
    if (earliest === null || at < earliest) earliest = at;
  };
  // Aborting, nothing is dispatched but compensations, which wait for outcomes, not for time.
  if (state.paused === null && state.abort === null) {
    for (const [key, at] of state.backoff) {
      const instance = instanceOf(state, key);
      if (isHeld(state, instance.step) || !hasCapacity(state, instance.step)) continue;
      const admission = admit(state, instance);
      if (!admission.go && admission.wait) continue;
      // One waiting for a capability's cool-down is woken by the circuit's own timer below.
      if (retryRoute(state, instance, routePolicy(state, instance.step)).kind === 'wait') continue;
      consider(at);
    }
    const circuitChange = nextCircuitChange(state);
    if (circuitChange !== null) consider(circuitChange);
    // A deferred step in a phase that is not open yet waits for the phase (a decision), not for its time;
    // one deferred until a time and a signal waits for the signal once its time has come.
    for (const [step, deferral] of state.deferred) {
      if (deferral.until === null || !state.ready.has(step) || stepOf(state, step).phase > state.openPhase) continue;
      if (deferral.signal !== null && !state.signals.has(deferral.signal)) continue;
      consider(deferral.until);
    }
  }
  return earliest;
}

/** A step held for a person (escalated, or awaiting a confirmation or a signal) dispatches nothing, not even a due retry. */
function isHeld(state: RunState, stepId: string): boolean {
  const status = stepOf(state, stepId).status;
  return status === 'escalated' || status === 'awaiting';
}

/** Records a retry's new route (`routing`) before it is dispatched; false while it waits for a cool-down. */
function takeRoute(state: RunState, instance: InstanceState, emit: Emit): boolean {
  const route = retryRoute(state, instance, routePolicy(state, instance.step));
  if (route.kind === 'move') emit({ type: 'step.rerouted', data: route.route });
  return route.kind !== 'wait';
}

/** Whether a step may start another attempt under its `for_each` concurrency. */
function hasCapacity(state: RunState, stepId: string): boolean {
  return stepOf(state, stepId).running < (planStepOf(state, stepId).concurrency ?? Infinity);
}

function decideOnce(state: RunState, now: number, emit: Emit): void {
  for (const { attemptId, reason } of [...state.stale]) emit({ type: 'attempt.rejected', data: { attemptId, reason } });
  if (state.status !== 'running') return;
  for (const { attemptId, reason } of [...state.revoked])
    emit({ type: 'attempt.cancelled', data: { attemptId, reason } });
  if (state.deadlineAt !== null && now >= state.deadlineAt) {
    timeOut(state, emit);
    return;
  }
  if (state.abort) {
    abortRun(state, emit);
    return;
  }
  updateCircuits(state, now, emit);
  for (const denial of [...state.denials]) {
    applyDenial(state, denial, emit);
    if (state.status !== 'running') return;
  }
  if (state.planApproval !== null) {
    askPlanApproval(state, state.planApproval, emit);
    return;
  }
  askProposalApproval(state, emit);
  for (const request of [...state.cancelRequests]) cancelStep(state, request, emit);
  for (const [id, output] of [...state.submissions]) {
    const step = state.steps[parseDecisionId(id)?.target ?? id];
    if (!step || isTerminal(step.status)) continue;
    cancelAttemptsOf(state, step.id, `the result of "${step.id}" was submitted by a person`, emit);
    emit({ type: 'step.succeeded', data: { step: step.id, output } });
  }
  for (const key of [...state.reported]) {
    if (!state.reported.has(key)) continue; // settled along with its step earlier in this pass
    const instance = instanceOf(state, key);
    if (instance.role === 'compensate' || stepOf(state, instance.step).status === 'escalated') continue;
    settleReport(state, instance, now, emit);
    if (state.status !== 'running') return;
  }
  advancePhases(state, emit);
  if (state.status !== 'running') return;
  if (state.paused === null) {
    for (const [key, retryAt] of [...state.backoff]) {
      if (retryAt > now || state.status !== 'running' || !state.backoff.has(key)) continue;
      const instance = instanceOf(state, key);
      if (isHeld(state, instance.step)) continue;
      if (hasCapacity(state, instance.step) && takeRoute(state, instance, emit))
        dispatchInstance(state, instance, emit);
    }
    for (const key of [...state.queued]) {
      const instance = state.instances.get(key);
      if (!instance || instance.status !== 'queued' || state.status !== 'running') continue;
      if (isHeld(state, instance.step)) continue;
      if (hasCapacity(state, instance.step) && takeRoute(state, instance, emit))
        dispatchInstance(state, instance, emit);
    }
    for (const id of [...state.ready]) {
      if (state.status !== 'running') return;
      const step = stepOf(state, id);
      if (state.ready.has(id) && step.phase <= state.openPhase) startStep(state, step, now, emit);
    }
  }
  if (
    state.status === 'running' &&
    state.terminalSteps === state.stepCount &&
    state.inflight.size === 0 &&
    state.pending.size === 0 &&
    state.openPhase === state.phases.length - 1
  ) {
    const counts = { succeeded: 0, skipped: 0, failed: 0 };
    for (const step of Object.values(state.steps))
      if (step.status in counts) counts[step.status as keyof typeof counts] += 1;
    emit({ type: 'run.succeeded', data: counts });
  }
}

function cancelAttemptsOf(state: RunState, stepId: string, reason: string, emit: Emit): void {
  for (const [attemptId, key] of [...state.inflight]) {
    if (instanceOf(state, key).step === stepId) emit({ type: 'attempt.cancelled', data: { attemptId, reason } });
  }
}

function cancelAll(
  state: RunState,
  reason: string,
  emit: Emit,
  keep: (instance: InstanceState) => boolean = () => false,
): void {
  for (const [attemptId, key] of [...state.inflight])
    if (!keep(instanceOf(state, key))) emit({ type: 'attempt.cancelled', data: { attemptId, reason } });
}

function timeOut(state: RunState, emit: Emit): void {
  const deadline = new Date(state.deadlineAt as number).toISOString();
  cancelAll(state, `the run's deadline (${deadline}) passed`, emit);
  emit({
    type: 'run.timed_out',
    data: { reason: `the deadline of ${state.plan.constraints?.deadline} passed at ${deadline}`, deadline },
  });
}

/**
 * Abort: stop every attempt, then run the declared `compensate` capabilities of completed
 * steps, newest first, one at a time, each with its step's output. A compensation that fails
 * is recorded and the next one still runs.
 */
function abortRun(state: RunState, emit: Emit): void {
  const abort = state.abort as NonNullable<RunState['abort']>;
  cancelAll(
    state,
    `the run was aborted by ${abort.by}: ${abort.reason}`,
    emit,
    (instance) => instance.role === 'compensate',
  );
  if (state.compensating === null) {
    const steps = [...state.completed].reverse().filter((id) => state.plan.steps[id]?.compensate !== undefined);
    if (steps.length > 0) emit({ type: 'run.compensating', data: { steps } });
  }
  const next = state.compensating?.[0];
  if (next !== undefined) {
    const key = `${next}/compensate`;
    const instance = state.instances.get(key);
    if (instance?.status === 'reported' && instance.report) {
      const { report } = instance;
      emit({ type: 'step.compensated', data: { step: next, ok: report.ok, error: report.ok ? null : report.error } });
      abortRun(state, emit);
    } else if (!instance || instance.status !== 'running') {
      const capability = planStepOf(state, next).compensate as string;
      // A compensation given up (its lease was lost) runs again as a new attempt: a late outcome of the old one must stay stale.
      const attempt = (instance?.attempts ?? 0) + 1;
      emit({
        type: 'attempt.dispatched',
        data: {
          attemptId: `${key}/a${attempt}`,
          step: next,
          index: null,
          iteration: 1,
          attempt,
          idempotencyKey: `${state.runId}/${key}`,
          capability,
          input: stepOf(state, next).output,
          timeoutMs: state.registry[capability]?.timeoutMs ?? null,
          role: 'compensate',
        },
      });
    }
    return;
  }
  if (state.inflight.size === 0)
    emit({ type: 'run.aborted', data: { reason: abort.reason, by: abort.by, compensated: state.compensated } });
}

/**
 * A plan that waits for a person's approval (a drafted one) runs nothing, not even a step
 * that needs no capability: the question is asked once, with what the person is shown.
 */
function askPlanApproval(state: RunState, approval: NonNullable<RunState['planApproval']>, emit: Emit): void {
  if (state.pending.has(approval.id)) return;
  const { reason, outline, drafted } = approval.request;
  emit({
    type: 'decision.requested',
    data: {
      id: approval.id,
      kind: 'plan',
      step: null,
      phase: null,
      reason: `revision ${state.revision} of the plan needs a person's approval before anything runs: ${reason}`,
      detail: {
        planHash: state.planHash,
        revision: state.revision,
        ...(outline !== undefined && { outline }),
        ...(drafted !== undefined && { drafted }),
      },
    },
  });
}

function applyDenial(state: RunState, denial: RunState['denials'][number], emit: Emit): void {
  const decision = parseDecisionId(denial.id);
  if (!decision) return; // a denial answers a pending decision, and the conductor built its id
  const { kind, target } = decision;
  const because = `denied by ${denial.by}${denial.comment ? `: ${denial.comment}` : ''}`;
  if (kind === 'plan') {
    emit({
      type: 'run.denied',
      data: {
        reason: `revision ${target} of the plan was ${because}; nothing ran`,
        decision: denial.id,
        by: denial.by,
      },
    });
    return;
  }
  if (kind === 'gate') {
    cancelAll(state, `the gate of phase "${target}" was ${because}`, emit);
    emit({
      type: 'run.denied',
      data: { reason: `the gate of phase "${target}" was ${because}`, decision: denial.id, by: denial.by },
    });
    return;
  }
  const step = state.steps[target];
  if (!step || isTerminal(step.status)) return;
  const what = {
    confirm: 'confirmation',
    escalation: 'escalation',
    human: "person's task",
    signal: 'wait for a signal',
    handoff: 'halted handoff',
  }[kind];
  failStep(state, step, { type: 'denied', message: `${what} ${because}`, retryable: false }, emit, denial);
}

function cancelStep(state: RunState, request: RunState['cancelRequests'][number], emit: Emit): void {
  const step = state.steps[request.step];
  if (!step || isTerminal(step.status)) return;
  const reason = `cancelled by ${request.by}${request.reason ? `: ${request.reason}` : ''}`;
  cancelAttemptsOf(state, step.id, reason, emit);
  emit({ type: 'step.cancelled', data: { step: step.id, reason } });
}

/** The run's inputs and workspace context for an expression, with `number` inputs marked to stay doubles. */
function runInputs(state: RunState): Pick<ExpressionContext, 'inputs' | 'doubleInputs' | 'context'> {
  return {
    inputs: state.inputs,
    doubleInputs: numberInputs(state.plan.inputs),
    context: state.context as unknown as Json,
  };
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
function stepsContext(
  state: RunState,
  refs: Iterable<string>,
  self?: { id: string; output: Json },
): ExpressionContext['steps'] {
  const steps: NonNullable<ExpressionContext['steps']> = {};
  for (const ref of refs) {
    const step = stepOf(state, ref);
    steps[ref] = { status: step.status, output: self && ref === self.id ? self.output : step.output };
  }
  return steps;
}

function evaluateCondition(
  state: RunState,
  source: string,
  scope: 'step' | 'repeatIteration',
  extra: ExpressionContext & { self?: { id: string; output: Json } },
): boolean {
  const expression = compileExpression(source, scope);
  const value = expression.evaluate({
    ...extra,
    ...runInputs(state),
    steps: stepsContext(state, expression.stepRefs, extra.self),
  });
  if (typeof value !== 'boolean')
    throw new ExpressionError(`must be true or false, got ${JSON.stringify(value)}`, source);
  return value;
}

/** What a step may use right now: its grant, the money left to it, and the skills already built. */
function routePolicy(state: RunState, stepId: string): RoutePolicy {
  const planStep = planStepOf(state, stepId);
  const { limitUsd, spentUsd, reservedUsd } = state.budget;
  const runLeft = limitUsd === null ? null : limitUsd - spentUsd - reservedUsd;
  const stepLimit = planStep.constraints?.budget_usd;
  const stepLeft = stepLimit === undefined ? null : stepLimit - (state.stepSpend.get(stepId) ?? 0);
  const remainingUsd = runLeft === null ? stepLeft : stepLeft === null ? runLeft : Math.min(runLeft, stepLeft);
  // Named, not spread: keys added after a spread make a new hidden class per call (see `timed`).
  const { allow, permissions } = stepGrant(state.plan.constraints, planStep);
  return {
    allow,
    permissions,
    // Spending already reserved will settle; only money spent for good rules a capability out.
    remainingUsd: remainingUsd === null ? null : remainingUsd + reservedUsd,
    unbuilt: (skill) => {
      const builder = state.builtBy.get(skill);
      return builder !== undefined && builder !== stepId && state.steps[builder]?.status !== 'succeeded'
        ? builder
        : null;
    },
    passOver: (capability) => unavailableReason(state, capability),
  };
}

/** Whether a skill is built by a step that has not finished yet. */
function awaitsBuilder(state: RunState, skill: string | undefined): boolean {
  const builder = skill === undefined ? undefined : state.builtBy.get(skill);
  const status = builder === undefined ? undefined : state.steps[builder]?.status;
  return status !== undefined && !isTerminal(status);
}

/**
 * The step waits for a person. `retry` is what approving runs again (none: the step is decided
 * on from the start); the fold reads it from the event's own field, never from `detail`, which
 * is what people are shown (and lists the same instances as `retry`, as it always has).
 */
function escalate(state: RunState, step: StepState, reason: string, detail: Json, retry: string[], emit: Emit): void {
  requestReplan(state, step, reason, emit);
  const id = decisionId(DecisionKind.escalation, step.id);
  emit({
    type: 'decision.requested',
    data: {
      id,
      kind: 'escalation',
      step: step.id,
      phase: state.phases[step.phase]?.id ?? null,
      reason,
      detail,
      retry: { instances: retry },
    },
  });
}

/**
 * An expression that cannot be evaluated at run time (a missing field, a wrong type) leaves the
 * plan unclear, and Baton does not guess: the step waits for a person, with the evaluation error
 * as the reason. Only a step that says what its failure should do is failed instead:
 * `on_failure: continue` (the run goes on) or `on_failure: fail` (the run fails).
 * `retry`: the instances an approval runs again; none decides on the step from the start.
 */
function unclearExpression(state: RunState, step: StepState, error: StepError, retry: string[], emit: Emit): void {
  const onFailure = planStepOf(state, step.id).on_failure;
  if (onFailure === 'continue' || onFailure === 'fail') {
    failStep(state, step, error, emit);
    return;
  }
  escalate(
    state,
    step,
    `cannot evaluate an expression of "${step.id}": ${error.message}`,
    { error: error as unknown as Json, retry },
    retry,
    emit,
  );
}

function needsConfirmation(state: RunState, stepId: string): boolean {
  return planStepOf(state, stepId).confirm === true || (state.plan.constraints?.confirm ?? []).includes(stepId);
}

function startStep(state: RunState, step: StepState, now: number, emit: Emit): void {
  const planStep = planStepOf(state, step.id);
  if (step.deadPath !== null) {
    emit({ type: 'step.skipped', data: { step: step.id, reason: step.deadPath } });
    return;
  }
  const deferral = state.deferred.get(step.id);
  if (
    deferral &&
    ((deferral.until !== null && deferral.until > now) ||
      (deferral.signal !== null && !state.signals.has(deferral.signal)))
  )
    return;
  if (planStep.when !== undefined) {
    let proceed: boolean;
    try {
      proceed = evaluateCondition(state, planStep.when, 'step', {});
    } catch (error) {
      unclearExpression(state, step, expressionError(error, `when \`${planStep.when}\``), [], emit);
      return;
    }
    if (!proceed) {
      emit({ type: 'step.skipped', data: { step: step.id, reason: `when \`${planStep.when}\` is false` } });
      return;
    }
  }
  if (planStep.await !== undefined) {
    const names = typeof planStep.await.signal === 'string' ? [planStep.await.signal] : planStep.await.signal;
    const received = names.find((name) => state.signals.has(name));
    if (received === undefined) {
      const reason = `waiting for signal ${names.map((name) => `"${name}"`).join(' or ')}`;
      emit({
        type: 'decision.requested',
        data: {
          id: decisionId(DecisionKind.signal, step.id),
          kind: 'signal',
          step: step.id,
          phase: state.phases[step.phase]?.id ?? null,
          reason,
          detail: { signals: names },
        },
      });
      return;
    }
    if (planStep.skill === undefined && planStep.capability === undefined) {
      emit({
        type: 'step.succeeded',
        data: { step: step.id, output: { signal: received, data: state.signals.get(received) ?? null } },
      });
      return;
    }
  }
  if (isDynamicSkill(planStep.skill)) {
    // Each item is routed as it is dispatched (routeItem), once the skill it asks for is known.
    if (expandStep(state, step, emit)) requestConfirmation(state, step, null, emit);
    return;
  }
  const policy = routePolicy(state, step.id);
  const route = routeStep(step.id, planStep, state.registry, policy);
  if (
    !route.ok &&
    awaitsBuilder(state, planStep.skill) &&
    routeStep(step.id, planStep, state.registry, { ...policy, unbuilt: () => null }).ok
  ) {
    return; // the skill it needs is still being built: it waits for its builder (and its check), it does not escalate
  }
  if (!route.ok && routeStep(step.id, planStep, state.registry, { ...policy, passOver: undefined }).ok) {
    return; // only unavailable capabilities could take it: it waits for a cool-down to end (nextWakeAt), it does not escalate
  }
  if (!route.ok) {
    escalate(
      state,
      step,
      `no capability can take "${step.id}": ${route.reason}`,
      { candidates: route.candidates as unknown as Json },
      [],
      emit,
    );
    return;
  }
  emit({ type: 'step.routed', data: route.route });
  if (planStep.for_each !== undefined && !expandStep(state, step, emit)) return;
  requestConfirmation(state, step, route.route.capability, emit);
}

/**
 * Routing (or expansion) queued the work; a step that needs a yes holds it until it comes.
 * `capability` is where it goes, or null for a dynamic skill's items, each routed as dispatched.
 */
function requestConfirmation(state: RunState, step: StepState, capability: string | null, emit: Emit): void {
  if (!needsConfirmation(state, step.id) || state.approvals.has(decisionId(DecisionKind.confirm, step.id))) return;
  const cost = capability === null ? undefined : state.registry[capability]?.costUsd;
  const where =
    capability === null
      ? `to the capabilities its items' skills (\`${planStepOf(state, step.id).skill}\`) route to`
      : `to "${capability}"`;
  const reason = `"${step.id}" needs a person's yes before it is dispatched ${where}${cost ? ` (up to $${cost} per attempt)` : ''}`;
  emit({
    type: 'decision.requested',
    data: {
      id: decisionId(DecisionKind.confirm, step.id),
      kind: 'confirm',
      step: step.id,
      phase: state.phases[step.phase]?.id ?? null,
      reason,
      detail: { capability },
    },
  });
}

/**
 * Routes one item of a dynamic-skill step by the skill its template gives, with the step's own
 * grant and budget, recorded as a `step.routed` of that item. False when it is not routed now:
 * it waits (its skill is still being built, or only unavailable capabilities offer it), or the
 * step escalated (no capability may take it, or the template gave no skill).
 */
function routeItem(state: RunState, instance: InstanceState, emit: Emit): boolean {
  const step = stepOf(state, instance.step);
  const planStep = planStepOf(state, instance.step);
  let skill: string;
  try {
    skill = instanceSkill(state, instance);
  } catch (error) {
    const what = `skill \`${planStep.skill}\` of item ${instance.index}`;
    unclearExpression(state, step, expressionError(error, what), [instance.key], emit);
    return false;
  }
  const itemStep = withSkill(planStep, skill);
  const policy = routePolicy(state, instance.step);
  const route = routeStep(instance.step, itemStep, state.registry, policy);
  if (route.ok) {
    emit({ type: 'step.routed', data: { ...route.route, instance: instance.key } });
    return true;
  }
  const routable = (relaxed: Partial<RoutePolicy>): boolean =>
    routeStep(instance.step, itemStep, state.registry, { ...policy, ...relaxed }).ok;
  if (awaitsBuilder(state, skill) && routable({ unbuilt: () => null })) return false;
  if (routable({ passOver: undefined })) return false;
  escalate(
    state,
    step,
    `no capability can take item ${instance.index} of "${step.id}" (skill "${skill}"): ${route.reason}`,
    { skill, item: instance.item, candidates: route.candidates as unknown as Json, retry: [instance.key] },
    [instance.key],
    emit,
  );
  return false;
}

/** Evaluates `for_each` and queues one instance per item; false when the step ended here. */
function expandStep(state: RunState, step: StepState, emit: Emit): boolean {
  const planStep = planStepOf(state, step.id);
  const source = planStep.for_each as string;
  let items: Json;
  try {
    const expression = compileExpression(source, 'step');
    items = expression.evaluate({ ...runInputs(state), steps: stepsContext(state, expression.stepRefs) });
  } catch (error) {
    unclearExpression(state, step, expressionError(error, `for_each \`${source}\``), [], emit);
    return false;
  }
  if (!Array.isArray(items)) {
    unclearExpression(
      state,
      step,
      {
        type: 'expression',
        message: `for_each \`${source}\` must give a list, got ${JSON.stringify(items)}`,
        retryable: false,
      },
      [],
      emit,
    );
    return false;
  }
  emit({ type: 'step.expanded', data: { step: step.id, items } });
  if (items.length > 0) return true;
  emit({ type: 'step.succeeded', data: { step: step.id, output: [] } });
  return false;
}

/**
 * Dispatches an instance when the run's limits allow it: otherwise it waits (an outcome will
 * make room) or its step escalates (it can never fit). Returns whether it was dispatched.
 */
function dispatchInstance(
  state: RunState,
  instance: InstanceState,
  emit: Emit,
  iteration = instance.iteration,
): boolean {
  const planStep = planStepOf(state, instance.step);
  const step = stepOf(state, instance.step);
  if (instance.role === null && instance.capability === null && isDynamicSkill(planStep.skill)) {
    if (!routeItem(state, instance, emit)) return false;
  }
  const admission = admit(state, instance);
  if (!admission.go) {
    if (!admission.wait)
      escalate(
        state,
        step,
        admission.reason,
        { ...(admission.detail as object), retry: [instance.key] },
        [instance.key],
        emit,
      );
    return false;
  }
  const attempt = iteration === instance.iteration ? instance.attempts + 1 : 1;
  const capability = instance.capability ?? (step.capability as string);
  let input: Json;
  try {
    input =
      instance.role === 'check'
        ? checkInput(state, instance)
        : instance.role === 'judge'
          ? judgeInputOf(state, instance)
          : renderInput(state, instance, iteration);
  } catch (error) {
    // Approving again re-renders it; a check's input comes from the step's work, so that work is what runs again.
    const retry = instance.role === 'check' ? [instance.step] : [instance.key];
    unclearExpression(
      state,
      step,
      expressionError(
        error,
        instance.role === 'check' ? 'check.input' : instance.role === 'judge' ? 'judge input' : 'input',
      ),
      retry,
      emit,
    );
    return false;
  }
  // A step's `timeout` bounds its own work; a check or a judge runs within its capability's.
  const timeout =
    planStep.timeout !== undefined && instance.role !== 'check' && instance.role !== 'judge'
      ? durationToMs(planStep.timeout)
      : (state.registry[capability]?.timeoutMs ?? null);
  const data: EventPayloads['attempt.dispatched'] = {
    attemptId: attemptIdOf({ ...instance, iteration }, attempt),
    step: instance.step,
    index: instance.index,
    iteration,
    attempt,
    idempotencyKey: idempotencyKeyOf(state.runId, { ...instance, iteration }),
    capability,
    input,
    timeoutMs: timeout,
    ...(instance.role !== null && { role: instance.role }),
    ...(admission.reservedUsd > 0 && { reservedUsd: admission.reservedUsd }),
  };
  emit({ type: 'attempt.dispatched', data });
  if (awaitsPerson(state.registry[capability])) {
    const reason = `waiting for a person to submit the result of "${instance.key}" (baton submit ${state.runId} ${instance.key} --output ...)`;
    emit({
      type: 'decision.requested',
      data: {
        id: decisionId(DecisionKind.human, instance.key),
        kind: 'human',
        step: instance.step,
        phase: state.phases[step.phase]?.id ?? null,
        reason,
        detail: { capability, input },
      },
    });
  }
  return true;
}

function renderInput(state: RunState, instance: InstanceState, iteration: number): Json {
  const planStep = planStepOf(state, instance.step);
  // Nothing to render (renderTemplates gives null for it): no context is built for a step without input.
  if (planStep.input === undefined) return null;
  // One literal, no spread: keys added after a spread make a new hidden class per call (see `timed`).
  const { inputs, doubleInputs, context } = runInputs(state);
  return renderTemplates(planStep.input, inputScope(planStep), {
    inputs,
    doubleInputs,
    context,
    item: instance.item,
    index: instance.index ?? 0,
    iteration,
    steps: stepsContext(state, referencedSteps(state, instance.step), { id: instance.step, output: instance.output }),
  });
}

/** A check gets the step's output, or its own `input` rendered like the step's. */
function checkInput(state: RunState, instance: InstanceState): Json {
  const check = planStepOf(state, instance.step).check;
  const output = state.instances.get(instance.step)?.output ?? null;
  if (check?.input === undefined) return output;
  return renderTemplates(check.input, 'step', {
    ...runInputs(state),
    steps: {
      ...stepsContext(state, referencedSteps(state, instance.step)),
      [instance.step]: { status: 'running', output },
    },
  });
}

/** A judge gets the votes (in voter order) and the step's input, rendered as the votes got it. */
function judgeInputOf(state: RunState, instance: InstanceState): Json {
  const planStep = planStepOf(state, instance.step);
  return judgeInput(
    instance.step,
    planStep.consensus as NonNullable<typeof planStep.consensus>,
    renderInput(state, instance, 1),
    votesOf(state, stepOf(state, instance.step)).map(voteOf),
  );
}

const referencedCache = new WeakMap<object, string[]>();

function referencedSteps(state: RunState, stepId: string): string[] {
  const planStep = planStepOf(state, stepId);
  let refs = referencedCache.get(planStep);
  if (!refs) {
    refs = [
      ...new Set(compileTemplates(planStep.input, inputScope(planStep)).flatMap((expression) => expression.stepRefs)),
    ];
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
    const retry = instance.role === 'check' ? undefined : planStep.retry;
    if (report.error.retryable && retry && instance.failures <= retry.max) {
      const base = retry.backoff !== undefined ? durationToMs(retry.backoff) : 0;
      const delayMs = Math.max(base * 2 ** (instance.failures - 1), report.error.retryAfterMs ?? 0);
      emit({
        type: 'attempt.retry_scheduled',
        data: {
          attemptId: instance.attemptId as string,
          retryAt: new Date(now + delayMs).toISOString(),
          delayMs,
          retry: instance.failures,
          of: retry.max,
        },
      });
      return;
    }
    const where =
      instance.role === 'check'
        ? 'check: '
        : instance.role === 'vote'
          ? `vote of "${instance.capability}": `
          : instance.role === 'judge'
            ? `judge "${instance.capability}": `
            : instance.index !== null
              ? `item ${instance.index}: `
              : '';
    const tries = instance.failures > 1 ? ` (after ${instance.failures} attempts)` : '';
    const error = {
      ...report.error,
      ...(instance.role === 'check' && { type: 'check_failed' }),
      message: `${where}${report.error.message}${tries}`,
    };
    settleFailure(state, step, instance, error, emit);
    return;
  }
  if (instance.role === 'vote') {
    settleVotes(state, step, emit);
    return;
  }
  if (instance.role === 'judge') {
    settleJudgement(state, step, instance, emit);
    return;
  }
  if (instance.role === 'check') {
    emit({ type: 'step.succeeded', data: { step: step.id, output: state.instances.get(step.id)?.output ?? null } });
    sealIfAsked(state, step.id, emit);
    return;
  }
  if (planStep.repeat) {
    let done: boolean;
    try {
      done = evaluateCondition(state, planStep.repeat.until, 'repeatIteration', {
        iteration: instance.iteration,
        self: { id: step.id, output: report.output },
      });
    } catch (error) {
      unclearExpression(
        state,
        step,
        expressionError(error, `repeat.until \`${planStep.repeat.until}\``),
        [instance.key],
        emit,
      );
      return;
    }
    if (!done && instance.iteration < planStep.repeat.max) {
      // Paused: the next iteration is dispatched once the run is unpaused (the report waits until then).
      if (state.paused === null) dispatchInstance(state, instance, emit, instance.iteration + 1);
      return;
    }
    if (!done) {
      const message = `repeat.until \`${planStep.repeat.until}\` was still false after ${planStep.repeat.max} iterations`;
      failStep(state, step, { type: 'repeat_exhausted', message, retryable: false }, emit);
      return;
    }
  }
  if (instance.index === null) {
    if (planStep.check !== undefined) {
      // The work is done; the step succeeds only once its check proves it.
      // Paused: the check is dispatched once the run is unpaused (the report waits until then).
      if (!state.instances.has(`${step.id}/check`) && state.paused === null)
        dispatchInstance(
          state,
          newInstance(step.id, null, null, 'check', planStep.check.capability, state.revision),
          emit,
        );
      return;
    }
    emit({ type: 'step.succeeded', data: { step: step.id, output: report.output } });
    sealIfAsked(state, step.id, emit);
    return;
  }
  emit({
    type: 'attempt.accepted',
    data: { attemptId: instance.attemptId as string, step: step.id, index: instance.index },
  });
  if (step.succeededInstances === step.instances.length) {
    emit({
      type: 'step.succeeded',
      data: { step: step.id, output: step.instances.map((key) => instanceOf(state, key).output) },
    });
    sealIfAsked(state, step.id, emit);
  }
}

/** An instance failed for good (no retry left): the step waits for a person, fails, or escalates as `on_failure` says. */
function settleFailure(state: RunState, step: StepState, instance: InstanceState, error: StepError, emit: Emit): void {
  if (error.type === 'expression') {
    // A command's argv template, rendered as the attempt starts, is as unclear as any other expression.
    unclearExpression(state, step, error, [instance.key], emit);
    return;
  }
  if (planStepOf(state, step.id).on_failure === 'escalate') {
    escalate(
      state,
      step,
      `"${step.id}" failed: ${error.message}`,
      { error: error as unknown as Json, retry: [instance.key] },
      [instance.key],
      emit,
    );
    return;
  }
  failStep(state, step, error, emit);
}

/** `seal: true`: the step's artifacts are sealed as it succeeds. */
function sealIfAsked(state: RunState, stepId: string, emit: Emit): void {
  if (planStepOf(state, stepId).seal !== true) return;
  const artifacts = [...state.artifacts.values()]
    .filter((artifact) => artifact.step === stepId && !artifact.sealed)
    .map(({ name, sha256, bytes }) => ({ name, sha256, bytes }));
  if (artifacts.length > 0) emit({ type: 'step.sealed', data: { step: stepId, artifacts } });
}

/** A consensus step's votes, in voter order (its judge is an instance of the step too, and not a vote). */
function votesOf(state: RunState, step: StepState): InstanceState[] {
  return step.instances.map((key) => instanceOf(state, key)).filter((instance) => instance.role === 'vote');
}

function voteOf(instance: InstanceState): Vote {
  return { capability: instance.capability as string, output: instance.output };
}

/**
 * Once every vote is in, the outputs are compared, or, under `compare: judge`, a judge is
 * routed to compare them: agreement is the step's output, disagreement escalates.
 */
function settleVotes(state: RunState, step: StepState, emit: Emit): void {
  const votes = votesOf(state, step);
  if (!votes.every((vote) => vote.status === 'reported' && vote.report?.ok)) return;
  const consensus = planStepOf(state, step.id).consensus as NonNullable<ReturnType<typeof planStepOf>['consensus']>;
  const judgeSkill = judgeSkillOf(consensus);
  if (judgeSkill !== null) {
    routeJudge(state, step, judgeSkill, emit);
    return;
  }
  const verdict = judgeConsensus(consensus, votes.map(voteOf));
  if (!verdict.agreed) {
    const retry = votes.map((vote) => vote.key);
    escalate(
      state,
      step,
      `contradiction in "${step.id}": ${verdict.reason}`,
      { votes: verdict.votes as unknown as Json, retry },
      retry,
      emit,
    );
    return;
  }
  emit({
    type: 'consensus.reached',
    data: { step: step.id, output: verdict.output, agreeing: verdict.agreeing, dissenting: verdict.dissenting },
  });
  emit({ type: 'step.succeeded', data: { step: step.id, output: verdict.output } });
}

/**
 * Routes the judge of a consensus whose votes are all in, like any step: the strongest capability
 * offering the skill that the step's grant and budget allow, recorded with every candidate. Once
 * routed (or judging), nothing more: the judge's own report settles the step.
 */
function routeJudge(state: RunState, step: StepState, skill: string, emit: Emit): void {
  const judge = state.instances.get(instanceKey(step.id, null, 'judge'));
  if (judge !== undefined && judge.status !== 'cancelled') return;
  const planStep = planStepOf(state, step.id);
  const judgeStep = { skill, ...(planStep.constraints !== undefined && { constraints: planStep.constraints }) };
  const policy = routePolicy(state, step.id);
  const route = routeStep(step.id, judgeStep, state.registry, policy);
  if (!route.ok && routeStep(step.id, judgeStep, state.registry, { ...policy, passOver: undefined }).ok) return; // waits for a cool-down
  if (!route.ok) {
    const retry = votesOf(state, step).map((vote) => vote.key);
    escalate(
      state,
      step,
      `no capability can judge the consensus of "${step.id}": ${route.reason}`,
      {
        votes: votesOf(state, step).map(voteOf) as unknown as Json,
        candidates: route.candidates as unknown as Json,
        retry,
      },
      retry,
      emit,
    );
    return;
  }
  emit({
    type: 'step.routed',
    data: { ...route.route, reason: `judge of the consensus: ${route.route.reason}`, role: 'judge' },
  });
}

/**
 * The judge answered: its verdict is recorded, then agreement settles the step with the judge's
 * chosen output (else the first vote's), and disagreement escalates as a contradiction, with the
 * verdict. An answer that is no verdict is the judge's failure.
 */
function settleJudgement(state: RunState, step: StepState, judge: InstanceState, emit: Emit): void {
  const capability = judge.capability as string;
  const judgement = readJudgement(judge.output);
  if (typeof judgement === 'string') {
    const error = { type: 'judge_invalid', message: `judge "${capability}": ${judgement}`, retryable: false };
    settleFailure(state, step, judge, error, emit);
    return;
  }
  const votes = votesOf(state, step);
  emit({ type: 'consensus.judged', data: { step: step.id, judge: capability, ...judgement } });
  if (!judgement.agree) {
    const retry = [...votes.map((vote) => vote.key), judge.key];
    escalate(
      state,
      step,
      `contradiction in "${step.id}": judge "${capability}" found no agreement: ${judgement.reasons}`,
      {
        votes: votes.map(voteOf) as unknown as Json,
        judge: { capability, agree: false, reasons: judgement.reasons },
        retry,
      },
      retry,
      emit,
    );
    return;
  }
  const output = judgement.output ?? (votes[0] as InstanceState).output;
  emit({
    type: 'consensus.reached',
    data: { step: step.id, output, agreeing: votes.map((vote) => vote.capability as string), dissenting: [] },
  });
  emit({ type: 'step.succeeded', data: { step: step.id, output } });
}

/** A step failed for good: stop its other attempts, and unless it may fail, the whole run. */
function failStep(
  state: RunState,
  step: StepState,
  error: StepError,
  emit: Emit,
  denial?: RunState['denials'][number],
): void {
  cancelAttemptsOf(state, step.id, `step "${step.id}" failed`, emit);
  emit({ type: 'step.failed', data: { step: step.id, error } });
  if (planStepOf(state, step.id).on_failure === 'continue') return;
  cancelAll(state, `the run ${denial ? 'was denied' : 'failed'} at step "${step.id}"`, emit);
  if (denial)
    emit({
      type: 'run.denied',
      data: { reason: `step "${step.id}": ${error.message}`, decision: denial.id, by: denial.by },
    });
  else emit({ type: 'run.failed', data: { reason: `step "${step.id}" failed: ${error.message}`, step: step.id } });
}
