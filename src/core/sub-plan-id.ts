/**
 * The registry id of a sub-plan step (core/sub-plan.ts), apart so that routing can name it
 * without the rest of the sub-plan rules.
 */

const PREFIX = 'plan:';

/**
 * The registry id of a step's sub-plan. `:` is not allowed in a declared capability id, so no
 * capability of a plan or a workspace can take it.
 * @example subPlanCapability('team') // 'plan:team'
 */
export function subPlanCapability(stepId: string): string {
  return `${PREFIX}${stepId}`;
}

/** The step whose sub-plan a capability id names, or null when it names none. */
export function subPlanStepOf(capabilityId: string): string | null {
  return capabilityId.startsWith(PREFIX) ? capabilityId.slice(PREFIX.length) : null;
}
