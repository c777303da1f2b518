import {
  BatonError,
  buildRegistry,
  checkPlan,
  ConflictError,
  ErrorCode,
  NotFoundError,
  resolveInputs,
  type CapabilityDescriptor,
  type Json,
  type LedgerEvent,
  type Plan,
  routeStep,
  staticPolicy,
  type BatonEvent,
  type RunState,
  type Step,
} from '../core/index.js';
import { CapabilityId, Skills } from '../core/plan/schema.js';
import { commandRunner, functionRunner, type CapabilityRunner, type FunctionCapability } from '../capabilities/index.js';
import { canonicalJson, chainEvents, ChainVerifier, hashPlan, type ChainVerdict } from '../ledger/index.js';
import { readAllEvents, SqliteStore, type ContextEntry, type RunRecord, type Store } from '../store/index.js';
import { completeObjective, readContext, recordContextEntry, type WorkspaceContext } from './context.js';
import { loadVerifiedRun } from './load-run.js';
import { defaultPrincipal, newOwner } from './owner.js';
import { loadPlanFile } from './plan-file.js';
import { RunDriver, type RunDriverOptions } from './run-driver.js';
import * as operator from './operator.js';
import { RunHandle } from './run-handle.js';
import { newRunId, RUN_ID_PATTERN } from './run-id.js';
import { databaseFile, workspaceHome } from './workspace.js';

export interface BatonOptions {
  /** Workspace directory (default `BATON_HOME` or `./.baton`); its SQLite file holds the ledger. */
  home?: string;
  /** Use this store instead of the workspace's SQLite file. */
  store?: Store;
  /** Attempts run at once by this process (default 32). */
  concurrency?: number;
  /** The clock; tests and simulations pass their own. */
  now?: () => number;
  /** Who operator commands are recorded as, unless a command says otherwise (default `user@host`). */
  principal?: string;
}

export interface OperatorOptions {
  /** Who is acting, recorded in the ledger (default: this process's user, e.g. `alice@build-3`). */
  by?: string;
  comment?: string;
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
}

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

  constructor(
    readonly store: Store,
    private readonly options: { concurrency: number; now: () => number; principal: string },
  ) {}

  /** Registers a TypeScript function as a capability that plans can route to by skill or pin by id. */
  register(capability: FunctionCapability): this {
    const issues = [
      ...(CapabilityId.safeParse(capability.id).success ? [] : [`id "${capability.id}" is not a valid capability id`]),
      ...(Skills.safeParse(capability.skills).success ? [] : ['skills must map skill names to strengths between 0 and 1']),
      ...(typeof capability.run === 'function' ? [] : ['run must be a function']),
    ];
    if (issues.length > 0) throw new BatonError(ErrorCode.badInput, `cannot register capability: ${issues.join('; ')}`);
    this.functions.set(capability.id, functionRunner(capability));
    return this;
  }

  private registered(): CapabilityDescriptor[] {
    return [...this.functions.values()].map((runner) => runner.descriptor);
  }

  /** Reads and validates a plan file (YAML or JSON). Throws PlanError with file:line:col. */
  loadPlan(file: string): Promise<Plan> {
    return loadPlanFile(file, this.registered());
  }

  /** Validates a plan given as data (for example from the builder). */
  validate(plan: unknown): Plan {
    return checkPlan(plan, (checked) => buildRegistry(checked, this.registered()));
  }

  /**
   * Validates the plan and inputs, then starts the run. Bad input throws before anything is
   * written. Returns a handle at once; `await handle.result()` for the outcome.
   */
  async submit(plan: Plan | string, options: SubmitOptions = {}): Promise<RunHandle> {
    const checked = typeof plan === 'string' ? await this.loadPlan(plan) : this.validate(plan);
    const inputs = resolveInputs(checked, { ...options.inputs, ...options.inputText }, { fromText: options.inputText !== undefined });
    const planHash = hashPlan(checked);
    if (options.runId !== undefined) {
      if (!RUN_ID_PATTERN.test(options.runId)) throw new BatonError(ErrorCode.badInput, `run id "${options.runId}" must be 1-128 letters, digits, ., _ or - (starting with a letter or digit)`);
      const existing = await this.store.getRun(options.runId);
      if (existing) {
        if (existing.planHash !== planHash) {
          throw new ConflictError(`run "${options.runId}" exists and was created from a different plan (${existing.planHash.slice(0, 12)}); use a new run id, or resume it`);
        }
        const [created] = await this.store.readEvents(options.runId, 0, 1);
        if (created?.type === 'run.created' && canonicalJson(created.data.inputs) !== canonicalJson(inputs)) {
          throw new ConflictError(`run "${options.runId}" exists with other inputs; use a new run id, or resume it with the inputs it was created with`);
        }
        return this.resume(options.runId, options.onEvents);
      }
    }
    const runId = options.runId ?? newRunId(this.options.now());
    const registry = buildRegistry(checked, this.registered());
    const driver = await RunDriver.create(runId, { type: 'run.created', data: { plan: checked, planHash, inputs, registry } }, this.driverOptions(), options.onEvents);
    return this.track(new RunHandle(driver, this.store));
  }

  /** Continues a run after a crash or an interruption; nothing that succeeded runs again. */
  async resume(runId: string, onEvents?: SubmitOptions['onEvents']): Promise<RunHandle> {
    if (!(await this.store.getRun(runId))) throw new NotFoundError(`run "${runId}"`);
    const driver = await RunDriver.resume(runId, this.driverOptions(), onEvents, (state) => {
      const missing = this.unregisteredFunctionsFor(state);
      if (missing.length > 0) {
        throw new BatonError(ErrorCode.badInput, `run "${runId}" still needs function capabilities that are not registered in this process: ${missing.join(', ')}`);
      }
    });
    return this.track(new RunHandle(driver, this.store));
  }

  /** Function capabilities the run's unfinished steps would be routed to, but this process lacks. */
  private unregisteredFunctionsFor(state: RunState): string[] {
    if (state.status !== 'running') return [];
    const missing = new Set<string>();
    for (const step of Object.values(state.steps)) {
      if (step.status === 'succeeded' || step.status === 'failed' || step.status === 'skipped') continue;
      const planStep = state.plan.steps[step.id] as Step;
      const route = step.capability === null && (planStep.skill !== undefined || planStep.capability !== undefined) ? routeStep(step.id, planStep, state.registry, staticPolicy(state.plan, planStep)) : undefined;
      const capabilities = [step.capability ?? (route?.ok ? route.route.capability : undefined), ...(route?.ok ? (route.route.voters ?? []) : []), planStep.check?.capability, planStep.compensate];
      for (const capability of capabilities) {
        if (capability != null && state.registry[capability]?.kind === 'function' && !this.functions.has(capability)) missing.add(capability);
      }
    }
    return [...missing];
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
    const driving = [...this.active].find((handle) => handle.runId === runId && handle.isDriving);
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
    return this.command(runId, (state) => operator.approve(state, target, this.principal(options), options.comment ?? null));
  }

  deny(runId: string, target: string, options: OperatorOptions = {}): Promise<BatonEvent> {
    return this.command(runId, (state) => operator.deny(state, target, this.principal(options), options.comment ?? null));
  }

  /** A person's result for a human step's task or an escalated step. */
  submitResult(runId: string, step: string, output: Json, options: OperatorOptions = {}): Promise<BatonEvent> {
    return this.command(runId, (state, now) => operator.submitResult(state, step, output, this.principal(options), now));
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
    return this.command(runId, (state) => operator.abort(state, this.principal(options), options.reason ?? 'aborted by an operator'));
  }

  cancel(runId: string, step: string, options: OperatorOptions & { reason?: string } = {}): Promise<BatonEvent> {
    return this.command(runId, (state) => operator.cancelStep(state, step, this.principal(options), options.reason ?? null));
  }

  defer(runId: string, step: string, until: { at?: number; signal?: string }, options: OperatorOptions = {}): Promise<BatonEvent> {
    return this.command(runId, (state) => operator.defer(state, step, until, this.principal(options)));
  }

  seal(runId: string, artifact: string, options: OperatorOptions = {}): Promise<BatonEvent> {
    return this.command(runId, (state) => operator.seal(state, artifact, this.principal(options)));
  }

  /** Appends a new plan revision to a running run; unchanged steps keep their results. */
  async revise(runId: string, plan: Plan | string, options: OperatorOptions = {}): Promise<BatonEvent> {
    const checked = typeof plan === 'string' ? await this.loadPlan(plan) : this.validate(plan);
    const registry = buildRegistry(checked, this.registered());
    return this.command(runId, (state) => {
      if (state.status !== 'running') throw new ConflictError(`cannot revise: run "${runId}" has already ${state.status}`);
      resolveInputs(checked, state.inputs);
      const planHash = hashPlan(checked);
      if (planHash === state.planHash) throw new ConflictError(`run "${runId}" already runs this plan (${planHash.slice(0, 12)})`);
      return { type: 'plan.revised', data: { revision: state.revisions.length + 1, plan: checked, planHash, registry, by: this.principal(options), revertOf: null } };
    });
  }

  /** Appends a revision equal to an earlier one. Nothing is deleted: the ledger keeps every revision. */
  async revert(runId: string, revision: number, options: OperatorOptions = {}): Promise<BatonEvent> {
    if (!(await this.store.getRun(runId))) throw new NotFoundError(`run "${runId}"`);
    let target: { plan: Plan; registry: Record<string, CapabilityDescriptor>; planHash: string } | undefined;
    let count = 0;
    for await (const event of readAllEvents(this.store, runId)) {
      if (event.type === 'run.created' || event.type === 'plan.revised') {
        count += 1;
        if (count === revision) target = { plan: event.data.plan, registry: event.data.registry, planHash: event.data.planHash };
      }
    }
    if (!Number.isInteger(revision) || !target) throw new NotFoundError(`revision ${revision} of run "${runId}" (it has revisions 1 to ${count})`);
    const found = target;
    return this.command(runId, (state) => {
      if (state.status !== 'running') throw new ConflictError(`cannot revert: run "${runId}" has already ${state.status}`);
      if (found.planHash === state.planHash) throw new ConflictError(`run "${runId}" already runs the plan of revision ${revision}`);
      return { type: 'plan.revised', data: { revision: state.revisions.length + 1, plan: found.plan, planHash: found.planHash, registry: found.registry, by: this.principal(options), revertOf: revision } };
    });
  }

  private principal(options: OperatorOptions): string {
    return options.by ?? this.options.principal;
  }

  private driverOptions(): RunDriverOptions {
    return {
      store: this.store,
      owner: this.owner,
      concurrency: this.options.concurrency,
      now: this.options.now,
      runnerFor: (id, plan) => this.functions.get(id) ?? this.commandsOf(plan).get(id),
    };
  }

  /** A plan's command capabilities, made once per plan. */
  private commandsOf(plan: Plan): Map<string, CapabilityRunner> {
    let commands = this.commands.get(plan);
    if (!commands) {
      commands = new Map();
      for (const [id, capability] of Object.entries(plan.capabilities ?? {})) if (capability.kind === 'command') commands.set(id, commandRunner(id, capability, plan.inputs));
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

  listRuns(query?: Parameters<Store['listRuns']>[0]): Promise<RunRecord[]> {
    return this.store.listRuns(query);
  }

  async events(runId: string, afterSeq = 0): Promise<LedgerEvent[]> {
    if (!(await this.store.getRun(runId))) throw new NotFoundError(`run "${runId}"`);
    return this.store.readEvents(runId, afterSeq);
  }

  /** Recomputes the run's hash chain from its first event, a page at a time. */
  async verify(runId: string): Promise<ChainVerdict> {
    if (!(await this.store.getRun(runId))) throw new NotFoundError(`run "${runId}"`);
    const verifier = new ChainVerifier();
    for await (const event of readAllEvents(this.store, runId)) if (!verifier.push(event)) break;
    return verifier.verdict;
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
  const store = options.store ?? new SqliteStore(databaseFile(workspaceHome(options.home)));
  return new Baton(store, { concurrency: options.concurrency ?? 32, now: options.now ?? Date.now, principal: options.principal ?? defaultPrincipal() });
}
