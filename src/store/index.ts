export type { AppendBatch, ListRunsQuery, RunLock, RunOwner, RunRecord, Store, WorkItem } from './port.js';
export { SqliteStore, type SqliteStoreOptions } from './sqlite/sqlite-store.js';
export { loadMigrations, type Migration } from './migrations.js';
