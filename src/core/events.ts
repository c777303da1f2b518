import type { Json, JsonObject } from './json.js';
import type { CapabilityKind, Plan } from './plan/schema.js';
import type { CapabilityDescriptor } from './registry.js';
import type { DecisionKind } from './decision-id.js';
import type { ContextSnapshot } from './context-snapshot.js';
import type { HandoffBrief } from './governance/handoff-brief.js';
import type { HandoffRole } from './governance/handoff-role.js';

/**
 * The ledger's vocabulary. Two families share it:
 * - signals: what came in (a run was created, an attempt reported, an engine took over);
 * - decisions: what the conductor decided in answer (`decide` returns exactly these).
 * Every event is appended to the run's hash chain; state is their fold.
 */

/** A step's failure as data: serializable, in the ledger, never thrown. */
/** Where a sub-plan's child run comes from (`run.created` `parent`). */
export interface ParentLink {
  runId: string;
  step: string;
  attemptId: string;
  /** The parent ledger's head hash when the child was created. */
  headHash: string;
}

export interface StepError {
  /** e.g. `exit_code`, `timeout`, `cancelled`, `spawn`, `expression`, `exception`, `repeat_exhausted`. */
  type: string;
  message: string;
  retryable: boolean;
  /** How long the capability was told to wait before trying again (an HTTP `retry-after`): a retry waits at least this. */
  retryAfterMs?: number;
  detail?: Json;
}

/**
 * A tool call as the ledger keeps it: which tool on which server, a hash of its arguments (not
 * the arguments: they may hold what a secret redaction cannot recognise), how it ended and how
 * long it took. `refused`: Baton never sent it (outside the allow-list, the scope or the budget);
 * `reason` says why, for `error` and `refused`.
 */
export interface ToolCallRecord {
  tool: string;
  server: string;
  /** sha256 (hex) of the arguments' canonical JSON. */
  argumentsHash: string;
  outcome: 'ok' | 'error' | 'refused';
  durationMs: number;
  reason?: string;
}

/** The provider limits (core/provider-limits.ts) a model call can be held back by. */
export type LimitName = 'concurrent' | 'requests_per_minute' | 'tokens_per_minute';

/**
 * A wait of one model call for a provider limit shared by every run in the store: which key and
 * which of its limits held it, from when until when. `admitted: false`: the attempt ended
 * (timeout, cancellation, shutdown) while still held, and never called the model.
 */
export interface AttemptHold {
  key: string;
  limit: LimitName;
  since: string;
  until: string;
  admitted: boolean;
}

/** Tokens a model call used, as its provider reported them. */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  /** Of `inputTokens`, those read from the provider's prompt cache (an `llm` price's `cached_input_per_mtok`). */
  cachedInputTokens?: number;
}

/** One capability the router weighed, with its score or the reason it was passed over. */
export interface RouteCandidate {
  capability: string;
  kind: string;
  strength: number | null;
  chosen: boolean;
  reason: string;
}

/** A file a step wrote, stored content-addressed in the workspace. */
export interface ArtifactRef {
  /** `step/file`, unique in the run. */
  name: string;
  sha256: string;
  bytes: number;
}

/** An artifact an approval was shown: its content hash then, and whether it was sealed (only sealed ones are enforced by `verify`). */
export interface EvidenceArtifact {
  name: string;
  /** null: a gate requires it and it did not exist. */
  sha256: string | null;
  sealed: boolean;
}

/** A step result an approval was shown: `passed` when the step succeeded; the sha256 of its output's canonical JSON. */
export interface EvidenceCheck {
  step: string;
  status: string;
  passed: boolean;
  outputHash: string | null;
}

/** One vote of a consensus an approved escalation was about: the sha256 of its output's canonical JSON. */
export interface EvidenceVote {
  capability: string;
  outputHash: string;
}

/**
 * What a person was shown when they approved (`decision.made`'s `evidence`): the plan revision
 * in force, the evidence a gate requires, the artifacts and step results the decision is about,
 * and a contradiction's votes. Computed from the run's state at that moment (see
 * `decisionEvidence`); `verify` holds every sealed artifact listed here to its hash.
 */
export interface DecisionEvidence {
  revision: number;
  planHash: string;
  /** An evidence gate's requirement, as the plan states it. */
  requires?: { artifacts: string[]; checks: string[] };
  artifacts: EvidenceArtifact[];
  checks: EvidenceCheck[];
  votes?: EvidenceVote[];
}

/** One check of a gate's prerequisite (`requires: { run, artifact, sealed: true }`), as recorded. */
export interface PrerequisiteCheck {
  /** The phase whose gate requires it. */
  phase: string;
  /** The run as the plan names it: an id, or `NAME@latest`. */
  run: string;
  artifact: string;
  /** `preflight`: when the run was submitted; `gate`: when the phase before the gate was complete. */
  stage: 'preflight' | 'gate';
  ok: boolean;
  /** What was found, or why it fails (closed: a missing run, a chain that does not verify, an unsealed artifact). */
  reason: string;
  /** The run it resolved to, its head when checked, and the artifact's sealed hash; null where not found. */
  runId: string | null;
  headHash: string | null;
  sha256: string | null;
}

/*
 * `account` on the events a person's command records: the operating-system account (`user@host`)
 * that ran the command, beside the self-asserted `by`, where the surface knows it (the CLI).
 */

/** An Ed25519 signature over an act's statement (`actStatement`), by a key registered in the workspace. */
export interface ActSignature {
  /** The signing key's id: the fingerprint of its public key (`baton key list`). */
  keyId: string;
  /** The signature of the statement's UTF-8 bytes, base64. */
  value: string;
}

/** What waits for a person or the outside world. */
export type PendingKind = DecisionKind;

/** Why a run's plan waits for a person's approval, and what they are shown (see `run.created`). */
export interface PlanApproval {
  /** e.g. `drafted by planner from the objective "..."`. */
  reason: string;
  /** The readable outline (phases, steps, routes, worst-case cost) and the pre-flight report. */
  outline?: string;
  /** Where the plan came from when a model drafted it: the objective and the planning record. */
  drafted?: { objective: string; planner: string; record: string };
}

/**
 * What approving an escalation runs again: these instances are queued afresh with their retries
 * renewed. None: the step is decided on from the start (it could not be routed, or an expression
 * failed before it had instances). Control data for the fold, kept apart from the `detail` shown
 * to people. Ledgers written before it existed carry the same list as `detail.retry` only.
 */
export interface EscalationRetry {
  instances: string[];
}

/** Who did something from outside the conductor: `cli:alice@host`, `api:token-name`, `library`. */
export type Principal = string;

/**
 * What an agent outside the engine says about its part of a step or a phase (MCP
 * `update_pipeline_state`). A report informs people and other agents; the conductor never acts
 * on one. `done` must agree with the ledger: a step that succeeded, a phase that is complete.
 */
export type AgentStatus = 'assigned' | 'working' | 'blocked' | 'done';

/** One option an agent weighed when it routed work, with its score (if it had one) and why. */
export interface ReportedCandidate {
  name: string;
  score: number | null;
  chosen: boolean;
  reason: string;
}

/** A handoff as it was asked for, kept with its halt so that approving it can ask again. */
export type HaltedHandoffRequest = {
  from: HandoffParty;
  to: { agent: string; step: string; role?: string | null };
  artifacts: string[];
  reason: string;
  candidates?: { name: string; score?: number | null; reason?: string | null }[];
} & HandoffBrief;

/** One side of a handoff between agents: the agent, and the step whose work it is (if any). */
export interface HandoffParty {
  agent: string;
  step: string | null;
}

export interface EventPayloads {
  // signals
  /** `by`: who submitted the run (absent in ledgers written before it was recorded). */
  'run.created': {
    plan: Plan;
    planHash: string;
    inputs: JsonObject;
    registry: Record<string, CapabilityDescriptor>;
    by?: Principal;
    /**
     * The content hash of the workspace registry (`baton.yaml`) the run was admitted under, when
     * there was one; its capabilities are recorded in `plan` (absent in runs without one).
     */
    registryHash?: string;
    /** Which of `plan`'s capabilities came from that registry (revisions keep them). */
    registryCapabilities?: string[];
    /** The registry's `plans.may_declare` when it had one: revisions are held to it too. */
    mayDeclare?: CapabilityKind[];
    /**
     * The registry's provider limits when it had some: every process that runs the run's model
     * calls (an engine, a worker) holds them to these, shared with every other run in the store.
     */
    limits?: Record<string, Partial<Record<LimitName, number>>>;
    /**
     * The plan must be approved by a person before anything of it runs (a drafted plan): the
     * conductor asks (`plan:1`) and dispatches nothing until it is approved; denied, the run
     * ends denied. What the person is shown travels with the question.
     */
    approval?: PlanApproval;
    /**
     * The workspace context the run's expressions read (`context.objectives`), taken when it was
     * created, and the sha256 of its canonical JSON. Only for a plan that reads `context`
     * (absent otherwise, and in ledgers written before it existed).
     */
    context?: ContextSnapshot;
    contextHash?: string;
    /**
     * For a sub-plan's child run: the parent run, the step and attempt that started it, and the
     * parent's ledger head when it did, which chains this ledger to the parent's (absent for a
     * run that is no one's child). The parent records the child's head when the child ends.
     */
    parent?: ParentLink;
    /**
     * The run's correlation id, a W3C trace id (32 lowercase hex): the caller's (`traceparent`,
     * `--correlation-id`) or one the engine made. Recorded once, here: every event of the run
     * carries it by belonging to the run. A sub-plan's child run has its parent's. Absent in
     * ledgers written before it existed.
     */
    correlationId?: string;
    /**
     * The members of each workspace-registry role the plan's gates name (`approval: { role }`,
     * `override: { approval_by: ROLE }`), as the registry declared them when the run was
     * created: the run's gates count these, so editing baton.yaml later changes no run's gates.
     * Absent when no gate names a role.
     */
    roles?: Record<string, string[]>;
  };
  /** `by`: who asked for the resume, when someone did (an engine taking over a dead one's run is nobody's act). */
  'run.resumed': { engine: string; reason: string; by?: Principal; account?: string };
  /**
   * A person let a run go on although its ledger does not replay under this conductor: from `seq`
   * on, the ledger records `recorded` where the conductor now decides `derived` (one-line
   * summaries). Replay takes the ledger before it as it stands and checks what comes after.
   */
  'run.divergence_accepted': { seq: number; recorded: string; derived: string; by: Principal; reason: string };
  /**
   * `costUsd`: what the capability reported this attempt cost (else its declared `cost_usd` is charged).
   * `usage`: the tokens a model capability reported. `by`: who submitted a human step's result.
   */
  'attempt.succeeded': {
    attemptId: string;
    output: Json;
    durationMs: number;
    costUsd?: number;
    usage?: TokenUsage;
    by?: Principal;
    account?: string;
    artifacts?: ArtifactRef[];
  };
  'attempt.failed': { attemptId: string; error: StepError; durationMs: number; costUsd?: number; usage?: TokenUsage };
  /**
   * One tool call an `agent` attempt made, in call order, written just before the attempt's
   * outcome in the same append (see `outcomeEvents`). A record: the conductor decides nothing on it.
   */
  'attempt.tool_called': { attemptId: string } & ToolCallRecord;
  /**
   * One wait of an `llm` or `agent` attempt's model call for a provider limit, written with the
   * attempt's outcome, before its tool calls (see `outcomeEvents`). A record: the conductor
   * decides nothing on it.
   */
  'attempt.held': { attemptId: string } & AttemptHold;
  'attempt.abandoned': { attemptId: string; reason: string };
  /**
   * A person's answer to a pending decision: approve (pass the gate, confirm, retry the escalated
   * step), deny, supply the step's output, or override a closed gate where its plan allows it
   * (`overridden`, a distinct act: its `comment` is the required reason).
   */
  'decision.made': {
    id: string;
    verdict: 'approved' | 'denied' | 'submitted' | 'overridden';
    by: Principal;
    comment: string | null;
    output?: Json;
    /** An approval's: what the approver was shown (ledgers written before it have none, and fold the same). */
    evidence?: DecisionEvidence;
    /** The act signed with a key registered for `by` (`baton key`): over its statement (`actStatement`). */
    signature?: ActSignature;
    /** The operating-system account that acted (`user@host`), where the act came from the CLI; `by` is self-asserted. */
    account?: string;
  };
  'signal.received': { name: string; data: Json; by: Principal; account?: string };
  /**
   * The engine's check of another run's sealed artifact that a gate of this run requires (the
   * conductor cannot read other runs): at pre-flight, and again when the phase before the gate
   * is complete. What was found is recorded, so the gate's verdict is a fold of this ledger.
   */
  'prerequisite.checked': PrerequisiteCheck;
  'run.paused': { by: Principal; reason: string | null; account?: string };
  'run.unpaused': { by: Principal; account?: string };
  'run.abort_requested': { by: Principal; reason: string; account?: string };
  'step.cancel_requested': { step: string; by: Principal; reason: string | null; account?: string };
  'step.deferred': { step: string; until: string | null; signal: string | null; by: Principal; account?: string };
  /** A new plan revision for the run (`baton revise`, or `baton revert` with `revertOf`). */
  'plan.revised': {
    revision: number;
    plan: Plan;
    planHash: string;
    registry: Record<string, CapabilityDescriptor>;
    by: Principal;
    account?: string;
    revertOf: number | null;
  };
  'artifact.sealed': { artifact: string; sha256: string; by: Principal; account?: string };
  /**
   * The planner's answer to a `replan.requested`: a revision of the plan, already validated
   * against the run's registry, that becomes the run's plan once a person approves it (or at
   * once under `replan.approve: auto`). `by` is the planner capability.
   */
  'plan.proposed': {
    request: number;
    plan: Plan;
    planHash: string;
    registry: Record<string, CapabilityDescriptor>;
    by: Principal;
    /** What a person is shown: the proposal's outline and pre-flight. */
    outline?: string;
    /** The planning record in the workspace (prompt hash, model, tokens, cost, repairs). */
    record?: string;
  };
  /** The planner gave no admissible revision for a `replan.requested` (the escalation still waits for a person). */
  'replan.failed': { request: number; reason: string; record?: string };
  /** An agent's status for a step or a phase (exactly one of the two is set). */
  'agent.status_reported': {
    agent: string;
    step: string | null;
    phase: string | null;
    status: AgentStatus;
    note: string | null;
    by: Principal;
    account?: string;
  };
  /** An agent's routing decision: who it gives a step's work to, the options it weighed, and why. */
  'agent.routed': {
    agent: string;
    step: string;
    to: string;
    reason: string;
    candidates: ReportedCandidate[];
    by: Principal;
    account?: string;
  };
  /** A handoff between agents, queued until the receiving agent reports on the step (`handoff-1`, `handoff-2`, ...). */
  'handoff.queued': {
    id: string;
    from: HandoffParty;
    to: { agent: string; step: string };
    artifacts: ArtifactRef[];
    reason: string;
    by: Principal;
    account?: string;
    /** The receiving role and its constraints, copied verbatim from the workspace registry (absent: no role named). */
    role?: HandoffRole;
  } & HandoffBrief;
  /**
   * A handoff that halted at one of its steps (`failedAt`, with the refusal), raised as a
   * pending decision for a governor (`handoff:N`): approving it runs the handoff again, as the
   * approver; denying it closes it. `request` is the handoff as it was asked for.
   */
  'handoff.halted': {
    id: string;
    request: HaltedHandoffRequest;
    failedAt: string;
    error: string;
    by: Principal;
  };
  // decisions
  'step.skipped': { step: string; reason: string };
  /** `voters`: for a `consensus` step, the distinct capabilities it runs on. */
  'step.routed': {
    step: string;
    skill: string | null;
    capability: string;
    reason: string;
    candidates: RouteCandidate[];
    voters?: string[];
    /** `judge`: the route of a consensus step's judge (`compare: judge`), once its votes are in. */
    role?: 'judge';
    /**
     * The route of one item of a step whose skill is a template (`{{ item.skill }}`), made as it
     * is dispatched: `instance` is the item (`step[index]`) and `skill` what its template gave.
     */
    instance?: string;
  };
  /**
   * A retry of a step's work goes to another capability than the one it was on (`routing`
   * `fallback`, or that one is unavailable): `instance` is the step or `for_each` item, `from`
   * the capability passed over, `candidates` every capability weighed with the reason.
   */
  'step.rerouted': {
    step: string;
    instance: string;
    skill: string | null;
    from: string;
    capability: string;
    reason: string;
    candidates: RouteCandidate[];
  };
  /** `routing.breaker`: the capability failed `failures` times in a row; routing passes it over until `until`. */
  'capability.unavailable': { capability: string; until: string; failures: number; reason: string };
  /** Its cool-down ended: the next dispatch may use it again, and one failure makes it unavailable again. */
  'capability.available': { capability: string; reason: string };
  /**
   * The run opted in (`replan: { on: escalation }`): a step escalated, and the planner is asked
   * for a revision of the steps not yet done. The escalation stays pending meanwhile.
   */
  'replan.requested': { request: number; step: string; reason: string };
  'decision.requested': {
    id: string;
    kind: PendingKind;
    step: string | null;
    phase: string | null;
    reason: string;
    detail?: Json;
    retry?: EscalationRetry;
  };
  'phase.opened': { phase: string; from: string | null; reason: string };
  'phase.transition_denied': { from: string; to: string; reason: string };
  'consensus.reached': { step: string; output: Json; agreeing: string[]; dissenting: string[] };
  /**
   * A judge's verdict on a consensus step's votes (`compare: judge`): whether they agree, why,
   * and the answer it chose (when it chose one). Agreement is followed by `consensus.reached`,
   * disagreement by an escalation carrying the verdict.
   */
  'consensus.judged': { step: string; judge: string; agree: boolean; reasons: string; output?: Json };
  'step.cancelled': { step: string; reason: string };
  'step.sealed': { step: string; artifacts: ArtifactRef[] };
  /** Abort: the completed steps whose `compensate` capability will run, in this order. */
  'run.compensating': { steps: string[] };
  'step.compensated': { step: string; ok: boolean; error: StepError | null };
  'step.expanded': { step: string; items: Json[] };
  'attempt.dispatched': {
    attemptId: string;
    step: string;
    index: number | null;
    iteration: number;
    attempt: number;
    /**
     * The same for every attempt of one step instance and iteration, so a capability with side
     * effects can do them once even when an attempt is retried after a crash.
     */
    idempotencyKey: string;
    capability: string;
    input: Json;
    timeoutMs: number | null;
    /** What else than the step's own work this attempt is: its `check`, a `consensus` vote or judge, or a compensation. */
    role?: AttemptRole;
    /** Worst-case cost reserved against the budget until the outcome settles it. */
    reservedUsd?: number;
  };
  'attempt.retry_scheduled': { attemptId: string; retryAt: string; delayMs: number; retry: number; of: number };
  /** A `for_each` item's result was accepted (a plain step's is accepted by `step.succeeded`). */
  'attempt.accepted': { attemptId: string; step: string; index: number };
  'attempt.cancelled': { attemptId: string; reason: string };
  'attempt.rejected': { attemptId: string; reason: string };
  'step.succeeded': { step: string; output: Json };
  'step.failed': { step: string; error: StepError };
  /**
   * A succeeded step's `records`, rendered: the insight it records and the objective or task it
   * completes, with the outcome. The store writes them to the workspace context in the same
   * transaction as this event, so a resumed run never records them twice. `error`: the insight
   * or outcome could not be rendered, and nothing was recorded.
   */
  'context.recorded': {
    step: string;
    insight?: string;
    completes?: { id: string; outcome: string };
    error?: string;
  };
  'run.succeeded': { succeeded: number; skipped: number; failed: number };
  'run.failed': { reason: string; step: string | null };
  'run.denied': { reason: string; decision: string; by: Principal };
  'run.aborted': { reason: string; by: Principal; compensated: string[] };
  'run.timed_out': { reason: string; deadline: string };
}

export type AttemptRole = 'check' | 'vote' | 'judge' | 'compensate';

export type EventType = keyof EventPayloads;

/** An event as the conductor sees it: a type and its data. */
export type BatonEvent = { [K in EventType]: { type: K; data: EventPayloads[K] } }[EventType];

export type EventOf<K extends EventType> = Extract<BatonEvent, { type: K }>;

/** An event as the ledger keeps it: numbered, timed and chained. */
export type LedgerEvent = BatonEvent & {
  runId: string;
  seq: number;
  /** ISO-8601 time the event was recorded; for decisions, the `now` they were decided at. */
  at: string;
  prevHash: string;
  hash: string;
};

export const SIGNAL_TYPES: ReadonlySet<EventType> = new Set<EventType>([
  'run.created',
  'run.resumed',
  'run.divergence_accepted',
  'attempt.succeeded',
  'attempt.failed',
  'attempt.abandoned',
  'attempt.tool_called',
  'attempt.held',
  'decision.made',
  'signal.received',
  'prerequisite.checked',
  'run.paused',
  'run.unpaused',
  'run.abort_requested',
  'step.cancel_requested',
  'step.deferred',
  'plan.revised',
  'plan.proposed',
  'replan.failed',
  'artifact.sealed',
  'agent.status_reported',
  'agent.routed',
  'handoff.queued',
  'handoff.halted',
]);

export function isDecision(event: { type: EventType }): boolean {
  return !SIGNAL_TYPES.has(event.type);
}
