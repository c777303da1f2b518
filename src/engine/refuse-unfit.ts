import { BatonError, ErrorCode, type Plan, type PreflightReport } from '../core/index.js';

/**
 * Pre-flight, fail-closed: a plan whose pre-flight found problems cannot run as it stands and
 * is refused before anything is written. Pure, so the CLI can refuse before it opens (and so
 * creates) a workspace.
 */
export function refuseUnfitPlan(plan: Plan, { problems }: PreflightReport): void {
  if (problems.length > 0)
    throw new BatonError(
      ErrorCode.badInput,
      `pre-flight refused plan "${plan.name}":\n${problems.map((problem) => `  - ${problem}`).join('\n')}`,
    );
}
