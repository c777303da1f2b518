import { resolve } from 'node:path';
import {
  BatonError,
  buildRegistry,
  checkPlan,
  ConflictError,
  ErrorCode,
  NotFoundError,
  parsePlan,
  resolveInputs,
  type CapabilityDescriptor,
  type Json,
  type LedgerEvent,
  type Plan,
  routeStep,
  staticPolicy,
  preflight,
  checkPhaseTransition,
  recordRoute,
  reportStatus,
  type RouteInput,
  type StatusReportInput,
  type TransitionVerdict,
  type PreflightReport,
  type BatonEvent,
  type RunState,
  type Step,
} from '../core/index.js';
import { CapabilityId, Permission, PositiveDuration, Skills } from '../core/plan/schema.js';
import {
  commandRunner,
  functionRunner,
  type CapabilityRunner,
  type FunctionCapability,
} from '../capabilities/index.js';
import { canonicalJson, chainEvents, ChainVerifier, EMPTY_HEAD, hashPlan } from '../ledger/index.js';
import {
  readAllEvents,
  RUN_SEARCH_MAX_LENGTH,
  SqliteStore,
  type ContextEntry,
  type RunRecord,
  type Store,
} from '../store/index.js';
import { ApiTokens } from './api-tokens.js';
import { capabilityRegistry, type CapabilityRegistryView } from './capability-registry.js';
import {
  ArtifactStore,
  checkSealedArtifacts,
  joinVerdicts,
  SealedArtifactsFold,
  type RunVerdict,
} from './artifacts/index.js';
import { completeObjective, readContext, recordContextEntry, type WorkspaceContext } from './context.js';
import { runHandoff, type HandoffReport, type HandoffRequest } from './handoff.js';
import { loadVerifiedRun } from './load-run.js';
import { checkWorkspaceAnchors, deletedRun, verifyWorkspace, type WorkspaceVerdict } from './workspace-anchors.js';
import { defaultPrincipal, newOwner } from './owner.js';
import { loadPlanFile } from './plan-file.js';
import { requirePlanScope } from './plan-scope.js';
import { LEASE_MS, RunDriver, type RunDriverOptions } from './run-driver.js';
import { RunAdopter, type RunAdopterOptions } from './run-adopter.js';
import { RunContexts } from './run-contexts.js';
import { Worker } from './worker.js';
import * as operator from './operator.js';
import { RunHandle } from './run-handle.js';
import { checkRunId, newRunId } from './run-id.js';
import { refuseUnfitPlan } from './refuse-unfit.js';
import { admit, isAdmitted, refuseUnfit, type AdmittedRun, type GivenInputs, type PlanSource } from './admit.js';
import { artifactsRoot, databaseFile, workspaceHome } from './workspace.js';
import type {
  BatonOptions,
  OperatorOptions,
  ResumeOptions,
  RevertOptions,
  SubmitOptions,
  WorkOptions,
} from './baton-options.js';

export type {
  BatonOptions,
  OperatorOptions,
  ResumeOptions,
  RevertOptions,
  SubmitOptions,
  WorkOptions,
} from './baton-options.js';

/**
 * The library's entry point: a workspace with a store, the function capabilities registered
 * in code, and the runs it drives.
 * @example
 * const baton = await createBaton({ home: '.baton' });
 * baton.register({ id: 'double', skills: { math: 1 }, run: (n: number) => n * 2 });
 * const run = await baton.submit('examples/quickstart.yaml');
 * console.log((await run.result()).status);
 * await baton.close();
 */
export class Baton {
  private readonly functions = new Map<string, CapabilityRunner>();
  private readonly commands = new WeakMap<Plan, Map<string, CapabilityRunner>>();
  private readonly owner = newOwner();
  private readonly active = new Set<RunHandle>();
  /** Content-addressed artifacts of this workspace's runs. */
  readonly artifacts: ArtifactStore;
  /** The bearer tokens of the workspace's HTTP API. */
  readonly tokens: ApiTokens;

  constructor(
    readonly store: Store,
    private readonly options: {
      concurrency: number;
      now: () => number;
      principal: string;
      artifacts?: ArtifactStore;
      distributed?: boolean;
      leaseMs?: number;
    },
  ) {
    this.artifacts = options.artifacts ?? new ArtifactStore(artifactsRoot(workspaceHome()));
    this.tokens = new ApiTokens(store, options.now);
  }

  /** Registers a TypeScript function as a capability that plans can route to by skill or pin by id. */
  register(capability: FunctionCapability): this {
    const issues = [
      ...(CapabilityId.safeParse(capability.id).success ? [] : [`id "${capability.id}" is not a valid capability id`]),
      ...(Skills.safeParse(capability.skills).success
        ? []
        : ['skills must map skill names to strengths between 0 and 1']),
      ...(typeof capability.run === 'function' ? [] : ['run must be a function']),
      ...(capability.costUsd === undefined ||
      (typeof capability.costUsd === 'number' && Number.isFinite(capability.costUsd) && capability.costUsd >= 0)
        ? []
        : [`costUsd must be a finite number of US dollars, 0 or more (got ${String(capability.costUsd)})`]),
      ...(capability.permissions === undefined || Permission.array().safeParse(capability.permissions).success
        ? []
        : [
            'permissions must be a list of names in lower-case letters, digits, _, ., : and - (for example `network`, `fs:write`)',
          ]),
      ...(capability.timeout === undefined || PositiveDuration.safeParse(capability.timeout).success
        ? []
        : [
            `timeout must be a duration longer than 0, e.g. 500ms, 30s, 5m (got ${JSON.stringify(capability.timeout)})`,
          ]),
    ];
    if (issues.length > 0) throw new BatonError(ErrorCode.badInput, `cannot register capability: ${issues.join('; ')}`);
    this.functions.set(capability.id, functionRunner(capability));
    return this;
  }

  private registered(): CapabilityDescriptor[] {
    return [...this.functions.values()].map((runner) => runner.descriptor);
  }

  /** The function capabilities registered in this process (plans declare the others). */
  capabilities(): CapabilityDescriptor[] {
    return this.registered();
  }

  /**
   * The capabilities this process registered and those the plans of the newest runs declared,
   * each with its health (latest outcome, successes, failures) over those runs' ledgers.
   */
  capabilityRegistry(options: { recentRuns?: number } = {}): Promise<CapabilityRegistryView> {
    return capabilityRegistry(this.store, this.registered(), options.recentRuns ?? 20);
  }

  /** Reads and validates a plan file (YAML or JSON). Throws PlanError with file:line:col. */
  loadPlan(file: string): Promise<Plan> {
    return loadPlanFile(file, this.registered());
  }

  /** Reads and validates a plan given as YAML or JSON text; `source` names it in errors (`source:line:col`). */
  parsePlan(text: string, source = 'plan'): Plan {
    return parsePlan(text, { file: source, registry: (checked) => buildRegistry(checked, this.registered()) });
  }

  /** Validates a plan given as data (for example from the builder). */
  validate(plan: unknown): Plan {
    return checkPlan(plan, (checked) => buildRegistry(checked, this.registered()));
  }

  /**
   * Validates the plan and inputs, then starts the run. Bad input throws before anything is
   * written. Returns a handle at once; `await handle.result()` for the outcome.
   */
  async submit(plan: Plan | string | AdmittedRun, options: SubmitOptions = {}): Promise<RunHandle> {
    const run = await this.admitted(plan, options);
    refuseUnfit(run);
    const { plan: checked, planHash, inputs, registry } = run;
    if (options.runId !== undefined) {
      checkRunId(options.runId);
      const existing = await this.store.getRun(options.runId);
      if (existing) {
        if (existing.planHash !== planHash) {
          throw new ConflictError(
            `run "${options.runId}" exists and was created from a different plan (${existing.planHash.slice(0, 12)}); use a new run id, or resume it`,
          );
        }
        const [created] = await this.store.readEvents(options.runId, 0, 1);
        if (created?.type === 'run.created' && canonicalJson(created.data.inputs) !== canonicalJson(inputs)) {
          throw new ConflictError(
            `run "${options.runId}" exists with other inputs; use a new run id, or resume it with the inputs it was created with`,
          );
        }
        return this.resume(options.runId, {
          ...(options.onEvents && { onEvents: options.onEvents }),
          ...(options.wait !== undefined && { wait: options.wait }),
          ...(options.by !== undefined && { by: options.by }),
        });
      }
    }
    const runId = options.runId ?? newRunId(this.options.now());
    const created = { plan: checked, planHash, inputs, registry, by: options.by ?? this.options.principal };
    const driver = await RunDriver.create(
      runId,
      { type: 'run.created', data: created },
      this.driverOptions(options.wait),
      options.onEvents,
    );
    return this.track(new RunHandle(driver, this.store));
  }

  /**
   * Validates the plan and inputs and records the run, for an engine (`baton serve`, on any
   * machine sharing the store) to take up and conduct; nothing runs in this process. Returns
   * the run id. Bad input throws before anything is written, as with `submit`.
   */
  async submitDetached(
    plan: Plan | string | AdmittedRun,
    options: Pick<SubmitOptions, 'inputs' | 'inputText' | 'runId'> = {},
  ): Promise<string> {
    const run = await this.admitted(plan, options);
    refuseUnfit(run);
    const { plan: checked, planHash, inputs, registry } = run;
    if (options.runId !== undefined) checkRunId(options.runId);
    const runId = options.runId ?? newRunId(this.options.now());
    const created: BatonEvent = { type: 'run.created', data: { plan: checked, planHash, inputs, registry } };
    const events = chainEvents(runId, EMPTY_HEAD, [created], this.timestamp());
    // No conductor lock: the first engine to look for unconducted runs takes it.
    await this.store.append({
      runId,
      expectedSeq: 0,
      events,
      status: 'running',
      create: { name: checked.name, planHash },
    });
    return runId;
  }

  /**
   * Runs work from the store's queue, for any run, until `stop` is called on the returned
   * worker: what `baton worker` does. Commands come with their plans; functions are the ones
   * registered here, and only their work is claimed.
   * @example
   * const worker = await baton.work({ concurrency: 10, skills: ['embed'] });
   * process.once('SIGTERM', () => void worker.stop(30_000));
   */
  async work(options: WorkOptions = {}): Promise<Worker> {
    const contexts = new RunContexts(this.store);
    const worker = new Worker({
      store: this.store,
      owner: this.owner,
      concurrency: options.concurrency ?? this.options.concurrency,
      functions: [...this.functions.keys()],
      ...(options.skills && { skills: options.skills }),
      leaseMs: this.leaseMs,
      runOf: (item) => contexts.get(item),
      runnerFor: (id, plan) => this.runnerFor(id, plan),
      artifacts: this.artifacts,
      now: this.options.now,
      ...(options.log && { log: options.log }),
    });
    await worker.start();
    return worker;
  }

  /**
   * Conducts every running run of the store that no live engine conducts: runs submitted
   * detached, runs whose engine died (once its lock expires), runs left waiting for a person.
   * What `baton serve` does besides its API; several engines share the runs, one conductor each.
   */
  async conductUnconducted(options: Pick<RunAdopterOptions, 'log'> = {}): Promise<RunAdopter> {
    const adopter = new RunAdopter({
      store: this.store,
      now: this.options.now,
      pollMs: Math.min(1_000, this.leaseMs / 3),
      adopt: (runId) => this.resume(runId, { wait: true }),
      ...(options.log && { log: options.log }),
    });
    await adopter.start();
    return adopter;
  }

  private get leaseMs(): number {
    return this.options.leaseMs ?? LEASE_MS;
  }

  private get distributed(): boolean {
    return this.options.distributed ?? this.store.dialect === 'postgres';
  }

  private runnerFor(id: string, plan: Plan): CapabilityRunner | undefined {
    return this.functions.get(id) ?? this.commandsOf(plan).get(id);
  }

  /**
   * Continues a run after a crash, an interruption, or a wait for a person; nothing that
   * succeeded runs again. With `unpause`, a paused run's pause is lifted first, under the
   * run's lock (so the lift is recorded only when this process does conduct the run). A run
   * this process conducts already is not conducted twice: its handle is returned (its pause
   * lifted when asked).
   */
  async resume(runId: string, options: ResumeOptions | SubmitOptions['onEvents'] = {}): Promise<RunHandle> {
    const { onEvents, wait, unpause, by } =
      typeof options === 'function'
        ? { onEvents: options, wait: undefined, unpause: undefined, by: undefined }
        : options;
    // The run's lock is already ours: a second driver would take it too and both would conduct.
    const conducting = this.conducting(runId);
    if (conducting) {
      const { state } = conducting;
      if (unpause && state.status === 'running' && state.paused)
        conducting.signal(operator.unpause(state, by ?? this.options.principal));
      if (onEvents) conducting.onEvents(onEvents);
      return conducting;
    }
    if (!(await this.store.getRun(runId))) throw new NotFoundError(`run "${runId}"`);
    const driver = await RunDriver.resume(
      runId,
      { ...this.driverOptions(wait), ...(by !== undefined && { resumedBy: by }) },
      onEvents,
      (state) => {
        // Distributed, the functions run on workers that have them; this engine need not.
        const missing = this.distributed ? [] : this.unregisteredFunctionsFor(state);
        if (missing.length > 0) {
          throw new BatonError(
            ErrorCode.badInput,
            `run "${runId}" still needs function capabilities that are not registered in this process: ${missing.join(', ')}`,
          );
        }
      },
    );
    // The driver has not started its loop yet: the lift is its first signal.
    if (unpause && driver.current.status === 'running' && driver.current.paused)
      driver.signal(operator.unpause(driver.current, by ?? this.options.principal));
    return this.track(new RunHandle(driver, this.store));
  }

  /** Function capabilities the run's unfinished steps would be routed to, but this process lacks. */
  private unregisteredFunctionsFor(state: RunState): string[] {
    if (state.status !== 'running') return [];
    const missing = new Set<string>();
    for (const step of Object.values(state.steps)) {
      if (step.status === 'succeeded' || step.status === 'failed' || step.status === 'skipped') continue;
      const planStep = state.plan.steps[step.id] as Step;
      const route =
        step.capability === null && (planStep.skill !== undefined || planStep.capability !== undefined)
          ? routeStep(step.id, planStep, state.registry, staticPolicy(state.plan, planStep))
          : undefined;
      const capabilities = [
        step.capability ?? (route?.ok ? route.route.capability : undefined),
        ...(route?.ok ? (route.route.voters ?? []) : []),
        planStep.check?.capability,
        planStep.compensate,
      ];
      for (const capability of capabilities) {
        if (capability != null && state.registry[capability]?.kind === 'function' && !this.functions.has(capability))
          missing.add(capability);
      }
    }
    return [...missing];
  }

  /** The handle of the run when this process conducts it now, else undefined. */
  conducting(runId: string): RunHandle | undefined {
    return [...this.active].find((handle) => handle.runId === runId && handle.isDriving);
  }

  private track(handle: RunHandle): RunHandle {
    this.active.add(handle);
    void handle
      .result()
      .catch(() => {})
      .finally(() => this.active.delete(handle));
    return handle;
  }

  /**
   * Records an operator's command as a signal in the run's ledger. The command is checked
   * against the run's current state first (a refused command writes nothing). When this
   * process conducts the run, the driver takes the signal into its next round; otherwise it
   * is appended here, fenced on the ledger's head, and the conducting engine, wherever it
   * runs, folds it in (or `resume` does).
   */
  private async command(runId: string, build: (state: RunState, now: number) => BatonEvent): Promise<BatonEvent> {
    const driving = this.conducting(runId);
    if (driving) {
      const event = build(driving.state, this.options.now());
      driving.signal(event);
      return event;
    }
    if (!(await this.store.getRun(runId))) throw new NotFoundError(`run "${runId}"`);
    for (let tries = 0; ; tries++) {
      const { state, head } = await loadVerifiedRun(this.store, runId);
      const now = this.options.now();
      const event = build(state, now);
      const chained = chainEvents(runId, head, [event], new Date(now).toISOString());
      try {
        await this.store.append({ runId, expectedSeq: head.seq, events: chained, status: state.status });
        return event;
      } catch (error) {
        // The conducting engine appended meanwhile: check the command again against the new state.
        if (!(error instanceof ConflictError) || tries >= 5) throw error;
      }
    }
  }

  /** Approves a pending gate (by phase id), confirmation or escalation (by step id). */
  approve(runId: string, target: string, options: OperatorOptions = {}): Promise<BatonEvent> {
    return this.command(runId, (state) =>
      operator.approve(state, target, this.principal(options), options.comment ?? null),
    );
  }

  deny(runId: string, target: string, options: OperatorOptions = {}): Promise<BatonEvent> {
    return this.command(runId, (state) =>
      operator.deny(state, target, this.principal(options), options.comment ?? null),
    );
  }

  /** A person's result for a human step's task or an escalated step. */
  submitResult(runId: string, step: string, output: Json, options: OperatorOptions = {}): Promise<BatonEvent> {
    return this.command(runId, (state, now) =>
      operator.submitResult(state, step, output, this.principal(options), now),
    );
  }

  signal(runId: string, name: string, data: Json = null, options: OperatorOptions = {}): Promise<BatonEvent> {
    return this.command(runId, (state) => operator.signal(state, name, data, this.principal(options)));
  }

  /** Holds dispatch; running attempts finish. `unpause` (or `baton resume`) lifts it. */
  pause(runId: string, options: OperatorOptions & { reason?: string } = {}): Promise<BatonEvent> {
    return this.command(runId, (state) => operator.pause(state, this.principal(options), options.reason ?? null));
  }

  unpause(runId: string, options: OperatorOptions = {}): Promise<BatonEvent> {
    return this.command(runId, (state) => operator.unpause(state, this.principal(options)));
  }

  /** Cancels running attempts, runs `compensate` of completed steps newest first, ends the run `aborted`. */
  abort(runId: string, options: OperatorOptions & { reason?: string } = {}): Promise<BatonEvent> {
    return this.command(runId, (state) =>
      operator.abort(state, this.principal(options), options.reason ?? 'aborted by an operator'),
    );
  }

  cancel(runId: string, step: string, options: OperatorOptions & { reason?: string } = {}): Promise<BatonEvent> {
    return this.command(runId, (state) =>
      operator.cancelStep(state, step, this.principal(options), options.reason ?? null),
    );
  }

  defer(
    runId: string,
    step: string,
    until: { at?: number; signal?: string },
    options: OperatorOptions = {},
  ): Promise<BatonEvent> {
    return this.command(runId, (state) => operator.defer(state, step, until, this.principal(options)));
  }

  seal(runId: string, artifact: string, options: OperatorOptions = {}): Promise<BatonEvent> {
    return this.command(runId, (state) => operator.seal(state, artifact, this.principal(options)));
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
    return this.command(runId, (state) => reportStatus(state, report, this.principal(options)));
  }

  /** Records an agent's routing decision for a step's work, with the options it weighed (the routing log shows it). */
  recordRoute(runId: string, route: RouteInput, options: OperatorOptions = {}): Promise<BatonEvent> {
    return this.command(runId, (state) => recordRoute(state, route, this.principal(options)));
  }

  /**
   * Hands work from one agent to another: the artifacts exist, the transition is allowed, the
   * receiving step is assigned, the routing is logged, the handoff is queued. Halts at the
   * first step that fails and reports which were done; nothing is rolled back.
   * @example
   * const report = await baton.requestHandoff(runId, { from: { agent: 'builder', step: 'build' }, to: { agent: 'reviewer', step: 'review' }, artifacts: [], reason: 'built' });
   */
  async requestHandoff(runId: string, request: HandoffRequest, options: OperatorOptions = {}): Promise<HandoffReport> {
    if (!(await this.store.getRun(runId))) throw new NotFoundError(`run "${runId}"`);
    return runHandoff(
      {
        runId,
        by: this.principal(options),
        load: () => this.currentState(runId),
        append: (build) => this.command(runId, build),
        artifacts: this.artifacts,
      },
      request,
    );
  }

  /** The run's state as the engine conducting it in this process holds it, else folded from its verified ledger. */
  private async currentState(runId: string): Promise<RunState> {
    const driving = [...this.active].find((handle) => handle.runId === runId && handle.isDriving);
    if (driving) return driving.state;
    return (await this.getRun(runId)).state;
  }

  /** Appends a new plan revision to a running run; unchanged steps keep their results. */
  async revise(runId: string, plan: Plan | string, options: OperatorOptions = {}): Promise<BatonEvent> {
    const checked = typeof plan === 'string' ? await this.loadPlan(plan) : this.validate(plan);
    const registry = buildRegistry(checked, this.registered());
    refuseUnfitPlan(checked, preflight(checked, registry));
    return this.command(runId, (state) => {
      if (state.status !== 'running')
        throw new ConflictError(`cannot revise: run "${runId}" has already ${state.status}`);
      resolveInputs(checked, state.inputs);
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

  /** Appends a revision equal to an earlier one. Nothing is deleted: the ledger keeps every revision. */
  async revert(runId: string, revision: number, options: RevertOptions = {}): Promise<BatonEvent> {
    if (!(await this.store.getRun(runId))) throw new NotFoundError(`run "${runId}"`);
    let target: { plan: Plan; registry: Record<string, CapabilityDescriptor>; planHash: string } | undefined;
    let count = 0;
    for await (const event of readAllEvents(this.store, runId)) {
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
      requirePlanScope(found.plan, options.scopes, this.principal(options), 'revert to');
    return this.command(runId, (state) => {
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

  /**
   * What a plan would do under its constraints: routes with reasons, costs, phases, gates and
   * confirmations, and the problems that would refuse it. Writes nothing (`baton run --dry-run`).
   */
  async preflight(plan: Plan | string | AdmittedRun): Promise<PreflightReport> {
    if (isAdmitted(plan)) return plan.preflight;
    const checked = typeof plan === 'string' ? await this.loadPlan(plan) : this.validate(plan);
    return preflight(checked, buildRegistry(checked, this.registered()));
  }

  /**
   * Validates a plan and its inputs against the capabilities this process registered and runs
   * the pre-flight, once: the result starts a run (`submit`, `submitDetached`) without any of
   * it done again. A file and a plan's text are told apart by `source`'s shape.
   * @example
   * const run = await baton.admit({ text: yaml, name: 'request' }, { inputs: { n: 3 } });
   * if (run.preflight.problems.length === 0) await baton.submit(run);
   */
  admit(source: PlanSource | Plan, given: GivenInputs = {}): Promise<AdmittedRun> {
    return admit(source, given, this.registered());
  }

  /** A plan given to `submit`: admitted already, or a file path (a string, for compatibility) or plan data. */
  private admitted(plan: Plan | string | AdmittedRun, given: GivenInputs): Promise<AdmittedRun> | AdmittedRun {
    if (isAdmitted(plan)) return plan;
    return this.admit(typeof plan === 'string' ? { file: plan } : plan, given);
  }

  private principal(options: OperatorOptions): string {
    return options.by ?? this.options.principal;
  }

  private driverOptions(wait?: boolean): RunDriverOptions {
    return {
      store: this.store,
      owner: this.owner,
      concurrency: this.options.concurrency,
      ...(wait !== undefined && { wait }),
      now: this.options.now,
      artifacts: this.artifacts,
      runnerFor: (id, plan) => this.runnerFor(id, plan),
      distributed: this.distributed,
      functions: [...this.functions.keys()],
      leaseMs: this.leaseMs,
    };
  }

  /** A plan's command capabilities, made once per plan. */
  private commandsOf(plan: Plan): Map<string, CapabilityRunner> {
    let commands = this.commands.get(plan);
    if (!commands) {
      commands = new Map();
      for (const [id, capability] of Object.entries(plan.capabilities ?? {}))
        if (capability.kind === 'command') commands.set(id, commandRunner(id, capability, plan.inputs));
      this.commands.set(plan, commands);
    }
    return commands;
  }

  async getRun(runId: string): Promise<{ record: RunRecord; state: RunState }> {
    const record = await this.store.getRun(runId);
    if (!record) throw new NotFoundError(`run "${runId}"`);
    const { state } = await loadVerifiedRun(this.store, runId);
    return { record, state };
  }

  /**
   * Runs newest first; `search` keeps those whose id, plan name or objective contains it.
   *
   * @example
   * await baton.listRuns({ status: 'failed', search: 'nightly', limit: 20 })
   */
  async listRuns(query?: Parameters<Store['listRuns']>[0]): Promise<RunRecord[]> {
    const search = query?.search;
    if (search !== undefined && search.length > RUN_SEARCH_MAX_LENGTH) {
      throw new BatonError(
        ErrorCode.badInput,
        `a run search is at most ${RUN_SEARCH_MAX_LENGTH} characters (a run id, a plan name or words of an objective), got ${search.length.toLocaleString('en-US')}`,
      );
    }
    return this.store.listRuns(query);
  }

  /** The run's events after `afterSeq`, at most `limit` of them (default all). */
  async events(runId: string, afterSeq = 0, limit?: number): Promise<LedgerEvent[]> {
    if (!(await this.store.getRun(runId))) throw new NotFoundError(`run "${runId}"`);
    return this.store.readEvents(runId, afterSeq, limit);
  }

  /**
   * The run's events once its chain (and its sealed artifacts) verify; an integrity error
   * otherwise: projections are never shown from a tampered ledger.
   */
  async verifiedEvents(runId: string): Promise<LedgerEvent[]> {
    const verdict = await this.verify(runId);
    if (!verdict.ok)
      throw new BatonError(
        ErrorCode.integrity,
        `the ledger of run "${runId}" fails verification at seq ${verdict.seq}: ${verdict.reason}`,
      );
    return this.events(runId);
  }

  /**
   * Recomputes the run's hash chain from its first event, a page at a time, and checks that it
   * reaches the head the run's row records (a chain that lost its newest events, or all of
   * them, fails at the first missing seq); once the chain holds, re-hashes every sealed artifact in the artifact store. A sealed artifact that is
   * missing or changed fails the verdict at the event that sealed it, and `artifacts.failed`
   * names each with the sealed and the actual hash.
   * @example
   * const verdict = await baton.verify(runId);
   * if (!verdict.ok) console.error(`seq ${verdict.seq}: ${verdict.reason}`);
   */
  async verify(runId: string): Promise<RunVerdict> {
    // Read before the events (see ChainVerifier): the chain must reach the head recorded here.
    const record = await this.store.getRun(runId);
    if (!record) {
      // Unknown to the store, but the workspace ledger saw it created: it was deleted, which verification reports.
      const [created] = await this.store.readWorkspaceLedger({ runId, limit: 1 });
      if (created) return deletedRun(created);
      throw new NotFoundError(`run "${runId}"`);
    }
    const verifier = new ChainVerifier({ seq: record.headSeq, hash: record.headHash });
    const seals = new SealedArtifactsFold();
    for await (const event of readAllEvents(this.store, runId)) {
      if (!verifier.push(event)) break;
      seals.push(event);
    }
    const chain = verifier.verdict;
    // A broken chain says nothing trustworthy about which hashes were sealed.
    if (!chain.ok) return chain;
    const anchors = await checkWorkspaceAnchors(this.store, record);
    if (!anchors.ok) return { ok: false, events: chain.events, seq: anchors.seq, reason: anchors.reason };
    return {
      ...joinVerdicts(chain, await checkSealedArtifacts(this.artifacts, seals.sealed)),
      covered: anchors.covered,
    };
  }

  /**
   * `verify` of every run, plus what only the workspace ledger can tell: runs deleted whole
   * (row and events), and whether that ledger's own chain holds.
   * @example
   * const { ok, runs } = await baton.verifyWorkspace();
   */
  verifyWorkspace(): Promise<WorkspaceVerdict> {
    return verifyWorkspace(this.store, (runId) => this.verify(runId));
  }

  /**
   * Records an objective the workspace pursues across sessions (`obj-1`, ...), optionally for
   * one of its runs. Empty or overlong text is bad input; an unknown run is NotFoundError.
   * @example
   * const { id } = await baton.addObjective('Cut the nightly build below 10 minutes');
   */
  addObjective(text: string, options: { runId?: string } = {}): Promise<ContextEntry> {
    return recordContextEntry(this.store, { kind: 'objective', text, runId: options.runId, at: this.timestamp() });
  }

  /** Records something learned (`ins-1`, ...), optionally for one of the workspace's runs. */
  addInsight(text: string, options: { runId?: string } = {}): Promise<ContextEntry> {
    return recordContextEntry(this.store, { kind: 'insight', text, runId: options.runId, at: this.timestamp() });
  }

  /** Completes an open objective with its outcome: NotFoundError for an unknown id, ConflictError when it is not open. */
  completeObjective(id: string, outcome: string): Promise<ContextEntry> {
    return completeObjective(this.store, { id, outcome, at: this.timestamp() });
  }

  /** The workspace's objectives, insights and recent runs, as `baton context` shows them. */
  context(): Promise<WorkspaceContext> {
    return readContext(this.store);
  }

  private timestamp(): string {
    return new Date(this.options.now()).toISOString();
  }

  /** Interrupts runs still being driven (they stay resumable) and closes the store. */
  async close(): Promise<void> {
    await Promise.all([...this.active].map((handle) => handle.interrupt().catch(() => {})));
    await this.store.close();
  }
}

export async function createBaton(options: BatonOptions = {}): Promise<Baton> {
  const limits = options.artifactLimits ?? {};
  for (const [name, value] of Object.entries(limits)) {
    if (value !== undefined && !(Number.isSafeInteger(value) && value > 0))
      throw new BatonError(
        ErrorCode.badInput,
        `artifactLimits.${name} must be a positive whole number (got ${String(value)})`,
      );
  }
  const artifacts = new ArtifactStore(
    options.artifactsDir ? resolve(options.artifactsDir) : artifactsRoot(workspaceHome(options.home)),
    limits,
  );
  if (options.leaseMs !== undefined && !(Number.isSafeInteger(options.leaseMs) && options.leaseMs >= 300)) {
    throw new BatonError(
      ErrorCode.badInput,
      `leaseMs must be a whole number of milliseconds, at least 300 (got ${String(options.leaseMs)})`,
    );
  }
  const store = options.store ?? new SqliteStore(databaseFile(workspaceHome(options.home)));
  return new Baton(store, {
    concurrency: options.concurrency ?? 32,
    now: options.now ?? Date.now,
    principal: options.principal ?? defaultPrincipal(),
    artifacts,
    ...(options.distributed !== undefined && { distributed: options.distributed }),
    ...(options.leaseMs !== undefined && { leaseMs: options.leaseMs }),
  });
}
