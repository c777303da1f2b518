import { Client } from 'pg';
import { expect, it } from 'vitest';
import { chainEvents, EMPTY_HEAD } from '../../src/ledger/index.js';
import { loadMigrations } from '../../src/store/index.js';
import { PostgresStore } from '../../src/store/postgres/index.js';
import { listRunsSql } from '../../src/store/postgres/queries.js';
import { describePostgres, freshSchema } from '../support/postgres.js';

const AT = '2026-01-01T00:00:00.000Z';

describePostgres('PostgreSQL run listing', (url) => {
  it('finds runs created before run search existed by the objective in their run.created event', async () => {
    const schema = freshSchema();
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`CREATE SCHEMA ${schema}`);
      await client.query(`SET search_path = ${schema}`);
      await client.query(
        'CREATE TABLE baton_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at text NOT NULL)',
      );
      for (const migration of loadMigrations('postgres').filter((m) => m.version <= 5)) {
        await client.query(migration.sql);
        await client.query('INSERT INTO baton_migrations VALUES ($1, $2, $3)', [migration.version, migration.name, AT]);
      }
      const plan = {
        baton: 1,
        name: 'nightly',
        objective: 'Refresh the price index',
        steps: { a: { skill: 's' } },
      } as const;
      const [event] = chainEvents(
        'old',
        EMPTY_HEAD,
        [{ type: 'run.created', data: { plan, planHash: 'h', inputs: {}, registry: {} } }],
        AT,
      );
      await client.query(
        "INSERT INTO runs (run_id, name, plan_hash, status, created_at, updated_at, head_seq, head_hash) VALUES ('old', 'nightly', 'h', 'running', $1, $1, 1, $2)",
        [AT, event!.hash],
      );
      await client.query(
        'INSERT INTO events (run_id, seq, type, at, data, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        ['old', 1, event!.type, AT, JSON.stringify(event!.data), event!.prevHash, event!.hash],
      );
    } finally {
      await client.end();
    }
    const store = await PostgresStore.connect(url, { schema });
    expect((await store.listRuns({ search: 'price INDEX' })).map((r) => r.runId)).toEqual(['old']);
    await store.close();
  });

  // Each shape of the list, planned as the named statement it runs as (a generic plan) over
  // 10,000 runs, must walk an index in the list's order, from the cursor, and never sort: a page
  // deep in the list then costs what the first does. (The planner is cost-based: over an empty
  // table it may rightly prefer to sort, so the table is filled and analyzed first.)
  it.each([
    [{ status: false, before: false, search: false }, 'runs_newest_first'],
    [{ status: false, before: true, search: true }, 'runs_newest_first'],
    [{ status: true, before: false, search: false }, 'runs_by_status_newest_first'],
    [{ status: true, before: true, search: true }, 'runs_by_status_newest_first'],
  ])('plans the list %o as an ordered walk of %s', async (shape, index) => {
    const schema = freshSchema();
    await (await PostgresStore.connect(url, { schema })).close();
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`SET search_path = ${schema}`);
      await client.query(`
        INSERT INTO runs (run_id, name, plan_hash, status, created_at, updated_at, head_seq, head_hash, objective)
        SELECT 'run-' || lpad(i::text, 5, '0'), 'plan ' || (i % 7), 'h', CASE WHEN i % 10 = 0 THEN 'failed' ELSE 'succeeded' END,
               to_char(timestamp '2026-01-01' + i * interval '1 minute', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), '', 2, 'h', 'batch ' || i
        FROM generate_series(1, 10000) AS i`);
      await client.query('ANALYZE runs');
      await client.query('SET plan_cache_mode = force_generic_plan');
      await client.query(`PREPARE listing AS ${listRunsSql(shape)}`);
      const values = [
        '50',
        ...(shape.status ? ["'failed'"] : []),
        ...(shape.before ? ["'2026-01-05T00:00:00.000Z'", "'run-05760'"] : []),
        ...(shape.search ? ["'%x%'"] : []),
      ];
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN EXECUTE listing(${values.join(', ')})`);
      const plan = rows.map((row) => row['QUERY PLAN']).join('\n');
      expect(plan).toContain(`Index Scan using ${index}`);
      expect(plan).not.toMatch(/Sort|Seq Scan/);
      if (shape.before) expect(plan).toMatch(/Index Cond: .*ROW\(created_at, run_id\) < ROW/);
    } finally {
      await client.end();
    }
  });
});
