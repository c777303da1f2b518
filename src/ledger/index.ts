export { canonicalJson, hashPlan, sha256Hex } from './canonical.js';
export {
  chainEvents,
  ChainVerifier,
  hashHolds,
  storedFormOf,
  EMPTY_HEAD,
  GENESIS_HASH,
  verifyChain,
  hashOf,
  type ChainHead,
  type ChainLink,
  type ChainVerdict,
} from './chain.js';
export { LedgerReplay, replayLedger, type ReplayVerdict } from './replay.js';
export { summarizeDivergence } from './divergence.js';
export {
  routingLog,
  type Reroute,
  type JudgeRoute,
  type RoutingEntry,
  type ItemRoute,
  type InjectedConstraints,
  type ReportedRoute,
  type RouteDecision,
} from './projections/routing-log.js';
export { renderRoutingLogMarkdown } from './projections/routing-log-markdown.js';
export {
  pendingWithAnswers,
  pipelineState,
  renderPipelineStateMarkdown,
  RECENT_ROUTING,
  type PipelinePending,
  type PipelinePhase,
  type PipelineState,
  type RoutingEvent,
} from './projections/pipeline-state.js';
export { handoffs, type AgentHandoffEntry, type Handoff, type HandedWork } from './projections/handoffs.js';
export { answersFor, shellWord, type DecisionRef } from './projections/answers.js';
export { CapabilityHealthFold, type CapabilityHealth } from './projections/capability-health.js';
export { bindsEvidence, decisionEvidence, summarizeEvidence } from './projections/decision-evidence.js';
export { runArtifacts, type RunArtifact } from './projections/run-artifacts.js';
export {
  isRunAnchor,
  needsWorkspaceEntries,
  planningEntryFor,
  workspaceEntriesFor,
  type PlanningEntry,
  type RunAnchorEntry,
  type WorkspaceEntry,
} from './workspace-ledger.js';
export {
  keyEntryFor,
  parsePublicKey,
  SIGNING_KEYS_ID,
  signingKeysOf,
  type KeyEntry,
  type KeyRecord,
  type KeyRegistration,
  type KeyRevocation,
  type SigningKey,
} from './signing-keys.js';
export {
  actStatement,
  keyIdOf,
  signStatement,
  statementSignatureHolds,
  type ActStatementFields,
  type SignedVerdict,
} from './act-statement.js';
export {
  checkpointSignatureHolds,
  keyFingerprint,
  publicKeyOf,
  signCheckpoint,
  type Checkpoint,
  type CheckpointBody,
} from './checkpoint.js';
export {
  describePayloadProblem,
  externalizePayloads,
  isPayloadRef,
  PAYLOAD_THRESHOLD_BYTES,
  payloadHashOf,
  payloadProblem,
  payloadRefsIn,
  resolvePayloads,
  type FoundRef,
  type PayloadProblem,
  type PayloadRef,
  type StoredForm,
  type StoredPayload,
} from './payloads.js';
