/** How a planning ended: a plan admitted, or why none was. */
export const PlanningResult = {
  admitted: 'admitted',
  /** Every answer, the repairs included, had issues. */
  rejected: 'rejected',
  /** The next call's worst case would have passed the planning budget. */
  overBudget: 'over_budget',
  /** A call failed (the provider, the network, an answer that was no JSON). */
  failed: 'failed',
} as const;
export type PlanningResult = (typeof PlanningResult)[keyof typeof PlanningResult];

/**
 * What the workspace ledger records of one planning (`plan.drafted`): enough to say what was
 * asked of which model, what it cost, and what came of it, without the prompt or the plan
 * themselves (their hashes identify them).
 */
export interface PlanningRecord {
  /** `draft-...`: the planning's id. */
  id: string;
  /** sha-256 of the first prompt (objective, design, registry summary, constraints, context). */
  promptHash: string;
  capability: string;
  model: string;
  calls: number;
  repairs: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  budgetUsd: number | null;
  result: PlanningResult;
  /** The admitted plan's hash; null when none was admitted. */
  planHash: string | null;
  /** The last answer's issues (empty when admitted), at most a few, for `baton verify`-level review. */
  issues: string[];
}
