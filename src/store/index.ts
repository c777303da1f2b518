export {
  CONTEXT_ID_PREFIX,
  LockLostError,
  readAllEvents,
  resolveStoredPayloads,
  type AppendBatch,
  type ContextEntry,
  type LedgerStore,
  type ListRunsQuery,
  type PayloadReading,
  type PayloadStore,
  type PositionedEvent,
  type ProviderLease,
  type ProviderLeases,
  type RunLock,
  type RunLocks,
  type RunOwner,
  type RunRecord,
  type Store,
  type StoreNotice,
  type StoreNotices,
  type WorkOffer,
  type WorkItem,
  type WorkKey,
  type WorkOutcome,
  type WorkQueue,
  type WorkReport,
  type WorkspaceStore,
} from './port.js';
export { SqliteStore, type SqliteStoreOptions } from './sqlite/sqlite-store.js';
export { likeContaining, RUN_SEARCH_MAX_LENGTH, matchesRunSearch, objectiveOf } from './run-search.js';
export { loadMigrations, type Migration } from './migrations.js';
export { changesContext, contextWritesOf, type ContextWrite } from './context-writes.js';
