export { planOutline, formatOutline, type OutlineStep, type PlanOutline } from './plan-outline.js';
export { plannerAnswerSchema, readPlannerAnswer, type NeededSkill, type PlannerAnswer } from './planner-answer.js';
export {
  PLANNER_SYSTEM,
  plannerPrompt,
  type PlannerPromptInput,
  type PlanningContext,
  type RepairRequest,
} from './planner-prompt.js';
export { PlanningResult, type PlanningRecord } from './planning-record.js';
export {
  infrastructureIssues,
  INFRASTRUCTURE_PHASE,
  MAX_PARALLEL_BUILDS,
  skillReadiness,
  type SkillReadiness,
} from './readiness.js';
export {
  draftableKinds,
  registrySkills,
  summarizeRegistry,
  type CapabilitySummary,
  type RegistrySummary,
} from './registry-summary.js';
export { planningConstraintIssues, type PlanningConstraints } from './planning-constraints.js';
