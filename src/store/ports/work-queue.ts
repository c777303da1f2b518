import type { Json, ReportedOutcome } from '../../core/index.js';

/** What a worker reports of an attempt; the conductor records it in the ledger (its tool calls as events of their own). */
export type WorkOutcome = ReportedOutcome;

/** A dispatched attempt waiting for, or held by, a worker. */
export interface WorkItem {
  runId: string;
  attemptId: string;
  step: string;
  capability: string;
  /** A command's definition travels in the plan, so any worker runs it; a function runs only where it is registered. */
  kind: 'command' | 'function';
  /** The skill the step asked for, if it named one: `baton worker --skills` claims only those. */
  skill: string | null;
  /** The plan revision the attempt was dispatched under; its capability definitions apply. */
  revision: number;
  idempotencyKey: string;
  input: Json;
  timeoutMs: number | null;
  /** Position in the run's ledger of the dispatch; work is claimed in this order. */
  enqueuedSeq: number;
  claimedBy: string | null;
  leaseUntil: number | null;
  /** The conductor gave the attempt up when its lease expired; a late outcome is still recorded, as stale. */
  abandoned: boolean;
  /** What the worker reported, held until the conductor records it. */
  outcome: WorkOutcome | null;
}

/** Attempt ids are unique within a run; work across runs is named by both. */
export interface WorkKey {
  runId: string;
  attemptId: string;
}

/** A worker's report of one attempt it held. */
export interface WorkReport extends WorkKey {
  outcome: WorkOutcome;
}

/**
 * The queue of dispatched attempts that workers claim, lease and report on. Work enters and
 * leaves it only with the ledger events that dispatch and settle it (`AppendBatch.enqueue`,
 * `dequeue`, `abandon`), so the queue never says what the ledger does not.
 */
export interface WorkQueue {
  /** Work of a run that is still queued or held (for resuming after a crash). */
  listWork(runId: string): Promise<WorkItem[]>;
  /**
   * Claims up to `limit` unclaimed items in dispatch order, in one statement. `functions`
   * (when given) are the function capabilities the claimer has; `skills` (when given) limit it
   * to work for those skills.
   */
  claimWork(args: {
    workerId: string;
    runId?: string;
    limit: number;
    leaseUntil: number;
    functions?: readonly string[];
    skills?: readonly string[];
  }): Promise<WorkItem[]>;
  /** Renews the leases of everything a worker still holds (not reported, not abandoned); returns those attempt ids. */
  renewLeases(workerId: string, leaseUntil: number): Promise<WorkKey[]>;
  /**
   * Stores workers' outcomes on the items they hold, in one statement; returns the items
   * stored. An item that is gone (cancelled, or its run ended) or held by another takes nothing.
   * `free`: the slots the worker has once these are off its hands, which an adapter whose
   * notices carry the reports passes on to the conductor as an offer (StoreNotice.offer).
   */
  reportWork(workerId: string, reports: readonly WorkReport[], free?: number): Promise<WorkKey[]>;
  /** Hands items a worker holds but will not finish back to the queue, for another worker to claim. */
  releaseWork(workerId: string, items: readonly WorkKey[]): Promise<void>;
  /** Items of a run whose outcome a worker reported and the conductor has not recorded yet. */
  reportedWork(runId: string): Promise<WorkItem[]>;
}
