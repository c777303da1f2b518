export {
  checkDraftPlanInput,
  DEFAULT_MAX_REPAIRS,
  draftPlan,
  type DraftPlanInput,
  type DraftPlanOptions,
  type DraftPlanResult,
} from './draft-plan.js';
export { draftIssues, type DraftVerdict } from './draft-issues.js';
export { hasPlanner, PLAN_SKILL, plannerCapability } from './planner-capability.js';
export { registryReplanner, replanObjective } from './registry-replanner.js';
