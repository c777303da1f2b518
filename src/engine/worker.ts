import { AbortReason } from '../capabilities/index.js';
import type { RunOwner, StoreNotice, StoreNotices, WorkItem, WorkQueue, WorkReport } from '../store/index.js';
import { Executor, type ExecutorOptions } from './executor.js';
import { setLongTimeout } from './long-timeout.js';

/** How often an idle worker looks for work when no notice came: a lost notice only delays. */
export const WORKER_POLL_MS = 1_000;

export interface WorkerOptions extends Omit<ExecutorOptions, 'report'> {
  store: WorkQueue & StoreNotices;
  owner: RunOwner;
  /** The function capabilities this process has; work for other functions is left to other workers. */
  functions: readonly string[];
  /** Claim only work for these skills (default: any). */
  skills?: readonly string[];
  /** Claim only this run's work (an engine running its own run's steps). */
  runId?: string;
  /** How long a claim lasts without renewal; renewed every third of it. */
  leaseMs: number;
  /** Told what the worker does, for its log: claims, reports, stale results, lost leases. */
  log?(event: WorkerLogEvent): void;
}

/** An attempt as the worker's log names it: with its run's correlation id (absent for runs created before it). */
export type LoggedAttempt = { runId: string; attemptId: string; correlationId?: string };

export type WorkerLogEvent =
  | { type: 'claimed'; items: LoggedAttempt[] }
  | { type: 'reported'; stored: number; dropped: LoggedAttempt[] }
  | { type: 'lease_lost'; item: LoggedAttempt }
  | { type: 'error'; message: string };

/**
 * A worker: claims dispatched work of any run from the store, runs it with the same executor
 * the embedded engine uses, and stores each outcome on its work item, where the run's
 * conductor (in whatever process) records it in the ledger. It decides nothing.
 *
 * Delivery is at least once: a worker that dies keeps its items until their lease expires;
 * then the conductor abandons them and dispatches new attempts (same idempotency key). An
 * outcome is accepted once: the conductor records only the current attempt's.
 */
export class Worker {
  private readonly executor: Executor;
  private readonly reports: WorkReport[] = [];
  /** The batch being stored: done with, but its items hold no outcome in the store yet. */
  private reporting: readonly WorkReport[] = [];
  private flushing: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  /** The last claim found the queue empty: wait for a notice (or the poll) before asking again. */
  private drained = false;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private unsubscribe: (() => Promise<void>) | undefined;
  /** Items claimed for this worker that it did not hold at the last renewal (see renew). */
  private unknownAtLastRenewal = new Set<string>();
  /** When each held item was claimed: a renewal that began before a claim cannot speak for it. */
  private readonly claimedAt = new Map<string, number>();

  constructor(private readonly options: WorkerOptions) {
    this.executor = new Executor({
      ...options,
      report: (item, outcome) => this.report({ runId: item.runId, attemptId: item.attemptId, outcome }),
    });
  }

  private static keyOf(item: { runId: string; attemptId: string }): string {
    return `${item.runId}\u0000${item.attemptId}`;
  }

  get id(): string {
    return this.options.owner.id;
  }

  /** Attempts held (running or about to). */
  get active(): number {
    return this.executor.active;
  }

  async start(): Promise<void> {
    this.unsubscribe = await this.options.store.subscribe((notice) => this.onNotice(notice));
    this.heartbeat = setInterval(() => void this.renew(), this.options.leaseMs / 3);
    this.heartbeat.unref();
    this.loop = this.claimLoop();
  }

  /**
   * Stops claiming and lets running attempts finish for up to `graceMs`; what is still
   * running then is stopped and handed back to the queue for another worker, and every
   * outcome is reported before this resolves.
   */
  async stop(graceMs: number): Promise<{ finished: boolean; released: number }> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    const idle = this.executor.idle().then(() => true);
    const finished =
      graceMs > 0
        ? await Promise.race([
            idle,
            new Promise<boolean>((resolve) => setLongTimeout(() => resolve(false), graceMs, { unref: true })),
          ])
        : this.executor.active === 0;
    const unfinished = await this.executor.shutdown();
    await this.flush();
    await this.close();
    // Items the conductor handed over on an earlier offer whose notice had not arrived are still claimed for this worker.
    const { store, leaseMs, now } = this.options;
    const claimed = await store.renewLeases(this.id, now() + leaseMs).catch(() => []);
    const unfinishedKeys = new Set(unfinished.map(Worker.keyOf));
    const strays = claimed.filter((item) => !unfinishedKeys.has(Worker.keyOf(item)));
    await store.releaseWork(this.id, [...unfinished, ...strays]);
    return { finished, released: unfinished.length };
  }

  private async close(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    await this.unsubscribe?.();
  }

  private onNotice(notice: StoreNotice): void {
    if (notice.topic === 'handed' && notice.item?.claimedBy === this.id) return this.take(notice.item);
    if (notice.topic !== 'work' || (this.options.runId !== undefined && notice.runId !== this.options.runId)) return;
    this.drained = false;
    this.wake?.();
  }

  /**
   * An item the conductor claimed for this worker on its offer (the free slots its last report
   * named): started as if this worker had claimed it. A worker that is stopping hands it back.
   */
  private take(item: WorkItem): void {
    if (this.stopping) {
      void this.options.store.releaseWork(this.id, [item]).catch(() => undefined);
      return;
    }
    this.logClaimed([item]);
    this.claimedAt.set(Worker.keyOf(item), this.options.now());
    this.executor.submit(item);
  }

  /**
   * The attempts with their runs' correlation ids, for the log. The runs' contexts are the ones
   * the executor loads to run the items (cached), so naming the id costs no read of its own,
   * and the log waits for it, never the work.
   */
  private async logged(
    items: readonly { runId: string; attemptId: string; revision?: number }[],
  ): Promise<LoggedAttempt[]> {
    return Promise.all(
      items.map(async ({ runId, attemptId, revision }) => {
        const correlationId = await Promise.resolve(
          this.options.runOf({ runId, revision: revision ?? 1 } as WorkItem),
        ).then(
          (run) => run.correlationId,
          () => undefined,
        );
        return { runId, attemptId, ...(correlationId !== undefined && { correlationId }) };
      }),
    );
  }

  private logClaimed(items: readonly WorkItem[]): void {
    const { log } = this.options;
    if (log) void this.logged(items).then((attempts) => log({ type: 'claimed', items: attempts }));
  }

  private async claimLoop(): Promise<void> {
    const { store, owner, leaseMs, now } = this.options;
    while (!this.stopping) {
      const free = this.options.concurrency - this.executor.active;
      if (free > 0 && !this.drained) {
        try {
          const items = await store.claimWork({
            workerId: owner.id,
            limit: free,
            leaseUntil: now() + leaseMs,
            functions: this.options.functions,
            ...(this.options.skills && { skills: this.options.skills }),
            ...(this.options.runId !== undefined && { runId: this.options.runId }),
          });
          if (items.length > 0) this.logClaimed(items);
          const claimedAt = now();
          for (const item of items) {
            this.claimedAt.set(Worker.keyOf(item), claimedAt);
            this.executor.submit(item);
          }
          this.drained = items.length < free;
          if (!this.drained) continue;
        } catch (error) {
          this.options.log?.({ type: 'error', message: `claiming work failed: ${(error as Error).message}` });
        }
      }
      await this.sleep();
    }
  }

  /** Until a notice, a freed slot, or the poll. */
  private sleep(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.drained = false;
        done();
      }, WORKER_POLL_MS);
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      this.wake = done;
    });
  }

  /** Outcomes are stored in batches: whatever finished while the last batch was being written goes next. */
  private report(report: WorkReport): void {
    this.claimedAt.delete(Worker.keyOf(report));
    this.reports.push(report);
    this.flushing ??= this.flushLoop().finally(() => (this.flushing = undefined));
    // A slot is free: claim again unless the queue was found empty.
    this.wake?.();
  }

  private async flushLoop(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    while (this.reports.length > 0) {
      const batch = this.reports.splice(0);
      this.reporting = batch;
      try {
        // The offer of slots to the conductor (StoreNotice.offer): none from a worker that is stopping.
        const free = this.stopping ? 0 : this.options.concurrency - this.executor.active;
        const stored = await this.options.store.reportWork(this.id, batch, free);
        const kept = new Set(stored.map(Worker.keyOf));
        const dropped = batch.filter((report) => !kept.has(Worker.keyOf(report)));
        const { log } = this.options;
        if (log && dropped.length === 0) log({ type: 'reported', stored: stored.length, dropped: [] });
        else if (log)
          void this.logged(dropped).then((attempts) =>
            log({ type: 'reported', stored: stored.length, dropped: attempts }),
          );
      } catch (error) {
        // Kept for the next batch: the lease runs on meanwhile, and a result the conductor gave up on is stale anyway.
        this.reports.unshift(...batch);
        this.options.log?.({ type: 'error', message: `reporting outcomes failed: ${(error as Error).message}` });
        await new Promise((resolve) => setTimeout(resolve, 500));
      } finally {
        this.reporting = [];
      }
    }
  }

  private async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.reports.length > 0) {
      this.flushing = this.flushLoop().finally(() => (this.flushing = undefined));
      await this.flushing;
    }
  }

  /**
   * Renews every lease held, and stops attempts whose item is no longer ours: the conductor
   * cancelled it (deleted), or gave it up after the lease expired (abandoned). An item claimed
   * for this worker that it does not hold (the notice that handed it over was lost) is handed
   * back to the queue once two renewals in a row found it so: one may just precede its notice
   * or a claim's answer.
   */
  private async renew(): Promise<void> {
    const { store, owner, leaseMs, now } = this.options;
    try {
      const began = now();
      const renewed = await store.renewLeases(owner.id, began + leaseMs);
      const held = new Set(renewed.map(Worker.keyOf));
      const known = new Set([...this.executor.held(), ...this.reports, ...this.reporting].map(Worker.keyOf));
      for (const item of this.executor.held()) {
        const key = Worker.keyOf(item);
        if (held.has(key) || (this.claimedAt.get(key) ?? 0) >= began) continue;
        void this.logged([item]).then(
          ([attempt]) => attempt && this.options.log?.({ type: 'lease_lost', item: attempt }),
        );
        this.claimedAt.delete(key);
        this.executor.cancel(item, AbortReason.cancelled);
      }
      const unknown = renewed.filter((item) => !known.has(Worker.keyOf(item)));
      const lost = unknown.filter((item) => this.unknownAtLastRenewal.has(Worker.keyOf(item)));
      this.unknownAtLastRenewal = new Set(unknown.map(Worker.keyOf));
      if (lost.length > 0) await store.releaseWork(owner.id, lost);
    } catch (error) {
      this.options.log?.({ type: 'error', message: `renewing leases failed: ${(error as Error).message}` });
    }
  }
}
