import type { WorkItem, WorkReport } from './work-queue.js';

/** Something another process did that a sleeping engine or worker should look at. */
export interface StoreNotice {
  /**
   * `ledger`: events were appended; `work`: work became claimable; `outcomes`: a worker
   * reported; `handed`: the conductor queued an item already claimed for one worker (the one
   * that offered to take it), which starts it without claiming.
   */
  topic: 'ledger' | 'work' | 'outcomes' | 'handed';
  runId: string;
  /**
   * An `outcomes` notice's reports, when it could carry them (a PostgreSQL notice holds under
   * 8,000 bytes): the conductor then records them without reading the queue. Absent, the
   * reports are on the run's work items (`reportedWork`). A copy of what the report stored,
   * sent only once it committed.
   */
  reports?: WorkReport[];
  /** With carried reports: the reporting worker's free slots, and what it just ran (so it has it). */
  offer?: WorkOffer;
  /** A `handed` notice's item, when it could carry it; absent, the worker finds it when it renews its leases. */
  item?: WorkItem;
}

/**
 * A worker's offer to take more work: the conductor may claim up to `free` of the items it
 * queues next for it, of a capability and skill it just ran (so the worker has the function,
 * and its skill filter lets it through), saving the worker's claim.
 */
export interface WorkOffer {
  workerId: string;
  free: number;
  ran: { capability: string; skill: string | null }[];
}

/** Wake-ups across processes, for the ledger and the work queue alike. */
export interface StoreNotices {
  /**
   * Calls `listener` when another process (or this one) appends, enqueues or reports. A wake-up
   * only: a lost notice must never lose work, so every sleeper also polls.
   */
  subscribe(listener: (notice: StoreNotice) => void): Promise<() => Promise<void>>;
}
