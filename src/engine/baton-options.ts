import type { ActSignature, ApiScope, Json, LedgerEvent, PlanApproval } from '../core/index.js';
import type { Store } from '../store/index.js';
import type { ArtifactLimits } from './artifacts/index.js';
import type { LoadedRegistry } from './registry-file.js';
import type { Replanner } from './replanning.js';
import type { WorkerOptions } from './worker.js';

// The options of `createBaton` and of the Baton methods that take them: what a library user configures.

export interface BatonOptions {
  /** Workspace directory (default `BATON_HOME` or `./.baton`); its SQLite file holds the ledger. */
  home?: string;
  /** Use this store instead of the workspace's SQLite file. */
  store?: Store;
  /**
   * Where artifacts are stored (default `<home>/artifacts`, where home is as above even when a
   * `store` is given). Processes that share a store should share this directory too: `verify`
   * re-hashes sealed artifacts here.
   */
  artifactsDir?: string;
  /** How much one attempt may leave as artifacts (default 1 GiB in at most 10,000 files). */
  artifactLimits?: ArtifactLimits;
  /** Attempts run at once by this process (default 32). */
  concurrency?: number;
  /** The clock; tests and simulations pass their own. */
  now?: () => number;
  /** Who operator commands are recorded as, unless a command says otherwise (default `user@host`). */
  principal?: string;
  /**
   * Put dispatched work on the store's queue for worker processes (`baton worker`) and collect
   * their outcomes, rather than run it all here (default: on for PostgreSQL, off for SQLite).
   * This process still takes its share while `concurrency` is above 0.
   */
  distributed?: boolean;
  /** How long conductor locks and work leases last without renewal, in ms (default 15,000). */
  leaseMs?: number;
  /**
   * The workspace registry (`loadRegistryFile('baton.yaml')`): capabilities every plan may use,
   * and what plans may declare themselves. Default none: plans declare their own.
   */
  registry?: LoadedRegistry;
  /**
   * How long a model call counts against the registry's per-minute provider limits after it
   * ends, in ms (default 60,000: they are per minute). Benchmarks and tests shorten it to
   * see a limit work in seconds; every process sharing a store should use the same.
   */
  limitWindowMs?: number;
  /**
   * Step outputs, attempts' inputs and outputs, errors' detail and other payloads whose
   * canonical JSON is larger than this many bytes are stored once, content-addressed, in the
   * store's payload table, and the event holds a reference to them (default 16,384: 16 KiB;
   * at least 1,024). Runs written with another threshold read and verify the same.
   */
  payloadThresholdBytes?: number;
  /**
   * Drafts a revision when a step escalates in a run whose plan opted in (`replan:`). `baton`
   * gives the workspace registry's planner (a capability with skill `plan`); without one, such a
   * request is recorded as `replan.failed` and the escalation waits for a person as usual.
   */
  replanner?: Replanner;
}

export interface WorkOptions {
  /** Attempts run at once (default: the Baton's `concurrency`). */
  concurrency?: number;
  /** Claim only work for these skills (default: any). */
  skills?: string[];
  /** Told what the worker does (claims, reports, lost leases), for a log. */
  log?: WorkerOptions['log'];
}

export interface OperatorOptions {
  /** Who is acting, recorded in the ledger (default: this process's user, e.g. `alice@build-3`). */
  by?: string;
  comment?: string;
  /**
   * An approval's, denial's or override's signature over its statement (`actStatement`; the
   * engine's `actStatement` method gives it), by a key registered for `by`. Required for an
   * approval or override when `by` has a key in force (`baton key`); refused when it does not hold.
   */
  signature?: ActSignature;
  /**
   * The operating-system account acting (`user@host`), recorded beside the self-asserted `by`
   * on an approval, denial, override or result. The CLI gives it; a server knows only its token.
   */
  account?: string;
}

export interface SubmitResultOptions extends OperatorOptions {
  /**
   * The caller's scopes, on surfaces that have them (HTTP, MCP): a human step's task needs
   * `perform`, an escalated step's output `approve` (resultScope), or nothing is written.
   * Omitted (the CLI and the library, acting as the local user): no check.
   */
  scopes?: readonly ApiScope[];
}

/** For `revise` and `revert`. */
export interface RevertOptions extends OperatorOptions {
  /**
   * The caller's scopes, on surfaces that have them (the HTTP API, MCP): the plan of the new
   * revision (for a revert, the earlier revision's) must be one they may submit
   * (requirePlanScope), or nothing is written. Omitted: no check.
   */
  scopes?: readonly ApiScope[];
}

export interface SubmitOptions {
  /** Input values, already typed. */
  inputs?: Record<string, Json>;
  /** Input values as text (from `--input k=v`), read by each input's declared type. */
  inputText?: Record<string, string>;
  /** Choose the run id; submitting an existing id with the same plan resumes that run. */
  runId?: string;
  /** Receives every batch of events from the first one on. */
  onEvents?: (events: readonly LedgerEvent[]) => void;
  /**
   * Keep conducting while the run waits for a person or a signal (their answers come through
   * the ledger from any process) instead of returning a `waiting` result.
   */
  wait?: boolean;
  /** Who submits the run, recorded in `run.created` (default: this process's user, e.g. `alice@build-3`). */
  by?: string;
  /**
   * Nothing of the plan runs until a person approves it (`baton approve RUN plan:1`); denied,
   * the run ends denied. For a plan a model drafted (`baton run --objective`): the reason and
   * the outline are what the person is shown, in every surface's pending decisions.
   */
  approval?: PlanApproval;
  /**
   * The run's correlation id, a W3C trace id (32 lowercase hex, not all zeros), e.g. the trace
   * id of the caller's `traceparent`; recorded in `run.created`. Omitted: the engine makes one.
   * Another value is refused (BatonError bad_input) before anything is written.
   */
  correlationId?: string;
}

export interface ResumeOptions extends Pick<SubmitOptions, 'onEvents' | 'wait'> {
  /** Lift an operator's pause before continuing, recorded as done by `by` (default: this process's user). */
  unpause?: boolean;
  /** Who asks for the resume: recorded in `run.resumed` (only when given) and as the one who lifts a pause. */
  by?: string;
  /** The operating-system account asking (the CLI gives it), recorded beside `by` in `run.resumed` and a lifted pause. */
  account?: string;
  /**
   * Continue even though the run's ledger does not replay under this version of the conductor
   * (else an IntegrityError names the first divergent event): recorded as
   * `run.divergence_accepted` with `by` and this reason before the run goes on. No effect on a
   * run that replays as recorded.
   */
  acceptDivergence?: { reason: string };
}
