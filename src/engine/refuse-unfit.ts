import { BatonError, ErrorCode, preflight, type CapabilityDescriptor, type Plan } from '../core/index.js';

/**
 * Pre-flight, fail-closed: a plan that cannot run as it stands is refused before anything is
 * written. Pure, so the CLI can refuse before it opens (and so creates) a workspace.
 */
export function refuseUnfitPlan(plan: Plan, registry: Record<string, CapabilityDescriptor>): void {
  const { problems } = preflight(plan, registry);
  if (problems.length > 0)
    throw new BatonError(
      ErrorCode.badInput,
      `pre-flight refused plan "${plan.name}":\n${problems.map((problem) => `  - ${problem}`).join('\n')}`,
    );
}
