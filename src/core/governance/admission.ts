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
  const cost = state.registry[capability]?.costUsd ?? 0;
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
