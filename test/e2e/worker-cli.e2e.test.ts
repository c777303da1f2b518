import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp.js';
import { baton } from './cli.js';

describe('baton worker and --db: bad input', () => {
  const home = join(tempDir(), 'home');
  const run = (args: string[]) => baton(args, { home, env: { BATON_DATABASE_URL: '', BATON_DATABASE_SCHEMA: '' } });

  it('refuses to start without a shared database, or with a URL that is not PostgreSQL, exit 2', () => {
    expect(run(['worker'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('baton worker needs a shared PostgreSQL store: pass --db postgres://'),
    });
    expect(run(['worker', '--db', 'mysql://x'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--db expects a PostgreSQL URL like postgres://'),
    });
  });

  it('says why a database cannot be used, exit 3, without ever printing its password', () => {
    const result = run(['status', '--db', 'postgres://baton:s3cret@127.0.0.1:1/baton']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('cannot use the PostgreSQL database at postgres://baton:***@127.0.0.1:1/baton');
    expect(result.stderr).not.toContain('s3cret');
  });

  it('refuses bad worker options and capability modules with what would be valid, exit 2', () => {
    const db = ['--db', 'postgres://nobody@127.0.0.1:1/none'];
    expect(run(['worker', ...db, '--skills', 'A B'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--skills expects skill names separated by commas'),
    });
    expect(run(['worker', ...db, '--grace', 'soon'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--grace expects a duration like 30s or 2m'),
    });
    expect(run(['worker', ...db, '--concurrency', '0'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--concurrency expects a whole number of at least 1'),
    });
    expect(run(['worker', ...db, '--capabilities', 'missing.mjs'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--capabilities: no file at'),
    });
  });

  it('refuses run --concurrency 0 without a shared database: nothing would run the steps', () => {
    expect(run(['run', 'examples/quickstart.yaml', '--concurrency', '0'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--concurrency 0 leaves every step to `baton worker` processes'),
    });
  });
});
