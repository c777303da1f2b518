// The PostgreSQL adapter, apart from the store's index so that a process on the embedded store
// never loads the pg driver: the CLI imports it only when --db or BATON_DATABASE_URL asks for it.
export { PostgresStore, type PostgresStoreOptions } from './postgres-store.js';
