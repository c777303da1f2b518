import { rmdir } from 'node:fs/promises';
import {
  ConflictError,
  conduct,
  evolve,
  nextWakeAt,
  type BatonEvent,
  type JsonObject,
  type LedgerEvent,
  type Plan,
  type RunState,
} from '../core/index.js';
import { AbortReason, type CapabilityRunner } from '../capabilities/index.js';
import { chainEvents, EMPTY_HEAD, type ChainHead } from '../ledger/index.js';
import type { AppendBatch } from '../store/index.js';
import { loadVerifiedRun } from './load-run.js';
import { loadReplayedRun, type DivergenceAcceptance } from './replayed-run.js';
import {
  LockLostError,
  type RunLock,
  type RunOwner,
  type Store,
  type StoreNotice,
  type WorkItem,
} from '../store/index.js';
import { AttemptScratch, type ArtifactStore } from './artifacts/index.js';
import { Executor, type RunContext } from './executor.js';
import { describeOwner, isDeadOnThisHost } from './owner.js';
import { resumeReason } from './resume-reason.js';
import { Worker } from './worker.js';
import { workItemOf } from './work-item.js';

/** How long a conductor lock and a work lease last without renewal; renewed every third of it. */
export const LEASE_MS = 15_000;

/**
 * Appends that may conflict in a row before the driver gives up. A conflict means another
 * process appended (an operator's command): after a reload the next append normally goes in,
 * so a long streak means something is wrong, and retrying without end would spin a core.
 */
const MAX_CONFLICTS = 20;

/** The longest the driver keeps the event loop before letting timers and I/O run. */
const YIELD_EVERY_MS = 20;

/**
 * How often a driver looks for signals appended by other processes (an operator's `approve`,
 * `abort` or `signal` from the CLI or the API): they land in the ledger, which is the only
 * channel, and the driver folds them in.
 */
export const POLL_MS = 250;

export interface RunDriverOptions {
  store: Store;
  owner: RunOwner;
  /** Attempts this process runs at once for the run (0 in distributed mode: all to other workers). */
  concurrency: number;
  /**
   * Put dispatched work on the store's queue for any worker (`baton worker`, on any machine)
   * and collect their outcomes from it, instead of claiming it for this process as it is
   * dispatched. This process still runs some of it when `concurrency` is above 0.
   */
  distributed?: boolean;
  /** The function capabilities this process has: in distributed mode, its own worker claims only those. */
  functions?: readonly string[];
  /** How long the conductor lock and work leases last without renewal (default LEASE_MS). */
  leaseMs?: number;
  /** The implementation of a capability of the run's plan (commands come from the plan itself). */
  runnerFor(capabilityId: string, plan: Plan): CapabilityRunner | undefined;
  /** Where attempts leave their artifacts and where they are stored. */
  artifacts: ArtifactStore;
  now(): number;
  /** Keep driving while the run waits for a person or a signal (instead of returning). */
  wait?: boolean;
  /** Who asked for a resume, recorded in its `run.resumed`. */
  resumedBy?: string;
  /** Resume a run whose ledger this conductor does not replay, recording who accepted that and why. */
  acceptDivergence?: DivergenceAcceptance;
}

export type EventListener = (events: readonly LedgerEvent[]) => void;

/**
 * Drives one run: feeds signals to the conductor, commits signals and decisions in one
 * transaction, hands dispatched work to the executor, and sleeps until the next outcome or
 * timer. It holds the run's conductor lock while it works. Nothing it does is remembered
 * outside the ledger: kill it at any point and `resume` rebuilds the same state.
 */
export class RunDriver {
  private state!: RunState;
  private head: ChainHead = EMPTY_HEAD;
  private readonly inbox: BatonEvent[] = [];
  private wake: (() => void) | undefined;
  private executor!: Executor;
  /** Distributed mode: this process's share of the run's work, claimed from the queue like any worker's. */
  private localWorker: Worker | undefined;
  /** Distributed mode: outcomes read from the queue and not yet committed (so none is read twice). */
  private readonly collecting = new Set<string>();
  /** Distributed mode: attempts given up because their lease expired (kept in the queue, marked abandoned). */
  private readonly expired = new Set<string>();
  private lastLeaseCheck = 0;
  private lastAbsorb = 0;
  private reported = false;
  private unsubscribe: (() => Promise<void>) | undefined;
  private readonly listeners = new Set<EventListener>();
  private stopping = false;
  /** Set when another engine took the run over: this driver stops and says so. */
  private lostLock: LockLostError | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  /** Resumed after it had already ended: driving it changes nothing. */
  endedBefore = false;
  /** The drive loop has returned: it takes no more signals. */
  loopExited = false;

  private constructor(
    readonly runId: string,
    private readonly options: RunDriverOptions,
  ) {}

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
  ): Promise<RunDriver> {
    const driver = new RunDriver(runId, options);
    if (listener) driver.onEvents(listener);
    const now = options.now();
    driver.state = evolve(undefined, { ...created, runId, at: new Date(now).toISOString() });
    driver.startExecutor();
    const lock = { ...options.owner, expiresAt: now + driver.leaseMs };
    // The first round's decisions go in with the run's creation: one commit fewer before the
    // first step is dispatched (which is most of a new run's latency on a shared database).
    const decisions = conduct(driver.state, { now });
    await driver.commit([created, ...decisions], now, {
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
      driver.startExecutor();
      const reason = replaced
        ? `the engine that held it (${describeOwner(replaced)}) is no longer running`
        : head.seq === 1
          ? 'taken up by an engine: the run was submitted for one to conduct'
          : resumeReason(last, state);
      if (accepted) driver.inbox.push(accepted); // recorded before anything the run does next
      if (driver.state.status === 'running') await driver.recoverWork(reason);
    } catch (error) {
      await driver.unlock();
      throw error;
    }
    return driver;
  }

  private get leaseMs(): number {
    return this.options.leaseMs ?? LEASE_MS;
  }

  private get distributed(): boolean {
    return this.options.distributed === true;
  }

  private startExecutor(): void {
    // The plan in force: an attempt of an earlier revision is being cancelled by the conductor anyway.
    const runOf = (): RunContext => ({ plan: this.state.plan, inputs: this.state.inputs as JsonObject });
    this.executor = new Executor({
      concurrency: this.options.concurrency,
      runOf,
      runnerFor: this.options.runnerFor,
      artifacts: this.options.artifacts,
      now: this.options.now,
      report: (_item, outcome) => this.signal(outcome),
    });
    if (this.distributed && this.options.concurrency > 0) {
      this.localWorker = new Worker({
        store: this.options.store,
        owner: this.options.owner,
        concurrency: this.options.concurrency,
        functions: this.options.functions ?? [],
        runId: this.runId,
        leaseMs: this.leaseMs,
        runOf,
        runnerFor: this.options.runnerFor,
        artifacts: this.options.artifacts,
        now: this.options.now,
      });
    }
  }

  /** Work in this process: the executor's in embedded mode, the local worker's in distributed mode. */
  private get activeHere(): number {
    return this.executor.active + (this.localWorker?.active ?? 0);
  }

  private async recoverWork(reason: string): Promise<void> {
    const work = await this.options.store.listWork(this.runId);
    const held = new Set(work.map((item) => item.attemptId));
    const { resumedBy } = this.options;
    const signals: BatonEvent[] = [
      {
        type: 'run.resumed',
        data: { engine: describeOwner(this.options.owner), reason, ...(resumedBy !== undefined && { by: resumedBy }) },
      },
    ];
    // In distributed mode the queue's items belong to the workers, which outlive engines: their
    // outcomes are collected as usual, and a lease that expires is caught by checkLeases.
    if (!this.distributed) {
      for (const item of work) {
        signals.push({
          type: 'attempt.abandoned',
          data: { attemptId: item.attemptId, reason: 'the engine running it stopped before it reported' },
        });
      }
    }
    for (const [attemptId, key] of this.state.inflight) {
      // A person's task is not lost with the engine: it waits for `baton submit` as before.
      if (!held.has(attemptId) && !this.isHumanWork(key))
        signals.push({ type: 'attempt.abandoned', data: { attemptId, reason: 'no worker holds it' } });
    }
    // Abandoned attempts never report, so nothing will collect or clean their artifact directories.
    for (const signal of signals)
      if (signal.type === 'attempt.abandoned')
        await AttemptScratch.discard(this.options.artifacts, this.runId, signal.data.attemptId);
    this.inbox.push(...signals);
  }

  private isHumanWork(instanceKey: string): boolean {
    const instance = this.state.instances.get(instanceKey);
    const capability = instance?.capability ?? (instance ? this.state.steps[instance.step]?.capability : undefined);
    return capability != null && this.state.registry[capability]?.kind === 'human';
  }

  /**
   * True when nothing will happen without a person or a signal: no work and no timer but,
   * perhaps, the deadline (which a later `resume` enforces just the same).
   */
  get waitingOnOutside(): boolean {
    if (this.state.status !== 'running' || this.activeHere > 0 || this.inbox.length > 0) return false;
    for (const key of this.state.inflight.values()) if (!this.isHumanWork(key)) return false; // a worker elsewhere may still report
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
        return;
      }
      if (!this.distributed) await store.renewLeases(owner.id, until);
    } catch {
      // A missed renewal only shortens the lease; the next one tries again.
    }
  }

  private async unlock(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (!this.lostLock) await this.options.store.releaseRunLock(this.runId, this.options.owner.id);
  }

  /** An outcome from the executor (or any signal): recorded and decided on at the next turn. */
  signal(event: BatonEvent): void {
    this.inbox.push(event);
    this.wake?.();
  }

  /** Stops without changing the ledger: running attempts are killed, the lock released. Resume picks up. */
  async interrupt(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.executor.shutdown();
  }

  private onNotice(notice: StoreNotice): void {
    if (notice.runId !== this.runId || notice.topic !== 'outcomes') return;
    this.reported = true;
    this.wake?.();
  }

  /** Runs until the run ends (or `interrupt`); resolves with the final state. */
  async drive(): Promise<RunState> {
    try {
      if (this.distributed) {
        this.unsubscribe = await this.options.store.subscribe((notice) => this.onNotice(notice));
        await this.localWorker?.start();
      }
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
        const now = this.options.now();
        const signals = this.inbox.splice(0);
        const at = new Date(now).toISOString();
        for (const signal of signals) evolve(this.state, { ...signal, at });
        const decisions = conduct(this.state, { now });
        if (signals.length > 0 || decisions.length > 0) {
          try {
            await this.commit([...signals, ...decisions], now);
          } catch (error) {
            if (error instanceof LockLostError) throw error;
            if (!(error instanceof ConflictError)) throw error;
            conflicts += 1;
            if (conflicts > MAX_CONFLICTS) {
              throw new ConflictError(
                `run "${this.runId}": ${MAX_CONFLICTS} appends in a row conflicted with other processes appending to it; this engine stops conducting it (resume it to continue)`,
              );
            }
            // Another process appended (an operator's signal): start again from the ledger. The
            // reload checks the chain against the recorded head, so a ledger that lost its newest
            // events stops here with an IntegrityError instead of conflicting on every retry.
            await this.reload();
            this.inbox.unshift(...signals);
            continue;
          }
          conflicts = 0;
        }
        if (this.state.status !== 'running' && this.activeHere === 0 && this.inbox.length === 0) return this.state;
        if (this.waitingOnOutside && !this.options.wait) return this.state;
        if (this.inbox.length === 0 && !this.reported) await this.sleep(nextWakeAt(this.state));
        if (this.distributed && this.inbox.length === 0) await this.collectFromQueue();
        if (this.inbox.length === 0) await this.absorbOutsideEvents();
      }
    } finally {
      this.loopExited = true; // from here on, signals must go to the ledger, not to this inbox
      if (this.stopping) await this.executor.shutdown();
      // Cleanup that fails must not hide why the loop ended (a full disk fails the lock's release
      // too): unfinished local work goes back to the queue, or its lease expires; so does the lock.
      await this.localWorker?.stop(0).catch(() => undefined);
      await this.unsubscribe?.().catch(() => undefined);
      await this.unlock().catch(() => undefined);
      // Each attempt removes its own directory; the run's is left once none is running (rmdir refuses a non-empty one).
      await rmdir(AttemptScratch.runDir(this.options.artifacts, this.runId)).catch(() => {});
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

  /**
   * Distributed mode: takes the outcomes workers reported into the next round, and gives up
   * attempts whose worker stopped renewing its lease (it died or lost the database), so the
   * conductor dispatches them again.
   */
  private async collectFromQueue(): Promise<void> {
    this.reported = false;
    for (const item of await this.options.store.reportedWork(this.runId)) {
      if (this.collecting.has(item.attemptId) || !item.outcome) continue;
      this.collecting.add(item.attemptId);
      this.inbox.push(item.outcome);
    }
    const now = this.options.now();
    if (now - this.lastLeaseCheck < this.leaseMs / 3) return;
    this.lastLeaseCheck = now;
    for (const item of await this.options.store.listWork(this.runId)) {
      const lapsed =
        item.claimedBy !== null &&
        !item.abandoned &&
        item.outcome === null &&
        item.leaseUntil !== null &&
        item.leaseUntil < now;
      if (!lapsed || this.expired.has(item.attemptId) || !this.state.inflight.has(item.attemptId)) continue;
      this.expired.add(item.attemptId);
      this.inbox.push({
        type: 'attempt.abandoned',
        data: { attemptId: item.attemptId, reason: `its lease expired: worker ${item.claimedBy} stopped renewing it` },
      });
    }
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

  /** One transaction: the events, the run's index row, and the work they start or end. */
  private async commit(events: BatonEvent[], now: number, create?: AppendBatch['create']): Promise<void> {
    const chained = chainEvents(this.runId, this.head, events, new Date(now).toISOString());
    const enqueue: WorkItem[] = [];
    const dequeue: string[] = [];
    const abandon: string[] = [];
    const cancel: string[] = [];
    for (const event of chained) {
      switch (event.type) {
        case 'attempt.dispatched': {
          const item = workItemOf(
            event,
            this.state,
            this.distributed ? null : { by: this.options.owner.id, until: now + this.leaseMs },
          );
          if (item) enqueue.push(item);
          break;
        }
        case 'attempt.succeeded':
        case 'attempt.failed':
          dequeue.push(event.data.attemptId);
          break;
        case 'attempt.abandoned':
          // A lapsed lease keeps its item, so that the lost worker's late outcome is recorded as stale.
          (this.expired.has(event.data.attemptId) ? abandon : dequeue).push(event.data.attemptId);
          break;
        case 'attempt.cancelled':
          dequeue.push(event.data.attemptId);
          cancel.push(event.data.attemptId);
          break;
        default:
          break;
      }
    }
    await this.options.store.append({
      runId: this.runId,
      expectedSeq: this.head.seq,
      events: chained,
      status: this.state.status,
      ...(create ? { create } : { conductor: this.options.owner.id }),
      enqueue,
      dequeue,
      abandon,
    });
    const last = chained.at(-1);
    if (last) this.head = { seq: last.seq, hash: last.hash };
    for (const attemptId of [...dequeue, ...abandon]) this.collecting.delete(attemptId);
    if (!this.distributed) for (const item of enqueue) this.executor.submit(item);
    // Distributed: the item is deleted, and whichever worker holds it stops at its next renewal.
    for (const attemptId of cancel) this.executor.cancel({ runId: this.runId, attemptId }, AbortReason.cancelled);
    for (const listener of this.listeners) {
      try {
        listener(chained);
      } catch {
        // A listener that throws never stops the run (STYLE.md 10).
      }
    }
  }
}
