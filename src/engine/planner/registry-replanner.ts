import { formatOutline, formatPreflight, type WorkspaceRegistry } from '../../core/index.js';
import type { LedgerStore, ProviderLeases } from '../../store/index.js';
import type { Replanner, ReplanRequest } from '../replanning.js';
import { draftPlan } from './draft-plan.js';
import { PLAN_SKILL } from './planner-capability.js';

/** Whether the registry has a model that can draft plans: only then does a Baton built on it replan. */
export function hasPlanner(registry: WorkspaceRegistry | undefined): boolean {
  return Object.values(registry?.capabilities ?? {}).some(
    (capability) => capability.kind === 'llm' && capability.skills[PLAN_SKILL] !== undefined,
  );
}

/**
 * The objective a replanning gives the planner: revise the plan in force after the escalation,
 * keeping what succeeded. The planner sees the plan (its own registry summary strips secrets
 * and commands; the plan itself names no secret, only variables) and each step's status.
 */
export function replanObjective(request: ReplanRequest): string {
  const done = request.steps.filter((step) => step.status === 'succeeded').map((step) => step.step);
  return [
    `Revise the running plan "${request.plan.name}"${request.plan.objective ? ` (objective: ${request.plan.objective})` : ''}.`,
    `Step "${request.step}" escalated: ${request.reason}`,
    `Steps that already succeeded, which the revision must keep unchanged (same id, same definition) so that they are not run again: ${done.length > 0 ? done.join(', ') : 'none'}.`,
    'Change only what is not done yet, so that the objective can still be met without the cause of the escalation. Answer with the whole revised plan.',
    `Every step's status: ${JSON.stringify(request.steps.map(({ step, status }) => ({ step, status })))}`,
    `The plan in force: ${JSON.stringify(request.plan)}`,
  ].join('\n');
}

/**
 * The replanner a Baton gets from its workspace registry: `draftPlan` with the registry's
 * planner, each planning recorded in the workspace ledger and its calls held to the
 * registry's provider limits, like `baton plan`. Its answer is only a proposal: the run checks
 * it as a revision and, unless its plan says `approve: auto`, waits for a person.
 */
export function registryReplanner(
  registry: WorkspaceRegistry,
  store: Pick<LedgerStore, 'appendPlanningRecord'> & ProviderLeases,
): Replanner {
  return async (request, signal) => {
    const result = await draftPlan({ objective: replanObjective(request), registry }, { store, leases: store, signal });
    const record = result.record.id;
    if (result.plan === undefined)
      return { failed: `the planner gave no admissible revision: ${result.issues.join('; ')}`, record };
    const outline = [
      ...(result.outline !== undefined ? [formatOutline(result.outline)] : []),
      ...(result.preflight !== undefined ? [formatPreflight(result.preflight)] : []),
    ].join('\n\n');
    return { plan: result.plan, by: result.record.capability, ...(outline !== '' && { outline }), record };
  };
}
