import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp.js';
import { baton } from './cli.js';

/** Runs the quickstart in a fresh workspace; returns the workspace and the run's id and event count. */
function finishedRun(): { home: string; runId: string; events: number } {
  const home = tempDir();
  const run = baton(['run', 'examples/quickstart.yaml', '--json'], { home });
  expect(run.code, run.stderr).toBe(0);
  const { runId } = JSON.parse(run.stdout) as { runId: string };
  const db = new Database(join(home, 'baton.db'));
  const { n } = db.prepare('SELECT COUNT(*) AS n FROM events WHERE run_id = ?').get(runId) as { n: number };
  db.close();
  return { home, runId, events: n };
}

function sql(home: string, text: string, ...values: unknown[]): void {
  const db = new Database(join(home, 'baton.db'));
  db.prepare(text).run(...values);
  db.close();
}

describe('a ledger that lost its newest events', () => {
  it('stops `resume` at once with an integrity error naming the chain head and the recorded head, and fails `verify`', () => {
    const { home, runId, events } = finishedRun();
    const kept = events - 3;
    sql(home, 'DELETE FROM events WHERE run_id = ? AND seq > ?', runId, kept);

    // The fold of what is left says `running`: before, resume retried its conflicting append for ever.
    const resumed = baton(['resume', runId], { home });
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(1);
    expect(resumed.stderr).toContain(
      `the ledger of run "${runId}" fails verification at seq ${kept + 1}: the chain ends at seq ${kept} (hash `,
    );
    expect(resumed.stderr).toContain(`but the run's recorded head is seq ${events} (hash `);
    expect(resumed.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace

    const verify = baton(['verify', runId], { home });
    expect(verify.code).toBe(1);
    expect(verify.stdout).toContain(
      `✗ ${runId}: ledger verification FAILED at seq ${kept + 1}: the chain ends at seq ${kept} (hash `,
    );
    expect(verify.stdout).toContain(`events after seq ${kept} were deleted`);
    const [json] = JSON.parse(baton(['verify', runId, '--json'], { home }).stdout) as {
      ok: boolean;
      seq: number;
      reason: string;
    }[];
    expect(json).toMatchObject({ ok: false, seq: kept + 1 });
  });

  it('fails `verify` when every event of a run was deleted', () => {
    const { home, runId, events } = finishedRun();
    sql(home, 'DELETE FROM events WHERE run_id = ?', runId);
    const verify = baton(['verify'], { home });
    expect(verify.code).toBe(1);
    expect(verify.stdout).toContain(
      `✗ ${runId}: ledger verification FAILED at seq 1: the run has no events, but its recorded head is seq ${events}`,
    );
  });

  it('fails `verify` for a run deleted whole (its row and its events): the workspace ledger recorded its creation', () => {
    const { home, runId } = finishedRun();
    const other = JSON.parse(baton(['run', 'examples/quickstart.yaml', '--json'], { home }).stdout) as {
      runId: string;
    };
    sql(home, 'DELETE FROM events WHERE run_id = ?', runId);
    sql(home, 'DELETE FROM runs WHERE run_id = ?', runId);
    const verify = baton(['verify'], { home });
    expect(verify.code).toBe(1);
    expect(verify.stdout).toContain(`✓ ${other.runId}: ledger verified`);
    expect(verify.stdout).toMatch(
      new RegExp(
        `✗ ${runId}: ledger verification FAILED at seq 1: the run was deleted: the workspace ledger \\(entry 1\\) records its creation at \\S+, but the workspace has no such run`,
      ),
    );
    const one = baton(['verify', runId], { home });
    expect(one.code).toBe(1);
    expect(one.stdout).toContain(`✗ ${runId}: ledger verification FAILED at seq 1: the run was deleted`);
    const json = JSON.parse(baton(['verify', '--json'], { home }).stdout) as { runId: string; ok: boolean }[];
    expect(json).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ runId, ok: false }),
        expect.objectContaining({ runId: other.runId, ok: true }),
      ]),
    );
  });
});
