export {
  CONTEXT_ID_PREFIX,
  LockLostError,
  readAllEvents,
  type AppendBatch,
  type ContextEntry,
  type ListRunsQuery,
  type RunLock,
  type RunOwner,
  type RunRecord,
  type Store,
  type StoreNotice,
  type WorkItem,
  type WorkKey,
  type WorkOutcome,
  type WorkReport,
} from './port.js';
export { SqliteStore, type SqliteStoreOptions } from './sqlite/sqlite-store.js';
export { likeContaining, RUN_SEARCH_MAX_LENGTH, matchesRunSearch, objectiveOf } from './run-search.js';
export { loadMigrations, type Migration } from './migrations.js';
export { API_SCOPES, type ApiScope, type ApiToken, type PositionedEvent } from './port.js';
