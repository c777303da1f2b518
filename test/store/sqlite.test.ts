import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/index.js';
import { tempDir } from '../support/temp.js';
import { describeStore } from './conformance.js';

describeStore('SQLite', async () => new SqliteStore(join(tempDir(), 'baton.db')));

describe('SQLite migrations', () => {
  it('records each applied migration and opens an existing file without reapplying', async () => {
    const file = join(tempDir(), 'baton.db');
    await new SqliteStore(file).close();
    await new SqliteStore(file).close();
    const db = new Database(file);
    expect(db.prepare('SELECT version, name FROM baton_migrations').all()).toEqual([{ version: 1, name: '001_initial' }]);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('refuses a database migrated by a newer Baton', async () => {
    const file = join(tempDir(), 'baton.db');
    await new SqliteStore(file).close();
    const db = new Database(file);
    db.prepare("INSERT INTO baton_migrations (version, name, applied_at) VALUES (99, '099_future', 'x')").run();
    db.close();
    expect(() => new SqliteStore(file)).toThrow(/schema is at version 99, newer than this Baton knows \(1\)/);
  });
});
