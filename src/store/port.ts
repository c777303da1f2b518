import type { LedgerStore } from './ports/ledger-store.js';
import type { ProviderLeases } from './ports/provider-leases.js';
import type { PayloadStore } from './ports/payload-store.js';
import type { RunLocks } from './ports/run-locks.js';
import type { StoreNotices } from './ports/store-notices.js';
import type { WorkQueue } from './ports/work-queue.js';
import type { WorkspaceStore } from './ports/workspace-store.js';

/**
 * The storage ports, one per concern (ports/), and `Store`, what an adapter implements: all of
 * them over one database. Two adapters (SQLite embedded, PostgreSQL for many processes) and
 * the simulation's memory store implement it, and one conformance suite per port holds them
 * to the same behaviour. Times are milliseconds since the epoch, passed in by the caller: the
 * store reads no clock of its own, so tests can drive leases deterministically. Consumers take
 * the narrowest port they need.
 */
export interface Store
  extends LedgerStore, PayloadStore, WorkQueue, RunLocks, StoreNotices, WorkspaceStore, ProviderLeases {
  readonly dialect: 'sqlite' | 'postgres';
  close(): Promise<void>;
}

export {
  LockLostError,
  readAllEvents,
  type AppendBatch,
  type LedgerStore,
  type ListRunsQuery,
  type PositionedEvent,
  type RunRecord,
} from './ports/ledger-store.js';
export type { ProviderLease, ProviderLeases } from './ports/provider-leases.js';
export { resolveStoredPayloads, type PayloadReading, type PayloadStore } from './ports/payload-store.js';
export type { RunLock, RunLocks, RunOwner } from './ports/run-locks.js';
export type { StoreNotice, StoreNotices, WorkOffer } from './ports/store-notices.js';
export type { WorkItem, WorkKey, WorkOutcome, WorkQueue, WorkReport } from './ports/work-queue.js';
export { CONTEXT_ID_PREFIX, type ContextEntry, type WorkspaceStore } from './ports/workspace-store.js';
