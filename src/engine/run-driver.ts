import { rmdir } from 'node:fs/promises';
import type { Context, Span } from '@opentelemetry/api';
import {
  ConflictError,
  nextWakeAt,
  prerequisitesDue,
  type BatonEvent,
  type JsonObject,
  type LedgerEvent,
  type RunState,
} from '../core/index.js';
import { EMPTY_HEAD, type ChainHead } from '../ledger/index.js';
import type { AppendBatch } from '../store/index.js';
import { loadVerifiedRun } from './load-run.js';
import { loadReplayedRun, type DivergenceAcceptance } from './replayed-run.js';
import { LockLostError, type RunLock, type RunOwner, type Store } from '../store/index.js';
import { afterFailedAppend } from './append-failure.js';
import { AttemptScratch } from './artifacts/index.js';
import type { ExecutionOptions, ExecutorOptions, RunContext } from './executor.js';
import { InProcessTransport } from './in-process-transport.js';
import { describeOwner, isDeadOnThisHost } from './owner.js';
import type { PartialOutputListener } from './partial-outputs.js';
import { hasMachineWorkInFlight } from './person-task.js';
import { QueueTransport } from './queue-transport.js';
import { resumeReason } from './resume-reason.js';
import { checkDuePrerequisites } from './prerequisites.js';
import { planFirstRound, planRound, type PlannedRound, type RoundRules } from './run-round.js';
import { loadTracing, startRunSpan } from './tracing.js';
import { Worker } from './worker.js';
import { recoverySignals } from './work-recovery.js';
import type { WorkTransport } from './work-transport.js';

/** How long a conductor lock and a work lease last without renewal; renewed every third of it. */
export const LEASE_MS = 15_000;

/** The longest the driver keeps the event loop before letting timers and I/O run. */
const YIELD_EVERY_MS = 20;

/**
 * How often a driver looks for signals appended by other processes (an operator's `approve`,
 * `abort` or `signal` from the CLI or the API): they land in the ledger, which is the only
 * channel, and the driver folds them in.
 */
export const POLL_MS = 250;

/** `concurrency`: attempts this process runs at once for the run (0 in distributed mode: all to other workers). */
export interface RunDriverOptions extends ExecutionOptions {
  store: Store;
  owner: RunOwner;
  /**
   * Put dispatched work on the store's queue for any worker (`baton worker`, on any machine)
   * and collect their outcomes from it (QueueTransport), instead of claiming it for this
   * process as it is dispatched (InProcessTransport). This process still runs some of it when
   * `concurrency` is above 0.
   */
  distributed?: boolean;
  /** The function capabilities this process has: in distributed mode, its own worker claims only those. */
  functions?: readonly string[];
  /** How long the conductor lock and work leases last without renewal (default LEASE_MS). */
  leaseMs?: number;
  /** Keep driving while the run waits for a person or a signal (instead of returning). */
  wait?: boolean;
  /** Who asked for a resume, recorded in its `run.resumed`. */
  resumedBy?: string;
  /** The operating-system account that asked for it (the CLI's), recorded beside `resumedBy`. */
  resumedAccount?: string;
  /** Resume a run whose ledger this conductor does not replay, recording who accepted that and why. */
  acceptDivergence?: DivergenceAcceptance;
  /** Takes the partial output of the attempts this process runs (not those of workers elsewhere). */
  onPartial?: PartialOutputListener;
  /** Payloads larger than this many bytes are stored apart from their events (default 16 KiB). */
  payloadThresholdBytes?: number;
  /**
   * Answers a `replan.requested` (the planner, then the revision's checks) with the events that
   * record the answer: an effect outside the conductor, like an attempt, whose outcome comes
   * back as signals. Without it, a request is answered `replan.failed`.
   */
  replan?: (current: () => RunState, open: ReplanOpen, signal: AbortSignal) => Promise<BatonEvent[]>;
}

type ReplanOpen = NonNullable<RunState['replan']['open']>;

export type EventListener = (events: readonly LedgerEvent[]) => void;

/** An executor's partial-output callback that hands the listener which attempt it is about. */
function partialOf(listener: PartialOutputListener): ExecutorOptions['partial'] {
  return (item, text) => listener({ runId: item.runId, step: item.step, attemptId: item.attemptId, text });
}

/**
 * Drives one run: plans each round (run-round.ts: signals folded, the conductor's decisions,
 * the queue changes), commits it in one transaction, hands its work to the transport, and
 * sleeps until the next outcome or timer. What is left here is I/O: the run's conductor lock
 * and its heartbeat, sleeping, notices, outside appends. Nothing it does is remembered outside
 * the ledger: kill it at any point and `resume` rebuilds the same state.
 */
export class RunDriver {
  private state!: RunState;
  private head: ChainHead = EMPTY_HEAD;
  private readonly inbox: BatonEvent[] = [];
  private wake: (() => void) | undefined;
  /** Where dispatched work goes and outcomes come from: this process's executor, or the shared queue. */
  private readonly transport: WorkTransport;
  private readonly rules: RoundRules;
  /** Outcomes may be waiting to be collected (a worker reported while this driver was not asleep). */
  private nudged = false;
  private lastAbsorb = 0;
  private readonly listeners = new Set<EventListener>();
  private stopping = false;
  /** Set when another engine took the run over: this driver stops and says so. */
  private lostLock: LockLostError | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  /** Resumed after it had already ended: driving it changes nothing. */
  endedBefore = false;
  /** The drive loop has returned: it takes no more signals. */
  loopExited = false;
  /** Planner calls under way (`replan.requested` not yet answered), and how to stop them. */
  private replanning = 0;
  private readonly stopReplanning = new AbortController();
  /** This process's `baton.run` span: attempts' spans are its children; `drive` ends it. */
  private runSpan: { span: Span; context: Context } | undefined;

  private constructor(
    readonly runId: string,
    private readonly options: RunDriverOptions,
  ) {
    this.transport = this.pickTransport();
    this.rules = {
      claim: this.transport.claim,
      lapsed: this.transport.lapsed,
      ...(options.payloadThresholdBytes !== undefined && { payloadThresholdBytes: options.payloadThresholdBytes }),
    };
  }

  get current(): RunState {
    return this.state;
  }

  onEvents(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts a new run from its `run.created` event; the first commit creates it in the store. */
  static async create(
    runId: string,
    created: Extract<BatonEvent, { type: 'run.created' }>,
    options: RunDriverOptions,
    listener?: EventListener,
    prerequisites: readonly BatonEvent[] = [],
  ): Promise<RunDriver> {
    const driver = new RunDriver(runId, options);
    if (listener) driver.onEvents(listener);
    const now = options.now();
    const { state, round } = planFirstRound(runId, created, now, driver.rules, prerequisites);
    driver.state = state;
    const lock = { ...options.owner, expiresAt: now + driver.leaseMs };
    await driver.commit(round, {
      name: created.data.plan.name,
      planHash: created.data.planHash,
      lock,
    });
    driver.startHeartbeat();
    return driver;
  }

  /**
   * Takes over an existing run after a crash or a stop: locks it, verifies and replays its
   * ledger (a run this conductor would have decided differently is refused, unless the
   * divergence is accepted: loadReplayedRun), and records attempts the previous engine left in
   * flight as abandoned, so the conductor dispatches them again as new attempts.
   */
  static async resume(
    runId: string,
    options: RunDriverOptions,
    listener?: EventListener,
    admit?: (state: RunState) => void,
  ): Promise<RunDriver> {
    const driver = new RunDriver(runId, options);
    if (listener) driver.onEvents(listener);
    const replaced = await driver.lock();
    try {
      const { state, head, last, accepted } = await loadReplayedRun(options.store, runId, options.acceptDivergence);
      driver.head = head;
      driver.state = state;
      driver.endedBefore = state.status !== 'running';
      admit?.(state); // the caller's last word on the loaded run, while the lock is still held
      const reason = replaced
        ? `the engine that held it (${describeOwner(replaced)}) is no longer running`
        : head.seq === 1
          ? 'taken up by an engine: the run was submitted for one to conduct'
          : resumeReason(last, state);
      if (accepted) driver.inbox.push(accepted); // recorded before anything the run does next
      if (driver.state.status === 'running') await driver.recoverWork(reason);
      // A request the engine before never answered is asked again: the planner's answer is only a proposal.
      const open = driver.state.replan.open;
      if (driver.state.status === 'running' && open !== null) driver.startReplan(open);
    } catch (error) {
      await driver.unlock();
      throw error;
    }
    return driver;
  }

  private get leaseMs(): number {
    return this.options.leaseMs ?? LEASE_MS;
  }

  /** The transport is picked once: a driver never holds an idle executor and a local worker at once. */
  private pickTransport(): WorkTransport {
    const { options } = this;
    const execution = {
      concurrency: options.concurrency,
      runnerFor: options.runnerFor,
      artifacts: options.artifacts,
      now: options.now,
      // The plan in force: an attempt of an earlier revision is being cancelled by the conductor anyway.
      runOf: (): RunContext => ({
        plan: this.state.plan,
        inputs: this.state.inputs as JsonObject,
        limits: this.state.limits,
        correlationId: this.state.correlationId,
        trace: this.runTrace.context,
      }),
      ...(options.providerLimits && { providerLimits: options.providerLimits }),
      ...(options.onPartial && { partial: partialOf(options.onPartial) }),
    };
    if (options.distributed !== true) {
      return new InProcessTransport({
        ...execution,
        owner: options.owner,
        report: (_item, outcome) => this.signal(outcome),
      });
    }
    const localWorker =
      options.concurrency > 0
        ? new Worker({
            ...execution,
            store: options.store,
            owner: options.owner,
            functions: options.functions ?? [],
            runId: this.runId,
            leaseMs: this.leaseMs,
          })
        : undefined;
    return new QueueTransport({
      store: options.store,
      runId: this.runId,
      leaseMs: this.leaseMs,
      ...(localWorker && { localWorker }),
    });
  }

  private async recoverWork(reason: string): Promise<void> {
    const { resumedBy, resumedAccount } = this.options;
    const signals = recoverySignals(this.state, await this.options.store.listWork(this.runId), {
      engine: describeOwner(this.options.owner),
      reason,
      ...(resumedBy !== undefined && { by: resumedBy }),
      ...(resumedAccount !== undefined && { account: resumedAccount }),
      workOutlivesEngine: this.transport.workOutlivesEngine,
    });
    // Abandoned attempts never report, so nothing will collect or clean their artifact directories.
    for (const signal of signals)
      if (signal.type === 'attempt.abandoned')
        await AttemptScratch.discard(this.options.artifacts, this.runId, signal.data.attemptId);
    this.inbox.push(...signals);
  }

  /**
   * True when nothing will happen without a person or a signal: no work and no timer but,
   * perhaps, the deadline (which a later `resume` enforces just the same).
   */
  get waitingOnOutside(): boolean {
    if (this.state.status !== 'running' || this.transport.activeHere > 0 || this.inbox.length > 0) return false;
    if (this.replanning > 0) return false;
    if (hasMachineWorkInFlight(this.state)) return false; // a worker elsewhere may still report
    const wake = nextWakeAt(this.state);
    return wake === null || wake === this.state.deadlineAt;
  }

  /** Takes the run's conductor lock; returns the holder it replaced when that one was dead. */
  private async lock(): Promise<RunLock | undefined> {
    const { store, owner, now } = this.options;
    const attempt = (replacing?: string) =>
      store.acquireRunLock({
        runId: this.runId,
        owner,
        expiresAt: now() + this.leaseMs,
        now: now(),
        ...(replacing !== undefined && { replacing }),
      });
    let result = await attempt();
    let replaced: RunLock | undefined;
    if (!result.acquired && isDeadOnThisHost(result.holder)) {
      replaced = result.holder;
      result = await attempt(result.holder.id);
    }
    if (!result.acquired) {
      const { holder } = result;
      throw new ConflictError(
        `run "${this.runId}" is being conducted by ${describeOwner(holder)} (its lock runs until ${new Date(holder.expiresAt).toISOString()}); wait for it to finish or stop that process`,
      );
    }
    this.startHeartbeat();
    return replaced;
  }

  private startHeartbeat(): void {
    this.heartbeat = setInterval(() => void this.renew(), this.leaseMs / 3);
    this.heartbeat.unref();
  }

  private async renew(): Promise<void> {
    const { store, owner, now } = this.options;
    try {
      const until = now() + this.leaseMs;
      const renewed = await store.acquireRunLock({ runId: this.runId, owner, expiresAt: until, now: now() });
      if (!renewed.acquired) {
        // Another engine took the run over (this one stalled past its lease): stop deciding at once.
        this.lostLock = new LockLostError(
          `run "${this.runId}" was taken over by ${describeOwner(renewed.holder)} while this engine stalled; it stops conducting it`,
        );
        this.stopping = true;
        this.wake?.();
      }
    } catch {
      // A missed renewal only shortens the lease; the next one tries again.
    }
  }

  private async unlock(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (!this.lostLock) await this.options.store.releaseRunLock(this.runId, this.options.owner.id);
  }

  /** An outcome from the executor (or any signal): recorded and decided on at the next round. */
  signal(event: BatonEvent): void {
    this.inbox.push(event);
    this.wake?.();
  }

  /** Stops without changing the ledger: running attempts are killed, the lock released. Resume picks up. */
  async interrupt(): Promise<void> {
    this.stopping = true;
    this.stopReplanning.abort();
    this.wake?.();
    await this.transport.shutdown();
  }

  /**
   * Asks the planner (through `options.replan`) in the background; its answer comes back as
   * signals for the next round. It never throws into the loop: a planner that fails is a
   * `replan.failed` (replanEvents).
   */
  private startReplan(open: ReplanOpen): void {
    const { replan } = this.options;
    this.replanning += 1;
    const answer = replan
      ? replan(() => this.state, open, this.stopReplanning.signal)
      : Promise.resolve<BatonEvent[]>([
          { type: 'replan.failed', data: { request: open.request, reason: 'this engine has no planner' } },
        ]);
    void answer
      .catch((error: unknown): BatonEvent[] => [
        { type: 'replan.failed', data: { request: open.request, reason: (error as Error).message } },
      ])
      .then((events) => {
        this.replanning -= 1;
        if (!this.stopping && !this.loopExited) for (const event of events) this.signal(event);
      });
  }

  /** A worker reported an outcome of this run: collect it at once rather than at the next poll. */
  private nudge(): void {
    this.nudged = true;
    this.wake?.();
  }

  /** Started on first use: the first round's work is handed out before `drive` begins. */
  private get runTrace(): { span: Span; context: Context } {
    this.runSpan ??= startRunSpan(this.runId, this.state.correlationId);
    return this.runSpan;
  }

  /** Runs until the run ends (or `interrupt`); resolves with the final state. */
  async drive(): Promise<RunState> {
    await loadTracing();
    const run = this.runTrace;
    try {
      await this.transport.open(() => this.nudge());
      let sliceStart = this.options.now();
      let conflicts = 0;
      for (;;) {
        if (this.lostLock) throw this.lostLock;
        if (this.stopping) return this.state;
        // Fast in-process capabilities resolve in microtasks, so a run could otherwise hold the
        // event loop for its whole length: no timers (lock renewal), no signals (Ctrl-C), no I/O.
        if (this.options.now() - sliceStart >= YIELD_EVERY_MS) {
          await new Promise((resolve) => setImmediate(resolve));
          sliceStart = this.options.now();
        }
        const signals = this.inbox.splice(0);
        const now = this.options.now();
        const round = planRound(this.state, this.head, signals, now, this.rules);
        if (round) {
          this.transport.handOut(round, now);
          try {
            await this.commit(round);
          } catch (error) {
            conflicts += 1;
            const { stop } = afterFailedAppend(this.runId, error, conflicts);
            if (stop) throw stop;
            // Another process appended (an operator's signal): start again from the ledger. The
            // reload checks the chain against the recorded head, so a ledger that lost its newest
            // events stops here with an IntegrityError instead of conflicting on every retry.
            await this.reload();
            this.inbox.unshift(...signals);
            continue;
          }
          conflicts = 0;
        }
        // A gate's prerequisites in other runs are checked here, off the pure conductor, which waits for them.
        const due = prerequisitesDue(this.state);
        if (due.length > 0 && this.inbox.length === 0) {
          this.inbox.push(...(await checkDuePrerequisites(this.options.store, this.options.artifacts, due)));
          continue;
        }
        if (this.state.status !== 'running' && this.transport.activeHere === 0 && this.inbox.length === 0)
          return this.state;
        if (this.waitingOnOutside && !this.options.wait) return this.state;
        if (this.inbox.length === 0 && !this.nudged) await this.sleep(nextWakeAt(this.state));
        if (this.inbox.length === 0) {
          this.nudged = false;
          this.inbox.push(...(await this.transport.collect(this.state, this.options.now())));
        }
        if (this.inbox.length === 0) await this.absorbOutsideEvents();
      }
    } finally {
      this.loopExited = true; // from here on, signals must go to the ledger, not to this inbox
      if (this.stopping) await this.transport.shutdown();
      // Cleanup that fails must not hide why the loop ended (a full disk fails the lock's release
      // too): unfinished local work goes back to the queue, or its lease expires; so does the lock.
      await this.transport.close().catch(() => undefined);
      await this.unlock().catch(() => undefined);
      // Each attempt removes its own directory; the run's is left once none is running (rmdir refuses a non-empty one).
      await rmdir(AttemptScratch.runDir(this.options.artifacts, this.runId)).catch(() => {});
      run.span.setAttribute('baton.run_status', this.state.status);
      run.span.end();
    }
  }

  /** Sleeps until woken, the next timer, or the next look at the ledger for outside signals. */
  private sleep(until: number | null): Promise<void> {
    return new Promise((resolve) => {
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const delay = until === null ? POLL_MS : Math.min(POLL_MS, Math.max(0, until - this.options.now()));
      const timer = setTimeout(() => this.wake?.(), delay);
    });
  }

  /** Folds signals other processes appended since our head; they are facts already in the ledger. */
  private async absorbOutsideEvents(): Promise<void> {
    // Looked at every POLL_MS, not every round: a busy run has many rounds a second, and an
    // outside append that collides with a commit is caught by the head fence anyway.
    const now = this.options.now();
    if (now - this.lastAbsorb < POLL_MS) return;
    this.lastAbsorb = now;
    const record = await this.options.store.getRun(this.runId);
    if (!record || record.headSeq === this.head.seq) return;
    await this.reload();
  }

  /** Rebuilds the state from the ledger (after outside appends) and tells listeners what was new. */
  private async reload(): Promise<void> {
    const before = this.head.seq;
    const { state, head } = await loadVerifiedRun(this.options.store, this.runId);
    this.state = state;
    this.head = head;
    const news = await this.options.store.readEvents(this.runId, before);
    for (const listener of this.listeners) {
      try {
        listener(news);
      } catch {
        // A listener that throws never stops the run (STYLE.md 10).
      }
    }
  }

  /** One transaction: the round's events, the run's index row, and the work they start or end. */
  private async commit(round: PlannedRound, create?: AppendBatch['create']): Promise<void> {
    // The key first, the batch spread after it: keys added after a spread make a new hidden class per call (core `timed`).
    await this.options.store.append(
      create ? { create, ...round.batch } : { conductor: this.options.owner.id, ...round.batch },
    );
    const last = round.events.at(-1);
    if (last) this.head = { seq: last.seq, hash: last.hash };
    this.transport.committed(round);
    for (const event of round.events) if (event.type === 'replan.requested') this.startReplan(event.data);
    for (const listener of this.listeners) {
      try {
        listener(round.events);
      } catch {
        // A listener that throws never stops the run (STYLE.md 10).
      }
    }
  }
}
