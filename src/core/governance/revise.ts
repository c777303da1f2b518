import { canonicalJson } from '../canonical.js';
import { DecisionKind, decisionId } from '../decision-id.js';
import type { EventOf } from '../events.js';
import { markStarted, settleStep } from '../step-settlement.js';
import { dependenciesOf } from '../plan/graph.js';
import type { Plan } from '../plan/schema.js';
import { createRunState, isTerminal, type RunState } from '../state.js';
import { listStepIds } from '../plan/step-list.js';

type Revised = EventOf<'plan.revised'> & { at: string };

/** Step ids in dependency order (every step after the steps it names in `after`). */
function topologicalOrder(plan: Plan): string[] {
  const order: string[] = [];
  const placed = new Set<string>();
  const visit = (root: string): void => {
    const stack: [string, boolean][] = [[root, false]];
    while (stack.length > 0) {
      const [id, expanded] = stack.pop() as [string, boolean];
      if (placed.has(id)) continue;
      if (expanded) {
        placed.add(id);
        order.push(id);
        continue;
      }
      stack.push([id, true]);
      for (const dep of dependenciesOf(plan, id)) if (!placed.has(dep)) stack.push([dep, false]);
    }
  };
  for (const id of listStepIds(plan.steps)) visit(id);
  return order;
}

/**
 * A new plan revision takes effect. A step keeps what it did (its result, or its attempts
 * in flight) when its definition is unchanged and every step it runs after kept theirs;
 * everything else starts afresh under the new plan, and attempts of steps that changed or
 * went away are cancelled by the conductor. Budget spent, approvals, signals and artifacts
 * carry over: nothing that happened is forgotten. Pending gate decisions do not: see below.
 */
export function revise(state: RunState, event: Revised): RunState {
  const { plan, planHash, registry, revision } = event.data;
  const next = createRunState({
    runId: state.runId,
    at: state.createdAt,
    plan,
    planHash,
    inputs: state.inputs,
    registry,
  });
  const kept = new Set<string>();
  for (const id of topologicalOrder(plan)) {
    const before = state.plan.steps[id];
    const after = plan.steps[id];
    if (!before || !after || canonicalJson(before) !== canonicalJson(after)) continue;
    if (!dependenciesOf(plan, id).every((dep) => kept.has(dep))) continue;
    kept.add(id);
    const old = state.steps[id];
    const fresh = next.steps[id];
    if (!old || !fresh) continue;
    if (isTerminal(old.status)) {
      // settleStep retires the step's instances: they must be in the new state first.
      for (const key of old.instances) {
        const instance = state.instances.get(key);
        if (instance) next.instances.set(key, instance);
      }
      fresh.output = old.output;
      fresh.error = old.error;
      fresh.capability = old.capability;
      fresh.instances = old.instances;
      fresh.attempts = old.attempts;
      fresh.succeededInstances = old.succeededInstances;
      settleStep(next, fresh, old.status as 'succeeded' | 'failed' | 'skipped' | 'cancelled');
      markStarted(next, fresh);
    } else if (old.status !== 'waiting' && old.status !== 'ready') {
      Object.assign(fresh, { ...old, phase: fresh.phase, join: fresh.join, started: false });
      markStarted(next, fresh);
      next.ready.delete(id);
    }
  }
  // Instances of kept steps go on; attempts of the others are revoked.
  for (const [key, instance] of state.instances) {
    if (kept.has(instance.step)) {
      next.instances.set(key, instance);
      if (state.queued.has(key)) next.queued.add(key);
      if (state.reported.has(key)) next.reported.add(key);
      const retryAt = state.backoff.get(key);
      if (retryAt !== undefined) next.backoff.set(key, retryAt);
    }
  }
  const revoked: { attemptId: string; reason: string }[] = [];
  for (const [attemptId, key] of state.inflight) {
    const step = state.instances.get(key)?.step;
    if (step !== undefined && kept.has(step)) next.inflight.set(attemptId, key);
    else revoked.push({ attemptId, reason: `step "${step}" changed or was removed in revision ${revision}` });
  }
  next.completed = state.completed.filter((id) => kept.has(id) && next.steps[id]?.status === 'succeeded');
  const openId = state.phases[state.openPhase]?.id;
  next.openPhase = openId === undefined ? -1 : next.phases.findIndex((phase) => phase.id === openId);
  // A gate's question (step null) was asked of the old plan, whose phases and gates may have
  // changed: it is withdrawn, and the conductor asks again, with the new plan's reason, if the
  // transition still needs a person. A kept step's question still stands.
  for (const [id, pending] of state.pending) {
    if (pending.step !== null && kept.has(pending.step)) next.pending.set(id, pending);
  }
  for (const [step, deferral] of state.deferred) if (step in plan.steps) next.deferred.set(step, deferral);
  Object.assign(next, {
    revision,
    status: state.status,
    paused: state.paused,
    abort: state.abort,
    compensating: state.compensating,
    compensated: state.compensated,
    budget: { limitUsd: next.budget.limitUsd, spentUsd: state.budget.spentUsd, reservedUsd: state.budget.reservedUsd },
    reservations: state.reservations,
    stepSpend: state.stepSpend,
    stepTokens: state.stepTokens,
    approvals: state.approvals,
    gateApprovals: state.gateApprovals,
    // Pinned at creation: a revision's gates count the members the run was admitted with.
    roles: state.roles,
    overrides: state.overrides,
    prerequisites: state.prerequisites,
    denials: state.denials,
    submissions: state.submissions,
    signals: state.signals,
    artifacts: state.artifacts,
    stale: state.stale,
    cancelled: state.cancelled,
    revoked,
    revisions: [...state.revisions, { revision, planHash, at: event.at }],
    // A proposal was for the plan before this revision: it is withdrawn with its question.
    replan: { ...state.replan, proposal: null },
    // A plan that still waited for approval was revised: the question is now about the new revision.
    planApproval:
      state.planApproval === null
        ? null
        : { id: decisionId(DecisionKind.plan, String(revision)), request: state.planApproval.request },
    agentReports: state.agentReports,
    handoffs: state.handoffs,
    haltedHandoffs: state.haltedHandoffs,
    circuits: state.circuits,
    rerouted: new Set([...state.rerouted].filter((key) => next.instances.has(key))),
  } satisfies Partial<RunState>);
  // The state object is the run's identity for callers holding it: replace its contents.
  for (const key of Object.keys(state) as (keyof RunState)[]) delete state[key];
  return Object.assign(state, next);
}
