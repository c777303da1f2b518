/**
 * Baton as a library: `createBaton` opens a workspace, `register` adds function
 * capabilities, `submit` runs a plan (a file, data, or a `plan()` builder's output).
 */
export {
  Baton,
  createBaton,
  RunHandle,
  Worker,
  type BatonOptions,
  type HandoffReport,
  type HandoffRequest,
  type PartialOutput,
  type RunResult,
  type SubmitOptions,
  type WorkOptions,
  type WorkspaceContext,
} from './engine/index.js';
export { createMcpServer, handleMcpHttp, Scope, type McpSession } from './mcp/index.js';
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
  type EventType,
  type Json,
  type LedgerEvent,
  type Plan,
  type PlanIssue,
  type RunState,
  type RunStatus,
  type Step,
  type StepError,
} from './core/index.js';
export { verifyChain, type ChainVerdict } from './ledger/index.js';
export { SqliteStore, type ContextEntry, type Store } from './store/index.js';
export { PostgresStore, type PostgresStoreOptions } from './store/postgres/index.js';
