import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { hashPlan, chainEvents, EMPTY_HEAD, isRunAnchor } from '../../src/ledger/index.js';
import { createBaton, plan } from '../../src/index.js';
import { loadMigrations } from '../../src/store/index.js';
import { tempDir } from '../support/temp.js';

const BEFORE = '2026-01-01T00:00:00.000Z';

/** A workspace file as a Baton from before the workspace ledger left it: migrated to 005, one finished run. */
function workspaceBeforeTheLedger(home: string): void {
  const db = new Database(join(home, 'baton.db'));
  db.exec('CREATE TABLE baton_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  for (const migration of loadMigrations('sqlite').filter((m) => m.version <= 5)) {
    db.exec(migration.sql);
    db.prepare('INSERT INTO baton_migrations VALUES (?, ?, ?)').run(migration.version, migration.name, BEFORE);
  }
  const old = { baton: 1, name: 'old', steps: { a: { skill: 's' } } };
  const events = chainEvents(
    'old-1',
    EMPTY_HEAD,
    [{ type: 'run.created', data: { plan: old, planHash: hashPlan(old), inputs: {}, registry: {} } } as never],
    BEFORE,
  );
  const last = events.at(-1)!;
  db.prepare(
    "INSERT INTO runs (run_id, name, plan_hash, status, created_at, updated_at, head_seq, head_hash) VALUES ('old-1', 'old', ?, 'running', ?, ?, ?, ?)",
  ).run(hashPlan(old), BEFORE, BEFORE, last.seq, last.hash);
  for (const e of events)
    db.prepare(
      'INSERT INTO events (run_id, seq, type, at, data, prev_hash, hash, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(e.runId, e.seq, e.type, e.at, JSON.stringify(e.data), e.prevHash, e.hash, e.seq);
  db.close();
}

describe('the workspace ledger', () => {
  it('reports runs created before it began as not covered, and fails a later run whose entry was removed', async () => {
    const home = tempDir();
    workspaceBeforeTheLedger(home);
    const baton = await createBaton({ home });
    expect(await baton.verify('old-1')).toMatchObject({ ok: true, covered: false });

    baton.register({ id: 'fn', skills: { work: 1 }, run: async () => 'done' });
    const run = await baton.submit(plan('new').step('only', { skill: 'work' }).build());
    expect((await run.result()).status).toBe('succeeded');
    expect(await baton.verify(run.runId)).toMatchObject({ ok: true, covered: true });
    expect((await baton.verifyWorkspace()).ok).toBe(true);
    const entries = await baton.store.readWorkspaceLedger();
    expect(entries.map((e) => [e.type, e.runId])).toEqual([
      ['run.created', run.runId],
      ['run.ended', run.runId],
    ]);

    const db = new Database(join(home, 'baton.db'));
    db.prepare('DELETE FROM workspace_ledger').run();
    db.close();
    expect(await baton.verify(run.runId)).toMatchObject({
      ok: false,
      seq: 1,
      reason: expect.stringContaining("the workspace ledger has no record of the run's creation"),
    });
    expect(await baton.verify('old-1')).toMatchObject({ ok: true, covered: false });
    await baton.close();
  });

  it('fails a run whose ended entry no longer matches its ledger, and a workspace ledger whose chain was edited', async () => {
    const home = tempDir();
    const baton = await createBaton({ home });
    baton.register({ id: 'fn', skills: { work: 1 }, run: async () => 'done' });
    const run = await baton.submit(plan('new').step('only', { skill: 'work' }).build());
    await run.result();
    const [, ended] = (await baton.store.readWorkspaceLedger()).filter(isRunAnchor);
    const db = new Database(join(home, 'baton.db'));
    db.prepare('UPDATE workspace_ledger SET data = ? WHERE seq = ?').run(
      JSON.stringify({ ...ended!.data, hash: 'f'.repeat(64) }),
      ended!.seq,
    );
    db.close();
    expect(await baton.verify(run.runId)).toMatchObject({
      ok: false,
      seq: ended!.data.seq,
      reason: expect.stringContaining(
        `records the run's end (succeeded) at seq ${ended!.data.seq} with hash ffffffffffff, but the run's event there has hash ${ended!.data.hash.slice(0, 12)}`,
      ),
    });
    const workspace = await baton.verifyWorkspace();
    expect(workspace.ledger).toMatchObject({
      ok: false,
      seq: 2,
      reason: expect.stringContaining('content does not match its hash'),
    });
    await baton.close();
  });
});
