import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { PgBenchDatabase } from './system.js';

/** Where CI's and the dev machines' local server answers (trust auth, database `test`). */
export const DEFAULT_BENCH_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** `BATON_BENCH_DATABASE_URL`, else the local default. */
export function benchDatabaseUrl(): string {
  return process.env.BATON_BENCH_DATABASE_URL || DEFAULT_BENCH_DATABASE_URL;
}

/** The URL without its password, for messages and the report. */
export function describeUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
}

/**
 * The shared server: hands each system a fresh schema and drops them all at the end. A schema
 * name carries a random suffix, so two benches on one server do not drop each other's tables.
 */
export class BenchServer {
  private readonly made: string[] = [];

  private constructor(
    readonly url: string,
    private readonly admin: Client,
    readonly serverVersion: string,
  ) {}

  /** Connects, or refuses with a message that says where it looked and how to point it elsewhere. */
  static async connect(url: string): Promise<BenchServer> {
    const admin = new Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
    try {
      await admin.connect();
      const { rows } = await admin.query<{ server_version: string }>('SHOW server_version');
      return new BenchServer(url, admin, rows[0]?.server_version ?? 'unknown');
    } catch (error) {
      await admin.end().catch(() => undefined);
      throw new Error(
        `no PostgreSQL answers at ${describeUrl(url)} (${error instanceof Error ? error.message : String(error)}). ` +
          'Start one there, or set BATON_BENCH_DATABASE_URL to a database the bench may create and drop schemas in.',
      );
    }
  }

  /** A new, empty schema for `label` (e.g. `pgboss`), dropped by `close`. */
  async freshSchema(label: string): Promise<PgBenchDatabase> {
    const schema = `baton_bench_${label}_${randomBytes(4).toString('hex')}`;
    await this.admin.query(`CREATE SCHEMA ${schema}`);
    this.made.push(schema);
    return { url: this.url, schema };
  }

  async dropSchema(schema: string): Promise<void> {
    await this.admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    const index = this.made.indexOf(schema);
    if (index >= 0) this.made.splice(index, 1);
  }

  /** Settings that decide how fast a commit can be, for the report. */
  async durabilitySettings(): Promise<string> {
    const { rows } = await this.admin.query<{ name: string; setting: string }>(
      "SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'wal_sync_method', 'shared_buffers') ORDER BY name",
    );
    return rows.map((row) => `${row.name}=${row.setting}`).join(', ');
  }

  /** Drops every schema still standing, then disconnects. */
  async close(): Promise<void> {
    try {
      for (const schema of [...this.made]) await this.dropSchema(schema);
    } finally {
      await this.admin.end();
    }
  }
}
