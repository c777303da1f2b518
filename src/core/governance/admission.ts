import type { Json } from '../json.js';
import { planStepOf, stepOf, type InstanceState, type RunState } from '../state.js';
import { round } from '../routing.js';

/**
 * Whether an attempt may be dispatched now, under the run's parallelism and money limits.
 * `wait`: not now, but an outcome will make room (a reservation settles, a slot frees).
 * `escalate`: never, as things stand: a person must decide. Budgets count worst cases, so a
 * budget is never exceeded, whatever runs in parallel or is retried.
 */
export type Admission =
  | { go: true; reservedUsd: number }
  | { go: false; wait: true }
  | { go: false; wait: false; reason: string; detail: Json };

export function admit(state: RunState, instance: InstanceState): Admission {
  const max = state.plan.constraints?.max_parallel;
  if (max !== undefined && state.inflight.size >= max) return { go: false, wait: true };
  const capability = instance.capability ?? stepOf(state, instance.step).capability ?? '';
  const descriptor = state.registry[capability];
  if (descriptor?.kind === 'plan') return admitSubPlan(state, instance, capability, descriptor.costUsd);
  const cost = descriptor?.costUsd ?? 0;
  if (cost === 0) return { go: true, reservedUsd: 0 };
  const { limitUsd, spentUsd, reservedUsd } = state.budget;
  if (limitUsd !== null) {
    const numbers = { limit: limitUsd, spent: round(spentUsd), reserved: round(reservedUsd), needed: cost };
    if (spentUsd + cost > limitUsd + 1e-9) {
      return {
        go: false,
        wait: false,
        reason: `budget: $${numbers.spent} spent + $${cost} for this attempt on "${capability}" would exceed the run's budget of $${limitUsd}`,
        detail: numbers,
      };
    }
    if (spentUsd + reservedUsd + cost > limitUsd + 1e-9) return { go: false, wait: true };
  }
  const stepLimit = planStepOf(state, instance.step).constraints?.budget_usd;
  if (stepLimit !== undefined) {
    const used = state.stepSpend.get(instance.step) ?? 0;
    if (used + cost > stepLimit + 1e-9) {
      return {
        go: false,
        wait: false,
        reason: `budget: step "${instance.step}" has used $${round(used)} and $${cost} more would exceed its budget of $${stepLimit}`,
        detail: { limit: stepLimit, used: round(used), needed: cost },
      };
    }
  }
  return { go: true, reservedUsd: cost };
}

/**
 * A sub-plan's child run may spend at most what is reserved for it here: its own budget
 * (`costUsd`) when it has one, but never more than the run and the step have left; without a
 * budget of its own, all that is left. The child's run is created with that budget
 * (core/sub-plan.ts `narrowSubPlan`), so a parent's budget is never exceeded through its
 * children. Nothing left: it waits while other reservations may settle, else escalates.
 */
function admitSubPlan(
  state: RunState,
  instance: InstanceState,
  capability: string,
  childBudget: number | undefined,
): Admission {
  const { limitUsd, spentUsd, reservedUsd } = state.budget;
  const stepLimit = planStepOf(state, instance.step).constraints?.budget_usd;
  const stepLeft = stepLimit === undefined ? Infinity : stepLimit - (state.stepSpend.get(instance.step) ?? 0);
  const runLeft = limitUsd === null ? Infinity : limitUsd - spentUsd - reservedUsd;
  const cost = Math.min(childBudget ?? Infinity, runLeft, stepLeft);
  if (cost === Infinity) return { go: true, reservedUsd: 0 }; // no budget anywhere: the child keeps its own constraints
  if (cost > 1e-9 || childBudget === 0) return { go: true, reservedUsd: round(Math.max(cost, 0)) };
  if (runLeft <= 1e-9 && reservedUsd > 0 && stepLeft > 1e-9) return { go: false, wait: true };
  const numbers = {
    limit: limitUsd,
    spent: round(spentUsd),
    reserved: round(reservedUsd),
    stepLimit: stepLimit ?? null,
  };
  return {
    go: false,
    wait: false,
    reason: `budget: nothing is left for the sub-plan of "${instance.step}" ("${capability}"): ${stepLeft <= 1e-9 ? `the step's budget of $${stepLimit} is used` : `$${round(spentUsd)} of the run's budget of $${limitUsd} is spent`}`,
    detail: numbers,
  };
}
