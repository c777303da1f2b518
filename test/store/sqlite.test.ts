import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { chainEvents, EMPTY_HEAD } from '../../src/ledger/index.js';
import { loadMigrations, SqliteStore } from '../../src/store/index.js';
import { tempDir } from '../support/temp.js';
import { describeStore } from './conformance.js';

const AT = '2026-01-01T00:00:00.000Z';

describeStore('SQLite', async () => new SqliteStore(join(tempDir(), 'baton.db')));

describe('SQLite context entries', () => {
  it('keep their ids and states when the file is closed and reopened, and numbering goes on from them', async () => {
    const file = join(tempDir(), 'baton.db');
    const first = new SqliteStore(file);
    await first.addContextEntry({ kind: 'objective', text: 'ship 1.0', at: AT });
    await first.addContextEntry({ kind: 'insight', text: 'noted', at: AT });
    await first.completeContextEntry({ id: 'obj-1', outcome: 'shipped', at: AT });
    const before = await first.listContextEntries();
    await first.close();

    const reopened = new SqliteStore(file);
    expect(await reopened.listContextEntries()).toEqual(before);
    expect((await reopened.addContextEntry({ kind: 'objective', text: 'next', at: AT })).id).toBe('obj-2');
    await reopened.close();
  });

  it('are numbered without repeats by two connections writing to one file in turn', async () => {
    const file = join(tempDir(), 'baton.db');
    const [a, b] = [new SqliteStore(file), new SqliteStore(file)];
    const ids = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await a.addContextEntry({ kind: 'insight', text: `a${i}`, at: AT })).id);
      ids.push((await b.addContextEntry({ kind: 'insight', text: `b${i}`, at: AT })).id);
    }
    expect(ids).toEqual(['ins-1', 'ins-2', 'ins-3', 'ins-4', 'ins-5', 'ins-6']);
    await Promise.all([a.close(), b.close()]);
  });
});

describe('SQLite migrations', () => {
  it('records each applied migration and opens an existing file without reapplying', async () => {
    const file = join(tempDir(), 'baton.db');
    await new SqliteStore(file).close();
    await new SqliteStore(file).close();
    const db = new Database(file);
    expect(db.prepare('SELECT version, name FROM baton_migrations').all()).toEqual(
      loadMigrations('sqlite').map(({ version, name }) => ({ version, name })),
    );
    expect(db.prepare('SELECT name FROM baton_migrations').all()).toContainEqual({ name: '001_initial' });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('gives events recorded before stream positions existed positions run by run, oldest run first, each in seq order', async () => {
    const file = join(tempDir(), 'baton.db');
    const db = new Database(file);
    db.exec(
      'CREATE TABLE baton_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
    );
    for (const migration of loadMigrations('sqlite').filter((m) => m.version <= 2)) {
      db.exec(migration.sql);
      db.prepare('INSERT INTO baton_migrations VALUES (?, ?, ?)').run(migration.version, migration.name, AT);
    }
    // Run b was created after run a, but its events were inserted first.
    for (const [runId, day] of [
      ['b', 2],
      ['a', 1],
    ] as const) {
      const at = `2026-01-0${day}T00:00:00.000Z`;
      const events = chainEvents(
        runId,
        EMPTY_HEAD,
        [0, 1].map((n) => ({ type: 'run.resumed', data: { engine: 'e', reason: String(n) } }) as const),
        at,
      );
      db.prepare(
        "INSERT INTO runs (run_id, name, plan_hash, status, created_at, updated_at, head_seq, head_hash) VALUES (?, 'p', 'h', 'running', ?, ?, 2, ?)",
      ).run(runId, at, at, events[1]!.hash);
      for (const e of events)
        db.prepare(
          'INSERT INTO events (run_id, seq, type, at, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)',
        ).run(runId, e.seq, e.type, e.at, JSON.stringify(e.data), e.prevHash, e.hash);
    }
    db.close();
    const store = new SqliteStore(file);
    expect(
      (await store.readEventsAfter(undefined, 10)).map((p) => [p.position, `${p.event.runId}${p.event.seq}`]),
    ).toEqual([
      ['1', 'a1'],
      ['2', 'a2'],
      ['3', 'b1'],
      ['4', 'b2'],
    ]);
    await store.close();
  });

  it('keeps every context entry, its seq and numbering when the table is rebuilt to allow tasks (migration 011)', async () => {
    const file = join(tempDir(), 'baton.db');
    const db = new Database(file);
    db.exec(
      'CREATE TABLE baton_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
    );
    for (const migration of loadMigrations('sqlite').filter((m) => m.version < 11)) {
      db.exec(migration.sql);
      db.prepare('INSERT INTO baton_migrations VALUES (?, ?, ?)').run(migration.version, migration.name, AT);
    }
    expect(() =>
      db
        .prepare(
          "INSERT INTO context_entries (id, kind, number, text, status, created_at) VALUES ('task-1', 'task', 1, 't', 'open', ?)",
        )
        .run(AT),
    ).toThrow(/CHECK constraint failed/);
    const insert = db.prepare(
      'INSERT INTO context_entries (id, kind, number, text, run_id, status, outcome, created_at, completed_at) VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?)',
    );
    insert.run('obj-1', 'objective', 1, 'ship 1.0', 'complete', 'shipped', AT, AT);
    insert.run('ins-1', 'insight', 1, 'noted', 'recorded', null, AT, null);
    const rows = db.prepare('SELECT * FROM context_entries ORDER BY seq').all();
    db.close();

    const store = new SqliteStore(file);
    const migrated = new Database(file, { readonly: true });
    expect(migrated.prepare('SELECT * FROM context_entries ORDER BY seq').all()).toEqual(rows);
    migrated.close();
    expect((await store.addContextEntry({ kind: 'task', text: 'ask ops', at: AT })).id).toBe('task-1');
    expect((await store.addContextEntry({ kind: 'objective', text: 'next', at: AT })).id).toBe('obj-2');
    expect((await store.listContextEntries()).map((e) => e.id)).toEqual(['obj-1', 'ins-1', 'task-1', 'obj-2']);
    await store.close();
  });

  it('keeps every event, its position and its run order when events move into position order (migration 010)', async () => {
    const file = join(tempDir(), 'baton.db');
    const db = new Database(file);
    db.exec(
      'CREATE TABLE baton_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
    );
    for (const migration of loadMigrations('sqlite').filter((m) => m.version < 10)) {
      db.exec(migration.sql);
      db.prepare('INSERT INTO baton_migrations VALUES (?, ?, ?)').run(migration.version, migration.name, AT);
    }
    const events = chainEvents(
      'r',
      EMPTY_HEAD,
      [0, 1, 2].map((n) => ({ type: 'run.resumed', data: { engine: 'e', reason: String(n) } }) as const),
      AT,
    );
    db.prepare(
      "INSERT INTO runs (run_id, name, plan_hash, status, created_at, updated_at, head_seq, head_hash) VALUES ('r', 'p', 'h', 'running', ?, ?, 3, ?)",
    ).run(AT, AT, events[2]!.hash);
    // Positions out of seq order, as two runs interleaving would leave them.
    for (const [e, position] of events.map((e, i) => [e, [7, 3, 9][i]!] as const))
      db.prepare(
        'INSERT INTO events (run_id, seq, type, at, data, prev_hash, hash, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ).run('r', e.seq, e.type, e.at, JSON.stringify(e.data), e.prevHash, e.hash, position);
    db.close();
    const store = new SqliteStore(file);
    expect(await store.readEvents('r')).toEqual(events);
    expect((await store.readEventsAfter(undefined, 10)).map((p) => [p.position, p.event.seq])).toEqual([
      ['3', 2],
      ['7', 1],
      ['9', 3],
    ]);
    await store.close();
    const migrated = new Database(file);
    expect(migrated.prepare('SELECT position FROM events ORDER BY rowid').pluck().all()).toEqual([3, 7, 9]);
    // (run_id, seq) stays unique: a second event 2 of run r is refused.
    expect(() =>
      migrated
        .prepare(
          "INSERT INTO events (run_id, seq, type, at, data, prev_hash, hash) VALUES ('r', 2, 't', ?, '{}', '', '')",
        )
        .run(AT),
    ).toThrow(/UNIQUE constraint failed: events.run_id, events.seq/);
    migrated.close();
  });

  it('refuses a database migrated by a newer Baton', async () => {
    const file = join(tempDir(), 'baton.db');
    await new SqliteStore(file).close();
    const db = new Database(file);
    db.prepare("INSERT INTO baton_migrations (version, name, applied_at) VALUES (99, '099_future', 'x')").run();
    db.close();
    expect(() => new SqliteStore(file)).toThrow(
      `the database schema is at version 99, newer than this Baton knows (${loadMigrations('sqlite').at(-1)!.version})`,
    );
  });
});
