import { Client } from 'pg';
import type { BenchServer } from './database.js';
import { now } from './worker-fleet.js';

export interface CommitRate {
  commits: number;
  wallMs: number;
  commitsPerSecond: number;
}

const WARM_UP_COMMITS = 200;

/**
 * The reference line: how many transactions one connection can commit one after another on
 * this server. Each is a single-row `INSERT` in autocommit (one round trip, one WAL flush), the
 * least a queue can do to record one job's state change durably without batching.
 */
export async function sequentialCommitRate(server: BenchServer, commits: number): Promise<CommitRate> {
  const db = await server.freshSchema('commits');
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    await client.query(
      `CREATE TABLE ${db.schema}.commits (id bigserial PRIMARY KEY, n integer NOT NULL, at timestamptz NOT NULL DEFAULT now())`,
    );
    const insert = { name: 'bench-commit', text: `INSERT INTO ${db.schema}.commits (n) VALUES ($1)` };
    for (let i = 0; i < WARM_UP_COMMITS; i += 1) await client.query({ ...insert, values: [i] });
    const start = now();
    for (let i = 0; i < commits; i += 1) await client.query({ ...insert, values: [i] });
    const wallMs = now() - start;
    const { rows } = await client.query<{ count: number }>(`SELECT count(*)::int AS count FROM ${db.schema}.commits`);
    if (rows[0]?.count !== commits + WARM_UP_COMMITS)
      throw new Error(`sequential commits: expected ${commits + WARM_UP_COMMITS} rows, found ${rows[0]?.count}`);
    return { commits, wallMs, commitsPerSecond: (commits * 1_000) / wallMs };
  } finally {
    await client.end();
    await server.dropSchema(db.schema);
  }
}
