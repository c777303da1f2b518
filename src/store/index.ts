export { CONTEXT_ID_PREFIX, readAllEvents, type AppendBatch, type ContextEntry, type ListRunsQuery, type RunLock, type RunOwner, type RunRecord, type Store, type WorkItem } from './port.js';
export { SqliteStore, type SqliteStoreOptions } from './sqlite/sqlite-store.js';
export { PostgresStore, type PostgresStoreOptions } from './postgres/postgres-store.js';
export { loadMigrations, type Migration } from './migrations.js';
export { API_SCOPES, type ApiScope, type ApiToken, type PositionedEvent } from './port.js';
