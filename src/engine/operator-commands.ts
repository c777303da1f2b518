import {
  BatonError,
  checkPhaseTransition,
  ErrorCode,
  unpinnedRoles,
  ConflictError,
  DecisionKind,
  decisionId,
  haltHandoff,
  pendingHaltFor,
  type EventOf,
  type PendingDecision,
  NotFoundError,
  recordRoute,
  reportStatus,
  resolveInputs,
  type BatonEvent,
  type CapabilityDescriptor,
  type Json,
  type Plan,
  type RouteInput,
  type RunState,
  type StatusReportInput,
  type TransitionVerdict,
  declaredPlan,
  recordedRegistry,
  type WorkspaceRegistry,
} from '../core/index.js';
import { chainEvents, hashPlan } from '../ledger/index.js';
import { readAllEvents, type LedgerStore } from '../store/index.js';
import type { ArtifactStore } from './artifacts/index.js';
import type { OperatorOptions, RevertOptions, SubmitResultOptions } from './baton-options.js';
import { runHandoff, type HandoffReport, type HandoffRequest } from './handoff.js';
import { loadVerifiedRun } from './load-run.js';
import * as operator from './operator.js';
import { requirePlanScope } from './plan-scope.js';
import type { CheckedRevision } from './replanning.js';
import type { RunHandle } from './run-handle.js';
import { requireActSignature, statementOf, type SigningKeys } from './signing-keys.js';

/**
 * The event with the operating-system account that acted beside its self-asserted `by`, when
 * the surface knows it (the CLI); an event that names no one who acted is left as it is.
 */
function withAccount(event: BatonEvent, account: string | undefined): BatonEvent {
  if (account === undefined || !('by' in event.data)) return event;
  return { ...event, data: { ...event.data, account } } as BatonEvent;
}

/** The halted handoff a target names (`handoff:1`, or `1`), if it names one pending. */
function haltedHandoffNamed(state: RunState, target: string): PendingDecision | undefined {
  const pending = state.pending.get(target) ?? state.pending.get(decisionId(DecisionKind.handoff, target));
  return pending?.kind === 'handoff' ? pending : undefined;
}

/** What operator commands need from the engine they act through. */
export interface OperatorDeps {
  store: LedgerStore;
  now: () => number;
  /** Who acts when a command does not say (`OperatorOptions.by`). */
  principal: string;
  artifacts: ArtifactStore;
  /** The workspace's signing keys: approvals and overrides by a principal with one must be signed. */
  keys: SigningKeys;
  /** Above this many bytes, a signal's payload (a submitted output, a signal's data) is stored apart (default 16 KiB). */
  payloadThresholdBytes?: number;
  /** The handle of the run when this process conducts it now: a command goes to its driver. */
  conducting(runId: string): RunHandle | undefined;
  /** The `roles:` of the workspace registry this process runs under now (a handoff's `to.role` names one). */
  workspaceRoles(): WorkspaceRegistry['roles'];
  /**
   * Validates a plan (a file path or data) for a revision and builds its registry; refuses one
   * unfit to run. `workspace`: the registry the run was admitted under, as recorded (its
   * capabilities join the plan's, its policy holds).
   */
  checkPlan(
    plan: Plan | string,
    workspace: WorkspaceRegistry | undefined,
  ): Promise<{ plan: Plan; registry: Record<string, CapabilityDescriptor> }>;
}

/**
 * The operator's commands on an existing run: answers to pending decisions, signals, pause,
 * abort, cancel, defer, seal, agents' reports and handoffs, plan revisions. Each is checked
 * against the run's current state (operator.ts says what is allowed) and recorded as one
 * signal in its ledger, so a refused command writes nothing. `Baton` delegates to it.
 * @example
 * const commands = new OperatorCommands({ store, now: Date.now, principal: 'ops', artifacts, conducting: () => undefined, workspaceRoles: () => undefined, checkPlan });
 * await commands.approve(runId, 'execution', { comment: 'looks right' });
 */
export class OperatorCommands {
  constructor(private readonly deps: OperatorDeps) {}

  /**
   * Records an operator's command as a signal in the run's ledger. The command is checked
   * against the run's current state first (a refused command writes nothing). When this
   * process conducts the run, the driver takes the signal into its next round; otherwise it
   * is appended here, fenced on the ledger's head, and the conducting engine, wherever it
   * runs, folds it in (or `resume` does).
   */
  private async command(
    runId: string,
    options: OperatorOptions,
    make: (state: RunState, now: number) => BatonEvent | readonly BatonEvent[],
  ): Promise<BatonEvent> {
    return (await this.commandAll(runId, options, make))[0] as BatonEvent;
  }

  /** Some commands are two facts recorded together (approving a proposal, and the revision it makes): all of them, in order. */
  private async commandAll(
    runId: string,
    options: OperatorOptions,
    make: (state: RunState, now: number) => BatonEvent | readonly BatonEvent[],
  ): Promise<BatonEvent[]> {
    const build = (state: RunState, now: number): BatonEvent[] =>
      [make(state, now)].flat().map((event) => withAccount(event, options.account));
    const driving = this.deps.conducting(runId);
    if (driving) {
      const events = build(driving.state, this.deps.now());
      for (const event of events) driving.signal(event);
      return events;
    }
    if (!(await this.deps.store.getRun(runId))) throw new NotFoundError(`run "${runId}"`);
    for (let tries = 0; ; tries++) {
      const { state, head } = await loadVerifiedRun(this.deps.store, runId);
      const now = this.deps.now();
      const events = build(state, now);
      const chained = chainEvents(runId, head, events, new Date(now).toISOString(), this.deps.payloadThresholdBytes);
      try {
        await this.deps.store.append({ runId, expectedSeq: head.seq, events: chained, status: state.status });
        return events;
      } catch (error) {
        // The conducting engine appended meanwhile: check the command again against the new state.
        if (!(error instanceof ConflictError) || tries >= 5) throw error;
      }
    }
  }

  /**
   * Approves a pending gate (by phase id), confirmation or escalation (by step id), plan
   * revision or halted handoff (by decision id). The keys are read before the command is built:
   * a key revoked in between still signs this one act, which `verify` then reports (it holds
   * each signature to the keys as of the act's time).
   */
  async approve(runId: string, target: string, options: OperatorOptions = {}): Promise<BatonEvent> {
    const keys = await this.deps.keys.byId();
    const halted = haltedHandoffNamed(await this.currentState(runId), target);
    if (halted !== undefined) return this.retryHandoff(runId, halted, options, keys);
    return this.command(runId, options, (state, now) => {
      const approval = this.signed(runId, this.decision(state, target, 'approved', options), options, keys, now);
      return [approval, ...operator.adoptedRevision(state, approval)];
    });
  }

  /** Overrides a pending gate (by phase id) where its plan names the principal in `override.approval_by`; `reason` is required. */
  async override(runId: string, target: string, reason: string, options: OperatorOptions = {}): Promise<BatonEvent> {
    const keys = await this.deps.keys.byId();
    return this.command(runId, options, (state, now) =>
      this.signed(
        runId,
        this.decision(state, target, 'overridden', { ...options, comment: reason }),
        options,
        keys,
        now,
      ),
    );
  }

  async deny(runId: string, target: string, options: OperatorOptions = {}): Promise<BatonEvent> {
    const keys = await this.deps.keys.byId();
    return this.command(runId, options, (state, now) =>
      this.signed(runId, this.decision(state, target, 'denied', options), options, keys, now),
    );
  }

  /**
   * The statement an approval, denial or override of `target` would be signed over if it were
   * recorded now (`actStatement`): what a signer signs. Writes nothing; for an override,
   * `comment` is its reason.
   * @example
   * const statement = await commands.actStatement(runId, 'execution', 'approved', { by: 'alice', keyId });
   */
  async actStatement(
    runId: string,
    target: string,
    verdict: 'approved' | 'denied' | 'overridden',
    options: OperatorOptions & { keyId: string },
  ): Promise<string> {
    const state = await this.currentState(runId);
    return statementOf(runId, this.decision(state, target, verdict, options), options.keyId);
  }

  /** The decision.made a verdict on `target` records, checked against the run's state. */
  private decision(
    state: RunState,
    target: string,
    verdict: 'approved' | 'denied' | 'overridden',
    options: OperatorOptions,
  ): BatonEvent {
    const by = this.principal(options);
    const comment = options.comment ?? null;
    if (verdict === 'approved') return operator.approve(state, target, by, comment);
    if (verdict === 'denied') return operator.deny(state, target, by, comment);
    return operator.override(state, target, by, comment ?? '');
  }

  /** The decision with its signature, refused when its signature (or lack of one) does not hold. */
  private signed(
    runId: string,
    event: BatonEvent,
    options: OperatorOptions,
    keys: Awaited<ReturnType<SigningKeys['byId']>>,
    now: number,
  ): BatonEvent {
    return requireActSignature(runId, event, options.signature, keys, new Date(now).toISOString());
  }

  /** A person's result for a human step's task or an escalated step. */
  submitResult(runId: string, step: string, output: Json, options: SubmitResultOptions = {}): Promise<BatonEvent> {
    return this.command(runId, options, (state, now) =>
      operator.submitResult(state, step, output, this.principal(options), now, options.scopes),
    );
  }

  signal(runId: string, name: string, data: Json = null, options: OperatorOptions = {}): Promise<BatonEvent> {
    return this.command(runId, options, (state) => operator.signal(state, name, data, this.principal(options)));
  }

  /** Holds dispatch; running attempts finish. `unpause` (or `baton resume`) lifts it. */
  pause(runId: string, options: OperatorOptions & { reason?: string } = {}): Promise<BatonEvent> {
    return this.command(runId, options, (state) =>
      operator.pause(state, this.principal(options), options.reason ?? null),
    );
  }

  unpause(runId: string, options: OperatorOptions = {}): Promise<BatonEvent> {
    return this.command(runId, options, (state) => operator.unpause(state, this.principal(options)));
  }

  /** Cancels running attempts, runs `compensate` of completed steps newest first, ends the run `aborted`. */
  abort(runId: string, options: OperatorOptions & { reason?: string } = {}): Promise<BatonEvent> {
    return this.command(runId, options, (state) =>
      operator.abort(state, this.principal(options), options.reason ?? 'aborted by an operator'),
    );
  }

  cancel(runId: string, step: string, options: OperatorOptions & { reason?: string } = {}): Promise<BatonEvent> {
    return this.command(runId, options, (state) =>
      operator.cancelStep(state, step, this.principal(options), options.reason ?? null),
    );
  }

  defer(
    runId: string,
    step: string,
    until: { at?: number; signal?: string },
    options: OperatorOptions = {},
  ): Promise<BatonEvent> {
    return this.command(runId, options, (state) => operator.defer(state, step, until, this.principal(options)));
  }

  seal(runId: string, artifact: string, options: OperatorOptions = {}): Promise<BatonEvent> {
    return this.command(runId, options, (state) => operator.seal(state, artifact, this.principal(options)));
  }

  /**
   * Whether the conductor would open phase `to` now, coming from `from` (default: the phase
   * open now), by the rule it uses itself (`validatePhaseTransition`). Writes nothing.
   */
  async checkPhaseTransition(runId: string, to: string, from: string | null = null): Promise<TransitionVerdict> {
    return checkPhaseTransition(await this.currentState(runId), from, to);
  }

  /**
   * Records an agent's status for a step or a phase (an `agent.status_reported` signal),
   * refused when it contradicts the run (`done` on a step that has not succeeded, work on a
   * step that has finished or in a phase that cannot open). The conductor does not act on it.
   */
  reportStatus(runId: string, report: StatusReportInput, options: OperatorOptions = {}): Promise<BatonEvent> {
    return this.command(runId, options, (state) => reportStatus(state, report, this.principal(options)));
  }

  /** Records an agent's routing decision for a step's work, with the options it weighed (the routing log shows it). */
  recordRoute(runId: string, route: RouteInput, options: OperatorOptions = {}): Promise<BatonEvent> {
    return this.command(runId, options, (state) => recordRoute(state, route, this.principal(options)));
  }

  /**
   * Hands work from one agent to another: the artifacts exist, the transition is allowed, the
   * receiving step is assigned, the routing is logged, the handoff is queued. Halts at the
   * first step that fails and reports which were done; nothing is rolled back.
   * @example
   * const report = await baton.requestHandoff(runId, { from: { agent: 'builder', step: 'build' }, to: { agent: 'reviewer', step: 'review' }, artifacts: [], reason: 'built' });
   */
  async requestHandoff(runId: string, request: HandoffRequest, options: OperatorOptions = {}): Promise<HandoffReport> {
    if (!(await this.deps.store.getRun(runId))) throw new NotFoundError(`run "${runId}"`);
    const by = this.principal(options);
    const report = await this.handoff(runId, request, options);
    if (report.ok || report.failedAt === null || report.error === null) return report;
    // Halted: the work it was to hand on is stuck, which a governor must hear of, not only the caller.
    const { failedAt, error } = report;
    const state = await this.currentState(runId);
    const already = pendingHaltFor(state, request.to);
    if (already !== undefined) return { ...report, pending: already };
    if (haltHandoff(state, request, failedAt, error, by) === undefined) return report;
    const event = await this.command(runId, options, (state) => {
      const again = haltHandoff(state, request, failedAt, error, by);
      if (again === undefined) throw new ConflictError(`run "${runId}" ended while the handoff halted`);
      return again;
    }).catch((problem: unknown) => {
      if (problem instanceof ConflictError) return undefined;
      throw problem;
    });
    return { ...report, pending: event?.type === 'handoff.halted' ? event.data.id : null };
  }

  /** `alongside`: what to append with each event of the protocol, in the same append (an approval with the queued handoff). */
  private handoff(
    runId: string,
    request: HandoffRequest,
    options: OperatorOptions,
    alongside: (state: RunState, event: BatonEvent, now: number) => BatonEvent[] = (_state, event) => [event],
  ): Promise<HandoffReport> {
    return runHandoff(
      {
        runId,
        by: this.principal(options),
        load: () => this.currentState(runId),
        append: async (build) => {
          const events = await this.commandAll(runId, options, (state, now) => alongside(state, build(state), now));
          return events.at(-1) as BatonEvent;
        },
        artifacts: this.deps.artifacts,
        roles: this.deps.workspaceRoles(),
      },
      request,
    );
  }

  /**
   * Approving a halted handoff runs it again, as the approver; only when it goes through is the
   * approval recorded (closing the decision). Halting again refuses the approval, with why: the
   * decision stays pending, and what the new attempt did stays done.
   */
  private async retryHandoff(
    runId: string,
    pending: PendingDecision,
    options: OperatorOptions,
    keys: Awaited<ReturnType<SigningKeys['byId']>>,
  ): Promise<BatonEvent> {
    const { request } = pending.detail as EventOf<'handoff.halted'>['data'];
    let approval: BatonEvent | undefined;
    // The approval is appended with the queued handoff, in one append: before it, the question
    // is still open (a halt leaves it so); after it, the queued handoff has made it moot. It is
    // signed, or refused, as every approval is.
    const report = await this.handoff(runId, request, options, (state, event, now) => {
      if (event.type !== 'handoff.queued') return [event];
      approval = this.signed(runId, this.decision(state, pending.id, 'approved', options), options, keys, now);
      return [approval, event];
    });
    if (!report.ok || approval === undefined)
      throw new ConflictError(
        `the handoff halted again at ${report.failedAt}: ${report.error}; ${pending.id} stays pending (deny it to close it)`,
      );
    return approval;
  }

  /** The run's state as the engine conducting it in this process holds it, else folded from its verified ledger. */
  private async currentState(runId: string): Promise<RunState> {
    const driving = this.deps.conducting(runId);
    if (driving) return driving.state;
    if (!(await this.deps.store.getRun(runId))) throw new NotFoundError(`run "${runId}"`);
    return (await loadVerifiedRun(this.deps.store, runId)).state;
  }

  /** Appends a new plan revision to a running run; unchanged steps keep their results. */
  async revise(runId: string, plan: Plan | string, options: RevertOptions = {}): Promise<BatonEvent> {
    const workspace = await this.recordedRegistry(runId);
    const { plan: checked, registry } = await this.deps.checkPlan(plan, workspace);
    // What the caller declares, not what the operator's registry adds, needs their scope.
    if (options.scopes !== undefined)
      requirePlanScope(declaredPlan(checked, workspace), options.scopes, this.principal(options), 'revise');
    return this.command(runId, options, (state) => {
      if (state.status !== 'running')
        throw new ConflictError(`cannot revise: run "${runId}" has already ${state.status}`);
      resolveInputs(checked, state.inputs);
      const unpinned = unpinnedRoles(checked, state);
      if (unpinned !== undefined) throw new BatonError(ErrorCode.badInput, unpinned);
      const planHash = hashPlan(checked);
      if (planHash === state.planHash)
        throw new ConflictError(`run "${runId}" already runs this plan (${planHash.slice(0, 12)})`);
      return {
        type: 'plan.revised',
        data: {
          revision: state.revisions.length + 1,
          plan: checked,
          planHash,
          registry,
          by: this.principal(options),
          revertOf: null,
        },
      };
    });
  }

  /**
   * A plan checked as a revision of the run (against the registry it was admitted under, the
   * workspace's policy and pre-flight), as `revise` checks it, without recording anything.
   */
  async checkRevision(runId: string, plan: Plan | string): Promise<CheckedRevision & { declared: Plan }> {
    const workspace = await this.recordedRegistry(runId);
    const { plan: checked, registry } = await this.deps.checkPlan(plan, workspace);
    return { plan: checked, planHash: hashPlan(checked), registry, declared: declaredPlan(checked, workspace) };
  }

  /** Appends a revision equal to an earlier one. Nothing is deleted: the ledger keeps every revision. */
  async revert(runId: string, revision: number, options: RevertOptions = {}): Promise<BatonEvent> {
    if (!(await this.deps.store.getRun(runId))) throw new NotFoundError(`run "${runId}"`);
    let target: { plan: Plan; registry: Record<string, CapabilityDescriptor>; planHash: string } | undefined;
    let count = 0;
    for await (const event of readAllEvents(this.deps.store, runId)) {
      if (event.type === 'run.created' || event.type === 'plan.revised') {
        count += 1;
        if (count === revision)
          target = { plan: event.data.plan, registry: event.data.registry, planHash: event.data.planHash };
      }
    }
    if (!Number.isInteger(revision) || !target)
      throw new NotFoundError(`revision ${revision} of run "${runId}" (it has revisions 1 to ${count})`);
    const found = target;
    if (options.scopes !== undefined)
      requirePlanScope(
        declaredPlan(found.plan, await this.recordedRegistry(runId)),
        options.scopes,
        this.principal(options),
        'revert to',
      );
    return this.command(runId, options, (state) => {
      if (state.status !== 'running')
        throw new ConflictError(`cannot revert: run "${runId}" has already ${state.status}`);
      if (found.planHash === state.planHash)
        throw new ConflictError(`run "${runId}" already runs the plan of revision ${revision}`);
      return {
        type: 'plan.revised',
        data: {
          revision: state.revisions.length + 1,
          plan: found.plan,
          planHash: found.planHash,
          registry: found.registry,
          by: this.principal(options),
          revertOf: revision,
        },
      };
    });
  }

  /** The workspace registry the run was admitted under, from its `run.created`; undefined without one. */
  private async recordedRegistry(runId: string): Promise<WorkspaceRegistry | undefined> {
    const [created] = await this.deps.store.readEvents(runId, 0, 1);
    return created?.type === 'run.created' ? recordedRegistry(created.data) : undefined;
  }

  private principal(options: OperatorOptions): string {
    return options.by ?? this.deps.principal;
  }
}
