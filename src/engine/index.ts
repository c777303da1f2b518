export {
  Baton,
  createBaton,
  type BatonOptions,
  type OperatorOptions,
  type ResumeOptions,
  type RevertOptions,
  type RunStatusView,
  type SubmitOptions,
  type SubmitResultOptions,
  type WorkOptions,
} from './baton.js';
export { checkContextText, contextSchemas, type ContextDecision, type WorkspaceContext } from './context.js';
export { contextResumeSchema, type ContextResume } from './context-resume.js';
export type { RunAgents } from './run-agents.js';
export {
  contextMetricsSchema,
  DEFAULT_METRICS_RUNS,
  emptyContextMetrics,
  MAX_METRICS_RUNS,
  type ContextMetrics,
  type ContextMetricsOptions,
  type RunMetrics,
} from './context-metrics.js';
export { hashContext, takeContextSnapshot } from './context-snapshot.js';
export { displayStatus, RunHandle, summarize, type RunResult } from './run-handle.js';
export { PARTIAL_INTERVAL_MS } from './partial-throttle.js';
export type { PartialOutput, PartialOutputListener } from './partial-outputs.js';
export { workspaceHome, databaseFile } from './workspace.js';
export {
  admit,
  isAdmitted,
  refuseUnfit,
  type AdmitOptions,
  type AdmittedRun,
  type GivenInputs,
  type PlanSource,
} from './admit.js';
export { loadPlanFile } from './plan-file.js';
export { DEFAULT_REGISTRY_FILE, loadRegistryFile, workspaceRegistry, type LoadedRegistry } from './registry-file.js';
export { refuseUnfitPlan } from './refuse-unfit.js';
export { checkRunId } from './run-id.js';
export { killRunningCommands } from '../capabilities/index.js';
export { Worker, type LoggedAttempt, type WorkerLogEvent } from './worker.js';
export { RunAdopter, type RunAdopterLogEvent } from './run-adopter.js';
export { LEASE_MS } from './run-driver.js';
export {
  HANDOFF_STEPS,
  type HandoffReport,
  type HandoffRequest,
  type HandoffStep,
  type HandoffStepReport,
} from './handoff.js';
export { actSignatureSchema } from './act-signature-schema.js';
export { handoffRequestOf, handoffSchemas } from './handoff-schema.js';
export { defaultPrincipal, osAccount } from './owner.js';
export { subPlanTree, type SubPlanRun } from './sub-plan-tree.js';
export { subPlanRunId } from './sub-plan-run-id.js';
export { runView, stepRows, summarizeRuns, type RunSummary, type RunView, type StepRow } from './run-view.js';
export { API_SCOPES, type ApiScope, type ApiToken } from '../core/index.js';
export {
  allows,
  ApiTokens,
  checkTokenName,
  hashSecret,
  parseScopes,
  principalOf,
  TOKEN_PREFIX,
  type Authentication,
} from './api-tokens.js';
export {
  capabilityRegistry,
  registryLimits,
  type CapabilityRegistryView,
  type KnownCapability,
  type ProviderLimitView,
} from './capability-registry.js';
export { parseUntil } from './until.js';
export { checkKeyName, SigningKeys } from './signing-keys.js';
export type { SigningKey } from '../ledger/index.js';
export type { CheckedRevision, ReplanAnswer, Replanner, ReplanRequest } from './replanning.js';
export { hostCapabilities, requirePlanScope, scopeForPlan, type PlanAction } from './plan-scope.js';
export { type WorkspaceVerdict } from './workspace-anchors.js';
export type { PositionedEvent } from '../store/index.js';
export { takeCheckpoint, verifyAgainstCheckpoint, type CheckedLedger, type CheckpointVerdict } from './checkpoint.js';
/** The longest text Baton.listRuns searches for; surfaces check it where they read it. */
export { RUN_SEARCH_MAX_LENGTH } from '../store/index.js';
export {
  checkDraftPlanInput,
  DEFAULT_MAX_REPAIRS,
  draftIssues,
  draftPlan,
  PLAN_SKILL,
  plannerCapability,
  type DraftPlanInput,
  type DraftPlanOptions,
  type DraftPlanResult,
  type DraftVerdict,
} from './planner/index.js';
