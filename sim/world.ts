import {
  buildRegistry,
  canonicalJson,
  conduct,
  type BatonEvent,
  type LedgerEvent,
  type RunState,
} from '../src/core/index.js';
import { loadVerifiedRun } from '../src/engine/load-run.js';
import { chainEvents, verifyChain } from '../src/ledger/index.js';
import type { AppendBatch, WorkItem, WorkOutcome } from '../src/store/index.js';
import { SIM_EPOCH, VirtualClock } from './clock.js';
import { SimEngine, SIM_LEASE_MS, type Conductor } from './engine.js';
import { drawBehaviour, drawDuration, drawProfile, failure, outputFor, type FaultProfile } from './faults.js';
import { checkReplay, LedgerChecker, type Violation } from './invariants.js';
import { MemoryStore } from './memory-store.js';
import { chooseAct, unpauseIfPaused } from './operators.js';
import { generatePlan, type GeneratedPlan } from './plan-generator.js';
import { Prng } from './prng.js';
import { Trace } from './trace.js';

export interface WorldOptions {
  seed: number;
  /** World events before a run that has not ended counts as one that never terminates. */
  maxSteps?: number;
  /** The conductor the engine consults (default: the real one). */
  conductor?: Conductor;
  /** Replay the whole ledger after every Nth commit (default 1: every commit). */
  replayEvery?: number;
  /**
   * A deliberately broken store whose failing appends write the first half of the batch
   * before they throw: only for the test that proves the atomicity check can fail.
   */
  tornWrites?: boolean;
}

export interface SimResult {
  seed: number;
  /** How the run ended, or `waiting` when it waits on a person or a signal the simulation never sends. */
  outcome: RunState['status'] | 'waiting';
  violations: Violation[];
  /** The last lines of the trace: world events and ledger events, in order. */
  trace: string[];
  ledger: LedgerEvent[];
  /** Faults injected and operator acts, by kind. */
  faults: Record<string, number>;
  features: string[];
  steps: number;
  virtualMs: number;
}

const WORKERS = 3;
const WORKER_CAPACITY = 3;

/** The store of the simulation: appends fail, before writing anything, when the world says so. */
class FlakyStore extends MemoryStore {
  failNext: () => boolean = () => false;
  torn = false;

  override async append(batch: AppendBatch): Promise<void> {
    if (batch.expectedSeq > 0 && this.failNext()) {
      const half = Math.floor(batch.events.length / 2);
      if (this.torn && half > 0)
        await super.append({ ...batch, events: batch.events.slice(0, half), enqueue: [], dequeue: [], abandon: [] });
      throw new Error('simulated store write failure');
    }
    return super.append(batch);
  }
}

interface SimWorker {
  name: string;
  generation: number;
  alive: boolean;
  stalledUntil: number;
  held: Set<string>;
  heartbeat: boolean;
}

interface Scheduled {
  at: number;
  order: number;
  label: string;
  run: () => Promise<void>;
}

/**
 * One seed's world: a random plan run by the real conductor, chained by the real ledger code
 * into an in-memory store, with simulated workers, capabilities, operators and faults, all on
 * a virtual clock and drawn from one seeded PRNG. The same seed gives the same ledger, byte
 * for byte.
 */
export class World {
  private readonly clock = new VirtualClock(SIM_EPOCH);
  private readonly store = new FlakyStore();
  private readonly queue: Scheduled[] = [];
  private order = 0;
  private engine: SimEngine | null = null;
  private engineGeneration = 0;
  private readonly workers: SimWorker[];
  private readonly checker = new LedgerChecker();
  private readonly trace = new Trace(60);
  private readonly faults: Record<string, number> = {};
  private readonly violations: Violation[] = [];
  private readonly runId: string;
  private readonly random: { plan: Prng; faults: Prng; operator: Prng; world: Prng };
  private readonly profile: FaultProfile;
  private generated!: GeneratedPlan;
  private leaseCheck = false;
  /** When the engine last completed a round (decided to a fixpoint and committed). */
  private settledAt: number | null = null;
  private commits = 0;
  private patience: number;
  private readonly conductor: Conductor;

  constructor(private readonly options: WorldOptions) {
    const root = new Prng(options.seed);
    this.random = { plan: root.fork(1), faults: root.fork(2), operator: root.fork(3), world: root.fork(4) };
    this.profile = drawProfile(this.random.world);
    this.patience = this.random.world.int(0, 4);
    this.runId = `sim-${options.seed}`;
    this.conductor = options.conductor ?? conduct;
    this.workers = Array.from({ length: WORKERS }, (_, i) => ({
      name: `w${i + 1}`,
      generation: 1,
      alive: true,
      stalledUntil: 0,
      held: new Set<string>(),
      heartbeat: false,
    }));
    this.store.torn = options.tornWrites === true;
    this.store.failNext = () => {
      if (!this.random.world.chance(this.profile.storeWriteFailure)) return false;
      this.count('store_write_failure');
      return true;
    };
  }

  private count(kind: string): void {
    this.faults[kind] = (this.faults[kind] ?? 0) + 1;
  }

  private get now(): number {
    return this.clock.now;
  }

  private schedule(at: number, label: string, run: () => Promise<void>): void {
    this.queue.push({ at: Math.max(at, this.now), order: this.order++, label, run });
  }

  private workerId(worker: SimWorker): string {
    return `${worker.name}.${worker.generation}`;
  }

  async run(): Promise<SimResult> {
    this.generated = generatePlan(this.random.plan);
    const { plan, inputs } = this.generated;
    const created: Extract<BatonEvent, { type: 'run.created' }> = {
      type: 'run.created',
      data: { plan, planHash: canonicalJson(plan).length.toString(16), inputs, registry: buildRegistry(plan) },
    };
    const maxSteps = this.options.maxSteps ?? 20_000;
    let steps = 0;
    try {
      const { engine, committed } = await SimEngine.create(this.store, this.runId, created, this.now, this.conductor);
      this.engine = engine;
      this.afterCommit(committed, await this.store.readEvents(this.runId));
      for (let i = this.random.operator.int(0, 3); i > 0; i--)
        this.schedule(this.now + this.random.operator.int(0, 30_000), 'operator', () => this.operate());
      await this.claim();
      for (; this.violations.length === 0; steps++) {
        if (steps >= maxSteps) {
          this.violations.push({
            invariant: 'terminates',
            seq: null,
            message: `the run was still ${this.engine?.state.status ?? 'unconducted'} after ${maxSteps} world events`,
          });
          break;
        }
        if (!(await this.next())) break;
        await this.round();
        await this.claim();
        this.maintain();
      }
      if (this.violations.length === 0) await this.finalChecks();
    } catch (error) {
      this.violations.push({
        invariant: 'conductor-throws',
        seq: null,
        message: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
    }
    const ledger = await this.store.readEvents(this.runId);
    const state = this.engine?.state;
    const outcome = state === undefined ? 'running' : state.status === 'running' ? 'waiting' : state.status;
    return {
      seed: this.options.seed,
      outcome,
      violations: this.violations,
      trace: this.trace.lines(),
      ledger,
      faults: this.faults,
      features: this.generated.features,
      steps,
      virtualMs: this.now - SIM_EPOCH,
    };
  }

  /** Moves the clock to the next scheduled thing (or the engine's next timer) and does it; false when nothing is left. */
  private async next(): Promise<boolean> {
    let first: Scheduled | undefined;
    for (const item of this.queue)
      if (!first || item.at < first.at || (item.at === first.at && item.order < first.order)) first = item;
    const wake = this.engine?.wakeAt ?? null;
    if (wake !== null && (!first || wake < first.at)) {
      if (wake <= this.now && this.settledAt === this.now && this.engine?.inbox.length === 0) {
        // The conductor has just decided at this time, to a fixpoint: a timer already due would wake the engine again and again for nothing.
        this.violations.push({
          invariant: 'terminates',
          seq: null,
          message: `the engine's next timer (${new Date(wake).toISOString()}) is already due and the conductor has nothing to do: the engine would spin`,
        });
        return false;
      }
      this.clock.advanceTo(Math.max(wake, this.now + 1));
      this.trace.add(this.now, 'timer');
      return true;
    }
    if (!first) {
      // Quiet: a person may still answer what the run waits for, a few times per seed.
      const state = this.engine?.state;
      if (state?.status === 'running' && state.pending.size > 0 && this.patience > 0) {
        this.patience -= 1;
        this.schedule(this.now + this.random.operator.int(100, 10_000), 'operator (answering)', () => this.operate());
        return this.next();
      }
      return false;
    }
    this.queue.splice(this.queue.indexOf(first), 1);
    this.clock.advanceTo(first.at);
    this.trace.add(this.now, first.label);
    await first.run();
    return true;
  }

  private async round(): Promise<void> {
    const engine = this.engine;
    if (!engine) return;
    const before = await this.store.readEvents(this.runId);
    const result = await engine.round(this.now);
    this.settledAt = 'stopped' in result ? null : this.now;
    if ('stopped' in result) {
      this.trace.add(this.now, `engine: append failed (${result.stopped.message}); it stops conducting the run`);
      const after = await this.store.readEvents(this.runId);
      if (after.length !== before.length || after.at(-1)?.hash !== result.head.hash) {
        this.violations.push({
          invariant: 'atomic-append',
          seq: after.at(-1)?.seq ?? null,
          message: `a failed append changed the ledger (${before.length} events before, ${after.length} after)`,
        });
      }
      // As RunDriver does: it stops, releasing the run, and an engine takes it up again from the ledger.
      this.restartEngineLater(this.random.world.int(1, 1_000), 'engine takes the run up again');
      return;
    }
    if (result.committed.length === 0) return;
    this.afterCommit(result.committed, [...before, ...result.committed]);
    if (this.random.world.chance(this.profile.engineCrash)) this.crashEngine();
  }

  private afterCommit(committed: LedgerEvent[], ledger: LedgerEvent[]): void {
    for (const event of committed) this.trace.add(Date.parse(event.at) - 0, describe(event), true);
    this.checker.commit(committed);
    this.violations.push(...this.checker.violations.splice(0));
    this.commits += 1;
    if (this.engine && this.commits % (this.options.replayEvery ?? 1) === 0 && this.engine.state.runId === this.runId) {
      // The engine's state must be what folding the ledger gives (its own appends only when no outside one is unread).
      if (ledger.at(-1)?.seq === committed.at(-1)?.seq) this.violations.push(...checkReplay(ledger, this.engine.state));
    }
  }

  private crashEngine(): void {
    this.count('engine_crash');
    this.trace.add(this.now, 'engine crashes: its memory is gone');
    this.restartEngineLater(this.random.world.int(10, 30_000), 'engine restarts');
  }

  /** The engine is gone (crashed or stopped) with its memory; another resumes the run after `delay`. */
  private restartEngineLater(delay: number, label: string): void {
    this.engine = null;
    this.leaseCheck = false;
    const generation = ++this.engineGeneration;
    this.schedule(this.now + delay, label, async () => {
      if (generation !== this.engineGeneration) return;
      this.engine = await SimEngine.resume(this.store, this.runId, this.conductor, `engine-${generation + 1}`);
    });
  }

  /** Idle workers claim queued work; each attempt's behaviour and duration are drawn as it is claimed. */
  private async claim(): Promise<void> {
    for (const worker of this.workers) {
      if (!worker.alive || this.now < worker.stalledUntil) continue;
      const free = WORKER_CAPACITY - worker.held.size;
      if (free <= 0) continue;
      const items = await this.store.claimWork({
        workerId: this.workerId(worker),
        runId: this.runId,
        limit: free,
        leaseUntil: this.now + SIM_LEASE_MS,
      });
      for (const item of items) this.perform(worker, item);
      if (worker.held.size > 0 && !worker.heartbeat) this.scheduleHeartbeat(worker);
    }
  }

  private perform(worker: SimWorker, item: WorkItem): void {
    const random = this.random.faults;
    worker.held.add(item.attemptId);
    const behaviour = drawBehaviour(random, this.profile);
    this.count(behaviour);
    const duration = drawDuration(random);
    const generation = worker.generation;
    const isVote = /\/v\d+$/.test(item.attemptId.replace(/\/a\d+$/, '')) || /\/v\d+\//.test(item.attemptId);
    const success = (): WorkOutcome => {
      // A capability may report what an attempt really cost, within its declared worst case (the budget's guarantee assumes so; docs/reliability.md).
      const declared = (this.generated.plan.capabilities?.[item.capability] as { cost_usd?: number } | undefined)
        ?.cost_usd;
      const cost = declared !== undefined && random.chance(this.profile.reportsCost) ? { costUsd: declared / 2 } : {};
      return {
        type: 'attempt.succeeded',
        data: {
          attemptId: item.attemptId,
          output: outputFor(random, item.input, isVote, this.profile),
          durationMs: duration,
          ...cost,
        },
      };
    };
    const timedOut = (): WorkOutcome => ({
      type: 'attempt.failed',
      data: {
        attemptId: item.attemptId,
        error: { type: 'timeout', message: `timed out after ${item.timeoutMs}ms`, retryable: true },
        durationMs: item.timeoutMs ?? 0,
      },
    });
    const deliverAt = (at: number, outcome: WorkOutcome, twice = false): void => {
      // The executor enforces the attempt's timeout whatever the capability does.
      if (item.timeoutMs !== null && at - this.now > item.timeoutMs)
        this.schedule(this.now + item.timeoutMs, `${this.workerId(worker)}: ${item.attemptId} times out`, () =>
          this.deliver(worker, generation, item, timedOut(), false),
        );
      else
        this.schedule(
          at,
          `${this.workerId(worker)}: ${item.attemptId} ${outcome.type === 'attempt.succeeded' ? 'succeeds' : 'fails'}${twice ? ' (and reports twice)' : ''}`,
          () => this.deliver(worker, generation, item, outcome, twice),
        );
    };
    this.trace.add(this.now, `${this.workerId(worker)} claims ${item.attemptId}: ${behaviour} in ${duration}ms`);
    switch (behaviour) {
      case 'succeed':
        return deliverAt(this.now + duration, success());
      case 'fail':
      case 'fail_fatal':
        return deliverAt(this.now + duration, {
          type: 'attempt.failed',
          data: { attemptId: item.attemptId, error: failure(behaviour === 'fail_fatal'), durationMs: duration },
        });
      case 'hang':
        // Without a timeout nothing stops it but a person killing the worker.
        if (item.timeoutMs !== null) return deliverAt(this.now + item.timeoutMs + 1, success());
        return this.schedule(
          this.now + 4 * SIM_LEASE_MS,
          `${this.workerId(worker)} is killed (hung on ${item.attemptId})`,
          async () => this.crashWorker(worker, generation),
        );
      case 'late':
        // The worker stalls (a long pause, a partition): no heartbeats, so its leases lapse; then it reports.
        worker.stalledUntil = Math.max(worker.stalledUntil, this.now + SIM_LEASE_MS + random.int(1_000, SIM_LEASE_MS));
        return deliverAt(this.now + duration, success());
      case 'twice':
        return deliverAt(this.now + duration, success(), true);
      case 'crash_worker':
        return this.schedule(this.now + random.int(0, duration), `${this.workerId(worker)} crashes`, async () =>
          this.crashWorker(worker, generation),
        );
    }
  }

  private async deliver(
    worker: SimWorker,
    generation: number,
    item: WorkItem,
    outcome: WorkOutcome,
    twice: boolean,
  ): Promise<void> {
    if (worker.generation !== generation || !worker.alive) return; // it died with its worker
    if (this.now < worker.stalledUntil) {
      this.schedule(worker.stalledUntil, `${this.workerId(worker)} wakes and reports ${item.attemptId}`, () =>
        this.deliver(worker, generation, item, outcome, twice),
      );
      return;
    }
    worker.held.delete(item.attemptId);
    const report = { runId: this.runId, attemptId: item.attemptId, outcome };
    const stored = await this.store.reportWork(this.workerId(worker), [report]);
    this.trace.add(
      this.now,
      `${this.workerId(worker)} reports ${item.attemptId}: ${stored.length === 1 ? 'stored' : 'refused (cancelled or the run ended)'}`,
    );
    if (!twice) return;
    this.count('duplicate_delivered');
    const again = await this.store.reportWork(this.workerId(worker), [report]);
    if (again.length > 0)
      this.violations.push({
        invariant: 'one-accepted-result',
        seq: null,
        message: `the store took a second outcome for ${item.attemptId}`,
      });
    // The second copy also reaches the engine directly, as a capability calling back twice would.
    this.engine?.inbox.push(structuredClone(outcome));
  }

  private async crashWorker(worker: SimWorker, generation: number): Promise<void> {
    if (worker.generation !== generation || !worker.alive) return;
    worker.alive = false;
    worker.held.clear();
    this.trace.add(this.now, `${this.workerId(worker)} crashes`);
    this.schedule(this.now + this.random.world.int(100, 20_000), `${worker.name} restarts`, async () => {
      worker.generation += 1;
      worker.alive = true;
      worker.stalledUntil = 0;
      worker.heartbeat = false;
    });
  }

  private scheduleHeartbeat(worker: SimWorker): void {
    worker.heartbeat = true;
    const generation = worker.generation;
    this.schedule(this.now + SIM_LEASE_MS / 3, `${worker.name} heartbeat`, async () => {
      if (worker.generation !== generation || !worker.alive) return;
      worker.heartbeat = false;
      if (this.now >= worker.stalledUntil) {
        const renewed = await this.store.renewLeases(this.workerId(worker), this.now + SIM_LEASE_MS);
        worker.held = new Set(renewed.map((key) => key.attemptId));
      }
      if (worker.held.size > 0) this.scheduleHeartbeat(worker);
    });
  }

  /** Wakes the engine while workers run its attempts, so that its rounds look for lapsed leases (QueueTransport.collect). */
  private maintain(): void {
    const engine = this.engine;
    if (!engine || this.leaseCheck || !engine.hasMachineWork) return;
    this.leaseCheck = true;
    const generation = this.engineGeneration;
    this.schedule(this.now + SIM_LEASE_MS / 3, 'engine checks leases', async () => {
      if (generation !== this.engineGeneration) return;
      this.leaseCheck = false;
    });
  }

  /** A person acts: through the engine conducting the run when there is one, else straight onto the ledger as the CLI does. */
  private async operate(): Promise<void> {
    const direct = !this.engine || this.random.operator.chance(0.3);
    const state = direct ? (await loadVerifiedRun(this.store, this.runId)).state : (this.engine as SimEngine).state;
    if (state.status !== 'running') return;
    const choice = chooseAct(this.random.operator, state, this.generated.signals, this.now);
    if (!choice) return;
    this.count(`operator_${choice.act}`);
    this.trace.add(this.now, `operator: ${choice.act} (${direct ? 'appended to the ledger' : 'through the engine'})`);
    if (choice.act === 'pause')
      this.schedule(this.now + this.random.operator.int(100, 20_000), 'operator unpauses', () => this.unpause());
    if (direct) await this.appendDirect(choice.events);
    else this.engine?.inbox.push(...choice.events);
  }

  /** A pause always ends: the operator unpauses (retrying until it lands). */
  private async unpause(): Promise<void> {
    const { state } = await loadVerifiedRun(this.store, this.runId);
    const event = unpauseIfPaused(state);
    if (event && !(await this.appendDirect([event])))
      this.schedule(this.now + 100, 'operator unpauses (again)', () => this.unpause());
  }

  private async appendDirect(events: readonly BatonEvent[]): Promise<boolean> {
    const { state, head } = await loadVerifiedRun(this.store, this.runId);
    const chained = chainEvents(this.runId, head, [...events], new Date(this.now).toISOString());
    const before = await this.store.readEvents(this.runId);
    try {
      await this.store.append({ runId: this.runId, expectedSeq: head.seq, events: chained, status: state.status });
    } catch {
      const after = await this.store.readEvents(this.runId);
      if (after.length !== before.length)
        this.violations.push({
          invariant: 'atomic-append',
          seq: null,
          message: 'a failed operator append changed the ledger',
        });
      return false;
    }
    for (const chainedEvent of chained) this.trace.add(this.now, describe(chainedEvent), true);
    this.checker.commit(chained);
    this.violations.push(...this.checker.violations.splice(0));
    return true;
  }

  private async finalChecks(): Promise<void> {
    const ledger = await this.store.readEvents(this.runId);
    const verdict = verifyChain(ledger);
    if (!verdict.ok) this.violations.push({ invariant: 'chain-verifies', seq: verdict.seq, message: verdict.reason });
    const engine = this.engine;
    if (!engine) return;
    this.violations.push(...checkReplay(ledger, engine.state));
    const { state } = engine;
    if (state.status === 'running') {
      const waitsOnOutside = state.pending.size > 0 && !engine.hasMachineWork && !state.paused;
      if (!waitsOnOutside) {
        this.violations.push({
          invariant: 'terminates',
          seq: ledger.at(-1)?.seq ?? null,
          message: `the run stopped moving while running, with nothing pending for a person (in flight: ${[...state.inflight.keys()].join(', ') || 'none'}; paused: ${state.paused !== null}; steps: ${Object.values(
            state.steps,
          )
            .map((s) => `${s.id}=${s.status}`)
            .join(' ')})`,
        });
      }
    }
  }
}

function describe(event: LedgerEvent): string {
  const data = event.data as Record<string, unknown>;
  const what = data.attemptId ?? data.step ?? data.id ?? data.phase ?? data.name ?? data.reason ?? '';
  return `#${event.seq} ${event.type} ${String(what)}`;
}
