import type { Pool } from 'pg';
import { assertSchemaKnown, loadMigrations } from '../migrations.js';
import { withTransaction } from './transaction.js';

/**
 * Applies pending migrations in one transaction that first takes an advisory lock on the
 * schema's name: processes that start at once on an empty database queue on the lock, and
 * each one after the first finds the migrations recorded and applies nothing. The lock is
 * taken before CREATE SCHEMA / CREATE TABLE IF NOT EXISTS because those are not safe against
 * a concurrent creator on their own (the loser fails on a unique index of the catalog).
 * `schema` is interpolated into SQL: PostgresStore.connect has checked it is a plain identifier.
 */
export async function migrate(pool: Pool, schema: string | undefined): Promise<void> {
  const migrations = loadMigrations('postgres');
  await withTransaction(pool, async (client) => {
    await client.query(
      `SELECT pg_advisory_xact_lock(hashtext('baton.migrate'), hashtext(coalesce($1::text, current_schema())))`,
      [schema ?? null],
    );
    if (schema !== undefined) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(
      'CREATE TABLE IF NOT EXISTS baton_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at text NOT NULL)',
    );
    const { rows } = await client.query<{ v: number | null }>('SELECT MAX(version) AS v FROM baton_migrations');
    const current = rows[0]?.v ?? 0;
    assertSchemaKnown(current, migrations);
    for (const migration of migrations) {
      if (migration.version <= current) continue;
      await client.query('INSERT INTO baton_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        new Date().toISOString(),
      ]);
      await client.query(migration.sql);
    }
  });
}
