import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createBaton, plan } from '../../src/index.js';
import { tempDir } from '../support/temp.js';

const NOW = Date.parse('2026-03-01T00:00:00.000Z');

/** A baton whose one function waits until the test lets it finish; `started` resolves at its first call. */
async function blockingBaton(home: string, options: { leaseMs?: number; now?: () => number } = {}) {
  const baton = await createBaton({ home, ...options });
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  let started: () => void = () => {};
  const called = new Promise<void>((resolve) => (started = resolve));
  baton.register({
    id: 'slow',
    skills: { work: 1 },
    run: async () => {
      started();
      await gate;
      return 'done';
    },
  });
  return { baton, release, called };
}

function lockExpiry(home: string, runId: string): number {
  const db = new Database(join(home, 'baton.db'), { readonly: true });
  try {
    return (db.prepare('SELECT lock_expires_at FROM runs WHERE run_id = ?').get(runId) as { lock_expires_at: number })
      .lock_expires_at;
  } finally {
    db.close();
  }
}

describe('the conductor lock taken by resume', () => {
  it('lasts the configured leaseMs, as the lock taken when the run was created does', async () => {
    const home = tempDir();
    const first = await blockingBaton(home);
    const run = await first.baton.submit(plan('slow').step('only', { skill: 'work' }).build());
    await first.called;
    await first.baton.close(); // interrupted: resumable, its lock released

    const leaseMs = 60_000;
    const second = await blockingBaton(home, { leaseMs, now: () => NOW });
    const resumed = await second.baton.resume(run.runId);
    expect(lockExpiry(home, run.runId)).toBe(NOW + leaseMs);
    await second.called;
    second.release();
    first.release();
    await resumed.result();
    await second.baton.close();
  });
});
