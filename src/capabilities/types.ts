import type { CapabilityDescriptor, Json, JsonObject, StepError, TokenUsage, ToolCallRecord } from '../core/index.js';

/** One attempt handed to a capability. */
export interface Invocation {
  runId: string;
  step: string;
  attemptId: string;
  /** The same for every attempt of one unit of work (step instance and iteration): do side effects once per key. */
  idempotencyKey: string;
  input: Json;
  /** The run's inputs, for command argument templates. */
  inputs: JsonObject;
  /**
   * What the step may touch: its effective `constraints.scope` (the run's narrowed by the
   * step's), or null when neither declares one. Commands get it as `BATON_SCOPE` and have
   * their path and URL arguments checked against it; functions read it as `context.scope`.
   */
  scope: readonly string[] | null;
  /**
   * The step's `tools:` allow-list (`TOOL` or `SERVER/TOOL`) for its own work and its consensus
   * votes: an `agent` offers its model only the tools of its own list that this one names.
   * Null or absent: no narrowing (checks, judges and compensations are never narrowed).
   */
  tools?: readonly string[] | null;
  /** Aborted on timeout, cancellation or shutdown; the reason says which. */
  signal: AbortSignal;
  /**
   * The run's correlation id (a W3C trace id) and the W3C `traceparent` of this attempt: commands
   * get them as `BATON_CORRELATION_ID` and `TRACEPARENT`, HTTP requests as a `traceparent` header.
   * Absent for runs created before correlation ids were recorded.
   */
  correlationId?: string;
  traceparent?: string;
  /** Where the attempt leaves its artifacts and reports what it cost. */
  files: AttemptFiles;
  /**
   * Takes the output written so far while the capability is still working (a streamed model
   * answer), always in full rather than the latest piece. It is shown live (progress line, SSE,
   * MCP), throttled and redacted by the executor, and never recorded: the ledger keeps only the
   * final output. Absent where nothing follows the attempt live.
   */
  reportPartial?: (text: string) => void;
  /**
   * The provider limits shared by every run in the store (the registry's `limits:`), for a
   * runner that calls a model: absent when the run has none.
   */
  limits?: ProviderLimitGate;
}

/**
 * What a model runner asks before each call: room under its limit key's provider limits. It
 * waits while a limit holds the call (the executor records the hold), honouring the attempt's
 * AbortSignal, and gives back the lease's release, which takes the tokens the call used (or
 * undefined when the provider reported none: the reserve stands).
 */
export interface ProviderLimitGate {
  admit(key: string, reservedTokens: number): Promise<(usedTokens: number | undefined) => Promise<void>>;
}

/**
 * The attempt's own files, kept by the executor: an artifact directory (every file left in it
 * when the attempt succeeds becomes an artifact `STEP/FILE`) and a cost report.
 */
export interface AttemptFiles {
  /** The attempt's artifact directory, created empty on first use. Throws once the attempt has ended. */
  artifactsDir(): string;
  /** A file a command may write what the attempt cost into (US dollars, one number). It need not exist. */
  costFile(): string;
  /**
   * Adds `usd` to what this attempt cost. A negative or non-finite figure throws a non-retryable
   * CapabilityFailure, and the attempt fails even if the capability catches it.
   */
  reportCost(usd: number): void;
  /** Adds the tokens a model call used to what this attempt reports (recorded as the attempt's `usage`). */
  reportUsage(usage: TokenUsage): void;
  /** Records a tool call the attempt made (or refused); the ledger keeps each, in this order, with the outcome. */
  reportToolCall(call: ToolCallRecord): void;
}

/** A capability's failure, carried as data (StepError) to the ledger. */
export class CapabilityFailure extends Error {
  constructor(readonly error: StepError) {
    super(error.message);
    this.name = 'CapabilityFailure';
  }
}

/** Why an attempt was aborted: the executor sets one of these as the AbortSignal's reason. */
export const AbortReason = {
  timeout: 'timeout',
  cancelled: 'cancelled',
  shutdown: 'shutdown',
} as const;
export type AbortReason = (typeof AbortReason)[keyof typeof AbortReason];

/** What performs a capability's work. The conductor never sees one; the executor calls it. */
export interface CapabilityRunner {
  readonly descriptor: CapabilityDescriptor;
  invoke(invocation: Invocation): Promise<Json>;
}
