import { durationToMs } from './plan/duration.js';
import type { Constraints, Plan, Step } from './plan/schema.js';
import type { CapabilityDescriptor } from './registry.js';
import { intersect, stepGrant } from './routing.js';
import { narrowScope, stepScope } from './governance/scope.js';
import { subPlanCapability } from './sub-plan-id.js';
import { listStepEntries } from './plan/step-list.js';

export { subPlanCapability, subPlanStepOf } from './sub-plan-id.js';

/**
 * Sub-plans (hierarchical delegation): a step with `plan:` runs that plan as a child run, with
 * its own ledger, chained to its parent's (the child's `run.created` records the parent's run,
 * step, attempt and ledger head). The conductor treats the step as pinned to the capability
 * `plan:STEP` of kind `plan`; the engine's runner for it starts the child through the same
 * admission as any run, with the constraints `narrowSubPlan` gives, and waits for it to end.
 */

/** How deep sub-plans may nest (a plan, its children, theirs, ...); deeper is refused at validation. */
export const SUB_PLAN_MAX_DEPTH = 4;

/** A step's child plan once it is inline (read from its file at admission); null for a file not read yet. */
export function childPlanOf(step: Step | undefined): Plan | null {
  const plan = step?.plan;
  // Validated as a Plan with the parent (plan/sub-plans.ts); the step's schema keeps it as JSON.
  return plan !== undefined && typeof plan === 'object' ? (plan as unknown as Plan) : null;
}

/**
 * The registry entries of a plan's sub-plan steps. `costUsd` is the child's own `budget_usd`,
 * the most it can spend; without one the child is bounded at dispatch by what its parent has
 * left (governance/admission.ts), so it declares none.
 */
export function subPlanDescriptors(plan: Plan): CapabilityDescriptor[] {
  return listStepEntries(plan.steps).flatMap(([id, step]) => {
    const child = childPlanOf(step);
    if (child === null) return [];
    const budget = child.constraints?.budget_usd;
    return [
      {
        id: subPlanCapability(id),
        kind: 'plan' as const,
        skills: {},
        description: `the sub-plan "${child.name}" of step "${id}", run as a child run`,
        ...(budget !== undefined && { costUsd: budget }),
      },
    ];
  });
}

/** What the parent run leaves its child when the step is dispatched. */
export interface ParentLimits {
  /** The money reserved for the attempt (the most the child may spend); null when no budget applies to the step. */
  budgetUsd: number | null;
  /** Milliseconds until the parent's deadline; null when the parent has none. */
  deadlineMs: number | null;
}

/**
 * The child plan with its constraints narrowed by its parent step's, never widened: its budget
 * at most what was reserved for it, its deadline no later than its parent's, its capability
 * kinds, permissions and scope those both allow (a child that lists no permissions is granted
 * none, as any run), and the parent's secrets redacted in it too. Everything else is the
 * child's own. The child is validated again when it is admitted, so a child whose own steps
 * ask for more than is left is refused with the reason.
 * @example
 * narrowSubPlan(child, parent, 'team', { budgetUsd: 0.3, deadlineMs: null }).constraints?.budget_usd // 0.3 when the child asked 5
 */
export function narrowSubPlan(child: Plan, parent: Plan, stepId: string, limits: ParentLimits): Plan {
  const own = child.constraints ?? {};
  const grant = stepGrant(parent.constraints, parent.steps[stepId]);
  const narrowed: Constraints = { ...own };
  const budgets = [own.budget_usd, limits.budgetUsd ?? undefined].filter((usd): usd is number => usd !== undefined);
  if (budgets.length > 0) narrowed.budget_usd = Math.min(...budgets);
  if (limits.deadlineMs !== null) {
    const ms = Math.max(1, Math.floor(limits.deadlineMs));
    if (own.deadline === undefined || durationToMs(own.deadline) > ms) narrowed.deadline = `${ms}ms`;
  }
  const allow = intersect(grant.allow ?? undefined, own.allow);
  if (allow !== null) narrowed.allow = [...allow];
  narrowed.permissions = [...(intersect(grant.permissions, own.permissions ?? []) ?? [])];
  const scope = narrowScope(stepScope(parent, stepId), own.scope);
  if (scope !== null) narrowed.scope = [...scope];
  const secrets = [...new Set([...(parent.constraints?.secrets ?? []), ...(own.secrets ?? [])])];
  if (secrets.length > 0) narrowed.secrets = secrets;
  return { ...child, constraints: narrowed };
}
