import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { chainEvents, EMPTY_HEAD } from '../../src/ledger/index.js';
import { loadMigrations, SqliteStore } from '../../src/store/index.js';
import { listRunsSql } from '../../src/store/sqlite/queries.js';
import { tempDir } from '../support/temp.js';

const AT = '2026-01-01T00:00:00.000Z';

/** A workspace file migrated up to `version`, as an older Baton left it. */
function fileAtVersion(version: number): string {
  const file = join(tempDir(), 'baton.db');
  const db = new Database(file);
  db.exec('CREATE TABLE baton_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  for (const migration of loadMigrations('sqlite').filter((m) => m.version <= version)) {
    db.exec(migration.sql);
    db.prepare('INSERT INTO baton_migrations VALUES (?, ?, ?)').run(migration.version, migration.name, AT);
  }
  db.close();
  return file;
}

describe('SQLite run listing', () => {
  it('finds runs created before run search existed by the objective in their run.created event', async () => {
    const file = fileAtVersion(6);
    const db = new Database(file);
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
    db.prepare(
      "INSERT INTO runs (run_id, name, plan_hash, status, created_at, updated_at, head_seq, head_hash) VALUES ('old', 'nightly', 'h', 'running', ?, ?, 1, ?)",
    ).run(AT, AT, event!.hash);
    db.prepare(
      'INSERT INTO events (run_id, seq, type, at, data, prev_hash, hash, position) VALUES (?, ?, ?, ?, ?, ?, ?, 1)',
    ).run('old', 1, event!.type, AT, JSON.stringify(event!.data), event!.prevHash, event!.hash);
    db.close();
    const store = new SqliteStore(file);
    expect((await store.listRuns({ search: 'price INDEX' })).map((r) => r.runId)).toEqual(['old']);
    await store.close();
  });

  // The list pages through 10,000 runs 50 at a time: every shape must walk an index in the
  // list's order (no "USE TEMP B-TREE FOR ORDER BY", which sorts every matching run first) and
  // seek to the cursor rather than scan from the newest run.
  it.each([
    [{ status: false, before: false, search: false }, 'runs_newest_first'],
    [{ status: false, before: true, search: false }, 'runs_newest_first'],
    [{ status: false, before: true, search: true }, 'runs_newest_first'],
    [{ status: true, before: false, search: false }, 'runs_by_status_newest_first'],
    [{ status: true, before: true, search: true }, 'runs_by_status_newest_first'],
  ])('plans the list %o as a walk of %s in order, from the cursor', async (shape, index) => {
    const file = join(tempDir(), 'baton.db');
    await new SqliteStore(file).close();
    const db = new Database(file);
    const params = { limit: 50, status: 'running', beforeCreatedAt: AT, beforeRunId: 'r', pattern: '%x%' };
    const used = Object.fromEntries(Object.entries(params).filter(([name]) => listRunsSql(shape).includes(`@${name}`)));
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${listRunsSql(shape)}`).all(used) as { detail: string }[])
      .map((row) => row.detail)
      .join('\n');
    db.close();
    expect(plan).toContain(`USING INDEX ${index}`);
    expect(plan).not.toContain('TEMP B-TREE');
    if (shape.before) expect(plan).toContain('(created_at,run_id)<(?,?)');
  });
});
