import { ConflictError, type LedgerEvent, type PlanningRecord, type RunStatus } from '../../core/index.js';
import type { KeyEntry, KeyRecord, PlanningEntry, WorkspaceEntry } from '../../ledger/index.js';
import type { PayloadReading } from './payload-store.js';
import type { RunLock } from './run-locks.js';
import type { WorkItem } from './work-queue.js';

/** The index row of a run. The ledger is the truth; this row only makes listing cheap. */
export interface RunRecord {
  runId: string;
  name: string;
  planHash: string;
  status: RunStatus;
  createdAt: string;
  updatedAt: string;
  headSeq: number;
  headHash: string;
}

/**
 * The append was fenced on a conductor lock that another engine now holds: this process must
 * stop deciding for the run (it is a ConflictError, but reloading and carrying on would be wrong).
 */
export class LockLostError extends ConflictError {}

/**
 * Everything one decision round writes, committed atomically: the events (already chained
 * onto `expectedSeq`), the run's index row, and the work queue changes they imply.
 */
export interface AppendBatch {
  runId: string;
  /** The head the events were chained onto; a different head in the store is a ConflictError. */
  expectedSeq: number;
  events: LedgerEvent[];
  status: RunStatus;
  /**
   * For the first batch of a run (expectedSeq 0): its name and plan hash, and the conductor
   * lock when the creator conducts it (taken in the same transaction, so no other engine can
   * pick the new run up first).
   */
  create?: { name: string; planHash: string; lock?: RunLock };
  enqueue?: WorkItem[];
  /** Work that is done with: its rows are deleted. */
  dequeue?: string[];
  /** Work whose lease expired: kept, marked abandoned, so a late outcome is recorded as stale. */
  abandon?: string[];
  /**
   * The conductor appending, by owner id: the append fails with LockLostError unless it still
   * holds the run's lock. Operator commands from other processes append without it.
   */
  conductor?: string;
}

export interface ListRunsQuery {
  status?: RunStatus;
  limit?: number;
  /** Paging: only runs listed after this one (newest first: created earlier, or at the same time with a smaller id). */
  before?: { createdAt: string; runId: string };
  /**
   * Only runs whose id, plan name or objective contains this text, ignoring the case of ASCII
   * letters. It is matched as typed: `%`, `_` and `\` are no wildcards.
   */
  search?: string;
}

/**
 * An event with its place in the workspace-wide stream of every run's events. Positions are
 * opaque text that only the store that gave them can read; within one store they follow
 * commit order, so reading after a position never misses or repeats an event (each adapter
 * says how it keeps that promise).
 */
export interface PositionedEvent {
  position: string;
  event: LedgerEvent;
}

/**
 * The runs' ledgers: hash-chained events per run, the runs' index rows, the workspace-wide
 * stream of events, and the workspace ledger that anchors every run's creation and end (it
 * is written by `append`, in the transaction of the events it anchors, so it lives here).
 */
export interface LedgerStore {
  /** Appends a batch atomically; throws ConflictError when the chain head moved or the run exists already. */
  append(batch: AppendBatch): Promise<void>;
  /**
   * Events of a run in order, after `afterSeq`, with their large values resolved from the
   * payload table (`payloads: 'reference'`: as stored, with the references their hashes
   * cover, which is what verify reads). An event whose payload is missing or changed makes
   * a resolving read fail with an integrity error naming it.
   */
  readEvents(
    runId: string,
    afterSeq?: number,
    limit?: number,
    options?: { payloads?: PayloadReading },
  ): Promise<LedgerEvent[]>;
  getRun(runId: string): Promise<RunRecord | undefined>;
  listRuns(query?: ListRunsQuery): Promise<RunRecord[]>;
  /**
   * Events of every run in commit order (their large values resolved), after `position` (from the start when undefined), at
   * most `limit`. A position this store did not give is bad input (BatonError `bad_input`).
   */
  readEventsAfter(position: string | undefined, limit: number): Promise<PositionedEvent[]>;
  /**
   * Entries of the workspace ledger (every run's creation and end, chained), in seq order:
   * after `afterSeq`, at most `limit`, only those of `runId` when given. Appends write them,
   * in the same transaction as the events they anchor.
   */
  readWorkspaceLedger(query?: { afterSeq?: number; limit?: number; runId?: string }): Promise<WorkspaceEntry[]>;
  /**
   * Chains a planning's record (`baton plan`) onto the workspace ledger, under the same
   * serialization as a run's creation, and returns the entry written.
   */
  appendPlanningRecord(record: PlanningRecord, at: string): Promise<PlanningEntry>;
  /**
   * Chains a signing key's registration or revocation onto the workspace ledger, checked
   * (`keyEntryFor`) against the keys recorded before it under the same serialization, so two
   * processes cannot both register one name. ConflictError or NotFoundError write nothing.
   */
  appendKeyRecord(record: KeyRecord, at: string): Promise<KeyEntry>;
  /**
   * When the workspace ledger began (the time its migration was applied); runs created before
   * have no entries in it. Null when it covers every run this store ever held.
   */
  workspaceLedgerSince(): Promise<string | null>;
}

/**
 * A run's whole ledger in pages, so that folding or verifying a long run holds one page of
 * events in memory at a time rather than all of them.
 * @example
 * for await (const event of readAllEvents(store, runId)) state = evolve(state, event);
 */
export async function* readAllEvents(
  store: Pick<LedgerStore, 'readEvents'>,
  runId: string,
  pageSize = 2_000,
  payloads: PayloadReading = 'resolve',
): AsyncGenerator<LedgerEvent> {
  let after = 0;
  for (;;) {
    const page = await store.readEvents(runId, after, pageSize, { payloads });
    yield* page;
    if (page.length < pageSize) return;
    after = (page.at(-1) as LedgerEvent).seq;
  }
}
