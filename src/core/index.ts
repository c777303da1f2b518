export { decide, conduct, nextWakeAt, type DecideContext } from './decide.js';
export { evolve, timed, type TimedEvent } from './evolve.js';
export { DecisionKind, decisionId, parseDecisionId, type DecisionId } from './decision-id.js';
export { escalationRetryOf, upgradeDecisionRequest } from './governance/escalation-retry.js';
export {
  SIGNAL_TYPES,
  isDecision,
  type BatonEvent,
  type EscalationRetry,
  type EventOf,
  type EventPayloads,
  type EventType,
  type LedgerEvent,
  type PendingKind,
  type PlanApproval,
  type Principal,
  type RouteCandidate,
  type StepError,
  type ParentLink,
  type ArtifactRef,
  type ActSignature,
  type DecisionEvidence,
  type PrerequisiteCheck,
  type EvidenceArtifact,
  type EvidenceCheck,
  type EvidenceVote,
  type AgentStatus,
  type HandoffParty,
  type ReportedCandidate,
  type TokenUsage,
  type ToolCallRecord,
  type AttemptHold,
  type LimitName,
} from './events.js';
export {
  BatonError,
  ConflictError,
  ErrorCode,
  InputError,
  IntegrityError,
  NotFoundError,
  PlanError,
  formatIssue,
  formatPath,
  type PlanIssue,
} from './errors.js';
export {
  checkCorrelationId,
  isCorrelationId,
  parseTraceparent,
  traceIdOf,
  type Traceparent,
} from './correlation-id.js';
export { compileExpression, ExpressionError, type ExpressionScope } from './expressions.js';
export { EVALUATION_BUDGET } from './expression-budget.js';
export type { Json, JsonObject } from './json.js';
export { MAX_NESTING, tooDeep, tooDeepMessage } from './nesting.js';
export { DURATION_PATTERN, durationToMs } from './plan/duration.js';
export { checkPlan, locateAll, parsePlan, readYamlDocument, type PlanSource } from './plan/parse.js';
export { listStepEntries, listStepIds, listSteps } from './plan/step-list.js';
export { decodePlanBytes } from './plan/decode.js';
export { capabilitiesInUse } from './plan/capabilities-in-use.js';
export { planReadsContext } from './plan/reads-context.js';
export {
  CONTEXT_SNAPSHOT_LIMIT,
  EMPTY_CONTEXT,
  newest,
  type ContextSnapshot,
  type SnapshotDecision,
  type SnapshotEntry,
} from './context-snapshot.js';
export {
  planJsonSchema,
  planSchemas,
  type CapabilityKind,
  type CommandCapability,
  type HttpCapability,
  type LlmCapability,
  type AgentCapability,
  type InputDeclaration,
  type McpCapability,
  type Gate,
  type GateRequirement,
  type Plan,
  type PlanCapability,
  type PrerequisiteRequirement,
  type Risk,
  type RiskControl,
  type Step,
} from './plan/schema.js';
export { buildRegistry, describeCapability, type CapabilityDescriptor, type Registry } from './registry.js';
export { llmCost, llmDescription, llmTokenBounds } from './llm-worst-case.js';
export { agentMaxSteps, agentModel } from './agent-worst-case.js';
export { narrowTools, stepToolsOf } from './step-tools.js';
export { stepToolIssues } from './plan/step-tool-issues.js';
export { outcomeEvents, type ReportedOutcome } from './tool-calls.js';
export {
  admitLease,
  describeHold,
  leaseIsSpent,
  LIMIT_NAMES,
  LIMIT_WINDOW_MS,
  limitKeyOf,
  limitLoad,
  limitLoads,
  reservedTokens,
  type ProviderLimit,
  type ProviderLimits,
  type LeaseUse,
  type LeaseVerdict,
  type LimitLoad,
} from './provider-limits.js';
export { addTokens, runTokens } from './token-usage.js';
export {
  awaitsPerson,
  CAPABILITY_KINDS,
  declaredSecrets,
  runsOnlyWhereRegistered,
  type KindConfig,
  type KindDefinition,
} from './capability-kinds.js';
export { routeStep, staticPolicy, stepGrant, type RoutePolicy } from './routing.js';
export { instanceSkill, isDynamicSkill, renderSkill } from './dynamic-skill.js';
export {
  childPlanOf,
  narrowSubPlan,
  subPlanCapability,
  subPlanStepOf,
  SUB_PLAN_MAX_DEPTH,
  type ParentLimits,
} from './sub-plan.js';
export {
  validatePhaseTransition,
  phaseReadiness,
  type Escalation,
  type PhaseReadiness,
  type TransitionView,
  type TransitionVerdict,
} from './governance/phases.js';
export { canonicalJson } from './canonical.js';
export { API_SCOPES, resultScope, scopeAllows, type ApiScope, type ApiToken } from './api-access.js';
export {
  attemptIdOf,
  idempotencyKeyOf,
  instanceKey,
  isTerminal,
  type InstanceState,
  type PendingDecision,
  type RunState,
  type RunStatus,
  type StepState,
  type StepStatus,
  type AgentReport,
  type Approval,
  type AgentHandoff,
} from './state.js';
export { renderArgument, renderTemplates } from './templates.js';
export { numberInputs, resolveInputs } from './inputs.js';
export { plan, PlanBuilder } from './plan/builder.js';
export { formatPreflight, preflight, usd, type PreflightReport, type PreflightStep } from './governance/preflight.js';
export { stepScope } from './governance/scope.js';
export { argumentOutsideScope, type ScopeViolation } from './governance/scope-arguments.js';
export { urlOutsideScope } from './governance/scope-url.js';
export { BATON_HTTP_HEADERS, HTTP_DEFAULT_MAX_RESPONSE_BYTES, urlProblem } from './plan/http-fields.js';
export {
  checkHandoffTransition,
  checkPhaseTransition,
  handoffArtifacts,
  queueHandoff,
  recordRoute,
  reportStatus,
  type HandoffInput,
  type RouteInput,
  type StatusReportInput,
} from './governance/agents.js';
export { takesUpHandoff } from './governance/evolve-agents.js';
export {
  handoffBrief,
  MAX_HANDOFF_INSTRUCTION,
  MAX_HANDOFF_ITEM,
  MAX_HANDOFF_ITEMS,
  type HandoffBrief,
  type HandoffBriefInput,
} from './governance/handoff-brief.js';
export { handoffRole, type HandoffRole } from './governance/handoff-role.js';
export { evaluateGate, transitionView } from './governance/gates.js';
export {
  approvalNeeds,
  approvalsRequired,
  gateOverrideRule,
  gateRequirements,
  prerequisiteKey,
  prerequisitesOf,
  rolesOfGate,
  type ApprovalNeed,
  type GateOverrideRule,
  type OverrideHolders,
} from './governance/gate-requirements.js';
export {
  describeHolders,
  gateApprovalsOf,
  gateOverrideOf,
  holdsOverride,
  isRoleMember,
  prerequisitesDue,
  type DuePrerequisite,
} from './governance/gate-state.js';
export { gateRoleIssues, pinnedRoles, unpinnedRoles } from './governance/gate-roles.js';
export { haltedHandoffReason, haltHandoff, pendingHaltFor } from './governance/halted-handoff.js';
export { DEFAULT_ROLE_SCOPES, roleMembers, roleScopes, type Role, type Roles } from './roles.js';
export { phasesOf, type GateVerdict, type PhaseState } from './governance/phases.js';
export { preflightSchemas } from './governance/preflight-schema.js';
export { decisionEvidenceSchema } from './governance/decision-evidence-schema.js';
export { pendingAboutSchema, type PendingAbout } from './governance/pending-about-schema.js';
export {
  formatRisks,
  riskRegister,
  RISK_CONTROL_KINDS,
  type RiskControlKind,
  type RiskControlView,
  type RiskView,
} from './governance/risks.js';
export {
  declaredPlan,
  parseWorkspaceRegistry,
  recordedRegistry,
  recordRegistry,
  workspaceRegistrySchema,
  type WorkspaceRegistry,
  type RecordedRegistry,
  withRegistryCapabilities,
  workspaceRegistryIssues,
} from './workspace-registry.js';
export {
  draftableKinds,
  formatOutline,
  infrastructureIssues,
  INFRASTRUCTURE_PHASE,
  MAX_PARALLEL_BUILDS,
  PLANNER_SYSTEM,
  plannerAnswerSchema,
  plannerPrompt,
  PlanningResult,
  planningConstraintIssues,
  planOutline,
  readPlannerAnswer,
  registrySkills,
  skillReadiness,
  summarizeRegistry,
  type CapabilitySummary,
  type NeededSkill,
  type OutlineStep,
  type PlannerAnswer,
  type PlannerPromptInput,
  type PlanningConstraints,
  type PlanningContext,
  type PlanningRecord,
  type PlanOutline,
  type RegistrySummary,
  type RepairRequest,
  type SkillReadiness,
} from './planner/index.js';
