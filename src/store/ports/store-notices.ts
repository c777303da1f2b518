import type { WorkReport } from './work-queue.js';

/** Something another process did that a sleeping engine or worker should look at. */
export interface StoreNotice {
  /** `ledger`: events were appended; `work`: work became claimable; `outcomes`: a worker reported. */
  topic: 'ledger' | 'work' | 'outcomes';
  runId: string;
  /**
   * An `outcomes` notice's reports, when it could carry them (a PostgreSQL notice holds under
   * 8,000 bytes): the conductor then records them without reading the queue. Absent, the
   * reports are on the run's work items (`reportedWork`). A copy of what the report stored,
   * sent only once it committed.
   */
  reports?: WorkReport[];
}

/** Wake-ups across processes, for the ledger and the work queue alike. */
export interface StoreNotices {
  /**
   * Calls `listener` when another process (or this one) appends, enqueues or reports. A wake-up
   * only: a lost notice must never lose work, so every sleeper also polls.
   */
  subscribe(listener: (notice: StoreNotice) => void): Promise<() => Promise<void>>;
}
