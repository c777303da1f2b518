/**
 * Baton as a library: `createBaton` opens a workspace, `register` adds function
 * capabilities, `submit` runs a plan (a file, data, or a `plan()` builder's output).
 *
 * This entry point loads no server, MCP or pg code, so a library user pays only for the engine
 * and its embedded store. The surfaces that need more are subpaths of their own:
 * `baton-engine/server` (the HTTP app), `baton-engine/mcp` (the MCP server) and
 * `baton-engine/postgres` (the PostgreSQL store). test/entry-point-imports.test.ts keeps it so.
 */
export {
  Baton,
  createBaton,
  draftPlan,
  loadRegistryFile,
  RunHandle,
  Worker,
  type BatonOptions,
  type DraftPlanInput,
  type DraftPlanOptions,
  type DraftPlanResult,
  type HandoffReport,
  type HandoffRequest,
  type PartialOutput,
  type ReplanAnswer,
  type Replanner,
  type ReplanRequest,
  type RunResult,
  type SubPlanRun,
  type SubmitOptions,
  type WorkOptions,
  type WorkspaceContext,
} from './engine/index.js';
export { NonRetryableError, type FunctionCapability, type FunctionContext } from './capabilities/index.js';
export {
  BatonError,
  ConflictError,
  ErrorCode,
  InputError,
  NotFoundError,
  PlanError,
  plan,
  PlanBuilder,
  planJsonSchema,
  type BatonEvent,
  type ActSignature,
  type DecisionEvidence,
  type EventType,
  type Json,
  type LedgerEvent,
  type Plan,
  type PlanIssue,
  type PlanningRecord,
  type PlanOutline,
  type Risk,
  type RiskControl,
  type RiskView,
  type RunState,
  type RunStatus,
  type Step,
  type StepError,
} from './core/index.js';
export {
  actStatement,
  decisionEvidence,
  keyIdOf,
  signStatement,
  verifyChain,
  type ActStatementFields,
  type ChainVerdict,
  type SigningKey,
} from './ledger/index.js';
export { SqliteStore, type ContextEntry, type Store } from './store/index.js';
