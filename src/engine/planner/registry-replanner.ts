import { formatOutline, formatPreflight, type Plan, type WorkspaceRegistry } from '../../core/index.js';
import type { LedgerStore, ProviderLeases } from '../../store/index.js';
import type { Replanner, ReplanRequest } from '../replanning.js';
import { draftPlan } from './draft-plan.js';

/**
 * The plan as the planner may see it: without its capabilities' configuration (a command's
 * argv and directory, URLs, prompts, key variables), only each one's id, kind and skills, as the
 * registry summary shows the registry's.
 */
function plannerView(plan: Plan): object {
  const { capabilities, ...rest } = plan;
  const declared = Object.entries(capabilities ?? {}).map(([id, c]) => ({ id, kind: c.kind, skills: c.skills }));
  return { ...rest, ...(declared.length > 0 && { capabilities_in_use: declared }) };
}

/**
 * The objective a replanning gives the planner: revise the plan in force after the escalation,
 * keeping what succeeded. The planner sees the plan without its capabilities' configuration
 * (`plannerView`) and each step's status.
 */
export function replanObjective(request: ReplanRequest): string {
  const done = request.steps.filter((step) => step.status === 'succeeded').map((step) => step.step);
  return [
    `Revise the running plan "${request.plan.name}"${request.plan.objective ? ` (objective: ${request.plan.objective})` : ''}.`,
    `Step "${request.step}" escalated: ${request.reason}`,
    `Steps that already succeeded, which the revision must keep unchanged (same id, same definition) so that they are not run again: ${done.length > 0 ? done.join(', ') : 'none'}.`,
    'Change only what is not done yet, so that the objective can still be met without the cause of the escalation. Answer with the whole revised plan.',
    `Every step's status: ${JSON.stringify(request.steps.map(({ step, status }) => ({ step, status })))}`,
    'Its capabilities are listed by id, kind and skills only: route steps to them by skill (or capability id) and do not declare them again; they stay available to the revision.',
    `The plan in force: ${JSON.stringify(plannerView(request.plan))}`,
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
    // The plan's own capabilities were shown by id only: the revision keeps those it does not redefine.
    const kept = Object.fromEntries(
      Object.entries(request.plan.capabilities ?? {}).filter(
        ([id]) => registry.capabilities?.[id] === undefined && result.plan?.capabilities?.[id] === undefined,
      ),
    );
    const plan: Plan =
      Object.keys(kept).length === 0
        ? result.plan
        : { ...result.plan, capabilities: { ...kept, ...result.plan.capabilities } };
    const outline = [
      ...(result.outline !== undefined ? [formatOutline(result.outline)] : []),
      ...(result.preflight !== undefined ? [formatPreflight(result.preflight)] : []),
    ].join('\n\n');
    return { plan, by: result.record.capability, ...(outline !== '' && { outline }), record };
  };
}
