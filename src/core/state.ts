import type {
  AgentStatus,
  ArtifactRef,
  AttemptHold,
  AttemptRole,
  DecisionEvidence,
  EscalationRetry,
  EventPayloads,
  HandoffParty,
  PendingKind,
  PlanApproval,
  PrerequisiteCheck,
  Principal,
  StepError,
  TokenUsage,
} from './events.js';
import { DecisionKind, decisionId } from './decision-id.js';
import { phasesOf, type PhaseState } from './governance/phases.js';
import type { HandoffBrief } from './governance/handoff-brief.js';
import type { HandoffRole } from './governance/handoff-role.js';
import type { Json, JsonObject } from './json.js';
import { dependentsIndex, joinRule, type JoinRule } from './plan/graph.js';
import type { Plan, Step } from './plan/schema.js';
import type { CapabilityDescriptor } from './registry.js';
import type { ProviderLimits } from './provider-limits.js';
import { EMPTY_CONTEXT, type ContextSnapshot } from './context-snapshot.js';
import { durationToMs } from './plan/duration.js';
import { listStepEntries } from './plan/step-list.js';

/** See `RunState.replan`. */
export interface ReplanState {
  requested: number;
  open: { request: number; step: string; reason: string } | null;
  /** `id`: the decision that adopts it, `plan:REVISION` for the revision it would become. */
  proposal: (EventPayloads['plan.proposed'] & { id: string }) | null;
}

/** A run ends succeeded, failed, denied (a person said no), aborted (an operator stopped it) or timed_out (its deadline passed). */
export type RunStatus = 'running' | 'succeeded' | 'failed' | 'denied' | 'aborted' | 'timed_out';
/**
 * `awaiting`: held for a person's confirmation or a signal. `escalated`: stopped for an
 * operator's decision. `cancelled`: stopped by an operator, or running when the run ended.
 */
export type StepStatus =
  'waiting' | 'ready' | 'awaiting' | 'escalated' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';
export type InstanceStatus = 'queued' | 'running' | 'reported' | 'backoff' | 'succeeded' | 'failed' | 'cancelled';

/** One execution unit of a step: the step itself, or one item of its `for_each`. */
export interface InstanceState {
  key: string;
  step: string;
  index: number | null;
  /** Set for work besides the step's own: its check, a consensus vote, a compensation. */
  role: AttemptRole | null;
  /** The capability this instance runs on, when not the step's (votes, checks, compensations). */
  capability: string | null;
  item: Json;
  /** 1-based `repeat` iteration. */
  iteration: number;
  /**
   * The plan revision it was created under. From revision 2 on it is part of its attempt ids
   * and idempotency key: work redone after `plan.revised` is new work, never mistaken for the
   * attempts it replaced (whose late results must stay stale).
   */
  revision: number;
  /** Attempts dispatched in this iteration (abandoned ones included). */
  attempts: number;
  /** Attempts that failed in this iteration; compared with `retry.max`. */
  failures: number;
  status: InstanceStatus;
  attemptId: string | null;
  /** The outcome the conductor has not yet decided on. */
  report: { ok: true; output: Json } | { ok: false; error: StepError } | null;
  output: Json;
  error: StepError | null;
}

export interface StepState {
  id: string;
  status: StepStatus;
  join: JoinRule;
  depsTerminal: number;
  depsCompleted: number;
  depsSkipped: number;
  /** Set when the step became ready only to be skipped (dead-path elimination). */
  deadPath: string | null;
  capability: string | null;
  /** Instance keys, in index order. */
  instances: string[];
  running: number;
  /** Attempts dispatched for this step, over all its instances, iterations and retries. */
  attempts: number;
  /** for_each instances whose result was accepted. */
  succeededInstances: number;
  output: Json;
  error: StepError | null;
  /** The phase it belongs to (an index into `RunState.phases`). */
  phase: number;
  /** It has left `waiting`/`ready` at least once. */
  started: boolean;
}

/**
 * One capability's circuit in a run (`routing.breaker`). `closed`: routed as usual, counting
 * retryable failures in a row; `open`: passed over until `until`; `half_open`: its cool-down
 * ended, it is routed again, and one failure opens it again.
 */
export interface Circuit {
  status: 'closed' | 'open' | 'half_open';
  /** Retryable failures in a row since it last succeeded or changed status. */
  failures: number;
  /** While open: when its cool-down ends (ms since epoch). */
  until: number | null;
}

/** Something the run waits on from outside: a gate, a confirmation, an escalation, a person's result, a signal. */
export interface PendingDecision {
  id: string;
  kind: PendingKind;
  step: string | null;
  phase: string | null;
  reason: string;
  detail?: unknown;
  /** An escalation's: what approving it runs again. */
  retry?: EscalationRetry;
  since: string;
}

/** An agent's latest report on a step or a phase, as `agent.status_reported` recorded it. */
export interface AgentReport {
  agent: string;
  step: string | null;
  phase: string | null;
  status: AgentStatus;
  note: string | null;
  by: Principal;
  at: string;
}

/**
 * Work one agent handed to another. `queued` until the receiving agent reports on the step
 * (anything but `assigned`, which is the handoff's own report), then `accepted`.
 */
/** A queued handoff; its brief fields are present only when the handing agent gave them. */
export interface AgentHandoff extends HandoffBrief {
  id: string;
  from: HandoffParty;
  to: { agent: string; step: string };
  artifacts: ArtifactRef[];
  reason: string;
  by: Principal;
  at: string;
  status: 'queued' | 'accepted';
  acceptedAt: string | null;
  /** The receiving role and the constraints injected for it, as recorded. */
  role?: HandoffRole;
}

/** A person's "yes", with what they were shown when they gave it (absent in ledgers written before evidence was recorded). */
export interface Approval {
  by: Principal;
  comment: string | null;
  evidence?: DecisionEvidence;
  /** The key that signed it (`baton key`), when it was signed. */
  keyId?: string;
  /** The operating-system account that recorded it, where the CLI did. */
  account?: string;
}

/** An operator's "no" that the conductor has not yet acted on. */
export interface Denial {
  id: string;
  by: Principal;
  comment: string | null;
}

/**
 * A run's state: the fold of its ledger. The sets below are indexes over `steps` and
 * `instances` so that deciding after each event costs the size of what changed, not the
 * size of the plan (a 10,000-step run decides in constant time per event).
 */
export interface RunState {
  runId: string;
  name: string;
  plan: Plan;
  planHash: string;
  inputs: JsonObject;
  /** The workspace context recorded in `run.created`, which `context` in expressions reads; empty lists when it recorded none. */
  context: ContextSnapshot;
  registry: Record<string, CapabilityDescriptor>;
  /** The provider limits recorded in `run.created` (absent: none, as in runs created before they existed). */
  limits?: ProviderLimits;
  /** The run's correlation id from `run.created` (absent in runs created before it was recorded). */
  correlationId?: string;
  /**
   * The members of each registry role the plan's gates name, pinned in `run.created`: a gate's
   * `approval: { role }` and `override: { approval_by: ROLE }` count these, never the registry
   * as it is now (empty in runs whose gates name no role).
   */
  roles: Readonly<Record<string, readonly string[]>>;
  createdAt: string;
  endedAt: string | null;
  status: RunStatus;
  failure: string | null;
  steps: Record<string, StepState>;
  instances: Map<string, InstanceState>;
  dependents: Map<string, string[]>;
  stepCount: number;
  terminalSteps: number;
  /** Steps whose dependencies allow them to start (or to be skipped). */
  ready: Set<string>;
  /** Instances waiting to be dispatched. */
  queued: Set<string>;
  /** Instances with an outcome to decide on. */
  reported: Set<string>;
  /** Instances waiting out a retry backoff: key -> retry time (ms since epoch). */
  backoff: Map<string, number>;
  /** Attempts dispatched and not yet reported: attempt id -> instance key. */
  inflight: Map<string, string>;
  /** Attempts that reported after they stopped being current: they get an `attempt.rejected`. */
  stale: { attemptId: string; reason: string }[];
  /** Attempts the conductor cancelled; their late outcomes are recorded and ignored. */
  cancelled: Set<string>;

  // Governance
  revision: number;
  phases: PhaseState[];
  /** Index of the latest phase opened; -1 before the first opens. */
  openPhase: number;
  /** The last transition denial recorded, so that it is recorded once, not on every pass. */
  transitionDenied: string | null;
  paused: { by: Principal; reason: string | null } | null;
  abort: { by: Principal; reason: string } | null;
  /** Steps whose compensation is still to run, in order; null unless aborting. */
  compensating: string[] | null;
  compensated: string[];
  deadlineAt: number | null;
  budget: { limitUsd: number | null; spentUsd: number; reservedUsd: number };
  /** attempt id -> USD reserved for it, and the step it is for. */
  reservations: Map<string, { usd: number; step: string }>;
  /** Attempts a plan revision took from their step: the conductor cancels them. */
  revoked: { attemptId: string; reason: string }[];
  /** step -> USD spent or reserved by its attempts. */
  stepSpend: Map<string, number>;
  /** step -> tokens its attempts' model calls used, summed (only steps that called a model). */
  stepTokens: Map<string, TokenUsage>;
  /** step -> how often its model calls waited for a provider limit, and the latest wait (only steps that waited). */
  stepHolds: Map<string, { times: number; last: AttemptHold }>;
  pending: Map<string, PendingDecision>;
  /** Decisions a person approved (`confirm:deploy`, `gate:execution`): they let the conductor through once. */
  approvals: Map<string, Approval>;
  /** Gate decision id -> the distinct people who approved it, in order (what a composed gate's `approval: {count}` counts). */
  gateApprovals: Map<string, Approval[]>;
  /** Gate decision id -> the override that let it through (`decision.made` verdict `overridden`). */
  overrides: Map<string, Approval>;
  /** `prerequisiteKey(phase, requirement)` -> the latest check the engine recorded of it. */
  prerequisites: Map<string, PrerequisiteCheck>;
  denials: Denial[];
  /** `baton cancel RUN STEP` requests the conductor has not yet acted on. */
  cancelRequests: { step: string; by: Principal; reason: string | null }[];
  /** Decisions answered with an output (`escalation:review`): decision id -> the output. */
  submissions: Map<string, Json>;
  signals: Map<string, Json>;
  deferred: Map<string, { until: number | null; signal: string | null }>;
  /** Steps in the order they succeeded: compensations run in reverse. */
  completed: string[];
  artifacts: Map<string, ArtifactRef & { step: string; sealed: boolean }>;
  /** capability -> its circuit, from its attempts' outcomes; the conductor acts on it only under `routing.breaker`. */
  circuits: Map<string, Circuit>;
  /** Instances whose coming retry was already rerouted (`step.rerouted`); cleared when it is dispatched. */
  rerouted: Set<string>;
  /** Skills built by infrastructure steps (`builds`): skill -> the step that builds it. */
  builtBy: Map<string, string>;
  /** Plan revisions, from 1 (the plan the run was created with). */
  revisions: { revision: number; planHash: string; at: string }[];
  /**
   * While the plan in force waits for a person's approval (a drafted plan): why, and the
   * decision id that answers it (`plan:REVISION`); null once approved, or for a plan that never needed it.
   */
  planApproval: { id: string; request: PlanApproval } | null;
  /** Replanning after escalations (`replan:`): how many were asked for, the one awaiting the planner, and a proposal awaiting approval. */
  replan: ReplanState;

  // Agents outside the engine (the MCP tools): what they said; the conductor never acts on it.
  /** The latest report per step (`step:ID`) or phase (`phase:ID`). */
  agentReports: Map<string, AgentReport>;
  /** Handoffs between agents, in the order they were queued. */
  handoffs: AgentHandoff[];
  /** How many handoffs halted (`handoff.halted`): each is raised as decision `handoff:N`. */
  haltedHandoffs: number;
}

/** `build`, `fan[3]`, `build/check`, `review/v2`, `deploy/compensate`. */
export function instanceKey(step: string, index: number | null, role: AttemptRole | null = null): string {
  if (role === 'vote') return `${step}/v${index ?? 0}`;
  if (role !== null) return `${step}/${role}`;
  return index === null ? step : `${step}[${index}]`;
}

export function newInstance(
  step: string,
  index: number | null,
  item: Json,
  role: AttemptRole | null = null,
  capability: string | null = null,
  revision = 1,
): InstanceState {
  return {
    key: instanceKey(step, index, role),
    step,
    index,
    role,
    capability,
    item,
    iteration: 1,
    revision,
    attempts: 0,
    failures: 0,
    status: 'queued',
    attemptId: null,
    report: null,
    output: null,
    error: null,
  };
}

/** What an instance does in one iteration, whichever attempt does it: `build`, `fan[3]`, `poll/i4`, `build@r2` (redone under revision 2). */
function unitOf(instance: Pick<InstanceState, 'key' | 'iteration' | 'revision'>): string {
  const key = instance.revision > 1 ? `${instance.key}@r${instance.revision}` : instance.key;
  return instance.iteration > 1 ? `${key}/i${instance.iteration}` : key;
}

/** The id of one attempt within its run: `build/a1`, `fan[3]/a2`, `poll/i4/a1`, `build@r2/a1`. */
export function attemptIdOf(instance: Pick<InstanceState, 'key' | 'iteration' | 'revision'>, attempt: number): string {
  return `${unitOf(instance)}/a${attempt}`;
}

/** Stable across the attempts of one unit of work: `RUN/build`, `RUN/fan[3]`, `RUN/poll/i4`. */
export function idempotencyKeyOf(
  runId: string,
  instance: Pick<InstanceState, 'key' | 'iteration' | 'revision'>,
): string {
  return `${runId}/${unitOf(instance)}`;
}

export function stepOf(state: RunState, id: string): StepState {
  const step = state.steps[id];
  if (!step) throw new Error(`conductor invariant: unknown step ${id}`);
  return step;
}

export function planStepOf(state: RunState, id: string): Step {
  const step = state.plan.steps[id];
  if (!step) throw new Error(`conductor invariant: unknown step ${id}`);
  return step;
}

export function instanceOf(state: RunState, key: string): InstanceState {
  const instance = state.instances.get(key);
  if (!instance) throw new Error(`conductor invariant: unknown instance ${key}`);
  return instance;
}

export function createRunState(args: {
  runId: string;
  at: string;
  plan: Plan;
  planHash: string;
  inputs: JsonObject;
  registry: Record<string, CapabilityDescriptor>;
  limits?: ProviderLimits;
  approval?: PlanApproval;
  context?: ContextSnapshot;
  correlationId?: string;
  roles?: Record<string, string[]>;
}): RunState {
  const steps: Record<string, StepState> = {};
  const ready = new Set<string>();
  const phases = phasesOf(args.plan);
  const phaseIndex = new Map(phases.map((phase, i) => [phase.id, i]));
  for (const [id, step] of listStepEntries(args.plan.steps)) {
    const phase = step.phase !== undefined ? (phaseIndex.get(step.phase) ?? 0) : 0;
    phases[phase]?.steps.push(id);
    const join = joinRule(step.after);
    steps[id] = {
      id,
      status: join.of.length === 0 ? 'ready' : 'waiting',
      join,
      depsTerminal: 0,
      depsCompleted: 0,
      depsSkipped: 0,
      deadPath: null,
      capability: null,
      instances: [],
      running: 0,
      attempts: 0,
      succeededInstances: 0,
      output: null,
      error: null,
      phase,
      started: false,
    };
    if (join.of.length === 0) ready.add(id);
  }
  const builtBy = new Map<string, string>();
  for (const [id, step] of listStepEntries(args.plan.steps))
    for (const skill of step.builds ?? []) builtBy.set(skill, id);
  const deadline = args.plan.constraints?.deadline;
  return {
    runId: args.runId,
    name: args.plan.name,
    plan: args.plan,
    planHash: args.planHash,
    inputs: args.inputs,
    context: args.context ?? EMPTY_CONTEXT,
    registry: args.registry,
    ...(args.limits !== undefined && { limits: args.limits }),
    ...(args.correlationId !== undefined && { correlationId: args.correlationId }),
    roles: args.roles ?? {},
    createdAt: args.at,
    endedAt: null,
    status: 'running',
    failure: null,
    steps,
    instances: new Map(),
    dependents: dependentsIndex(args.plan),
    stepCount: Object.keys(steps).length,
    terminalSteps: 0,
    ready,
    queued: new Set(),
    reported: new Set(),
    backoff: new Map(),
    inflight: new Map(),
    stale: [],
    cancelled: new Set(),
    revision: 1,
    phases,
    // A plan without phases has one implicit phase, open from the start.
    openPhase: args.plan.phases === undefined && phases.length === 1 ? 0 : -1,
    transitionDenied: null,
    paused: null,
    abort: null,
    compensating: null,
    compensated: [],
    deadlineAt: deadline !== undefined ? Date.parse(args.at) + durationToMs(deadline) : null,
    budget: { limitUsd: args.plan.constraints?.budget_usd ?? null, spentUsd: 0, reservedUsd: 0 },
    reservations: new Map(),
    revoked: [],
    stepSpend: new Map(),
    stepTokens: new Map(),
    stepHolds: new Map(),
    pending: new Map(),
    approvals: new Map(),
    gateApprovals: new Map(),
    overrides: new Map(),
    prerequisites: new Map(),
    denials: [],
    cancelRequests: [],
    submissions: new Map(),
    signals: new Map(),
    deferred: new Map(),
    completed: [],
    artifacts: new Map(),
    circuits: new Map(),
    rerouted: new Set(),
    builtBy,
    revisions: [{ revision: 1, planHash: args.planHash, at: args.at }],
    replan: { requested: 0, open: null, proposal: null },
    planApproval:
      args.approval === undefined ? null : { id: decisionId(DecisionKind.plan, '1'), request: args.approval },
    agentReports: new Map(),
    handoffs: [],
    haltedHandoffs: 0,
  };
}

/** Whether a step's status is final. */
export function isTerminal(status: StepStatus): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'skipped' || status === 'cancelled';
}
