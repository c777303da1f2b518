import type { BatonEvent, RunState } from '../core/index.js';
import type { Store, WorkOffer, WorkReport } from '../store/index.js';
import type { PlannedRound } from './run-round.js';
import { lapsedLeases } from './work-recovery.js';
import type { Worker } from './worker.js';
import type { WorkTransport } from './work-transport.js';

/**
 * How often the conductor reads the queue for reports even when every notice carried its
 * reports: a notice lost while the listening connection was down only delays an outcome by this.
 */
export const REPORTED_WORK_POLL_MS = 250;

export interface QueueTransportOptions {
  store: Store;
  runId: string;
  /** How long a worker's claim lasts without renewal; lapsed leases are looked for every third of it. */
  leaseMs: number;
  /** This process's share of the run's work, claimed from the queue like any worker's (none: all to other workers). */
  localWorker?: Worker;
}

/**
 * The distributed engine's transport: dispatched work waits unclaimed on the store's queue for
 * any worker (`baton worker`, on any machine, or this process's own), and the outcomes workers
 * store on their items are collected from it. Attempts whose worker stopped renewing its lease
 * are given up, so the conductor dispatches them again.
 * @example
 * const transport = new QueueTransport({ store, runId, leaseMs });
 * inbox.push(...(await transport.collect(state, now)));
 */
export class QueueTransport implements WorkTransport {
  readonly claim = null;
  readonly workOutlivesEngine = true;
  /** Outcomes read from the queue and not yet committed, so that none is read twice. */
  private readonly collecting = new Set<string>();
  private readonly given = new Set<string>();
  private lastLeaseCheck = 0;
  /** Reports that came with their notice, not yet handed to a round. */
  private readonly carried: WorkReport[] = [];
  /** The latest offer of each worker that reported, for the next round only: an older one says little. */
  private readonly offers = new Map<string, WorkOffer>();
  /** A notice came without its reports (too large to carry), or none yet: read the queue at the next collect. */
  private mustRead = true;
  private lastRead = 0;
  private unsubscribe: (() => Promise<void>) | undefined;

  constructor(private readonly options: QueueTransportOptions) {}

  get lapsed(): ReadonlySet<string> {
    return this.given;
  }

  get activeHere(): number {
    return this.options.localWorker?.active ?? 0;
  }

  async open(nudge: () => void): Promise<void> {
    const { store, runId, localWorker } = this.options;
    this.unsubscribe = await store.subscribe((notice) => {
      if (notice.runId !== runId || notice.topic !== 'outcomes') return;
      if (notice.reports) this.carried.push(...notice.reports);
      else this.mustRead = true;
      if (notice.offer) this.offers.set(notice.offer.workerId, { ...notice.offer });
      nudge();
    });
    await localWorker?.start();
  }

  /**
   * The outcomes reported since the last call: those their notices carried, and those on the
   * queue when a notice could not carry them (or every REPORTED_WORK_POLL_MS, for notices
   * lost). A carried outcome is taken only for an attempt the run still awaits: a copy that
   * arrives after its row was read and recorded must not be recorded twice, and a late
   * outcome of an attempt given up is left to the row, which is recorded as stale.
   */
  async collect(state: RunState, now: number): Promise<BatonEvent[]> {
    const { store, runId, leaseMs } = this.options;
    const signals: BatonEvent[] = [];
    const take = (attemptId: string, outcome: BatonEvent): void => {
      if (this.collecting.has(attemptId)) return;
      this.collecting.add(attemptId);
      signals.push(outcome);
    };
    for (const report of this.carried.splice(0)) {
      if (state.inflight.has(report.attemptId)) take(report.attemptId, report.outcome);
      else this.mustRead = true;
    }
    if (this.mustRead || now - this.lastRead >= REPORTED_WORK_POLL_MS) {
      this.mustRead = false;
      this.lastRead = now;
      for (const item of await store.reportedWork(runId)) if (item.outcome) take(item.attemptId, item.outcome);
    }
    // Every third of a lease, not every round: a lease is renewed that often, and listing the queue costs a read.
    if (now - this.lastLeaseCheck < leaseMs / 3) return signals;
    this.lastLeaseCheck = now;
    for (const signal of lapsedLeases(state, await store.listWork(runId), now, this.given)) {
      this.given.add(signal.data.attemptId);
      signals.push(signal);
    }
    return signals;
  }

  /**
   * Claims the round's new items for the workers that offered to take them: up to each one's
   * free slots, and only items of a capability and skill it just ran. Such a worker starts an
   * item from the notice its queuing sends, without a claim: one round trip less per step of a
   * chain. A worker that has meanwhile filled up keeps the item waiting on its own executor; one
   * that never hears of it hands it back to the queue at its second lease renewal (Worker.renew),
   * and one that died leaves its lease to lapse, as for any item it held.
   */
  handOut(round: PlannedRound, now: number): void {
    for (const item of round.batch.enqueue) {
      if (item.claimedBy !== null) continue;
      const offer = [...this.offers.values()].find(
        (candidate) =>
          candidate.free > 0 &&
          candidate.ran.some((ran) => ran.capability === item.capability && ran.skill === item.skill),
      );
      if (!offer) continue;
      offer.free -= 1;
      item.claimedBy = offer.workerId;
      item.leaseUntil = now + this.options.leaseMs;
    }
    this.offers.clear();
  }

  /** A cancelled attempt's item is deleted by the append; whichever worker holds it stops at its next renewal. */
  committed(round: PlannedRound): void {
    for (const attemptId of [...round.batch.dequeue, ...round.batch.abandon]) this.collecting.delete(attemptId);
  }

  /** The queue's work is the workers'; the local worker hands back what it holds when closed. */
  async shutdown(): Promise<void> {}

  async close(): Promise<void> {
    // Cleanup that fails must not hide why the loop ended: unfinished local work goes back to the queue, or its lease expires.
    await this.options.localWorker?.stop(0).catch(() => undefined);
    await this.unsubscribe?.().catch(() => undefined);
  }
}
