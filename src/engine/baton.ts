import { resolve } from 'node:path';
import {
  BatonError,
  buildRegistry,
  checkCorrelationId,
  checkPlan,
  ConflictError,
  describeCapability,
  LIMIT_WINDOW_MS,
  ErrorCode,
  NotFoundError,
  parsePlan,
  phasesOf,
  type CapabilityDescriptor,
  type Json,
  type JsonObject,
  type LedgerEvent,
  type ParentLink,
  type Plan,
  routeStep,
  runsOnlyWhereRegistered,
  staticPolicy,
  preflight,
  type RouteInput,
  type StatusReportInput,
  type TransitionVerdict,
  type PreflightReport,
  type BatonEvent,
  type RunState,
  type Step,
  withRegistryCapabilities,
  type WorkspaceRegistry,
} from '../core/index.js';
import {
  functionRunner,
  runnerFromPlan,
  type CapabilityRunner,
  type FunctionCapability,
} from '../capabilities/index.js';
import { canonicalJson, chainEvents, EMPTY_HEAD } from '../ledger/index.js';
import {
  RUN_SEARCH_MAX_LENGTH,
  SqliteStore,
  type ContextEntry,
  type PositionedEvent,
  type RunRecord,
  type Store,
} from '../store/index.js';
import { ApiTokens } from './api-tokens.js';
import { newCorrelationId } from './tracing.js';
import { capabilityRegistry, registryLimits, type CapabilityRegistryView } from './capability-registry.js';
import { ArtifactStore, type RunVerdict } from './artifacts/index.js';
import { completeContextEntry, readContext, recordContextEntry, type WorkspaceContext } from './context.js';
import { contextForRun, refuseUnknownCompletions } from './context-snapshot.js';
import { readContextResume, type ContextResume } from './context-resume.js';
import { readContextMetrics, type ContextMetrics, type ContextMetricsOptions } from './context-metrics.js';
import type { HandoffReport, HandoffRequest } from './handoff.js';
import { loadVerifiedRun } from './load-run.js';
import { verifyWorkspace, type WorkspaceVerdict } from './workspace-anchors.js';
import { defaultPrincipal, newOwner } from './owner.js';
import { PartialOutputs, type PartialOutputListener } from './partial-outputs.js';
import { readPlanFile } from './plan-file.js';
import type { LoadedRegistry } from './registry-file.js';
import { refuseRegistryBreaches, registryWith } from './workspace-plan.js';
import { LEASE_MS, RunDriver, type RunDriverOptions } from './run-driver.js';
import { RunAdopter, type RunAdopterOptions } from './run-adopter.js';
import { RunContexts } from './run-contexts.js';
import type { ProviderLimitOptions } from './provider-gate.js';
import { Worker } from './worker.js';
import * as operator from './operator.js';
import { preflightPrerequisites } from './prerequisites.js';
import { OperatorCommands } from './operator-commands.js';
import { SigningKeys } from './signing-keys.js';
import { replanEvents, type Replanner } from './replanning.js';
import { hasPlanner } from './planner/planner-capability.js';
import { registryReplanner } from './planner/registry-replanner.js';
import { RunHandle } from './run-handle.js';
import { subPlanRunner, type SubPlanHost } from './sub-plan-runner.js';
import { subPlanTree, type SubPlanRun } from './sub-plan-tree.js';
import { functionCapabilityIssues } from './function-capability-issues.js';
import { verifyRun } from './verify-run.js';
import { runView, summarizeRuns, type RunSummary, type RunView } from './run-view.js';
import { checkRunId, newRunId } from './run-id.js';
import { refuseUnfitPlan } from './refuse-unfit.js';
import {
  admit,
  isAdmitted,
  refuseUnfit,
  type AdmitOptions,
  type AdmittedRun,
  type GivenInputs,
  type PlanSource,
} from './admit.js';
import { artifactsRoot, databaseFile, workspaceHome } from './workspace.js';
import type {
  BatonOptions,
  OperatorOptions,
  ResumeOptions,
  RevertOptions,
  SubmitOptions,
  SubmitResultOptions,
  WorkOptions,
} from './baton-options.js';

/** A run's view with its place among sub-plans: its parent, if it is a child, and its children. */
export type RunStatusView = RunView & { parent?: ParentLink; subPlans?: SubPlanRun[] };

export type {
  BatonOptions,
  OperatorOptions,
  ResumeOptions,
  RevertOptions,
  SubmitOptions,
  SubmitResultOptions,
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
  private readonly planRunners = new WeakMap<Plan, Map<string, CapabilityRunner>>();
  private readonly owner = newOwner();
  private readonly active = new Set<RunHandle>();
  private readonly partials = new PartialOutputs();
  /** Content-addressed artifacts of this workspace's runs. */
  readonly artifacts: ArtifactStore;
  /** The bearer tokens of the workspace's HTTP API. */
  readonly tokens: ApiTokens;
  /** The signing keys registered in the workspace ledger (`baton key`). */
  readonly keys: SigningKeys;
  private readonly operatorCommands: OperatorCommands;

  constructor(
    readonly store: Store,
    private readonly options: {
      concurrency: number;
      now: () => number;
      principal: string;
      artifacts?: ArtifactStore;
      distributed?: boolean;
      leaseMs?: number;
      workspace?: LoadedRegistry;
      limitWindowMs?: number;
      payloadThresholdBytes?: number;
      replanner?: Replanner;
    },
  ) {
    this.artifacts = options.artifacts ?? new ArtifactStore(artifactsRoot(workspaceHome()));
    this.tokens = new ApiTokens(store, options.now);
    this.keys = new SigningKeys(store, options.now);
    this.operatorCommands = new OperatorCommands({
      store,
      keys: this.keys,
      ...(options.payloadThresholdBytes !== undefined && { payloadThresholdBytes: options.payloadThresholdBytes }),
      now: options.now,
      principal: options.principal,
      artifacts: this.artifacts,
      conducting: (runId) => this.conducting(runId),
      workspaceRoles: () => this.workspace?.registry.roles,
      checkPlan: async (plan, workspace) => {
        const written =
          typeof plan === 'string' ? await this.loadPlanUnder(plan, workspace) : this.validateUnder(plan, workspace);
        const checked = workspace ? withRegistryCapabilities(written, workspace) : written;
        const registry = buildRegistry(checked, this.registered());
        refuseUnfitPlan(checked, preflight(checked, registry));
        return { plan: checked, registry };
      },
    });
  }

  /** Registers a TypeScript function as a capability that plans can route to by skill or pin by id. */
  register(capability: FunctionCapability): this {
    const issues = functionCapabilityIssues(capability);
    if (issues.length > 0) throw new BatonError(ErrorCode.badInput, `cannot register capability: ${issues.join('; ')}`);
    this.functions.set(capability.id, functionRunner(capability));
    return this;
  }

  private registered(): CapabilityDescriptor[] {
    return [...this.functions.values()].map((runner) => runner.descriptor);
  }

  /**
   * Listens to the partial output of attempts this process runs, of every run it conducts (an
   * `llm` capability with `stream: true` writing its answer), throttled and redacted. Not
   * recorded and not replayed: only what is written while listening. Returns the unsubscribe.
   * @example
   * const stop = baton.onPartialOutput(({ step, text }) => console.log(step, text.slice(-60)));
   */
  onPartialOutput(listener: PartialOutputListener): () => void {
    return this.partials.listen(listener);
  }

  /** The function capabilities registered in this process (plans declare the others). */
  capabilities(): CapabilityDescriptor[] {
    return this.registered();
  }

  /**
   * The capabilities this process registered, those of the workspace registry, and those the plans of the newest runs declared,
   * each with its health (latest outcome, successes, failures) over those runs' ledgers.
   */
  capabilityRegistry(options: { recentRuns?: number } = {}): Promise<CapabilityRegistryView> {
    const workspace = Object.entries(this.workspace?.registry.capabilities ?? {}).map(([id, capability]) =>
      describeCapability(id, capability),
    );
    return capabilityRegistry(this.store, this.registered(), options.recentRuns ?? 20, workspace, {
      ...registryLimits(this.workspace?.registry),
      leases: this.store,
      now: this.options.now(),
      windowMs: this.options.limitWindowMs ?? LIMIT_WINDOW_MS,
    });
  }

  /**
   * Reads and validates a plan file (YAML or JSON) against the workspace registry, if any, and
   * the capabilities registered here. Throws PlanError with file:line:col. Returns the plan as
   * written (without the registry's capabilities).
   */
  loadPlan(file: string): Promise<Plan> {
    return this.loadPlanUnder(file, this.workspace?.registry);
  }

  /** Reads and validates a plan given as YAML or JSON text; `source` names it in errors (`source:line:col`). */
  parsePlan(text: string, source = 'plan'): Plan {
    const workspace = this.workspace?.registry;
    const plan = parsePlan(text, { file: source, registry: registryWith(workspace, this.registered()) });
    refuseRegistryBreaches(plan, workspace, { file: source, text });
    return plan;
  }

  /** Validates a plan given as data (for example from the builder). */
  validate(plan: unknown): Plan {
    return this.validateUnder(plan, this.workspace?.registry);
  }

  private async loadPlanUnder(file: string, workspace: WorkspaceRegistry | undefined): Promise<Plan> {
    return readPlanFile(file, registryWith(workspace, this.registered()), workspace);
  }

  private validateUnder(plan: unknown, workspace: WorkspaceRegistry | undefined): Plan {
    const checked = checkPlan(plan, registryWith(workspace, this.registered()));
    refuseRegistryBreaches(checked, workspace);
    return checked;
  }

  /** The workspace registry (`baton.yaml`) this Baton admits plans under, if any. */
  get workspaceRegistry(): LoadedRegistry | undefined {
    return this.options.workspace;
  }

  private get workspace(): LoadedRegistry | undefined {
    return this.options.workspace;
  }

  /**
   * Validates the plan and inputs, then starts the run. Bad input throws before anything is
   * written. Returns a handle at once; `await handle.result()` for the outcome.
   */
  async submit(plan: Plan | string | AdmittedRun, options: SubmitOptions = {}): Promise<RunHandle> {
    if (options.correlationId !== undefined) checkCorrelationId(options.correlationId);
    const run = await this.admitted(plan, options);
    refuseUnfit(run);
    const { planHash, inputs } = run;
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
    return this.start(run, options.runId ?? newRunId(this.options.now()), options);
  }

  /** Records `run.created` for an admitted run and starts conducting it. */
  private async start(
    run: AdmittedRun,
    runId: string,
    options: Pick<SubmitOptions, 'by' | 'wait' | 'onEvents' | 'approval' | 'correlationId'>,
    parent?: ParentLink,
  ): Promise<RunHandle> {
    const { plan: checked, planHash, inputs, registry, registryRecord } = run;
    // After a resume of an existing run (submit): a run that completed an objective itself must still resume.
    await refuseUnknownCompletions(this.store, checked);
    // Other runs a gate requires: checked now (refused, nothing written, when one fails) and recorded in the first round.
    const prerequisites = await preflightPrerequisites(this.store, this.artifacts, phasesOf(checked));
    const created = {
      plan: checked,
      planHash,
      inputs,
      registry,
      by: options.by ?? this.options.principal,
      ...registryRecord,
      ...(options.approval !== undefined && { approval: options.approval }),
      ...(await contextForRun(this.store, checked)),
      ...(parent && { parent }),
      correlationId: options.correlationId ?? newCorrelationId(),
    };
    const driver = await RunDriver.create(
      runId,
      { type: 'run.created', data: created },
      this.driverOptions(options.wait),
      options.onEvents,
      prerequisites,
    );
    return this.track(new RunHandle(driver, this.store));
  }

  /**
   * A sub-plan's child run, admitted like any run (so every rule of a submit applies to it) and
   * conducted until it ends, waits for people included. One that exists already (its attempt
   * started again after a restart) is taken up where it stopped.
   */
  private async startChild(
    plan: Plan,
    options: { runId: string; inputs: JsonObject; parent: ParentLink },
  ): Promise<RunHandle> {
    if (await this.store.getRun(options.runId)) return this.resume(options.runId, { wait: true });
    const run = await this.admit(plan, { inputs: options.inputs });
    refuseUnfit(run);
    // The child is part of the parent's work: one correlation id, one trace.
    const [parentCreated] = await this.store.readEvents(options.parent.runId, 0, 1);
    const correlationId = parentCreated?.type === 'run.created' ? parentCreated.data.correlationId : undefined;
    return this.start(run, options.runId, { wait: true, ...(correlationId && { correlationId }) }, options.parent);
  }

  private get subPlanHost(): SubPlanHost {
    return {
      store: this.store,
      now: this.options.now,
      startChild: (plan, options) => this.startChild(plan, options),
      abortChild: async (runId, reason) => {
        await this.abort(runId, { reason });
      },
    };
  }

  /**
   * Validates the plan and inputs and records the run, for an engine (`baton serve`, on any
   * machine sharing the store) to take up and conduct; nothing runs in this process. Returns
   * the run id. Bad input throws before anything is written, as with `submit`.
   */
  async submitDetached(
    plan: Plan | string | AdmittedRun,
    options: Pick<SubmitOptions, 'inputs' | 'inputText' | 'runId' | 'correlationId'> = {},
  ): Promise<string> {
    if (options.correlationId !== undefined) checkCorrelationId(options.correlationId);
    const run = await this.admitted(plan, options);
    refuseUnfit(run);
    const { plan: checked, planHash, inputs, registry, registryRecord } = run;
    await refuseUnknownCompletions(this.store, checked);
    if (options.runId !== undefined) checkRunId(options.runId);
    const prerequisites = await preflightPrerequisites(this.store, this.artifacts, phasesOf(checked));
    const runId = options.runId ?? newRunId(this.options.now());
    const created: BatonEvent = {
      type: 'run.created',
      data: {
        plan: checked,
        planHash,
        inputs,
        registry,
        ...registryRecord,
        ...(await contextForRun(this.store, checked)),
        correlationId: options.correlationId ?? newCorrelationId(),
      },
    };
    const events = chainEvents(runId, EMPTY_HEAD, [created, ...prerequisites], this.timestamp());
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
      providerLimits: this.providerLimits,
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
    return this.functions.get(id) ?? this.planRunnersOf(plan).get(id) ?? subPlanRunner(id, plan, this.subPlanHost);
  }

  /**
   * Continues a run after a crash, an interruption, or a wait for a person; nothing that
   * succeeded runs again. With `unpause`, a paused run's pause is lifted first, under the
   * run's lock (so the lift is recorded only when this process does conduct the run). A run
   * this process conducts already is not conducted twice: its handle is returned (its pause
   * lifted when asked).
   */
  async resume(runId: string, options: ResumeOptions | SubmitOptions['onEvents'] = {}): Promise<RunHandle> {
    const { onEvents, wait, unpause, by, account, acceptDivergence } =
      typeof options === 'function'
        ? {
            onEvents: options,
            wait: undefined,
            unpause: undefined,
            by: undefined,
            account: undefined,
            acceptDivergence: undefined,
          }
        : options;
    const lift = (state: RunState): BatonEvent => {
      const event = operator.unpause(state, by ?? this.options.principal);
      return account === undefined ? event : ({ ...event, data: { ...event.data, account } } as BatonEvent);
    };
    if (acceptDivergence !== undefined && acceptDivergence.reason.trim() === '')
      throw new BatonError(ErrorCode.badInput, 'accepting a divergence needs a reason: why the run may go on');
    // The run's lock is already ours: a second driver would take it too and both would conduct.
    const conducting = this.conducting(runId);
    if (conducting) {
      const { state } = conducting;
      if (unpause && state.status === 'running' && state.paused) {
        conducting.signal(lift(state));
        await this.unpauseChildren(runId, by);
      }
      if (onEvents) conducting.onEvents(onEvents);
      return conducting;
    }
    if (!(await this.store.getRun(runId))) throw new NotFoundError(`run "${runId}"`);
    const driver = await RunDriver.resume(
      runId,
      {
        ...this.driverOptions(wait),
        ...(by !== undefined && { resumedBy: by }),
        ...(account !== undefined && { resumedAccount: account }),
        ...(acceptDivergence && {
          acceptDivergence: { by: by ?? this.options.principal, reason: acceptDivergence.reason },
        }),
      },
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
    if (unpause && driver.current.status === 'running' && driver.current.paused) {
      driver.signal(lift(driver.current));
      await this.unpauseChildren(runId, by);
    }
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
        if (
          capability != null &&
          runsOnlyWhereRegistered(state.registry[capability]) &&
          !this.functions.has(capability)
        )
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

  /** Approves a pending gate (by phase id), confirmation or escalation (by step id). */
  approve(runId: string, target: string, options: OperatorOptions = {}): Promise<BatonEvent> {
    return this.operatorCommands.approve(runId, target, options);
  }

  /**
   * Overrides a pending gate that does not hold, where the plan allows it
   * (`override: { approval_by: [...] }` naming `options.by`): a distinct act from approving,
   * recorded as `decision.made` with verdict `overridden` and the reason. Refused, with nothing
   * written, where the gate's override is `never`.
   * @example await baton.override(runId, 'publish', 'checked by hand', { by: 'carol' });
   */
  override(runId: string, target: string, reason: string, options: OperatorOptions = {}): Promise<BatonEvent> {
    return this.operatorCommands.override(runId, target, reason, options);
  }

  deny(runId: string, target: string, options: OperatorOptions = {}): Promise<BatonEvent> {
    return this.operatorCommands.deny(runId, target, options);
  }

  /**
   * The statement an approval, denial or override would be signed over if recorded now
   * (`actStatement`), for the key `keyId` and the principal `by` (default: this process's
   * user); for an override, `comment` is its reason. Writes nothing.
   * @example
   * const statement = await baton.actStatement(runId, 'execution', 'approved', { by: 'alice', keyId: keyIdOf(pem) });
   * await baton.approve(runId, 'execution', { by: 'alice', signature: signStatement(statement, privateKey) });
   */
  actStatement(
    runId: string,
    target: string,
    verdict: 'approved' | 'denied' | 'overridden',
    options: OperatorOptions & { keyId: string },
  ): Promise<string> {
    return this.operatorCommands.actStatement(runId, target, verdict, options);
  }

  /** A person's result for a human step's task or an escalated step (with `scopes`, checked against them). */
  submitResult(runId: string, step: string, output: Json, options: SubmitResultOptions = {}): Promise<BatonEvent> {
    return this.operatorCommands.submitResult(runId, step, output, options);
  }

  signal(runId: string, name: string, data: Json = null, options: OperatorOptions = {}): Promise<BatonEvent> {
    return this.operatorCommands.signal(runId, name, data, options);
  }

  /**
   * Holds dispatch; running attempts finish. `unpause` (or `baton resume`) lifts it. The child
   * runs its sub-plan steps are running are paused too (a child's attempt is out already, but
   * its own dispatches are held), each with the reason that its parent was.
   */
  async pause(runId: string, options: OperatorOptions & { reason?: string } = {}): Promise<BatonEvent> {
    const event = await this.operatorCommands.pause(runId, options);
    const reason = `its parent run ${runId} was paused${options.reason ? `: ${options.reason}` : ''}`;
    await this.eachRunningChild(runId, (child) => this.pause(child, { ...options, reason }));
    return event;
  }

  /** Lifts a pause, and the pauses of the child runs its sub-plan steps are running. */
  async unpause(runId: string, options: OperatorOptions = {}): Promise<BatonEvent> {
    const event = await this.operatorCommands.unpause(runId, options);
    await this.eachRunningChild(runId, (child) => this.unpause(child, options));
    return event;
  }

  /** A resume that lifts a run's pause lifts its running children's too, as `unpause` does. */
  private unpauseChildren(runId: string, by: string | undefined): Promise<void> {
    return this.eachRunningChild(runId, (child) => this.unpause(child, by === undefined ? {} : { by }));
  }

  /**
   * Applies an operator command to each child run of the run's sub-plan steps that is still
   * running; one it no longer fits (paused already, or not paused, by someone else) is left as it is.
   */
  private async eachRunningChild(runId: string, command: (child: string) => Promise<unknown>): Promise<void> {
    for (const child of await subPlanTree(this.store, runId)) {
      if (child.status !== 'running') continue;
      await command(child.runId).catch((error: unknown) => {
        if (!(error instanceof ConflictError)) throw error;
      });
    }
  }

  /** Cancels running attempts, runs `compensate` of completed steps newest first, ends the run `aborted`. */
  abort(runId: string, options: OperatorOptions & { reason?: string } = {}): Promise<BatonEvent> {
    return this.operatorCommands.abort(runId, options);
  }

  cancel(runId: string, step: string, options: OperatorOptions & { reason?: string } = {}): Promise<BatonEvent> {
    return this.operatorCommands.cancel(runId, step, options);
  }

  defer(
    runId: string,
    step: string,
    until: { at?: number; signal?: string },
    options: OperatorOptions = {},
  ): Promise<BatonEvent> {
    return this.operatorCommands.defer(runId, step, until, options);
  }

  seal(runId: string, artifact: string, options: OperatorOptions = {}): Promise<BatonEvent> {
    return this.operatorCommands.seal(runId, artifact, options);
  }

  /** Whether the conductor would open phase `to` now, coming from `from` (default: the phase open now). Writes nothing. */
  checkPhaseTransition(runId: string, to: string, from: string | null = null): Promise<TransitionVerdict> {
    return this.operatorCommands.checkPhaseTransition(runId, to, from);
  }

  /** Records an agent's status for a step or a phase; refused when it contradicts the run. */
  reportStatus(runId: string, report: StatusReportInput, options: OperatorOptions = {}): Promise<BatonEvent> {
    return this.operatorCommands.reportStatus(runId, report, options);
  }

  /** Records an agent's routing decision for a step's work, with the options it weighed (the routing log shows it). */
  recordRoute(runId: string, route: RouteInput, options: OperatorOptions = {}): Promise<BatonEvent> {
    return this.operatorCommands.recordRoute(runId, route, options);
  }

  /**
   * Hands work from one agent to another (see OperatorCommands.requestHandoff).
   * @example
   * const report = await baton.requestHandoff(runId, { from: { agent: 'builder', step: 'build' }, to: { agent: 'reviewer', step: 'review' }, artifacts: [], reason: 'built' });
   */
  requestHandoff(runId: string, request: HandoffRequest, options: OperatorOptions = {}): Promise<HandoffReport> {
    return this.operatorCommands.requestHandoff(runId, request, options);
  }

  /** Appends a new plan revision to a running run; unchanged steps keep their results. */
  revise(runId: string, plan: Plan | string, options: RevertOptions = {}): Promise<BatonEvent> {
    return this.operatorCommands.revise(runId, plan, options);
  }

  /** Appends a revision equal to an earlier one. Nothing is deleted: the ledger keeps every revision. */
  revert(runId: string, revision: number, options: RevertOptions = {}): Promise<BatonEvent> {
    return this.operatorCommands.revert(runId, revision, options);
  }

  /**
   * What a plan would do under its constraints: routes with reasons, costs, phases, gates and
   * confirmations, and the problems that would refuse it. Writes nothing (`baton run --dry-run`).
   */
  async preflight(plan: Plan | string | AdmittedRun): Promise<PreflightReport> {
    if (isAdmitted(plan)) return plan.preflight;
    const written = typeof plan === 'string' ? await this.loadPlan(plan) : this.validate(plan);
    const checked = this.workspace ? withRegistryCapabilities(written, this.workspace.registry) : written;
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
  admit(source: PlanSource | Plan, given: GivenInputs = {}, options: AdmitOptions = {}): Promise<AdmittedRun> {
    return admit(source, given, this.registered(), {
      ...(this.workspace && { workspace: this.workspace }),
      ...options,
    });
  }

  /** A plan given to `submit`: admitted already, or a file path (a string, for compatibility) or plan data. */
  private admitted(plan: Plan | string | AdmittedRun, given: GivenInputs): Promise<AdmittedRun> | AdmittedRun {
    if (isAdmitted(plan)) return plan;
    return this.admit(typeof plan === 'string' ? { file: plan } : plan, given);
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
      onPartial: (partial) => this.partials.publish(partial),
      providerLimits: this.providerLimits,
      ...(this.options.payloadThresholdBytes !== undefined && {
        payloadThresholdBytes: this.options.payloadThresholdBytes,
      }),
      replan: (current, open, signal) =>
        replanEvents(
          current,
          open,
          this.options.replanner,
          (plan) => this.operatorCommands.checkRevision(current().runId, plan),
          signal,
        ),
    };
  }

  /** Where this process's model calls take their provider leases: the store every run shares. */
  private get providerLimits(): ProviderLimitOptions {
    const windowMs = this.options.limitWindowMs;
    return { leases: this.store, ...(windowMs !== undefined && { windowMs }) };
  }

  /** The runners a plan's capabilities get from their kinds (commands), made once per plan. */
  private planRunnersOf(plan: Plan): Map<string, CapabilityRunner> {
    let runners = this.planRunners.get(plan);
    if (!runners) {
      runners = new Map();
      for (const [id, capability] of Object.entries(plan.capabilities ?? {})) {
        const runner = runnerFromPlan(id, capability, plan);
        if (runner) runners.set(id, runner);
      }
      this.planRunners.set(plan, runners);
    }
    return runners;
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
   * The run's index row (name, status, head), or undefined when the workspace has no such run;
   * reads none of its ledger.
   * @example
   * if (!(await baton.findRun(runId))) console.error(`no run ${runId}`);
   */
  findRun(runId: string): Promise<RunRecord | undefined> {
    return this.store.getRun(runId);
  }

  /**
   * A page of the run's events after `afterSeq`, without looking the run up first: for following
   * a run already found, where a run that is gone simply has no more events.
   */
  eventPage(runId: string, afterSeq: number, limit: number): Promise<LedgerEvent[]> {
    return this.store.readEvents(runId, afterSeq, limit);
  }

  /**
   * Every run's events in commit order after `position` (from the first when undefined), at most
   * `limit`, each with its position in the workspace. A position this workspace did not give is
   * bad input.
   * @example
   * const page = await baton.eventsAfter(undefined, 100);
   */
  eventsAfter(position: string | undefined, limit: number): Promise<PositionedEvent[]> {
    return this.store.readEventsAfter(position, limit);
  }

  /**
   * The run as `baton status RUN --json` and `GET /v1/runs/{id}` show it: its view, and for a
   * sub-plan's child its `parent`, for a run with sub-plan steps the tree of its `subPlans`
   * (each only where there is one, so other runs' views are as they were).
   * @example
   * const { view } = await baton.runStatus(runId); // view.subPlans?.[0].runId
   */
  async runStatus(runId: string): Promise<{ record: RunRecord; state: RunState; view: RunStatusView }> {
    const { record, state } = await this.getRun(runId);
    const [created] = await this.store.readEvents(runId, 0, 1);
    const parent = created?.type === 'run.created' ? created.data.parent : undefined;
    const subPlans = await subPlanTree(this.store, runId);
    const view = { ...runView(record, state), ...(parent && { parent }), ...(subPlans.length > 0 && { subPlans }) };
    return { record, state, view };
  }

  /**
   * The child runs the run's sub-plan steps started, each with its own, as `baton status` shows
   * them under their steps.
   * @example
   * const [team] = await baton.subPlanRuns(runId); // { step: 'team', runId: `${runId}.team-a1`, status: 'succeeded', children: [] }
   */
  async subPlanRuns(runId: string): Promise<SubPlanRun[]> {
    if (!(await this.store.getRun(runId))) throw new NotFoundError(`run "${runId}"`);
    return subPlanTree(this.store, runId);
  }

  /** The runs as listed, each that has not ended folded to say whether it waits or is paused, and for what. */
  summarizeRuns(runs: readonly RunRecord[]): Promise<RunSummary[]> {
    return summarizeRuns(this.store, runs);
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
  verify(runId: string): Promise<RunVerdict> {
    return verifyRun(this.store, this.artifacts, runId);
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

  /** Records a task open in the workspace (`task-1`, ...), optionally linked to one of its runs. */
  addTask(text: string, options: { runId?: string } = {}): Promise<ContextEntry> {
    return recordContextEntry(this.store, { kind: 'task', text, runId: options.runId, at: this.timestamp() });
  }

  /** Completes an open objective with its outcome: NotFoundError for an unknown id, ConflictError when it is not open. */
  completeObjective(id: string, outcome: string): Promise<ContextEntry> {
    return completeContextEntry(this.store, { id, outcome, at: this.timestamp(), kind: 'objective' });
  }

  /**
   * Completes an open objective (`obj-N`) or task (`task-N`) with its outcome: NotFoundError for
   * an unknown id, ConflictError when it is not open.
   * @example
   * await baton.completeContextEntry('task-2', 'merged in #41');
   */
  completeContextEntry(id: string, outcome: string): Promise<ContextEntry> {
    return completeContextEntry(this.store, { id, outcome, at: this.timestamp() });
  }

  /** The workspace's objectives, tasks, insights and recent runs, as `baton context` shows them. */
  context(): Promise<WorkspaceContext> {
    return readContext(this.store);
  }

  /** What a new session needs to continue: open objectives and tasks, pending decisions across runs, recent insights. */
  contextResume(): Promise<ContextResume> {
    return readContextResume(this.store);
  }

  /** Runs, steps, agents, cost, tokens and decisions of recent runs, by day (`baton context metrics`). */
  contextMetrics(options: ContextMetricsOptions = {}): Promise<ContextMetrics> {
    return readContextMetrics(this.store, options);
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
  const threshold = options.payloadThresholdBytes;
  if (threshold !== undefined && !(Number.isSafeInteger(threshold) && threshold >= 1_024)) {
    throw new BatonError(
      ErrorCode.badInput,
      `payloadThresholdBytes must be a whole number of bytes, at least 1024 (got ${String(threshold)})`,
    );
  }
  const store = options.store ?? new SqliteStore(databaseFile(workspaceHome(options.home)));
  // Runs whose plans opt in to replanning ask the registry's planner, unless the caller gives its own.
  const workspace = options.registry?.registry;
  const replanner =
    options.replanner ??
    (workspace !== undefined && hasPlanner(workspace) ? registryReplanner(workspace, store) : undefined);
  return new Baton(store, {
    concurrency: options.concurrency ?? 32,
    now: options.now ?? Date.now,
    principal: options.principal ?? defaultPrincipal(),
    artifacts,
    ...(options.distributed !== undefined && { distributed: options.distributed }),
    ...(options.leaseMs !== undefined && { leaseMs: options.leaseMs }),
    ...(options.registry !== undefined && { workspace: options.registry }),
    ...(options.limitWindowMs !== undefined && { limitWindowMs: options.limitWindowMs }),
    ...(threshold !== undefined && { payloadThresholdBytes: threshold }),
    ...(replanner !== undefined && { replanner }),
  });
}
