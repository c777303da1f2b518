export {
  checkDraftPlanInput,
  DEFAULT_MAX_REPAIRS,
  draftPlan,
  type DraftPlanInput,
  type DraftPlanOptions,
  type DraftPlanResult,
} from './draft-plan.js';
export { draftIssues, type DraftVerdict } from './draft-issues.js';
export { PLAN_SKILL, plannerCapability } from './planner-capability.js';
export { hasPlanner, registryReplanner, replanObjective } from './registry-replanner.js';
